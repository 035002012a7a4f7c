#include "trigger/redis/redis_trigger.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "abi/redis_executor.h"
#include "manifest/manifest.h"
#include "trigger/redis/subscriber.h"
#include "trigger/worker_pool.h"

namespace spindle::trigger::redis {

namespace {

struct Listener {
  std::shared_ptr<const ComponentRuntime> component;
  std::shared_ptr<const abi::RedisExecutor> executor;
};

struct State {
  std::shared_ptr<const AppVersion> version;
  std::map<std::string, Listener> listeners;
  // Redis address → channel → the ids of the components listening there.
  std::map<std::string, std::map<std::string, std::vector<std::string>>> subscriptions;
};

class RedisTrigger final : public Trigger {
 public:
  explicit RedisTrigger(const Services& s) : services_(s) {}
  ~RedisTrigger() override { stop(); }

  bool configure(std::shared_ptr<const AppVersion> version, std::string& error) override;
  bool start(std::string& error) override;
  void stop() override {
    std::lock_guard lock(mu_);
    subscribers_.clear();
    subscribed_.clear();
  }
  void describe(std::FILE* out) const override;

 private:
  // On a subscriber's reader thread: queues the message for each listener on
  // the shared worker pool (as the HTTP trigger does with requests).
  void dispatch(const std::string& address, const Message& m);
  void handle(const State& st, const std::string& id, const Message& m);

  Services services_;
  std::shared_ptr<const State> next_;
  std::atomic<std::shared_ptr<const State>> current_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> subscribed_;  // address → channels
  std::vector<std::unique_ptr<Subscriber>> subscribers_;
};

bool RedisTrigger::configure(std::shared_ptr<const AppVersion> version, std::string& error) {
  auto st = std::make_shared<State>();
  for (const manifest::Component& c : version->app->components) {
    for (const manifest::RedisTrigger& t : c.redis) {
      if (t.address.empty()) {
        error = "spindle up: the Redis trigger of component `" + c.id + "` has no address";
        return false;
      }
      auto& ids = st->subscriptions[t.address][t.channel];
      if (std::find(ids.begin(), ids.end(), c.id) == ids.end()) ids.push_back(c.id);
      if (st->listeners.count(c.id)) continue;
      const auto& runtime = version->components.at(c.id);
      abi::RedisPrepareResult prepared = abi::make_redis_executor(runtime->module, runtime->config);
      if (!prepared.ok()) {
        error = "spindle up: " + prepared.error;
        return false;
      }
      st->listeners.emplace(c.id, Listener{runtime, prepared.executor});
    }
  }
  st->version = std::move(version);
  next_ = std::move(st);
  return true;
}

bool RedisTrigger::start(std::string&) {
  current_.store(next_);
  std::map<std::string, std::vector<std::string>> wanted;
  for (const auto& [address, channels] : next_->subscriptions)
    for (const auto& [channel, ids] : channels) wanted[address].push_back(channel);
  std::lock_guard lock(mu_);
  if (wanted == subscribed_) return true;
  subscribers_.clear();
  for (const auto& [address, channels] : wanted) {
    subscribers_.push_back(std::make_unique<Subscriber>(
        address, channels, [this, address](const Message& m) { dispatch(address, m); }));
  }
  subscribed_ = std::move(wanted);
  return true;
}

void RedisTrigger::describe(std::FILE* out) const {
  auto st = current_.load();
  if (!st) return;
  for (const auto& [address, channels] : st->subscriptions)
    for (const auto& [channel, ids] : channels)
      for (const auto& id : ids)
        std::fprintf(out, "Redis trigger: component `%s` handles messages on `%s` from %s\n",
                     id.c_str(), channel.c_str(), address.c_str());
}

void RedisTrigger::dispatch(const std::string& address, const Message& m) {
  std::shared_ptr<const State> st = current_.load();
  auto a = st->subscriptions.find(address);
  if (a == st->subscriptions.end()) return;
  auto c = a->second.find(m.channel);
  if (c == a->second.end()) return;
  for (const std::string& id : c->second) {
    // The pool is destroyed before the triggers (AppHost), so `this` outlives
    // every job; the job keeps its app version alive itself.
    if (!services_.workers->submit([this, st, id, m] { handle(*st, id, m); }))
      services_.log->error(
          "Redis trigger: every worker is busy and the queue is full; dropped "
          "a message on `" +
          m.channel + "` for component `" + id + "`");
  }
}

void RedisTrigger::handle(const State& st, const std::string& id, const Message& m) {
  const Listener& l = st.listeners.at(id);
  auto start = std::chrono::steady_clock::now();
  abi::MessageResult r = l.executor->handle(m.payload, l.component->limits);
  l.component->write_output(*services_.log, r.guest_stdout, r.guest_stderr);
  if (!r.ok)
    services_.log->error("component `" + id + "` failed on a message from `" + m.channel +
                         "`: " + r.error);
  if (!services_.log->quiet()) {
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    char tail[32];
    std::snprintf(tail, sizeof tail, " %.3fms", ms);
    services_.log->info("REDIS " + m.channel + " " + id + " " + (r.ok ? "ok" : "failed") + tail);
  }
}

}  // namespace

std::unique_ptr<Trigger> make_trigger(const Services& services) {
  return std::make_unique<RedisTrigger>(services);
}

}  // namespace spindle::trigger::redis
