// The Redis trigger's subscriber: one connection per Redis address,
// SUBSCRIBEd to every channel the app's components listen on; each message
// is handed to a small pool of worker threads (so a slow handler does not
// stall the connection). A lost connection is retried with backoff
// (0.1 s doubling to 5 s), each attempt logged.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace spindle::trigger::redis {

struct Message {
  std::string channel;
  std::string payload;
};

using Dispatch = std::function<void(const Message&)>;

class Subscriber {
 public:
  Subscriber(std::string url, std::vector<std::string> channels, Dispatch dispatch,
             unsigned workers = 2);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;
  // True once the first SUBSCRIBE was acknowledged (for tests and logs).
  bool subscribed() const { return subscribed_; }

 private:
  void run();
  void work();

  std::string url_;
  std::vector<std::string> channels_;
  Dispatch dispatch_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> subscribed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Message> queue_;
  std::vector<std::thread> workers_;
  std::thread reader_;
};

}  // namespace spindle::trigger::redis
