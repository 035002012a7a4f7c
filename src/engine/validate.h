// Reading and validating a module, shared by both backends so a bad module
// gets the same message everywhere: which function (index and name) and why.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace wabt {
struct Module;
class Features;
}  // namespace wabt

namespace spindle::engine {

// The Wasm 2.0 feature set spindle accepts (MVP, mutable globals,
// sign-extension, saturating float-to-int, multi-value, bulk memory,
// reference types, SIMD).
const wabt::Features& supported_features();

// Parses `wasm` into `out` and validates it. Returns "" when the module is
// valid, else a message naming the module, the function and the reason, e.g.
// "hello.wasm: invalid module: function 3 ($main): type mismatch in i32.add ...".
std::string read_and_validate(std::span<const uint8_t> wasm, std::string_view name,
                              wabt::Module& out);

// Same, without keeping the parsed module.
std::string validate(std::span<const uint8_t> wasm, std::string_view name);

}  // namespace spindle::engine
