// Building the JavaScript test components (build-js.sh) from a test: one
// helper for the unit and integration tests. Needs SPINDLE_COMPONENTS_DIR
// (this folder) and SPINDLE_JS_COMPONENTS (where the .wasm files go).
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace spindle::test {

// Builds `apps` (js/<app>, space-separated) into SPINDLE_JS_COMPONENTS. ""
// on success; else why, with `skip` set when node or the Spin JS SDK
// packages are missing (the test should skip, not fail).
inline std::string build_js(const std::string& apps, bool& skip) {
  namespace fs = std::filesystem;
  const fs::path out = SPINDLE_JS_COMPONENTS;
  fs::create_directories(out);
  fs::path log = out / ("build-js." + std::to_string(getpid()) + ".log");
  std::string cmd = (fs::path(SPINDLE_COMPONENTS_DIR) / "build-js.sh").string() + " " +
                    out.string() + " " + apps + " >" + log.string() + " 2>&1";
  int status = std::system(cmd.c_str());
  std::stringstream text;
  text << std::ifstream(log).rdbuf();
  fs::remove(log);
  skip = WIFEXITED(status) && WEXITSTATUS(status) == 3;
  if (skip)
    return "the Spin JS SDK npm packages are not installed (run scripts/setup): " + text.str();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "build-js.sh failed:\n" + text.str();
  return "";
}

}  // namespace spindle::test
