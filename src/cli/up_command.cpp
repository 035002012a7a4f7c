#include "cli/up_command.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>

#include "abi/executor.h"
#include "abi/http.h"
#include "manifest/manifest.h"
#include "manifest/remote_source.h"
#include "trigger/http/router.h"
#include "trigger/http/server.h"
#include "util/paths.h"

namespace spindle::cli {
namespace {

namespace fs = std::filesystem;
using trigger::http::Incoming;
using trigger::http::Outgoing;

// One component ready to serve: its executor and where its output goes.
struct Served {
  std::string id;
  std::shared_ptr<const abi::Executor> executor;
  fs::path stdout_log, stderr_log;  // empty: file logs off
  bool follow = false;
};

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

int up_command(const UpOptions& o) {
  manifest::Options mo;
  manifest::Result loaded = manifest::load(o.from, mo);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s", loaded.report().c_str());
    return 1;
  }
  for (const auto& w : loaded.warnings) std::fprintf(stderr, "%s\n", w.to_string().c_str());
  const manifest::App& app = *loaded.app;
  if (!app.http) {
    std::fprintf(stderr, "spindle up: %s has no HTTP trigger; nothing to serve\n",
                 app.manifest_path.c_str());
    return 1;
  }

  fs::path state = o.state_dir.empty() ? app.dir / ".spin" : fs::path(o.state_dir);
  fs::path logs = o.log_dir ? fs::path(*o.log_dir) : state / "logs";
  std::error_code ec;
  fs::create_directories(state, ec);
  if (!logs.empty()) fs::create_directories(logs, ec);

  engine::EngineOptions eo;
  eo.backend = o.backend;
  eo.use_cache = o.use_cache;
  eo.progress = true;
  auto engine = engine::Engine::create(eo);

  std::map<std::string, Served> served;
  std::vector<trigger::http::RouteSpec> routes;
  for (const manifest::HttpTrigger* t : app.http_triggers()) {
    const manifest::Component* c = app.component(t->component);
    if (!c) continue;
    routes.push_back({c->id, t->route.raw, t->route.is_private});
    if (served.count(c->id)) continue;
    fs::path wasm = c->source.path;
    if (c->source.kind == manifest::Source::Kind::Remote) {
      std::string error;
      if (!manifest::fetch_remote_source(c->source, util::cache_home(), wasm, error)) {
        std::fprintf(stderr, "spindle up: component `%s`: %s\n", c->id.c_str(), error.c_str());
        return 1;
      }
    }
    auto bytes = engine::read_file(wasm);
    if (!bytes) {
      std::fprintf(stderr, "spindle up: component `%s`: cannot read %s\n", c->id.c_str(),
                   wasm.c_str());
      return 1;
    }
    std::string display = c->source.kind == manifest::Source::Kind::Remote
                              ? c->source.url
                              : c->source.path.filename().string();
    auto mod = engine->load(*bytes, display);
    if (!mod.ok()) {
      std::fprintf(stderr, "spindle up: component `%s`: %s\n", c->id.c_str(), mod.error.c_str());
      return 1;
    }
    abi::ComponentConfig cc;
    cc.id = c->id;
    for (const auto& [k, v] : c->environment_map()) cc.environment.emplace_back(k, v);
    for (const auto& kv : o.env) {
      auto eq = kv.find('=');
      cc.environment.emplace_back(kv.substr(0, eq),
                                  eq == std::string::npos ? "" : kv.substr(eq + 1));
    }
    if (!c->files.empty()) {
      fs::path dir = state / "files" / c->id;
      std::string error;
      if (!stage_files(*c, dir, error)) {
        std::fprintf(stderr, "spindle up: %s\n", error.c_str());
        return 1;
      }
      cc.files_dir = dir;
    }
    cc.entrypoint = t->executor.entrypoint;
    cc.argv = t->executor.argv;
    auto kind = t->executor.kind == manifest::Executor::Kind::Wagi ? abi::ExecutorKind::Wagi
                                                                   : abi::ExecutorKind::Spin;
    abi::PrepareResult prepared = abi::make_executor(kind, mod.module, cc);
    if (!prepared.ok()) {
      std::fprintf(stderr, "spindle up: component `%s`: %s\n", c->id.c_str(),
                   prepared.error.c_str());
      return 1;
    }
    Served s;
    s.id = c->id;
    s.executor = prepared.executor;
    if (!logs.empty()) {
      s.stdout_log = logs / (c->id + "_stdout.txt");
      s.stderr_log = logs / (c->id + "_stderr.txt");
    }
    for (const auto& f : o.follow) s.follow |= f == c->id;
    served.emplace(c->id, std::move(s));
  }

  trigger::http::Router router;
  std::string error;
  if (!router.build(app.http->base, routes, error)) {
    std::fprintf(stderr, "spindle up: %s\n", error.c_str());
    return 1;
  }

  std::mutex log_mu;
  std::string info_json = "{\"name\":\"" + json_escape(app.name) + "\",\"version\":\"" +
                          json_escape(app.version) + "\",\"server\":\"spindle 0.1.0\"}";
  engine::InstanceOptions limits;
  limits.max_memory_bytes = o.max_memory;
  limits.timeout = o.timeout;
  const bool quiet = o.quiet;
  const std::string base = app.http->base;

  auto handler = [&](const Incoming& in) -> Outgoing {
    auto start = std::chrono::steady_clock::now();
    Outgoing out;
    std::string_view path = abi::uri_path(in.target);
    std::string component = "-";
    if (path == "/.well-known/spin/health") {
      out.headers.emplace_back("content-type", "text/plain");
      out.body = "OK";
    } else if (path == "/.well-known/spin/info") {
      out.headers.emplace_back("content-type", "application/json");
      out.body = info_json;
    } else if (auto m = router.match(path)) {
      const Served& s = served.at(m->component);
      component = s.id;
      abi::Request req;
      req.method = in.method;
      req.uri = in.target;
      req.headers = in.headers;
      req.body = in.body;
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
      ci.matched_route = m->matched_route;
      ci.raw_component_route = m->raw_route;
      ci.component_route = m->component_route;
      ci.path_info = m->path_info;
      ci.path_params = m->params;
      ci.client_addr = in.client_addr;
      ci.host = in.host;
      ci.limits = limits;
      abi::Result r = s.executor->handle(req, ci);
      out.status = r.response.status;
      out.headers = std::move(r.response.headers);
      out.body = std::move(r.response.body);
      append(s.stdout_log, r.guest_stdout, log_mu);
      append(s.stderr_log, r.guest_stderr, log_mu);
      if (s.follow) {
        std::lock_guard lock(log_mu);
        std::fwrite(r.guest_stdout.data(), 1, r.guest_stdout.size(), stdout);
        std::fwrite(r.guest_stderr.data(), 1, r.guest_stderr.size(), stderr);
      }
      if (!r.error.empty()) {
        std::lock_guard lock(log_mu);
        std::fprintf(stderr, "%s component `%s` failed: %s\n", timestamp().c_str(), s.id.c_str(),
                     r.error.c_str());
      }
    } else {
      out.status = 404;
      out.headers.emplace_back("content-type", "text/plain");
      out.body = "Not Found";
    }
    if (!quiet) {
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      std::lock_guard lock(log_mu);
      std::printf("%s %s %s %s %u %.3fms\n", timestamp().c_str(), in.method.c_str(),
                  std::string(path).c_str(), component.c_str(), out.status, ms);
      std::fflush(stdout);
    }
    return out;
  };

  // SIGINT/SIGTERM end the server; block them before any thread starts so
  // only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  trigger::http::ServerOptions so;
  so.listen = o.listen;
  if (so.listen.empty()) {
    const char* env = std::getenv("SPIN_HTTP_LISTEN_ADDR");
    so.listen = env && *env ? env : "127.0.0.1:3000";
  }
  so.threads = o.threads;
  trigger::http::Server server;
  if (!server.start(so, handler, error)) {
    std::fprintf(stderr, "spindle up: %s\n", error.c_str());
    return 1;
  }
  std::string url_base = "http://" + server.address();
  std::printf("Serving %s\nAvailable Routes:\n", url_base.c_str());
  for (const manifest::HttpTrigger* t : app.http_triggers()) {
    if (t->route.is_private) continue;
    const std::string& path = t->route.prefix == "/" ? std::string() : t->route.prefix;
    std::printf("  %s: %s%s%s\n", t->component.c_str(), url_base.c_str(), path.c_str(),
                t->route.wildcard ? " (wildcard)" : "");
  }
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::printf("Shutting down (signal %d)\n", sig);
  server.stop();
  return 0;
}

}  // namespace spindle::cli
