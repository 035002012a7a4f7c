// The application `spindle up` and `spindle watch` serve: the manifest loaded
// into executors and a router, behind one HTTP server. load() can be called
// again while serving (spindle watch): the new version is built completely
// before it replaces the old one, so requests see either the old app or the
// new one, never a half-loaded one, and a version that fails to load leaves
// the old one serving.
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
#include "host/outbound_http/outbound_http.h"
#include "trigger/http/server.h"
#include "trigger/redis/subscriber.h"

namespace spindle::manifest {
struct App;
}

namespace spindle::cli {

struct LoadedApp;
struct Output;

class AppHost {
 public:
  explicit AppHost(const UpOptions& opts);
  ~AppHost();

  // Loads (or reloads) the manifest. On failure `error` holds the report and
  // whatever was serving keeps serving.
  bool load(std::string& error);
  // Binds the listen address and serves in background threads.
  bool start(std::string& error);
  void stop();
  // "Serving http://…" and the routes, on stdout.
  void print_routes() const;
  std::shared_ptr<const manifest::App> app() const;

 private:
  trigger::http::Outgoing handle(trigger::http::Incoming& in);
  void dispatch(const std::string& address, const trigger::redis::Message& m);
  // (Re)subscribes when the loaded app's Redis channels differ from the
  // subscribed ones.
  void sync_subscribers();
  void write_output(const Output& o, const std::string& out, const std::string& err);
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
  std::atomic<std::shared_ptr<const LoadedApp>> current_;
  std::mutex log_mu_;
  unsigned loads_ = 0;  // successful load() calls
  // The app's own address, for outbound requests to "self".
  std::shared_ptr<host::outbound_http::SelfOrigin> self_origin_ =
      std::make_shared<host::outbound_http::SelfOrigin>();
  trigger::http::Server server_;
  bool started_ = false;
  std::map<std::string, std::vector<std::string>> subscribed_;  // address → channels
  std::vector<std::unique_ptr<trigger::redis::Subscriber>> subscribers_;
};

}  // namespace spindle::cli
