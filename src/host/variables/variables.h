// Variables: `spin-config` / `get-config` (Spin 1.x), the component's config
// keys ([component.config] in manifest v1, `variables` in v2), already
// resolved by the manifest stage (defaults, SPIN_VARIABLE_*, .env).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "host/capability.h"

namespace spindle::host::variables {

// The `spin-config` imports; each component gets its own variables.
const Capability& capability();

// Spin's key rule: lowercase ASCII letters, digits and single underscores,
// starting with a letter and ending with a letter or digit. Returns why a key
// is invalid, or "" when it is valid.
std::string check_key(std::string_view key);

}  // namespace spindle::host::variables
