#include "cli/multi_host.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "apps/app_table.h"
#include "cli/app_host.h"
#include "host/capability.h"
#include "manifest/host_config.h"
#include "manifest/manifest.h"
#include "trigger/http/metrics_endpoint.h"
#include "trigger/worker_pool.h"

namespace spindle::cli {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kDefaultIdleUnload = std::chrono::minutes(10);

class HostedApp final : public apps::LoadedApp {
 public:
  HostedApp(const UpOptions& o, SharedRuntime& shared, AppPlacement p)
      : host(o, shared, std::move(p)) {}
  // Once started: its HTTP trigger, which stays the same object for the
  // app's life (asked for on every request).
  void started() {
    trigger::Trigger* t = host.trigger("http");
    endpoint_ = t ? trigger::http::endpoint_of(*t) : nullptr;
  }
  trigger::http::Endpoint* http() override { return endpoint_; }
  AppHost host;

 private:
  trigger::http::Endpoint* endpoint_ = nullptr;
};

// `name` as one folder name: letters, digits, '.', '-' and '_' kept.
std::string folder_name(const std::string& name) {
  std::string out;
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

// The manifest's text, or "" when it cannot be read.
std::string manifest_text(const std::string& from) {
  fs::path p = from;
  std::error_code ec;
  if (fs::is_directory(p, ec)) p /= "spin.toml";
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The app read lightly (sources, files and variables not checked): its name
// and triggers; null with `error`.
std::shared_ptr<const manifest::App> peek(const std::string& from, std::string& error) {
  manifest::Options mo;
  mo.check_sources = false;
  mo.require_variables = false;
  mo.expand_files = false;
  mo.capability_keys = host::component_keys();
  manifest::Result r = manifest::load(from, mo);
  if (!r.ok()) error = r.report();
  return r.ok() ? r.app : nullptr;
}

// Whether the app has triggers that run without requests (Redis, cron): it
// is then loaded at once and kept. A manifest that names neither has none,
// which spares reading thousands of manifests at start.
bool runs_without_requests(const std::string& from) {
  std::string text = manifest_text(from);
  if (text.find("redis") == std::string::npos && text.find("cron") == std::string::npos)
    return false;
  std::string error;
  auto app = peek(from, error);
  if (!app) return false;  // its load reports why
  for (const auto& c : app->components)
    if (!c.redis.empty() || !c.cron.empty()) return true;
  return false;
}

// The apps of the command line and the host config file, checked together.
bool read_apps(const UpOptions& o, std::vector<apps::AppSettings>& out, std::string& error) {
  std::vector<manifest::AppEntry> entries;
  std::optional<std::chrono::nanoseconds> idle;
  std::optional<unsigned> concurrency;
  if (!o.apps_file.empty()) {
    manifest::HostConfigResult r = manifest::load_host_config(o.apps_file);
    if (!r.config) {
      error = r.report();
      return false;
    }
    entries = std::move(r.config->apps);
    idle = r.config->idle_unload;
    concurrency = r.config->max_concurrency;
  }
  for (const std::string& f : o.app_flags) {
    manifest::AppEntry e;
    if (!manifest::parse_app_flag(f, e, error)) return false;
    if (e.hosts.empty()) {
      // Served as "<application name>.localhost".
      UpOptions pulled = o;
      pulled.from = e.from;
      if (!resolve_registry_app(pulled)) return false;
      auto app = peek(pulled.from, error);
      if (!app) return false;
      e.name = app->name;
      e.hosts = {manifest::normalise_host(app->name + ".localhost")};
    }
    entries.push_back(std::move(e));
  }
  std::vector<manifest::Diagnostic> problems =
      manifest::check_app_entries(entries, o.apps_file.empty() ? "-f" : o.apps_file);
  if (!problems.empty()) {
    for (const auto& d : problems) error += d.to_string() + "\n";
    return false;
  }
  // A quarter of the workers each, by default: one app cannot take them all.
  unsigned share = std::max(1u, trigger::WorkerPool::default_max_threads() / 4);
  if (o.workers > 0) share = std::max(1u, o.workers / 4);
  out.clear();
  for (manifest::AppEntry& e : entries) {
    apps::AppSettings s;
    s.idle_unload = e.idle_unload.value_or(idle.value_or(kDefaultIdleUnload));
    s.max_concurrency = e.max_concurrency.value_or(concurrency.value_or(share));
    std::error_code ec;
    s.pinned = fs::exists(e.from, ec) && runs_without_requests(e.from);
    s.entry = std::move(e);
    out.push_back(std::move(s));
  }
  return true;
}

// What identifies a version of the host config file.
std::string file_stamp(const std::string& file) {
  struct stat st{};
  if (file.empty() || stat(file.c_str(), &st) != 0) return {};
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

void print_apps(const std::string& origin, const std::vector<apps::AppSettings>& list) {
  std::printf("Serving %s\nApps (%zu):\n", origin.c_str(), list.size());
  size_t shown = 0;
  for (const auto& s : list) {
    if (++shown > 20) {
      std::printf("  ... and %zu more\n", list.size() - 20);
      break;
    }
    std::string hosts;
    for (const auto& h : s.entry.hosts) hosts += (hosts.empty() ? "" : ", ") + h;
    std::printf("  %s: %s%s\n", s.entry.name.c_str(), hosts.c_str(), s.entry.path_prefix.c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int serve_many(const UpOptions& o) {
  if (!o.components.empty()) {
    std::fprintf(stderr,
                 "spindle up: -c/--component-id selects components of one app; "
                 "it cannot be used with several apps\n");
    return 1;
  }
  std::vector<apps::AppSettings> list;
  std::string error;
  if (!read_apps(o, list, error)) {
    if (!error.empty() && error.back() == '\n') error.pop_back();
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  sigset_t stop_signals = block_stop_signals();
  SharedRuntime shared(o);
  fs::path state_root = o.state_dir.empty() ? fs::current_path() / ".spin" : fs::path(o.state_dir);
  std::string origin;  // the server's, once it is bound
  auto loader = [&](const apps::AppSettings& s,
                    std::string& err) -> std::shared_ptr<apps::LoadedApp> {
    const manifest::AppEntry& e = s.entry;
    UpOptions ao = o;
    ao.app_flags.clear();
    ao.apps_file.clear();
    ao.from = e.from;
    ao.state_dir =
        e.state_dir.empty() ? (state_root / "apps" / folder_name(e.name)).string() : e.state_dir;
    // Each app's guest output in a folder of its own.
    if (o.log_dir && !o.log_dir->empty())
      ao.log_dir = (fs::path(*o.log_dir) / folder_name(e.name)).string();
    if (!e.runtime_config_file.empty()) ao.runtime_config_file = e.runtime_config_file;
    ao.env.insert(ao.env.end(), e.env.begin(), e.env.end());
    if (e.timeout) ao.timeout = *e.timeout;
    if (e.max_memory) ao.max_memory = *e.max_memory;
    if (!resolve_registry_app(ao)) {
      err = "cannot pull " + e.from;
      return nullptr;
    }
    auto app = std::make_shared<HostedApp>(ao, shared, AppPlacement{e.name, origin, e.path_prefix});
    if (!app->host.load(err) || !app->host.start(err)) return nullptr;
    app->started();
    return app;
  };
  apps::AppTable table(loader, *shared.workers, shared.log);
  trigger::http::Server server;
  trigger::http::ServerOptions so;
  so.listen = listen_address(o);
  so.threads = o.threads;
  so.tls_cert = o.tls_cert;
  so.tls_key = o.tls_key;
  so.stream_body = [&](std::string_view m, std::string_view t, std::string_view h) {
    return table.stream_body(m, t, h);
  };
  engine::set_instance_memory_budget(o.memory_budget);
  if (!shared.start_metrics(o.metrics_listen, error) ||
      !server.start(
          so,
          [&](trigger::http::Incoming&& in, trigger::http::Respond respond) {
            table.handle(std::move(in), std::move(respond));
          },
          error)) {
    std::fprintf(stderr, "spindle up: %s\n", error.c_str());
    return 1;
  }
  // Guests reach their own app at the server's address (a wildcard bind on
  // loopback).
  std::string scheme = o.tls_cert.empty() ? "http" : "https";
  origin = scheme + "://" + trigger::http::reachable_address(server.address());
  std::vector<std::string> errors;
  table.set(list, errors);
  for (const auto& e : errors) shared.log.error("spindle up: " + e);
  if (shared.metrics) std::printf("Serving metrics on %s\n", shared.metrics->url().c_str());
  print_apps(scheme + "://" + server.address(), list);

  // Until a stop signal: the host config file is applied again when it changes.
  std::string stamp = file_stamp(o.apps_file);
  int sig = 0;
  while ((sig = wait_for_signal(stop_signals, 500ms)) <= 0) {
    std::string now = file_stamp(o.apps_file);
    if (o.apps_file.empty() || now == stamp) continue;
    stamp = now;
    std::string why;
    if (!read_apps(o, list, why)) {
      if (!why.empty() && why.back() == '\n') why.pop_back();
      shared.log.error("spindle up: " + o.apps_file +
                       " was not applied; the apps are served as they were:\n" + why);
      continue;
    }
    errors.clear();
    table.set(list, errors);
    for (const auto& e : errors) shared.log.error("spindle up: " + e);
    shared.log.notice("Applied " + o.apps_file + ": " + std::to_string(list.size()) + " apps");
  }
  shared.log.notice("Shutting down (signal " + std::to_string(sig) +
                    "): finishing the requests in flight");
  drain_gracefully(
      o.shutdown_delay, drain_time(o), [&] { table.unready(); },
      [&](std::chrono::steady_clock::time_point deadline) { server.drain(deadline); },
      [&] { server.stop(); },
      [&](std::chrono::milliseconds wait) { return wait_for_signal(stop_signals, wait) > 0; });
  // Guests still running finish (their answers go nowhere) while the apps
  // and the server they answer through are alive.
  server.stop();
  shared.workers.reset();
  shared.log.notice("Stopped");
  return 0;
}

}  // namespace spindle::cli
