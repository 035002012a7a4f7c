// From a validated .wasm to C source: the checks wasm2c 1.0.32 needs (no
// SIMD), the initial-memory image taken out of the data section (so data
// never passes through the C compiler), and wasm2c's C writer in-process.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace wabt {
struct Module;
}

namespace spindle::engine::native {

// Why wasm2c cannot translate the module, or "" when it can.
std::string unsupported_feature(const wabt::Module& m);

// The initial memory image of a module whose only memory is defined (not
// imported) and whose active data segments all have constant offsets inside
// the initial memory; empty `has_image` otherwise. When `strip` is set the
// segments' bytes are removed from `m` (they stay as empty segments so
// memory.init/data.drop keep their meaning).
struct ImageResult {
  bool has_image = false;
  std::vector<uint8_t> bytes;
};
ImageResult extract_memory_image(wabt::Module& m, bool strip);

// wasm2c's C output for `m` (module name glue::kModuleName), header included
// as "module.h". Returns false with `error` set on failure.
bool write_c(wabt::Module& m, std::string& c_source, std::string& header, std::string& error);

}  // namespace spindle::engine::native
