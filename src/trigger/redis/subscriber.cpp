#include "trigger/redis/subscriber.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "host/redis/client.h"

namespace spindle::trigger::redis {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

Subscriber::Subscriber(std::string url, std::vector<std::string> channels, Dispatch dispatch)
    : url_(std::move(url)), channels_(std::move(channels)), dispatch_(std::move(dispatch)) {
  reader_ = std::thread([this] { run(); });
}

Subscriber::~Subscriber() {
  stop_ = true;
  reader_.join();
}

void Subscriber::run() {
  namespace r = host::redis;
  r::Address address;
  std::string error;
  if (!r::parse_url(url_, address, error)) {
    std::fprintf(stderr, "Redis trigger: %s\n", error.c_str());
    return;
  }
  auto backoff = std::chrono::milliseconds(100);
  while (!stop_) {
    auto conn = r::Connection::open(address, std::chrono::milliseconds(2000), error);
    r::Reply reply;
    bool ok = conn != nullptr;
    if (ok) {
      std::vector<std::string> argv = {"SUBSCRIBE"};
      argv.insert(argv.end(), channels_.begin(), channels_.end());
      ok = conn->command(argv, reply, error);
      // One acknowledgement per channel; command() read the first.
      for (size_t i = 1; ok && i < channels_.size(); ++i) {
        bool timed_out = false;
        ok = conn->read(reply, std::chrono::milliseconds(5000), timed_out, error);
      }
    }
    if (ok) {
      std::printf("Redis trigger: subscribed to %s on %s\n", join(channels_).c_str(),
                  address.display.c_str());
      std::fflush(stdout);
      subscribed_ = true;
      backoff = std::chrono::milliseconds(100);
      while (!stop_) {
        bool timed_out = false;
        if (!conn->read(reply, std::chrono::milliseconds(200), timed_out, error)) {
          if (timed_out) continue;
          break;
        }
        // ["message", channel, payload]
        if (reply.kind != r::Reply::Kind::Array || reply.elements.size() != 3 ||
            reply.elements[0].str != "message")
          continue;
        dispatch_({std::move(reply.elements[1].str), std::move(reply.elements[2].str)});
      }
      if (stop_) return;
    }
    std::fprintf(stderr,
                 "Redis trigger: connection to %s lost or refused (%s); retrying in %.1fs\n",
                 address.display.c_str(), error.c_str(), backoff.count() / 1000.0);
    for (auto waited = std::chrono::milliseconds(0); waited < backoff && !stop_;
         waited += std::chrono::milliseconds(50))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace spindle::trigger::redis
