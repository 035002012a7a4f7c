// From a validated .wasm to C source: the checks wasm2c 1.0.32 needs (no
// SIMD) and wasm2c's C writer in-process. (The initial-memory image is
// taken out of the data section by module_code.h, so data never passes
// through the C compiler.)
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

// wasm2c's C output for `m` (module name glue::kModuleName), header included
// as "module.h". Returns false with `error` set on failure.
bool write_c(wabt::Module& m, std::string& c_source, std::string& header, std::string& error);

}  // namespace spindle::engine::native
