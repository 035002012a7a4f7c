#include "apps/app_table.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "abi/http.h"
#include "trigger/trigger.h"
#include "trigger/worker_pool.h"

namespace spindle::apps {

using Clock = std::chrono::steady_clock;
using trigger::http::Incoming;
using trigger::http::Outgoing;
using trigger::http::Respond;

namespace {

Outgoing text(unsigned status, std::string body) {
  return spindle::http::text_response(static_cast<uint16_t>(status), std::move(body));
}

int64_t now_ns() { return Clock::now().time_since_epoch().count(); }

// "10m", "1s", "250ms": a duration as the log shows it.
std::string written(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(d).count();
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// Whether `path` is under `prefix` ("" is under everything).
bool under(std::string_view path, const std::string& prefix) {
  if (prefix.empty()) return true;
  return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace

struct AppTable::Slot {
  AppSettings settings;
  std::mutex mu;                                // loading and unloading
  std::atomic<std::shared_ptr<LoadedApp>> app;  // null: not loaded (mu held to change it)
  std::atomic<int64_t> last_used{0};
  std::atomic<unsigned> in_flight{0};
};

// One immutable set of apps, swapped whole by set().
struct AppTable::Table {
  // By host: its apps, longest path prefix first.
  std::unordered_map<std::string, std::vector<std::shared_ptr<Slot>>> hosts;
  std::vector<std::shared_ptr<Slot>> any;  // "*"
  std::vector<std::shared_ptr<Slot>> all;
};

AppTable::AppTable(Loader loader, trigger::WorkerPool& workers, trigger::Log& log)
    : loader_(std::move(loader)), workers_(workers), log_(log) {
  table_.store(std::make_shared<const Table>());
  sweeper_ = std::thread([this] {
    std::unique_lock lock(sweep_mu_);
    while (!sweep_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; })) {
      lock.unlock();
      unload_idle();
      lock.lock();
    }
  });
}

AppTable::~AppTable() {
  {
    std::lock_guard lock(sweep_mu_);
    stopping_ = true;
  }
  sweep_cv_.notify_all();
  sweeper_.join();
}

void AppTable::set(std::vector<AppSettings> apps, std::vector<std::string>& errors) {
  std::lock_guard set_lock(set_mu_);
  std::shared_ptr<const Table> old = table_.load();
  auto next = std::make_shared<Table>();
  std::unordered_map<std::string, std::shared_ptr<Slot>> by_name;  // names are unique
  for (const auto& o : old->all) by_name.emplace(o->settings.entry.name, o);
  for (AppSettings& s : apps) {
    std::shared_ptr<Slot> slot;
    auto it = by_name.find(s.entry.name);
    if (it != by_name.end()) {
      const AppSettings& o = it->second->settings;
      if (o.entry.same_app(s.entry) && o.pinned == s.pinned && o.idle_unload == s.idle_unload &&
          o.max_concurrency == s.max_concurrency)
        slot = it->second;
    }
    if (!slot) {
      slot = std::make_shared<Slot>();
      slot->settings = std::move(s);
      slot->last_used = now_ns();
    }
    next->all.push_back(slot);
    for (const std::string& h : slot->settings.entry.hosts)
      (h == "*" ? next->any : next->hosts[h]).push_back(slot);
  }
  auto longest_first = [](const std::shared_ptr<Slot>& a, const std::shared_ptr<Slot>& b) {
    return a->settings.entry.path_prefix.size() > b->settings.entry.path_prefix.size();
  };
  for (auto& [h, slots] : next->hosts) std::stable_sort(slots.begin(), slots.end(), longest_first);
  std::stable_sort(next->any.begin(), next->any.end(), longest_first);
  for (const auto& slot : next->all) {
    if (!slot->settings.pinned) continue;
    std::string error;
    if (!get(*slot, error))
      errors.push_back("app `" + slot->settings.entry.name + "` could not be loaded: " + error);
  }
  table_.store(next);
  // What left the table is unloaded (each app once its requests finish:
  // they hold it).
  std::unordered_set<const Slot*> kept;
  for (const auto& slot : next->all) kept.insert(slot.get());
  for (const auto& o : old->all) {
    if (kept.count(o.get())) continue;
    std::shared_ptr<LoadedApp> gone;
    {
      std::lock_guard lock(o->mu);
      gone = o->app.exchange(nullptr);
    }
    if (gone) log_.info("Unloaded app `" + o->settings.entry.name + "` (removed or replaced)");
  }
}

std::shared_ptr<AppTable::Slot> AppTable::find(std::string_view host, std::string_view path) const {
  std::shared_ptr<const Table> t = table_.load();
  auto pick = [&](const std::vector<std::shared_ptr<Slot>>& slots) -> std::shared_ptr<Slot> {
    for (const auto& s : slots)
      if (under(path, s->settings.entry.path_prefix)) return s;
    return nullptr;
  };
  auto it = t->hosts.find(manifest::normalise_host(host));
  if (it != t->hosts.end())
    if (auto s = pick(it->second)) return s;
  return pick(t->any);
}

std::shared_ptr<LoadedApp> AppTable::get(Slot& slot, std::string& error) {
  std::lock_guard lock(slot.mu);
  if (auto app = slot.app.load()) return app;
  auto start = Clock::now();
  std::shared_ptr<LoadedApp> app = loader_(slot.settings, error);
  if (!app) return nullptr;
  slot.app.store(app);
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  char took[32];
  std::snprintf(took, sizeof took, "%.1f ms", ms);
  log_.info("Loaded app `" + slot.settings.entry.name + "` in " + took);
  slot.last_used = now_ns();
  return app;
}

size_t AppTable::unload_idle() {
  size_t n = 0;
  int64_t now = now_ns();
  for (const auto& s : table_.load()->all) {
    const AppSettings& st = s->settings;
    if (st.pinned || st.idle_unload.count() <= 0 || s->in_flight > 0 ||
        now - s->last_used < st.idle_unload.count())
      continue;
    std::shared_ptr<LoadedApp> gone;
    {
      std::unique_lock lock(s->mu, std::try_to_lock);  // one loading now is not idle
      if (!lock || s->in_flight > 0) continue;
      gone = s->app.exchange(nullptr);
      if (!gone) continue;
    }
    gone.reset();  // stopped outside the lock
    log_.info("Unloaded app `" + st.entry.name + "` (idle " + written(st.idle_unload) + ")");
    ++n;
  }
  return n;
}

bool AppTable::stream_body(std::string_view method, std::string_view target,
                           std::string_view host) {
  std::shared_ptr<Slot> slot = find(host, abi::uri_path(target));
  if (!slot) return false;
  std::shared_ptr<LoadedApp> app = slot->app.load();
  // Not loaded yet: its body is read whole first.
  trigger::http::Endpoint* http = app ? app->http() : nullptr;
  return http && http->stream_body(method, target);
}

void AppTable::handle(Incoming&& in, Respond respond) {
  std::string_view path = abi::uri_path(in.uri);
  // The process's health, whatever the host.
  if (path == trigger::http::kHealthPath)
    return respond(unready_ ? text(503, "shutting down\n") : text(200, "OK"));
  std::shared_ptr<Slot> slot = find(in.host, path);
  if (!slot) {
    return respond(text(
        404, "Not Found: no app is served for host " + manifest::normalise_host(in.host) + "\n"));
  }
  const AppSettings& st = slot->settings;
  if (st.max_concurrency > 0 && slot->in_flight >= st.max_concurrency) {
    Outgoing out =
        text(503, "Service Unavailable: this app has " + std::to_string(st.max_concurrency) +
                      " requests running; retry shortly\n");
    out.headers.emplace_back("retry-after", "1");
    log_.error("app `" + st.entry.name + "`: request " + in.method + " " + in.uri +
               " shed with 503: its max_concurrency (" + std::to_string(st.max_concurrency) +
               ") requests are running");
    return respond(std::move(out));
  }
  if (std::shared_ptr<LoadedApp> app = slot->app.load())
    return dispatch(std::move(slot), std::move(app), std::move(in), std::move(respond));
  // Loading reads files and may compile: on a worker, never an I/O thread.
  ++slot->in_flight;  // counted while it loads (the sweep leaves it alone)
  bool queued = workers_.submit([this, slot, in = std::move(in), respond]() mutable {
    std::string error;
    std::shared_ptr<LoadedApp> app = get(*slot, error);
    --slot->in_flight;
    if (!app) {
      log_.error("app `" + slot->settings.entry.name + "` could not be loaded: " + error);
      return respond(text(500, "Internal Server Error: the app could not be loaded\n"));
    }
    dispatch(std::move(slot), std::move(app), std::move(in), std::move(respond));
  });
  if (!queued) {
    --slot->in_flight;
    Outgoing out = text(503, "Service Unavailable: every worker is busy; retry shortly\n");
    out.headers.emplace_back("retry-after", "1");
    respond(std::move(out));
  }
}

void AppTable::dispatch(std::shared_ptr<Slot> slot, std::shared_ptr<LoadedApp> app, Incoming&& in,
                        Respond respond) {
  trigger::http::Endpoint* http = app->http();
  if (!http) return respond(text(404, "Not Found"));
  // Held until the request is done (its last copy of the answer goes): the
  // app stays loaded and the request counts against the app's share.
  struct InFlight {
    InFlight(std::shared_ptr<Slot> s, std::shared_ptr<LoadedApp> a)
        : slot(std::move(s)), app(std::move(a)) {
      ++slot->in_flight;
      slot->last_used = now_ns();
    }
    std::shared_ptr<Slot> slot;
    std::shared_ptr<LoadedApp> app;
    ~InFlight() {
      slot->last_used = now_ns();
      --slot->in_flight;
    }
  };
  auto held = std::make_shared<InFlight>(std::move(slot), std::move(app));
  http->handle(std::move(in),
               [held, respond = std::move(respond)](Outgoing out) { respond(std::move(out)); });
}

}  // namespace spindle::apps
