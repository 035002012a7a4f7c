// The threads guest code runs on. Triggers' I/O threads (the HTTP server's,
// the Redis subscribers') never run a guest: they hand each request to this
// pool and go on accepting, reading and answering what needs no guest
// (health checks, 404s, 503s), so a guest that loops or blocks in a host
// call (outbound HTTP, Redis, SQL) holds one worker, never the server.
//
// The queue is bounded: when it is full, submit() refuses the job and the
// trigger sheds it (HTTP: 503 with Retry-After) instead of letting requests
// pile up behind busy workers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace spindle::trigger {

class WorkerPool {
 public:
  struct Options {
    unsigned threads = 0;   // 0: default_threads()
    size_t max_queued = 0;  // jobs waiting for a worker; 0: 64 per thread
  };
  explicit WorkerPool(Options opts);
  // Drops the jobs not started yet, lets running ones finish, joins.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`; false (and `job` not run) when the queue is full or the
  // pool is stopping.
  bool submit(std::function<void()> job);

  unsigned threads() const { return static_cast<unsigned>(workers_.size()); }
  size_t max_queued() const { return max_queued_; }
  // Jobs waiting (not yet started) right now.
  size_t queued() const;

  // Eight per core, at least 32: guests that wait on the network (outbound
  // HTTP, Redis, SQL) or loop until their deadline hold a worker without
  // (or while sharing) a core, and must not hold up the others.
  static unsigned default_threads();

 private:
  void work();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace spindle::trigger
