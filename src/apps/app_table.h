// Many apps in one process (docs/MULTI_APP.md): the stage between the HTTP
// server and an app's HTTP trigger. It picks the app a request is for (its
// Host, then the longest matching path prefix; "*" for any host no app
// claims), loads that app on its first request (on a worker, so a slow load
// never holds an I/O thread), caps how many of one app's requests run at
// once, and unloads apps idle past their time. The set of apps can be
// replaced while serving: apps that did not change keep their loaded state,
// and a replaced or removed app finishes the requests it has.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "manifest/host_config.h"
#include "trigger/http/http_trigger.h"

namespace spindle::trigger {
class Log;
class WorkerPool;
}  // namespace spindle::trigger

namespace spindle::apps {

// A loaded app as the table holds it (cli::AppHost behind it); destroying
// it stops the app.
class LoadedApp {
 public:
  virtual ~LoadedApp() = default;
  virtual trigger::http::Endpoint* http() = 0;  // null: the app serves no HTTP
};

struct AppSettings {
  manifest::AppEntry entry;
  std::chrono::nanoseconds idle_unload{0};  // 0: never unloaded
  unsigned max_concurrency = 0;             // 0: no cap
  // Loaded when the set is applied and never unloaded: the app has
  // triggers that run without requests (Redis, cron).
  bool pinned = false;
};

// Loads one app; null with `error` when it cannot.
using Loader =
    std::function<std::shared_ptr<LoadedApp>(const AppSettings& app, std::string& error)>;

class AppTable {
 public:
  AppTable(Loader loader, trigger::WorkerPool& workers, trigger::Log& log);
  ~AppTable();  // stops the idle sweep; loaded apps go with the table
  AppTable(const AppTable&) = delete;
  AppTable& operator=(const AppTable&) = delete;

  // The apps served from now on. Pinned apps are loaded now (an app that
  // fails is reported in `errors` and skipped).
  void set(std::vector<AppSettings> apps, std::vector<std::string>& errors);

  // The shared server's handler and its streamed-body question.
  void handle(trigger::http::Incoming&& in, trigger::http::Respond respond);
  bool stream_body(std::string_view method, std::string_view target, std::string_view host);

  // Shutting down: the health endpoint answers 503 (on every host).
  void unready() { unready_ = true; }
  // Unloads the apps idle past their time with nothing in flight (the
  // sweep thread calls it every 200 ms); returns how many.
  size_t unload_idle();

  struct Slot;
  struct Table;

 private:
  std::shared_ptr<Slot> find(std::string_view host, std::string_view path) const;
  // The slot's app, loading it if needed (on the calling thread).
  std::shared_ptr<LoadedApp> get(Slot& slot, std::string& error);
  void dispatch(std::shared_ptr<Slot> slot, std::shared_ptr<LoadedApp> app,
                trigger::http::Incoming&& in, trigger::http::Respond respond);

  Loader loader_;
  trigger::WorkerPool& workers_;
  trigger::Log& log_;
  std::atomic<std::shared_ptr<const Table>> table_;
  std::atomic<bool> unready_{false};
  std::mutex set_mu_;  // one set() at a time
  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool stopping_ = false;
  std::thread sweeper_;
};

}  // namespace spindle::apps
