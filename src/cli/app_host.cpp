#include "cli/app_host.h"

#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "abi/executor.h"
#include "abi/http.h"
#include "abi/redis_executor.h"
#include "host/key_value/key_value.h"
#include "host/outbound_http/outbound_http.h"
#include "host/redis/outbound_redis.h"
#include "host/sqlite/sqlite.h"
#include "host/variables/variables.h"
#include "manifest/manifest.h"
#include "manifest/remote_source.h"
#include "trigger/http/router.h"
#include "util/paths.h"
#include "util/sha256.h"

namespace spindle::cli {

namespace fs = std::filesystem;
using trigger::http::Incoming;
using trigger::http::Outgoing;

namespace {

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(ms));
  return out;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else {
          out += c;
        }
    }
  }
  return out;
}

// The component's `files` as one read-only folder: each mapped file is
// hard-linked (or copied) to its guest path under `dir`.
bool stage_files(const manifest::Component& c, const fs::path& dir, std::string& error) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  for (const auto& m : c.files) {
    fs::path target = dir / fs::path(m.guest).relative_path();
    fs::create_directories(target.parent_path(), ec);
    if (link(m.host.c_str(), target.c_str()) != 0) {
      fs::copy_file(m.host, target, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        error =
            "cannot stage " + m.host.string() + " for component `" + c.id + "`: " + ec.message();
        return false;
      }
    }
  }
  return true;
}

void append(const fs::path& file, const std::string& text, std::mutex& mu) {
  if (file.empty() || text.empty()) return;
  std::lock_guard lock(mu);
  std::ofstream(file, std::ios::app | std::ios::binary) << text;
}

}  // namespace

// Where a component's output goes.
struct Output {
  std::string id;
  fs::path stdout_log, stderr_log;  // empty: file logs off
  bool follow = false;
};

// A component serving HTTP requests.
struct Served : Output {
  std::shared_ptr<const abi::Executor> executor;
};

// A component handling Redis messages.
struct Listener : Output {
  std::shared_ptr<const abi::RedisExecutor> executor;
};

// One loaded version of the application.
struct LoadedApp {
  std::shared_ptr<const manifest::App> app;
  std::map<std::string, Served> served;
  trigger::http::Router router;
  std::map<std::string, Listener> listeners;
  // Redis address → channel → the ids of the components listening there.
  std::map<std::string, std::map<std::string, std::vector<std::string>>> subscriptions;
  std::string info_json;
  engine::InstanceOptions limits;
  std::vector<fs::path> staged;  // per-version files folders, removed with this version

  ~LoadedApp() {
    std::error_code ec;
    for (const auto& d : staged) fs::remove_all(d, ec);
  }
};

AppHost::AppHost(const UpOptions& opts) : opts_(opts) {
  engine::EngineOptions eo;
  eo.backend = opts_.backend;
  eo.use_cache = opts_.use_cache;
  eo.progress = true;
  engine_ = engine::Engine::create(eo);
  // Components' requests to the app itself ("self") are served in process.
  self_origin_->set_dispatch([this](host::outbound_http::LocalRequest& r) {
    Incoming in;
    in.method = std::move(r.method);
    in.target = std::move(r.target);
    for (auto& [k, v] : r.headers) {
      std::string name = k;
      for (char& c : name)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      in.headers.emplace_back(std::move(name), std::move(v));
    }
    in.body = std::move(r.body);
    in.client_addr = "127.0.0.1:0";
    std::string origin = self_origin_->get();
    in.host = origin.rfind("http://", 0) == 0 ? origin.substr(7) : origin;
    Outgoing out = handle(in);
    return host::outbound_http::LocalResponse{out.status, std::move(out.headers),
                                              std::move(out.body)};
  });
}

AppHost::~AppHost() {
  stop();
  if (compiler_.joinable()) compiler_.join();
}

void AppHost::compile_in_background() {
  // One background compile at a time (its own reload comes through here
  // too and stops at this check); a later load() finds what it left in the
  // cache, or starts the next round.
  if (compiling_) return;
  if (compiler_.joinable()) compiler_.join();
  compiling_ = true;
  std::vector<PendingCompile> work = std::move(pending_);
  pending_.clear();
  std::printf("Serving %zu component%s from the interpreter while native code compiles\n",
              work.size(), work.size() == 1 ? "" : "s");
  std::fflush(stdout);
  compiler_ = std::thread([this, work = std::move(work)] {
    auto start = std::chrono::steady_clock::now();
    std::vector<std::pair<std::string, std::shared_ptr<engine::Module>>> results;
    bool compiled = false;
    for (const auto& w : work) {
      if (stopping_) break;
      auto r = engine_->load(w.bytes, w.display);
      if (!r.ok())
        std::fprintf(
            stderr,
            "spindle up: native compile of %s failed; the interpreter keeps serving it: %s\n",
            w.display.c_str(), r.error.c_str());
      compiled |= r.ok();
      results.emplace_back(w.digest, r.module);  // null: keep the interpreter, do not retry
    }
    {
      std::lock_guard lock(load_mu_);
      for (auto& [digest, module] : results) compiled_[digest] = std::move(module);
    }
    if (!stopping_ && compiled) {
      std::string error;
      if (load(error)) {
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("Switched to native code after %.1fs\n", s);
        std::fflush(stdout);
      } else {
        std::fprintf(stderr, "spindle up: switching to native code failed: %s\n", error.c_str());
      }
    }
    // Cleared last: a load() that sees it false may join this thread.
    compiling_ = false;
  });
}

std::shared_ptr<const manifest::App> AppHost::app() const {
  auto cur = current_.load();
  return cur ? cur->app : nullptr;
}

bool AppHost::load(std::string& error) {
  std::lock_guard load_lock(load_mu_);
  pending_.clear();
  const UpOptions& o = opts_;
  manifest::Options mo;
  manifest::Result loaded = manifest::load(o.from, mo);
  if (!loaded.ok()) {
    error = loaded.report();
    if (!error.empty() && error.back() == '\n') error.pop_back();
    return false;
  }
  for (const auto& w : loaded.warnings) std::fprintf(stderr, "%s\n", w.to_string().c_str());
  auto next = std::make_shared<LoadedApp>();
  next->app = loaded.app;
  const manifest::App& app = *loaded.app;
  fs::path state = o.state_dir.empty() ? app.dir / ".spin" : fs::path(o.state_dir);
  fs::path logs = o.log_dir ? fs::path(*o.log_dir) : state / "logs";
  std::error_code ec;
  fs::create_directories(state, ec);
  if (!logs.empty()) fs::create_directories(logs, ec);

  std::vector<std::string> kv_labels;
  for (const manifest::Component& c : app.components)
    kv_labels.insert(kv_labels.end(), c.key_value_stores.begin(), c.key_value_stores.end());
  std::string kv_error;
  manifest::RuntimeConfig runtime;
  if (!o.runtime_config_file.empty()) {
    manifest::RuntimeConfigResult rc = manifest::load_runtime_config(o.runtime_config_file);
    if (!rc.config) {
      error = rc.report();
      if (!error.empty() && error.back() == '\n') error.pop_back();
      return false;
    }
    runtime = std::move(*rc.config);
  }
  auto kv_stores = host::key_value::configure(kv_labels, state.string(), runtime, kv_error);
  if (!kv_stores) {
    error = "spindle up: " + kv_error;
    return false;
  }
  std::vector<std::string> db_labels;
  for (const manifest::Component& c : app.components)
    db_labels.insert(db_labels.end(), c.sqlite_databases.begin(), c.sqlite_databases.end());
  if (!o.sqlite.empty()) db_labels.push_back("default");
  auto databases = host::sqlite::configure(db_labels, state.string(), runtime, kv_error);
  if (!databases) {
    error = "spindle up: " + kv_error;
    return false;
  }
  // --sqlite statements run once, before the first version serves.
  for (const std::string& stmt : loads_ == 0 ? o.sqlite : std::vector<std::string>{}) {
    std::string sql = stmt;
    if (!stmt.empty() && stmt[0] == '@') {
      std::ifstream in(stmt.substr(1), std::ios::binary);
      if (!in) {
        error = "spindle up: --sqlite: cannot read " + stmt.substr(1);
        return false;
      }
      sql.assign(std::istreambuf_iterator<char>(in), {});
    }
    if (!host::sqlite::run_statements(*databases, sql, kv_error)) {
      error = "spindle up: --sqlite `" + stmt + "`: " + kv_error;
      return false;
    }
  }

  // What every trigger needs of a component: its module and its config.
  auto prepare = [&](const manifest::Component& c, std::shared_ptr<engine::Module>& module,
                     abi::ComponentConfig& cc) -> bool {
    std::string where = "spindle up: component `" + c.id + "`: ";
    fs::path wasm = c.source.path;
    if (c.source.kind == manifest::Source::Kind::Remote) {
      std::string e;
      if (!manifest::fetch_remote_source(c.source, util::cache_home(), wasm, e)) {
        error = where + e;
        return false;
      }
    }
    auto bytes = engine::read_file(wasm);
    if (!bytes) {
      error = where + "cannot read " + wasm.string();
      return false;
    }
    std::string display = c.source.kind == manifest::Source::Kind::Remote
                              ? c.source.url
                              : c.source.path.filename().string();
    // Tiered start: code not compiled yet is served by the interpreter now
    // and compiled in the background (see compile_in_background).
    auto mod = engine_->load_compiled(*bytes, display);
    if (mod.not_compiled) {
      std::string digest = util::sha256_hex(
          std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
      auto done = compiled_.find(digest);
      if (done != compiled_.end() && done->second) {
        mod.module = done->second;  // compiled in the background (the cache may be off)
      } else {
        if (done == compiled_.end()) pending_.push_back({digest, *bytes, display});
        if (!interp_engine_) {
          engine::EngineOptions io;
          io.backend = engine::Backend::Interp;
          interp_engine_ = engine::Engine::create(io);
        }
        mod = interp_engine_->load(*bytes, display);
      }
    }
    if (!mod.ok()) {
      error = where + mod.error;
      return false;
    }
    module = mod.module;
    cc.id = c.id;
    for (const auto& [k, v] : c.environment_map()) cc.environment.emplace_back(k, v);
    for (const auto& kv : o.env) {
      auto eq = kv.find('=');
      cc.environment.emplace_back(kv.substr(0, eq),
                                  eq == std::string::npos ? "" : kv.substr(eq + 1));
    }
    if (!c.files.empty()) {
      // A fresh folder per load: the version still serving keeps its own.
      fs::path dir = state / "files" / c.id;
      if (loads_ > 0) {
        dir += "." + std::to_string(getpid()) + "." + std::to_string(loads_);
        next->staged.push_back(dir);
      }
      std::string e;
      if (!stage_files(c, dir, e)) {
        error = "spindle up: " + e;
        return false;
      }
      cc.files_dir = dir;
    }
    cc.host.push_back(host::variables::bind(c.id, c.variables_map()));
    cc.host.push_back(host::key_value::bind(c.key_value_stores, kv_stores));
    cc.host.push_back(host::sqlite::bind(c.sqlite_databases, databases));
    cc.host.push_back(host::outbound_http::bind(
        {c.id, c.outbound_hosts, app.manifest_version == manifest::ManifestVersion::V1},
        self_origin_));
    cc.host.push_back(host::redis::bind_outbound(c.id, c.outbound_hosts));
    return true;
  };
  auto outputs = [&](const std::string& id, Output& out) {
    if (!logs.empty()) {
      out.stdout_log = logs / (id + "_stdout.txt");
      out.stderr_log = logs / (id + "_stderr.txt");
    }
    for (const auto& f : o.follow) out.follow |= f == id;
  };

  std::vector<trigger::http::RouteSpec> routes;
  for (const manifest::HttpTrigger* t : app.http_triggers()) {
    const manifest::Component* c = app.component(t->component);
    if (!c) continue;
    routes.push_back({c->id, t->route.raw, t->route.is_private});
    if (next->served.count(c->id)) continue;
    std::shared_ptr<engine::Module> module;
    abi::ComponentConfig cc;
    if (!prepare(*c, module, cc)) return false;
    cc.entrypoint = t->executor.entrypoint;
    cc.argv = t->executor.argv;
    auto kind = t->executor.kind == manifest::Executor::Kind::Wagi ? abi::ExecutorKind::Wagi
                                                                   : abi::ExecutorKind::Spin;
    abi::PrepareResult prepared = abi::make_executor(kind, module, cc);
    if (!prepared.ok()) {
      error = "spindle up: component `" + c->id + "`: " + prepared.error;
      return false;
    }
    Served s;
    s.id = c->id;
    s.executor = prepared.executor;
    outputs(c->id, s);
    next->served.emplace(c->id, std::move(s));
  }

  for (const manifest::Component& c : app.components) {
    for (const manifest::RedisTrigger& t : c.redis) {
      if (t.address.empty()) {
        error = "spindle up: the Redis trigger of component `" + c.id + "` has no address";
        return false;
      }
      auto& ids = next->subscriptions[t.address][t.channel];
      if (std::find(ids.begin(), ids.end(), c.id) == ids.end()) ids.push_back(c.id);
      if (next->listeners.count(c.id)) continue;
      std::shared_ptr<engine::Module> module;
      abi::ComponentConfig cc;
      if (!prepare(c, module, cc)) return false;
      abi::RedisPrepareResult prepared = abi::make_redis_executor(module, cc);
      if (!prepared.ok()) {
        error = "spindle up: " + prepared.error;
        return false;
      }
      Listener l;
      l.id = c.id;
      l.executor = prepared.executor;
      outputs(c.id, l);
      next->listeners.emplace(c.id, std::move(l));
    }
  }
  if (!app.http && next->subscriptions.empty()) {
    error = "spindle up: " + app.manifest_path.string() + " has no trigger; nothing to serve";
    return false;
  }

  std::string e;
  if (app.http && !next->router.build(app.http->base, routes, e)) {
    error = "spindle up: " + e;
    return false;
  }
  next->info_json = "{\"name\":\"" + json_escape(app.name) + "\",\"version\":\"" +
                    json_escape(app.version) + "\",\"server\":\"spindle 0.1.0\"}";
  next->limits.max_memory_bytes = o.max_memory;
  next->limits.timeout = o.timeout;
  current_.store(std::move(next));
  ++loads_;
  if (started_ && !stopping_) sync_subscribers();
  // The modules compiled in the background now belong to the executors that
  // use them; failed compiles stay recorded so they are not retried.
  std::erase_if(compiled_, [](const auto& e) { return e.second != nullptr; });
  if (!pending_.empty() && !stopping_) compile_in_background();
  // Loading parsed and translated modules; give the freed heap back so an
  // idle server holds only what serving needs.
  malloc_trim(0);
  return true;
}

Outgoing AppHost::handle(Incoming& in) {
  auto start = std::chrono::steady_clock::now();
  std::shared_ptr<const LoadedApp> cur = current_.load();  // this request's version
  const std::string& base = cur->app->http->base;
  Outgoing out;
  std::string_view path = abi::uri_path(in.target);
  std::string component = "-";
  if (path == "/.well-known/spin/health") {
    out.headers.emplace_back("content-type", "text/plain");
    out.body = "OK";
  } else if (path == "/.well-known/spin/info") {
    out.headers.emplace_back("content-type", "application/json");
    out.body = cur->info_json;
  } else if (auto m = cur->router.match(path)) {
    const Served& s = cur->served.at(m->component);
    component = s.id;
    abi::Request req;
    req.method = in.method;
    req.uri = in.target;
    req.headers = std::move(in.headers);  // the request is ours: no copies of headers or body
    req.body = std::move(in.body);
    req.headers.reserve(req.headers.size() + 7 + m->params.size());
    req.headers.emplace_back("spin-full-url", "http://" + in.host + in.target);
    req.headers.emplace_back("spin-path-info", m->path_info);
    req.headers.emplace_back("spin-matched-route", m->matched_route);
    req.headers.emplace_back("spin-base-path", base);
    req.headers.emplace_back("spin-raw-component-route", m->raw_route);
    req.headers.emplace_back("spin-component-route", m->component_route);
    req.headers.emplace_back("spin-client-addr", in.client_addr);
    for (const auto& [k, v] : m->params) req.headers.emplace_back("spin-path-match-" + k, v);
    abi::CallInfo ci;
    ci.base = base;
    ci.matched_route = std::move(m->matched_route);
    ci.raw_component_route = std::move(m->raw_route);
    ci.component_route = std::move(m->component_route);
    ci.path_info = std::move(m->path_info);
    ci.path_params = std::move(m->params);
    ci.client_addr = in.client_addr;
    ci.host = in.host;
    ci.limits = cur->limits;
    abi::Result r = s.executor->handle(req, ci);
    out.status = r.response.status;
    out.headers = std::move(r.response.headers);
    out.body = std::move(r.response.body);
    write_output(s, r.guest_stdout, r.guest_stderr);
    if (!r.error.empty()) {
      std::lock_guard lock(log_mu_);
      std::fprintf(stderr, "%s component `%s` failed: %s\n", timestamp().c_str(), s.id.c_str(),
                   r.error.c_str());
    }
  } else {
    out.status = 404;
    out.headers.emplace_back("content-type", "text/plain");
    out.body = "Not Found";
  }
  if (!opts_.quiet) {
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::lock_guard lock(log_mu_);
    std::printf("%s %s %s %s %u %.3fms\n", timestamp().c_str(), in.method.c_str(),
                std::string(path).c_str(), component.c_str(), out.status, ms);
    std::fflush(stdout);
  }
  return out;
}

void AppHost::write_output(const Output& o, const std::string& out, const std::string& err) {
  append(o.stdout_log, out, log_mu_);
  append(o.stderr_log, err, log_mu_);
  if (o.follow) {
    std::lock_guard lock(log_mu_);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fwrite(err.data(), 1, err.size(), stderr);
  }
}

void AppHost::dispatch(const std::string& address, const trigger::redis::Message& m) {
  std::shared_ptr<const LoadedApp> cur = current_.load();
  auto a = cur->subscriptions.find(address);
  if (a == cur->subscriptions.end()) return;
  auto c = a->second.find(m.channel);
  if (c == a->second.end()) return;
  for (const std::string& id : c->second) {
    const Listener& l = cur->listeners.at(id);
    auto start = std::chrono::steady_clock::now();
    abi::MessageResult r = l.executor->handle(m.payload, cur->limits);
    write_output(l, r.guest_stdout, r.guest_stderr);
    std::lock_guard lock(log_mu_);
    if (!r.ok)
      std::fprintf(stderr, "%s component `%s` failed on a message from `%s`: %s\n",
                   timestamp().c_str(), id.c_str(), m.channel.c_str(), r.error.c_str());
    if (!opts_.quiet) {
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      std::printf("%s REDIS %s %s %s %.3fms\n", timestamp().c_str(), m.channel.c_str(), id.c_str(),
                  r.ok ? "ok" : "failed", ms);
      std::fflush(stdout);
    }
  }
}

void AppHost::sync_subscribers() {
  std::shared_ptr<const LoadedApp> cur = current_.load();
  std::map<std::string, std::vector<std::string>> wanted;
  for (const auto& [address, channels] : cur->subscriptions)
    for (const auto& [channel, ids] : channels) wanted[address].push_back(channel);
  if (wanted == subscribed_) return;
  subscribers_.clear();
  for (const auto& [address, channels] : wanted) {
    subscribers_.push_back(std::make_unique<trigger::redis::Subscriber>(
        address, channels,
        [this, address](const trigger::redis::Message& m) { dispatch(address, m); },
        opts_.threads ? opts_.threads : std::max(2u, std::thread::hardware_concurrency())));
  }
  subscribed_ = std::move(wanted);
}

bool AppHost::start(std::string& error) {
  started_ = true;
  sync_subscribers();
  if (!current_.load()->app->http) return true;
  trigger::http::ServerOptions so;
  so.listen = opts_.listen;
  if (so.listen.empty()) {
    const char* env = std::getenv("SPIN_HTTP_LISTEN_ADDR");
    so.listen = env && *env ? env : "127.0.0.1:3000";
  }
  so.threads = opts_.threads;
  if (!server_.start(
          so, [this](Incoming& in) { return handle(in); }, error)) {
    error = "spindle up: " + error;
    return false;
  }
  // The app's own address for "self" requests (a wildcard bind is reached on loopback).
  std::string self = server_.address();
  if (self.rfind("0.0.0.0:", 0) == 0) self = "127.0.0.1:" + self.substr(8);
  if (self.rfind("[::]:", 0) == 0) self = "[::1]:" + self.substr(5);
  self_origin_->set("http://" + self);
  return true;
}

void AppHost::stop() {
  stopping_ = true;
  subscribers_.clear();
  server_.stop();
}

void AppHost::print_routes() const {
  auto cur = current_.load();
  for (const auto& [address, channels] : cur->subscriptions)
    for (const auto& [channel, ids] : channels)
      for (const auto& id : ids)
        std::printf("Redis trigger: component `%s` handles messages on `%s` from %s\n", id.c_str(),
                    channel.c_str(), address.c_str());
  std::fflush(stdout);
  if (!cur->app->http) return;
  std::string url_base = "http://" + server_.address();
  std::printf("Serving %s\nAvailable Routes:\n", url_base.c_str());
  for (const manifest::HttpTrigger* t : cur->app->http_triggers()) {
    if (t->route.is_private) continue;
    const std::string& path = t->route.prefix == "/" ? std::string() : t->route.prefix;
    std::printf("  %s: %s%s%s\n", t->component.c_str(), url_base.c_str(), path.c_str(),
                t->route.wildcard ? " (wildcard)" : "");
  }
  std::fflush(stdout);
}

}  // namespace spindle::cli
