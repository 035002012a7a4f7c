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

// What the apps of one process share: the engines and their compile cache,
// the workers guests run on, the log and the metrics endpoint.
struct SharedRuntime {
  explicit SharedRuntime(const UpOptions& opts);
  ~SharedRuntime();
  // Starts --metrics-listen (once); false with `error` when it cannot bind.
  bool start_metrics(const std::string& listen, std::string& error);

  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<engine::TieredLoader> tiered;  // interpreter first, then native
  trigger::Log log;
  std::unique_ptr<trigger::WorkerPool> workers;
  std::unique_ptr<trigger::http::MetricsEndpoint> metrics;  // --metrics-listen
};

// How an app is served beside others (apps/app_table.h); the defaults are
// one app, alone in its process.
struct AppPlacement {
  std::string name;           // in logs and metrics; empty: alone
  std::string shared_origin;  // the shared HTTP server's origin; empty: its own server
  std::string base_prefix;    // put before the app's HTTP base ("/blog")
};

// A graceful stop, of one app or of several: `unready` (the health
// endpoint answers 503) while requests are still served for `delay`, then
// `drain(deadline)` (nothing new is taken; what runs may finish until
// `finish` later). `stop` ends it at once when `interrupt` (polled while
// waiting, with how long it may wait) returns true.
void drain_gracefully(std::chrono::nanoseconds delay, std::chrono::nanoseconds finish,
                      const std::function<void()>& unready,
                      const std::function<void(std::chrono::steady_clock::time_point)>& drain,
                      const std::function<void()>& stop,
                      const std::function<bool(std::chrono::milliseconds)>& interrupt);

class AppHost {
 public:
  // One app alone: it owns its SharedRuntime.
  explicit AppHost(const UpOptions& opts);
  // One app of several, on `shared` (which outlives it). Native code is
  // compiled before the app serves (no interpreter tier: one app's compile
  // would otherwise reload others).
  AppHost(const UpOptions& opts, SharedRuntime& shared, AppPlacement placement);
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
  trigger::Log& log() { return shared_->log; }
  // "Serving http://…" and the routes (and the metrics URL), on stdout.
  void print_routes() const;
  std::shared_ptr<const manifest::App> app() const;
  // The started trigger of `type` ("http", "redis", "cron"); null when the
  // app has none.
  trigger::Trigger* trigger(const std::string& type) const;

 private:
  UpOptions opts_;
  std::unique_ptr<SharedRuntime> owned_;  // alone: its own
  SharedRuntime* shared_;
  AppPlacement placement_;
  std::mutex load_mu_;  // one load() at a time
  std::atomic<bool> stopping_{false};
  std::atomic<std::shared_ptr<const trigger::AppVersion>> current_;
  unsigned loads_ = 0;  // successful load() calls
  std::shared_ptr<host::SelfOrigin> self_origin_;
  trigger::Services services_;
  std::map<std::string, std::unique_ptr<trigger::Trigger>> triggers_;  // by type
  bool started_ = false;
};

}  // namespace spindle::cli
