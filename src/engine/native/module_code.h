// What a module's native code depends on, read straight from its binary
// (no WABT parse: a 12 MB module takes WABT seconds to read).
//
// The code key covers every section byte for byte (custom sections too),
// except that when the module's active data segments all go into its
// initial-memory image, the data section contributes only its segment
// count and, per segment, its kind: the offsets and bytes of active
// segments live in the image, which is built per module at load, and the C
// code is written with those segments emptied and their offsets zeroed
// (strip_active_segments). Passive segments stay in the key with their
// bytes (memory.init copies them from the code). So modules that differ only
// in their data (every Spin JS app: one StarlingMonkey, its own wizer
// snapshot) share one compiled artifact.
//
// The image is used when the module has exactly one memory, defined (not
// imported), and every active segment is `i32.const` into memory 0 and ends
// inside the initial memory.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/runtime/memory_pool.h"

namespace wabt {
struct Module;
}

namespace spindle::engine::native {

struct ModuleCode {
  std::string digest;  // hex SHA-256 of the code, as above
  bool image = false;  // the active segments are in the image, not in the code
  using Segment = runtime::MemoryImage::Piece;  // offset and bytes
  std::vector<Segment> active;                  // when `image`: the active segments, in order
  // The initial memory image: zero-filled up to the end of the last
  // non-empty active segment (empty when there is none or !image). (The
  // loader writes the segments into the image's memfd directly.)
  std::vector<uint8_t> image_bytes() const;
};

// Scans `wasm`. A module this scanner does not follow (malformed, or a
// construct it does not know) gets the digest of its whole bytes and no
// image, which is always correct.
ModuleCode scan_module(std::span<const uint8_t> wasm);

// `wasm` with every function body replaced by `unreachable`, its active
// data segments emptied (scan_module checked their bounds) and without its
// custom sections: what the loader still reads and validates with WABT when
// the code itself was validated when it was compiled (same code key): a
// StarlingMonkey module takes WABT 2-5 s whole and ~0.1 s so. Empty when
// `wasm` cannot be scanned.
std::vector<uint8_t> stub_module(std::span<const uint8_t> wasm);

// Empties every active data segment of `m` and zeroes its offset (the image
// carries them; see above).
void strip_active_segments(wabt::Module& m);

}  // namespace spindle::engine::native
