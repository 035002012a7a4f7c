#include "trigger/worker_pool.h"

#include <algorithm>

namespace spindle::trigger {

namespace {
int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }
}  // namespace

unsigned WorkerPool::default_max_threads() { return std::max(32u, 8 * cores()); }

WorkerPool::WorkerPool(Options opts) {
  core_ = opts.threads ? opts.threads : cores();
  if (opts.max_threads) core_ = std::min(core_, opts.max_threads);
  max_threads_ = std::max(core_, opts.max_threads ? opts.max_threads : default_max_threads());
  max_queued_ = opts.max_queued ? opts.max_queued : size_t{64} * max_threads_;
  stall_ns_ = std::chrono::nanoseconds(opts.stall).count();
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
    // The monitor sleeps long only while nothing waits: wake it once.
    wake_monitor = idle_ == 0 && live_ < max_threads_ && monitor_asleep_;
    if (wake_monitor) monitor_asleep_ = false;
  }
  cv_.notify_one();
  if (wake_monitor) monitor_cv_.notify_one();
  return true;
}

unsigned WorkerPool::threads() const {
  std::lock_guard lock(mu_);
  return live_;
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

unsigned WorkerPool::stalled(int64_t now) const {
  unsigned n = 0;
  for (const auto& w : workers_) {
    int64_t since = w.busy_since.load(std::memory_order_relaxed);
    if (!w.done && since != 0 && now - since > stall_ns_) ++n;
  }
  return n;
}

void WorkerPool::work(Worker& w) {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) break;  // stopping, nothing left
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    w.busy_since.store(now_ns(), std::memory_order_relaxed);
    lock.unlock();
    job();
    job = nullptr;
    lock.lock();
    w.busy_since.store(0, std::memory_order_relaxed);
    // An added worker leaves once enough workers are not stalled.
    if (w.added && live_ - stalled(now_ns()) > core_) break;
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
    bool waiting = !queue_.empty() && idle_ == 0;
    if (waiting && live_ < max_threads_ && live_ - stalled(now_ns()) < core_) {
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
