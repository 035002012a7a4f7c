// Splitting wasm2c 1.0.32's C output into several translation units, so a
// huge module (StarlingMonkey: 129 MB of C, 12,453 functions) compiles in
// parallel and in bounded memory. WABT 1.0.32's C writer has no
// --num-outputs, so the one file it writes is cut up here:
//
//   prefix       includes, helpers, func_types, function declarations, the
//                init functions and segment arrays (static)
//   definitions  `static <type> w2c_<name>(...) {` ... `}` (column 0)
//   suffix       exports, init_module, instantiate, free (+ spindle's glue)
//
// Every part gets the prefix (its unused static helpers and arrays cost
// nothing) and a run of definitions; the main part gets the prefix and the
// suffix. The functions and func_types become hidden globals instead of
// statics so the parts can call each other.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace spindle::engine::native {

struct SplitSource {
  std::string main;                // prefix + suffix
  std::vector<std::string> parts;  // prefix + definitions each
};

// Removes wasm2c's `LOAD_DATA(<memory>, 0u, NULL, 0);` lines: the emptied
// active segments of a module whose data is in its image (module_code.h).
// Each is a no-op, but 10,000 of them in one init function (StarlingMonkey's
// snapshot) cost clang 74 s at -O2. Returns how many were removed.
size_t drop_empty_data_loads(std::string& c);

// Cuts `c` into about `c.size() / part_bytes` function parts (at least 2).
// Returns false (and leaves `out` empty) when `c` does not have the shape
// above, so the caller compiles it whole.
bool split_c(std::string_view c, size_t part_bytes, SplitSource& out);

}  // namespace spindle::engine::native
