// The threads HTTP requests' guest code runs on. The HTTP server's I/O
// threads hand each request to this pool, or run it themselves (run_here)
// when a worker would take it at once anyway: their other connections are
// taken over while they are held. The Redis trigger's subscribers hand their
// messages to it the same way: one pool of guest threads per process.
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

  // Runs `job` on the calling thread, in the place of a worker, when a
  // worker would start it at once anyway (nothing is queued, fewer jobs run
  // than there are workers); false, and `job` not run, otherwise. The job
  // counts as one of the pool's: workers start queued jobs only while fewer
  // run than there are workers, and a stalled one here adds a worker as a
  // stalled worker does. For threads whose other work is taken over while
  // they are held (the HTTP server's I/O threads): the request skips the
  // hand-off to a worker and back, two thread wake-ups.
  template <class Job>
  bool run_here(Job& job) {
    Worker* w = admit_here();
    if (!w) return false;
    struct Done {
      WorkerPool* pool;
      Worker* w;
      ~Done() { pool->finish_here(*w); }
    } done{this, w};
    job();
    return true;
  }

  unsigned threads() const;  // workers right now
  unsigned max_threads() const { return max_threads_; }
  size_t max_queued() const { return max_queued_; }
  size_t queued() const;  // jobs waiting right now

  // Eight per core, at least 32.
  static unsigned default_max_threads();

 private:
  struct Worker {
    std::thread thread;                  // none for a thread running jobs here
    bool added = false;                  // beyond the core threads
    bool done = false;                   // returned (guarded by mu_)
    std::atomic<int64_t> busy_since{0};  // steady ns of the current job; 0: idle
  };
  // The calling thread's record (made on its first call), busy, or null.
  Worker* admit_here();
  void finish_here(Worker& w);
  void work(Worker& w);
  void monitor();
  void spawn(bool added);  // mu_ held
  // Workers on a job older than stall_ (mu_ held).
  unsigned stalled(int64_t now) const;
  // Workers' places not held by a stalled job (mu_ held). Jobs stalled here
  // hold places too, so stalled() can exceed the workers: never below 0.
  unsigned unstalled_places(int64_t now) const;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // jobs for the workers
  std::condition_variable monitor_cv_;
  std::deque<std::function<void()>> queue_;
  std::list<Worker> workers_;
  std::list<Worker> here_;  // threads that ran jobs here (run_here)
  unsigned core_ = 0, max_threads_ = 0, idle_ = 0;
  // Workers: changed under mu_, read without it by run_here.
  std::atomic<unsigned> live_{0};
  size_t max_queued_ = 0;
  int64_t stall_ns_ = 0;
  bool stopping_ = false;
  bool monitor_asleep_ = false;  // in its long wait: submit() wakes it
  std::thread monitor_;
  // For run_here without the lock: jobs running (on workers and here),
  // and queue_.size().
  std::atomic<unsigned> running_{0};
  std::atomic<size_t> waiting_{0};
  uint64_t id_ = 0;  // this pool among all (records here are per pool)
};

}  // namespace spindle::trigger
