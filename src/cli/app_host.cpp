#include "cli/app_host.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "abi/executor.h"
#include "engine/component/link_component.h"
#include "engine/component/loader.h"
#include "engine/memory_budget.h"
#include "engine/tiered.h"
#include "host/capability.h"
#include "manifest/manifest.h"
#include "manifest/remote_source.h"
#include "manifest/runtime_config.h"
#include "trigger/http/metrics_endpoint.h"
#include "trigger/registry.h"
#include "trigger/worker_pool.h"
#include "util/heap.h"
#include "util/metrics.h"
#include "util/paths.h"

namespace spindle::cli {

namespace fs = std::filesystem;

namespace {

// True when `path` is `dir` or inside it (both absolute).
bool inside(const fs::path& path, const fs::path& dir) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  fs::path d = fs::weakly_canonical(dir, ec);
  auto [pi, di] = std::mismatch(p.begin(), p.end(), d.begin(), d.end());
  return di == d.end() || (std::next(di) == d.end() && di->empty());
}

// The component's `files` as one read-only folder: each mapped file is
// hard-linked (or copied) to its guest path under `dir`. Files inside
// `state` (spindle's own state folder, which `files = ["."]`-style mounts
// would otherwise include, staged copies and all) are left out.
bool stage_files(const manifest::Component& c, const fs::path& dir, const fs::path& state,
                 std::string& error) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  for (const auto& m : c.files) {
    if (inside(m.host, state)) continue;
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

}  // namespace

SharedRuntime::SharedRuntime(const UpOptions& opts) : log(opts.quiet, opts.json_log) {
  engine::EngineOptions eo;
  eo.backend = opts.backend;
  eo.use_cache = opts.use_cache;
  eo.progress = true;
  engine = engine::Engine::create(eo);
  tiered = std::make_unique<engine::TieredLoader>(*engine);
  workers = std::make_unique<trigger::WorkerPool>(
      trigger::WorkerPool::Options{0, opts.workers, opts.max_queued});
  if (!opts.metrics_listen.empty()) {
    // On before the first load: its compile cache lookups count.
    metrics::enable();
    metrics::add_gauge("spindle_instance_memory_bytes",
                       "Linear memory held by guest instances alive now.",
                       [] { return static_cast<double>(engine::memory_budget::in_use()); });
    metrics::add_gauge("spindle_instance_memory_budget_bytes",
                       "The limit on spindle_instance_memory_bytes (--memory-budget; 0: none).",
                       [] { return static_cast<double>(engine::memory_budget::limit()); });
  }
}

SharedRuntime::~SharedRuntime() {
  if (metrics) metrics->stop();
  tiered->stop();
  // Workers finish what they hold (their answers go nowhere: the servers are
  // stopped but still alive).
  workers.reset();
}

bool SharedRuntime::start_metrics(const std::string& listen, std::string& error) {
  if (listen.empty() || metrics) return true;
  metrics = std::make_unique<trigger::http::MetricsEndpoint>();
  return metrics->start(listen, error);
}

AppHost::AppHost(const UpOptions& opts)
    : AppHost(opts, *std::make_unique<SharedRuntime>(opts).release(), {}) {
  owned_.reset(shared_);
}

AppHost::AppHost(const UpOptions& opts, SharedRuntime& shared, AppPlacement placement)
    : opts_(opts),
      shared_(&shared),
      placement_(std::move(placement)),
      self_origin_(std::make_shared<host::SelfOrigin>()) {
  services_.workers = shared_->workers.get();
  services_.log = &shared_->log;
  services_.listen = listen_address(opts_);
  services_.io_threads = opts_.threads;
  services_.self = self_origin_;
  services_.tls_cert = opts_.tls_cert;
  services_.tls_key = opts_.tls_key;
  services_.shared_origin = placement_.shared_origin;
  services_.app_name = placement_.name;
}

AppHost::~AppHost() {
  stop();
  // Alone, the shared runtime goes first: its workers finish what they hold
  // while the triggers (whose servers are stopped) are still alive.
  owned_.reset();
  triggers_.clear();
}

trigger::Trigger* AppHost::trigger(const std::string& type) const {
  auto it = triggers_.find(type);
  return it == triggers_.end() ? nullptr : it->second.get();
}

std::shared_ptr<const manifest::App> AppHost::app() const {
  auto cur = current_.load();
  return cur ? cur->app : nullptr;
}

bool AppHost::load(std::string& error) {
  std::lock_guard load_lock(load_mu_);
  const UpOptions& o = opts_;
  // The runtime config first: its variables providers resolve the
  // manifest's variables.
  manifest::RuntimeConfig runtime;
  if (!o.runtime_config_file.empty()) {
    manifest::RuntimeConfigResult rc =
        manifest::load_runtime_config(o.runtime_config_file, host::runtime_sections());
    if (!rc.config) {
      error = rc.report();
      if (!error.empty() && error.back() == '\n') error.pop_back();
      return false;
    }
    runtime = std::move(*rc.config);
  }
  manifest::Options mo;
  mo.capability_keys = host::component_keys();
  mo.components = o.components;
  mo.base_prefix = placement_.base_prefix;
  if (!manifest::variable_providers(runtime, mo.providers, error)) return false;
  manifest::Result loaded = manifest::load(o.from, mo);
  if (!loaded.ok()) {
    error = loaded.report();
    if (!error.empty() && error.back() == '\n') error.pop_back();
    return false;
  }
  for (const auto& w : loaded.warnings) std::fprintf(stderr, "%s\n", w.to_string().c_str());
  // Alone, code not compiled yet is served by the interpreter first
  // (engine/tiered.h); beside other apps it is compiled now.
  bool tiered = placement_.shared_origin.empty();
  engine::TieredLoader& tl = *shared_->tiered;
  auto load_code = [&](std::span<const uint8_t> wasm, std::string_view name) {
    return tiered ? tl.load(wasm, name) : shared_->engine->load(wasm, name);
  };
  auto next = std::make_shared<trigger::AppVersion>();
  next->app = loaded.app;
  const manifest::App& app = *loaded.app;
  fs::path state = o.state_dir.empty() ? app.dir / ".spin" : fs::path(o.state_dir);
  fs::path logs = o.log_dir ? fs::path(*o.log_dir) : state / "logs";
  std::error_code ec;
  for (const fs::path& dir : {state, logs}) {
    if (dir.empty() || (fs::create_directories(dir, ec), !ec)) continue;
    error = "spindle up: cannot create " + dir.string() + ": " + ec.message() +
            (dir == state ? " (the state folder: choose a writable one with --state-dir)"
                          : " (the log folder: choose one with --log-dir, or \"\" for none)");
    return false;
  }

  // Every capability configures its part of the app (stores, pools, ...).
  host::AppContext ctx{app, runtime, state, self_origin_, o.capability_options, loads_ == 0};
  auto capabilities = host::AppCapabilities::configure(ctx, error);
  if (!capabilities) return false;

  // One runtime per component, shared by all its triggers.
  size_t interpreted = 0;  // components served by the interpreter for now
  auto make_runtime = [&](const manifest::Component& c) -> bool {
    if (next->components.count(c.id)) return true;
    auto rt = std::make_shared<trigger::ComponentRuntime>();
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
    abi::ComponentConfig& cc = rt->config;
    // Tiered start: code not compiled yet is served by the interpreter now
    // and compiled in the background (engine/tiered.h); a component's core
    // modules too.
    if (component::is_component(*bytes)) {
      // Its core modules link with each other: all native, or all
      // interpreted until every one is compiled.
      std::string e;
      std::set<engine::Backend> backends;
      auto plan = [&](bool interpreted) {
        return component::LinkPlan::create(
            [&](std::span<const uint8_t> wasm, std::string_view name) {
              engine::LoadResult r =
                  interpreted ? tl.load_interpreted(wasm, name) : load_code(wasm, name);
              if (r.ok()) backends.insert(r.module->backend());
              return r;
            },
            *bytes, display, e);
      };
      cc.component = plan(false);
      if (cc.component && backends.size() > 1) cc.component = plan(true);
      if (!cc.component) {
        error = where + e;
        return false;
      }
      interpreted += backends.count(engine::Backend::Interp);
    } else {
      auto mod = load_code(*bytes, display);
      if (!mod.ok()) {
        error = where + mod.error;
        return false;
      }
      rt->module = mod.module;
      interpreted += mod.module->backend() == engine::Backend::Interp;
    }
    rt->id = c.id;
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
        rt->owned_dir = dir;
      }
      std::string e;
      if (!stage_files(c, dir, state, e)) {
        error = "spindle up: " + e;
        return false;
      }
      cc.files_dir = dir;
    }
    // The WASI environment (the files folder opened) once for every executor.
    cc.wasi_environment = abi::make_component_environment(cc, error);
    if (!cc.wasi_environment) {
      error = "spindle up: " + error;
      return false;
    }
    cc.capabilities = capabilities->bind(c, error);
    if (!cc.capabilities) return false;
    // Limits: the component's, else the app's, else the command line's.
    rt->limits.timeout = c.limits.timeout.value_or(app.limits.timeout.value_or(o.timeout));
    rt->limits.max_memory_bytes =
        c.limits.max_memory.value_or(app.limits.max_memory.value_or(o.max_memory));
    if (!logs.empty()) {
      rt->stdout_log = logs / (c.id + "_stdout.txt");
      rt->stderr_log = logs / (c.id + "_stderr.txt");
    }
    for (const auto& f : o.follow) rt->follow |= f == c.id;
    next->components.emplace(c.id, std::move(rt));
    return true;
  };
  bool any_trigger = false;
  for (const manifest::Component& c : app.components) {
    bool triggered = !c.redis.empty() || !c.cron.empty();
    for (const manifest::HttpTrigger* t : app.http_triggers()) triggered |= t->component == c.id;
    if (!triggered) continue;
    any_trigger = true;
    if (!make_runtime(c)) return false;
  }
  if (!app.http && !any_trigger) {
    error = "spindle up: " + app.manifest_path.string() + " has no trigger; nothing to serve";
    return false;
  }

  // Every trigger type the app uses configures its part of the version.
  std::map<std::string, std::unique_ptr<trigger::Trigger>> added;
  for (const trigger::TriggerType& type : trigger::trigger_types()) {
    std::string name(type.name);
    if (!triggers_.count(name) && type.used_by(app)) added[name] = type.make(services_);
  }
  for (auto* group : {&triggers_, &added})
    for (auto& [name, t] : *group)
      if (!t->configure(next, error)) return false;
  for (auto& [name, t] : added) triggers_[name] = std::move(t);
  current_.store(next);
  ++loads_;
  if (started_ && !stopping_) {
    for (auto& [name, t] : triggers_)
      if (!t->start(error)) return false;
  }
  // The modules compiled in the background now belong to the executors that
  // use them; what is still interpreted compiles in the background, then
  // the app is loaded again onto native code.
  if (!tiered) return true;
  tl.settle();
  size_t compiling = 0;
  if (!stopping_) {
    compiling = tl.compile_queued([this](double seconds) {
      std::string e;
      if (load(e)) {
        std::printf("Switched to native code after %.1fs\n", seconds);
        std::fflush(stdout);
      } else {
        std::fprintf(stderr, "spindle up: switching to native code failed: %s\n", e.c_str());
      }
    });
    if (compiling > 0 && interpreted > 0) {
      std::printf("Serving %zu component%s from the interpreter while native code compiles\n",
                  interpreted, interpreted == 1 ? "" : "s");
      std::fflush(stdout);
    }
  }
  // Loading parsed and translated modules; give the freed heap back so an
  // idle server holds only what serving needs (not while a compile runs: it
  // would contend with the compiler's heap, and the reload onto native code
  // that follows trims anyway).
  if (compiling == 0) util::release_free_memory();
  return true;
}

bool AppHost::start(std::string& error) {
  std::lock_guard load_lock(load_mu_);
  started_ = true;
  engine::set_instance_memory_budget(opts_.memory_budget);
  if (owned_ && !owned_->start_metrics(opts_.metrics_listen, error)) return false;
  for (auto& [name, t] : triggers_)
    if (!t->start(error)) return false;
  return true;
}

void AppHost::stop() {
  stopping_ = true;
  for (auto& [name, t] : triggers_) t->stop();
  if (owned_ && owned_->metrics) owned_->metrics->stop();
}

void drain_gracefully(std::chrono::nanoseconds delay, std::chrono::nanoseconds finish,
                      const std::function<void()>& unready,
                      const std::function<void(std::chrono::steady_clock::time_point)>& drain,
                      const std::function<void()>& stop,
                      const std::function<bool(std::chrono::milliseconds)>& interrupt) {
  using Clock = std::chrono::steady_clock;
  unready();
  auto poll = std::chrono::milliseconds(100);
  for (auto until = Clock::now() + delay; Clock::now() < until;)
    if (interrupt(
            std::min(poll, std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()))))
      return stop();
  // The drain runs on a thread of its own, so a second signal can still end it.
  auto deadline = Clock::now() + finish;
  std::atomic<bool> done{false};
  std::thread drainer([&] {
    drain(deadline);
    done = true;
  });
  while (!done)
    if (interrupt(poll)) {
      stop();
      break;
    }
  drainer.join();
}

void AppHost::drain(std::chrono::nanoseconds delay, std::chrono::nanoseconds finish,
                    const std::function<bool(std::chrono::milliseconds)>& interrupt) {
  stopping_ = true;
  drain_gracefully(
      delay, finish,
      [&] {
        for (auto& [name, t] : triggers_) t->unready();
      },
      [&](std::chrono::steady_clock::time_point deadline) {
        for (auto& [name, t] : triggers_) t->drain(deadline);
      },
      [&] { stop(); }, interrupt);
}

void AppHost::print_routes() const {
  if (shared_->metrics) std::printf("Serving metrics on %s\n", shared_->metrics->url().c_str());
  // Cron and Redis first, then HTTP (the URL last, where users look for it).
  for (const char* name : {"cron", "redis", "http"}) {
    auto it = triggers_.find(name);
    if (it != triggers_.end()) it->second->describe(stdout);
  }
  std::fflush(stdout);
}

}  // namespace spindle::cli
