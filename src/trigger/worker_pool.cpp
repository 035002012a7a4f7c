#include "trigger/worker_pool.h"

#include <time.h>

#include <algorithm>

namespace spindle::trigger {

namespace {
// The coarse clock (a few ms apart, read without asking the hypervisor for
// the time): stalls are judged in tens of ms, and it is read on every job.
int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}
unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }
std::atomic<uint64_t> pools{0};
// Threads with a record for run_here, at most.
constexpr size_t kMaxHere = 1024;
}  // namespace

unsigned WorkerPool::default_max_threads() { return std::max(32u, 8 * cores()); }

WorkerPool::WorkerPool(Options opts) {
  core_ = opts.threads ? opts.threads : cores();
  if (opts.max_threads) core_ = std::min(core_, opts.max_threads);
  max_threads_ = std::max(core_, opts.max_threads ? opts.max_threads : default_max_threads());
  max_queued_ = opts.max_queued ? opts.max_queued : size_t{64} * max_threads_;
  stall_ns_ = std::chrono::nanoseconds(opts.stall).count();
  id_ = ++pools;
  std::lock_guard lock(mu_);
  for (unsigned i = 0; i < core_; ++i) spawn(false);
  monitor_ = std::thread([this] { monitor(); });
}

WorkerPool::~WorkerPool() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped.swap(queue_);  // not started: dropped (destroyed outside the lock)
    waiting_.store(0, std::memory_order_relaxed);
  }
  cv_.notify_all();
  monitor_cv_.notify_all();
  monitor_.join();
  for (auto& w : workers_) w.thread.join();
}

void WorkerPool::spawn(bool added) {
  Worker& w = workers_.emplace_back();
  w.added = added;
  ++live_;
  w.thread = std::thread([this, &w] { work(w); });
}

bool WorkerPool::submit(std::function<void()> job) {
  bool wake_monitor;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(job));
    waiting_.store(queue_.size(), std::memory_order_relaxed);
    // The monitor sleeps long only while nothing waits: wake it once.
    wake_monitor =
        (idle_ == 0 || running_.load() >= live_) && live_ < max_threads_ && monitor_asleep_;
    if (wake_monitor) monitor_asleep_ = false;
  }
  cv_.notify_one();
  if (wake_monitor) monitor_cv_.notify_one();
  return true;
}

WorkerPool::Worker* WorkerPool::admit_here() {
  if (waiting_.load() != 0) return nullptr;
  // This thread's record in this pool (one lookup per pool it used last).
  thread_local uint64_t pool = 0;
  thread_local Worker* mine = nullptr;
  if (pool != id_) {
    std::lock_guard lock(mu_);
    if (here_.size() >= kMaxHere) return nullptr;  // helper threads come and go
    mine = &here_.emplace_back();
    pool = id_;
  }
  if (running_.fetch_add(1) >= live_.load()) {
    running_.fetch_sub(1);
    return nullptr;
  }
  mine->busy_since.store(now_ns(), std::memory_order_relaxed);
  return mine;
}

void WorkerPool::finish_here(Worker& w) {
  w.busy_since.store(0, std::memory_order_relaxed);
  running_.fetch_sub(1);
  // A job queued meanwhile waits for a free place: this was one.
  if (waiting_.load() != 0) {
    std::lock_guard lock(mu_);
    cv_.notify_one();
  }
}

unsigned WorkerPool::threads() const {
  std::lock_guard lock(mu_);
  return live_;
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

unsigned WorkerPool::unstalled_places(int64_t now) const {
  unsigned live = live_, held = stalled(now);
  return held < live ? live - held : 0;
}

unsigned WorkerPool::stalled(int64_t now) const {
  unsigned n = 0;
  for (const auto& w : workers_) {
    int64_t since = w.busy_since.load(std::memory_order_relaxed);
    if (!w.done && since != 0 && now - since > stall_ns_) ++n;
  }
  for (const auto& w : here_) {
    int64_t since = w.busy_since.load(std::memory_order_relaxed);
    if (since != 0 && now - since > stall_ns_) ++n;
  }
  return n;
}

void WorkerPool::work(Worker& w) {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    // A job starts only in a free place: jobs run here take places too.
    cv_.wait(lock, [this] { return stopping_ || (!queue_.empty() && running_.load() < live_); });
    --idle_;
    if (queue_.empty()) break;  // stopping, nothing left
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    waiting_.store(queue_.size(), std::memory_order_relaxed);
    running_.fetch_add(1);
    w.busy_since.store(now_ns(), std::memory_order_relaxed);
    lock.unlock();
    job();
    job = nullptr;
    running_.fetch_sub(1);
    lock.lock();
    w.busy_since.store(0, std::memory_order_relaxed);
    // An added worker leaves once enough workers are not stalled.
    if (w.added && unstalled_places(now_ns()) > core_) break;
  }
  w.done = true;
  --live_;
}

void WorkerPool::monitor() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    // Reap added workers that left.
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->done && it->added) {
        it->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    // Jobs wait: keep `core_` workers that are not stalled.
    bool waiting = !queue_.empty() && (idle_ == 0 || running_.load() >= live_);
    if (waiting && live_ < max_threads_ && unstalled_places(now_ns()) < core_) {
      spawn(true);
      continue;  // look again at once: several may be needed
    }
    if (waiting || !queue_.empty()) {
      monitor_cv_.wait_for(lock, std::chrono::nanoseconds(stall_ns_ / 2));
    } else {
      monitor_asleep_ = true;
      monitor_cv_.wait_for(lock, std::chrono::seconds(1));
      monitor_asleep_ = false;
    }
  }
}

}  // namespace spindle::trigger
