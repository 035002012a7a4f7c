// The Redis trigger's subscriber: one connection per Redis address,
// SUBSCRIBEd to every channel the app's components listen on; each message
// is handed to `dispatch` on the connection's reader thread, which must not
// block (the Redis trigger queues it on the shared worker pool). A lost
// connection is retried with backoff (0.1 s doubling to 5 s), each attempt
// logged.
#pragma once

#include <atomic>
#include <functional>
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
  Subscriber(std::string url, std::vector<std::string> channels, Dispatch dispatch);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;
  // True once the first SUBSCRIBE was acknowledged (for tests and logs).
  bool subscribed() const { return subscribed_; }

 private:
  void run();

  std::string url_;
  std::vector<std::string> channels_;
  Dispatch dispatch_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> subscribed_{false};
  std::thread reader_;
};

}  // namespace spindle::trigger::redis
