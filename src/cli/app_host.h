// The application `spindle up` and `spindle watch` serve. AppHost only loads
// app versions and swaps them: load() reads the manifest, makes one
// ComponentRuntime per component (trigger/trigger.h) and has every trigger
// the app uses configure its part; a version that fails anywhere leaves the
// old one serving, and one that loads is swapped in by every trigger at
// once. The triggers (HTTP, Redis: trigger/registry.h) do the serving.
#pragma once

#include <atomic>
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
namespace spindle::host {
class SelfOrigin;
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
  // "Serving http://…" and the routes, on stdout.
  void print_routes() const;
  std::shared_ptr<const manifest::App> app() const;

 private:
  // Compiles pending_ on a background thread, then load()s again so the
  // native code replaces the interpreter (without dropping a request).
  void compile_in_background();

  UpOptions opts_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<engine::Engine> interp_engine_;  // tiered start: serves until native is ready
  struct PendingCompile {
    std::string digest;
    std::vector<uint8_t> bytes;
    std::string display;
  };
  std::mutex load_mu_;                   // one load() at a time
  std::vector<PendingCompile> pending_;  // modules load() gave to the interpreter
  // Background compiles by wasm digest: the native module, or null when the
  // compile failed (the interpreter keeps serving; not retried).
  std::map<std::string, std::shared_ptr<engine::Module>> compiled_;
  std::thread compiler_;
  std::atomic<bool> compiling_{false}, stopping_{false};
  std::atomic<std::shared_ptr<const trigger::AppVersion>> current_;
  unsigned loads_ = 0;  // successful load() calls
  trigger::Log log_;
  std::unique_ptr<trigger::WorkerPool> workers_;
  std::shared_ptr<host::SelfOrigin> self_origin_;
  trigger::Services services_;
  std::map<std::string, std::unique_ptr<trigger::Trigger>> triggers_;  // by type
  bool started_ = false;
};

}  // namespace spindle::cli
