// Where spindle finds what it ships besides the binary: the templates for
// `spindle new` and the guest SDK.
#pragma once

#include <filesystem>

namespace spindle::cli {

// $SPINDLE_DATA_DIR, else <prefix>/share/spindle beside an installed binary,
// else the source tree spindle was built from.
std::filesystem::path data_dir();

inline std::filesystem::path templates_dir() { return data_dir() / "templates"; }
inline std::filesystem::path sdk_dir() { return data_dir() / "sdk" / "cpp"; }

}  // namespace spindle::cli
