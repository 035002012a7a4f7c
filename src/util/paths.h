// Where spindle keeps its files.
#pragma once

#include <filesystem>

namespace spindle::util {

// $XDG_CACHE_HOME/spindle, else ~/.cache/spindle.
std::filesystem::path cache_home();

}  // namespace spindle::util
