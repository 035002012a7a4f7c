#include "cli/data_dir.h"

#include <cstdlib>
#include <system_error>

namespace spindle::cli {

namespace fs = std::filesystem;

fs::path data_dir() {
  if (const char* env = std::getenv("SPINDLE_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "spindle";
    if (fs::is_directory(installed / "templates", ec)) return installed;
  }
  return SPINDLE_SOURCE_DIR;
}

}  // namespace spindle::cli
