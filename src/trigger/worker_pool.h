// The threads HTTP requests' guest code runs on. The HTTP server's I/O
// threads never run a guest: they hand each request to this pool and go on
// accepting, reading and answering what needs no guest (health checks, 404s,
// 503s). The Redis trigger's subscribers hand their messages to it the same
// way: one pool of guest threads per process.
//
// The pool is elastic. `threads` workers (one per core) run jobs back to
// back: CPU-bound guests need no more, and more would only add context
// switches. When jobs wait while a worker has been on one job for longer than
// `stall` (a guest that loops until its deadline, or waits on the network in
// a host call), the pool adds a worker, up to `max_threads`; an added worker
// leaves again once the pool has enough workers that are not stalled. So a
// looping or blocked guest holds one worker, never the server.
//
// The queue is bounded: when it is full, submit() refuses the job and the
// trigger sheds it (HTTP: 503 with Retry-After) instead of letting requests
// pile up.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace spindle::trigger {

class WorkerPool {
 public:
  struct Options {
    unsigned threads = 0;                 // workers always there; 0: one per core
    unsigned max_threads = 0;             // with the added ones; 0: default_max_threads()
    size_t max_queued = 0;                // jobs waiting for a worker; 0: 64 per max thread
    std::chrono::milliseconds stall{10};  // a job this old holds its worker
  };
  explicit WorkerPool(Options opts);
  // Drops the jobs not started yet, lets running ones finish, joins.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`; false (and `job` not run) when the queue is full or the
  // pool is stopping.
  bool submit(std::function<void()> job);

  unsigned threads() const;  // workers right now
  unsigned max_threads() const { return max_threads_; }
  size_t max_queued() const { return max_queued_; }
  size_t queued() const;  // jobs waiting right now

  // Eight per core, at least 32.
  static unsigned default_max_threads();

 private:
  struct Worker {
    std::thread thread;
    bool added = false;                  // beyond the core threads
    bool done = false;                   // returned (guarded by mu_)
    std::atomic<int64_t> busy_since{0};  // steady ns of the current job; 0: idle
  };
  void work(Worker& w);
  void monitor();
  void spawn(bool added);  // mu_ held
  // Workers on a job older than stall_ (mu_ held).
  unsigned stalled(int64_t now) const;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // jobs for the workers
  std::condition_variable monitor_cv_;
  std::deque<std::function<void()>> queue_;
  std::list<Worker> workers_;
  unsigned core_ = 0, max_threads_ = 0, live_ = 0, idle_ = 0;
  size_t max_queued_ = 0;
  int64_t stall_ns_ = 0;
  bool stopping_ = false;
  bool monitor_asleep_ = false;  // in its long wait: submit() wakes it
  std::thread monitor_;
};

}  // namespace spindle::trigger
