// `spindle watch`: builds and serves the app, then rebuilds the component
// whose `build.watch` files change and reloads what is served. The reload
// replaces the served app only once the new version has loaded completely;
// a failed build or load leaves the previous version serving.
#pragma once

#include <chrono>

#include "cli/up_command.h"

namespace spindle::cli {

struct WatchOptions {
  UpOptions up;
  std::chrono::milliseconds debounce{100};  // quiet time after the last change
  bool skip_build = false;                  // watch sources and files only; never build
};

int watch_command(const WatchOptions& opts);

}  // namespace spindle::cli
