// What every trigger shares: the loaded app version it serves, the services
// of the process it runs in, and the Trigger interface itself.
//
// The life of an app version (cli/app_host.cpp): AppHost reads the manifest
// and makes one ComponentRuntime per component (module loaded, files staged
// and opened, environment and host capabilities bound, limits resolved);
// then every trigger the app uses configure()s its part (the HTTP trigger
// its routes and executors, the Redis trigger its subscriptions); if all
// succeed, start() makes each one serve the new version, swapping it in
// without dropping a request. If any fails, the version serving keeps
// serving.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "abi/executor.h"
#include "engine/engine.h"

namespace spindle::manifest {
struct App;
}
namespace spindle::host {
class SelfOrigin;
}

namespace spindle::trigger {

class WorkerPool;

// The process's log: request lines on stdout (unless quiet), failures on
// stderr, and each component's guest output in its log files. Lines are
// text ("2026-12-04T10:00:00.123Z GET / static 200 0.123ms") or, with
// `json`, one JSON object per line ({"time":…,"level":"info",…}).
class Log {
 public:
  explicit Log(bool quiet, bool json = false) : quiet_(quiet), json_(json) {}
  bool quiet() const { return quiet_; }
  // A timestamped line on stdout (not when quiet); JSON: {"message": line}.
  void info(const std::string& line);
  // The same, even when quiet (the server's own life: stopping, stopped).
  void notice(const std::string& line);
  // The same on stderr, always, at level "error".
  void error(const std::string& line);
  // One HTTP request's line (not when quiet); JSON: method, path,
  // component, status and duration_ms as fields.
  void request(std::string_view method, std::string_view path, std::string_view component,
               unsigned status, double ms);
  // Appends to a file (empty path: nothing), serialised with the other writes.
  void append(const std::filesystem::path& file, std::string_view text);
  // Raw guest output to the terminal (--follow).
  void echo(std::string_view out, std::string_view err);

 private:
  // `fields` (JSON: ",\"k\":v…") or `text`, by format.
  void write(std::FILE* to, std::string_view level, const std::string& fields,
             const std::string& text);
  bool quiet_;
  bool json_;
  std::mutex mu_;
};

// `s` as the inside of a JSON string.
std::string json_escape(std::string_view s);

// "2026-12-04T10:00:00.123Z" (UTC, milliseconds).
std::string timestamp();

// One component as all its triggers use it, made once per app version.
struct ComponentRuntime {
  std::string id;
  std::shared_ptr<engine::Module> module;
  // Environment, host capabilities and the WASI environment (files opened
  // once, shared by every executor of the component).
  abi::ComponentConfig config;
  // Per-request limits (timeout, memory) after the manifest's and the
  // command line's settings.
  engine::InstanceOptions limits;
  std::filesystem::path stdout_log, stderr_log;  // empty: file logs off
  bool follow = false;                           // --follow: echo its output
  // A folder of this version only (a reload's staged files), removed with it.
  std::filesystem::path owned_dir;

  ComponentRuntime() = default;
  ComponentRuntime(const ComponentRuntime&) = delete;
  ComponentRuntime& operator=(const ComponentRuntime&) = delete;
  ~ComponentRuntime();

  // Records what one call of the guest wrote.
  void write_output(Log& log, const std::string& out, const std::string& err) const;
};

// One loaded version of the app, immutable once made.
struct AppVersion {
  std::shared_ptr<const manifest::App> app;
  std::map<std::string, std::shared_ptr<const ComponentRuntime>> components;
  const ComponentRuntime* component(const std::string& id) const {
    auto it = components.find(id);
    return it == components.end() ? nullptr : it->second.get();
  }
};

// Process-wide settings and services every trigger gets.
struct Services {
  WorkerPool* workers = nullptr;  // where guests run
  Log* log = nullptr;
  std::string listen;       // HTTP: host:port
  unsigned io_threads = 0;  // HTTP server threads; 0: one per core
  // Where components' requests to the app itself go: the HTTP trigger
  // answers them in process.
  std::shared_ptr<host::SelfOrigin> self;
  // HTTP: PEM certificate chain and private key files; both set: HTTPS.
  std::string tls_cert, tls_key;
  // Several apps in one process (apps/app_table.h): the HTTP trigger binds
  // no server of its own; the front's server, at this origin
  // ("http://127.0.0.1:3000"), hands it the app's requests. Empty: it binds
  // `listen` itself.
  std::string shared_origin;
  // The app's name, put before component ids in request logs and metrics
  // ("site/likes"); empty: one app, ids alone.
  std::string app_name;
};

class Trigger {
 public:
  virtual ~Trigger() = default;
  // Builds this trigger's part of `version` (executors, routes, channels);
  // nothing serves it yet. False with `error` refuses the version.
  virtual bool configure(std::shared_ptr<const AppVersion> version, std::string& error) = 0;
  // Serves the last configured version: the first call starts serving
  // (binds, subscribes); later calls swap the new version in atomically.
  virtual bool start(std::string& error) = 0;
  // Stops serving (idempotent).
  virtual void stop() = 0;
  // The first step of a graceful stop: still serving, but telling load
  // balancers to go elsewhere (HTTP: the health endpoint answers 503).
  virtual void unready() {}
  // Stops gracefully: takes nothing new, lets what is running finish until
  // `deadline`, then stop().
  virtual void drain(std::chrono::steady_clock::time_point /*deadline*/) { stop(); }
  // What it serves, for the start-up banner ("Serving http://…").
  virtual void describe(std::FILE* out) const = 0;
};

}  // namespace spindle::trigger
