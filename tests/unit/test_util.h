// Helpers shared by the unit tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spindle::test {

// Assembles WebAssembly text with WABT's wat2wasm (its default features: the
// Wasm 2.0 set spindle supports); fails the test on error. Thread-safe.
// With validate = false, invalid (but well-formed) modules are assembled too.
std::vector<uint8_t> wat(std::string_view text, bool validate = true);

// A fresh empty directory for one test.
std::string temp_dir(std::string_view name);

}  // namespace spindle::test
