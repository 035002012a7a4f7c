// Internal to src/manifest, for the two files that include toml++
// (read_toml.cpp, runtime_config.cpp): a TOML node as a ConfigValue.
#pragma once

#include <toml++/toml.h>

#include "manifest/manifest.h"

namespace spindle::manifest::detail {

ConfigValue to_config_value(const toml::node& n);

}  // namespace spindle::manifest::detail
