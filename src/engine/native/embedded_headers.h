// The runtime headers native modules are compiled against, embedded in the
// binary at build time (so spindle needs no install path), and the engine
// version that goes into the cache key.
#pragma once

#include <string_view>

namespace spindle::engine::native {

std::string_view wasm_rt_header();
std::string_view spindle_rt_header();
// spindle's version plus a digest of the embedded headers and glue format.
std::string_view engine_version();

}  // namespace spindle::engine::native
