#include "trigger/worker_pool.h"

#include <algorithm>

namespace spindle::trigger {

unsigned WorkerPool::default_threads() {
  return std::max(32u, 8 * std::max(1u, std::thread::hardware_concurrency()));
}

WorkerPool::WorkerPool(Options opts) {
  unsigned n = opts.threads ? opts.threads : default_threads();
  max_queued_ = opts.max_queued ? opts.max_queued : size_t{64} * n;
  workers_.reserve(n);
  for (unsigned i = 0; i < n; ++i) workers_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped.swap(queue_);  // not started: dropped (destroyed outside the lock)
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

bool WorkerPool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkerPool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace spindle::trigger
