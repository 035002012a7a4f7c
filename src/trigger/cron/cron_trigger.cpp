#include "trigger/cron/cron_trigger.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include "abi/cron_executor.h"
#include "manifest/manifest.h"
#include "trigger/cron/schedule.h"
#include "trigger/worker_pool.h"

namespace spindle::trigger::cron {

namespace {

using Clock = std::chrono::system_clock;
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// "2026-12-04T10:00:00Z"
std::string utc(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Job {
  std::string trigger_id;
  std::string expression;
  Schedule schedule;
  std::shared_ptr<const ComponentRuntime> component;
  std::shared_ptr<const abi::CronExecutor> executor;
  // Set while a run is queued or going; shared by the versions that keep
  // this trigger, so a reload does not start a second run beside one going.
  std::shared_ptr<std::atomic<bool>> running;
};

struct State {
  std::shared_ptr<const AppVersion> version;
  std::vector<Job> jobs;
};

class CronTrigger final : public Trigger {
 public:
  explicit CronTrigger(const Services& s) : services_(s) {}
  ~CronTrigger() override { stop(); }

  bool configure(std::shared_ptr<const AppVersion> version, std::string& error) override;
  bool start(std::string& error) override;
  void stop() override;
  void describe(std::FILE* out) const override;

 private:
  void schedule_loop();
  // Queues the run due at `tick` (the scheduler's mutex held).
  void fire(const std::shared_ptr<const State>& st, size_t index, int64_t tick);
  void run(const Job& job, int64_t tick);

  Services services_;
  std::shared_ptr<const State> next_;
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> running_;  // by trigger id

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const State> current_;
  uint64_t generation_ = 0;  // bumped by start() for the loop to pick up
  bool stopping_ = false;
  std::thread thread_;
};

bool CronTrigger::configure(std::shared_ptr<const AppVersion> version, std::string& error) {
  auto st = std::make_shared<State>();
  const manifest::App& app = *version->app;
  for (const manifest::Component& c : app.components) {
    for (const manifest::CronTrigger& t : c.cron) {
      std::string why;
      std::optional<Schedule> schedule = Schedule::parse(t.expression, why);
      if (!schedule) {
        error = app.diagnostic(t.expression_location,
                               "invalid `cron_expression` `" + t.expression + "`: " + why)
                    .to_string();
        return false;
      }
      const auto& runtime = version->components.at(c.id);
      abi::CronPrepareResult prepared = abi::make_cron_executor(runtime->config);
      if (!prepared.ok()) {
        error = "spindle up: " + prepared.error;
        return false;
      }
      auto& running = running_[t.id + "\n" + c.id];
      if (!running) running = std::make_shared<std::atomic<bool>>(false);
      st->jobs.push_back(Job{t.id, t.expression, std::move(*schedule), runtime,
                             std::move(prepared.executor), running});
    }
  }
  st->version = std::move(version);
  next_ = std::move(st);
  return true;
}

bool CronTrigger::start(std::string&) {
  std::lock_guard lock(mu_);
  current_ = next_;
  ++generation_;
  if (!thread_.joinable() && !stopping_) thread_ = std::thread([this] { schedule_loop(); });
  cv_.notify_all();
  return true;
}

void CronTrigger::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CronTrigger::describe(std::FILE* out) const {
  std::shared_ptr<const State> st;
  {
    std::lock_guard lock(mu_);
    st = current_;
  }
  if (!st) return;
  int64_t now = now_ms() / 1000;
  for (const Job& j : st->jobs) {
    auto next = j.schedule.next_after(now);
    std::fprintf(out, "Cron trigger: component `%s` runs on `%s` (next: %s)\n",
                 j.component->id.c_str(), j.expression.c_str(),
                 next ? utc(*next).c_str() : "never");
  }
}

void CronTrigger::schedule_loop() {
  std::unique_lock lock(mu_);
  std::shared_ptr<const State> st;
  std::vector<int64_t> next;  // per job: the next due second, or kNever
  uint64_t seen = 0;
  while (!stopping_) {
    if (seen != generation_) {
      // A new version: its schedules start from now.
      seen = generation_;
      st = current_;
      int64_t now = now_ms() / 1000;
      next.assign(st->jobs.size(), kNever);
      for (size_t i = 0; i < st->jobs.size(); ++i)
        next[i] = st->jobs[i].schedule.next_after(now).value_or(kNever);
    }
    int64_t soonest = kNever;
    for (int64_t n : next) soonest = std::min(soonest, n);
    int64_t now = now_ms();
    if (soonest == kNever || soonest * 1000 > now) {
      // Wake at the due second (at most a minute on: the wall clock may jump).
      int64_t wait = soonest == kNever ? 60000 : std::min<int64_t>(soonest * 1000 - now, 60000);
      cv_.wait_for(lock, std::chrono::milliseconds(wait));
      continue;
    }
    int64_t now_s = now / 1000;
    for (size_t i = 0; i < next.size(); ++i) {
      if (next[i] > now_s) continue;
      fire(st, i, next[i]);
      // Seconds that went by while the scheduler was late (a suspended
      // machine, a clock set forward) are missed, not run in a burst.
      const Job& job = st->jobs[i];
      std::optional<int64_t> n = job.schedule.next_after(next[i]);
      int missed = 0;
      while (n && *n < now_s && missed < 1000) {
        ++missed;
        n = job.schedule.next_after(*n);
      }
      if (missed >= 1000) n = job.schedule.next_after(now_s);
      if (missed > 0)
        services_.log->error("Cron trigger: component `" + job.component->id + "` missed " +
                             std::to_string(missed) + " run" + (missed == 1 ? "" : "s") +
                             " before " + utc(now_s) + ": the scheduler was late");
      next[i] = n.value_or(kNever);
    }
  }
}

void CronTrigger::fire(const std::shared_ptr<const State>& st, size_t index, int64_t tick) {
  const Job& job = st->jobs[index];
  if (job.running->exchange(true)) {
    services_.log->error("Cron trigger: component `" + job.component->id + "` missed its run at " +
                         utc(tick) + ": its previous run is still going");
    return;
  }
  // The pool is destroyed before the triggers (AppHost), so `this` outlives
  // every job; the job keeps its app version alive itself.
  bool queued = services_.workers->submit([this, st, index, tick] {
    const Job& j = st->jobs[index];
    run(j, tick);
    j.running->store(false);
  });
  if (!queued) {
    job.running->store(false);
    services_.log->error("Cron trigger: every worker is busy and the queue is full; component `" +
                         job.component->id + "` missed its run at " + utc(tick));
  }
}

void CronTrigger::run(const Job& job, int64_t tick) {
  auto start = std::chrono::steady_clock::now();
  abi::CronRunResult r = job.executor->run(static_cast<uint64_t>(tick), job.component->limits);
  job.component->write_output(*services_.log, r.guest_stdout, r.guest_stderr);
  if (!r.ok)
    services_.log->error("component `" + job.component->id + "` failed in its cron run at " +
                         utc(tick) + ": " + r.error);
  if (!services_.log->quiet()) {
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    char tail[32];
    std::snprintf(tail, sizeof tail, " %.3fms", ms);
    services_.log->info("CRON " + utc(tick) + " " + job.component->id + " " +
                        (r.ok ? "ok" : "failed") + tail);
  }
}

}  // namespace

std::unique_ptr<Trigger> make_trigger(const Services& services) {
  return std::make_unique<CronTrigger>(services);
}

}  // namespace spindle::trigger::cron
