#include "util/paths.h"

#include <cstdlib>

namespace spindle::util {

std::filesystem::path cache_home() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return std::filesystem::path(x) / "spindle";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::filesystem::path(h) / ".cache" / "spindle";
  return std::filesystem::temp_directory_path() / "spindle-cache";
}

}  // namespace spindle::util
