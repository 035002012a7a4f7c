// The application `spindle up` and `spindle watch` serve. AppHost only loads
// app versions and swaps them: load() reads the manifest, makes one
// ComponentRuntime per component (trigger/trigger.h) and has every trigger
// the app uses configure its part; a version that fails anywhere leaves the
// old one serving, and one that loads is swapped in by every trigger at
// once. The triggers (HTTP, Redis: trigger/registry.h) do the serving.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/up_command.h"
#include "engine/engine.h"
#include "trigger/trigger.h"

namespace spindle::manifest {
struct App;
}
namespace spindle::trigger {
class WorkerPool;
}
namespace spindle::engine {
class TieredLoader;
}
namespace spindle::host {
class SelfOrigin;
}
namespace spindle::trigger::http {
class MetricsEndpoint;
}

namespace spindle::cli {

class AppHost {
 public:
  explicit AppHost(const UpOptions& opts);
  ~AppHost();

  // Loads (or reloads) the manifest. On failure `error` holds the report and
  // whatever was serving keeps serving.
  bool load(std::string& error);
  // Starts the triggers (binds the listen address, subscribes).
  bool start(std::string& error);
  void stop();
  // A graceful stop: the health endpoint answers 503 for `delay` (requests
  // are still served), then nothing new is taken and what is running may
  // finish until `delay` + `finish`. Returns early, stopping at once, if
  // `interrupt` returns true (it is polled while waiting).
  void drain(std::chrono::nanoseconds delay, std::chrono::nanoseconds finish,
             const std::function<bool(std::chrono::milliseconds)>& interrupt);
  trigger::Log& log() { return log_; }
  // "Serving http://…" and the routes (and the metrics URL), on stdout.
  void print_routes() const;
  std::shared_ptr<const manifest::App> app() const;

 private:
  UpOptions opts_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<engine::TieredLoader> tiered_;  // interpreter first, then native
  std::mutex load_mu_;                            // one load() at a time
  std::atomic<bool> stopping_{false};
  std::atomic<std::shared_ptr<const trigger::AppVersion>> current_;
  unsigned loads_ = 0;  // successful load() calls
  trigger::Log log_;
  std::unique_ptr<trigger::WorkerPool> workers_;
  std::shared_ptr<host::SelfOrigin> self_origin_;
  trigger::Services services_;
  std::map<std::string, std::unique_ptr<trigger::Trigger>> triggers_;  // by type
  std::unique_ptr<trigger::http::MetricsEndpoint> metrics_;            // --metrics-listen
  bool started_ = false;
};

}  // namespace spindle::cli
