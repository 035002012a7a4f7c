// One MQTT client connection (libmosquitto, its blocking API driven from
// the calling thread): connected on the first publish, closed on
// destruction. Not thread-safe; one request uses it.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>

struct mosquitto;

namespace spindle::host::mqtt {

// mqtt://host[:port]?client_id=ID, as Spin reads it.
struct Address {
  std::string host;
  int port = 1883;
  std::string client_id;
};
// nullopt when `url` is not such an address.
std::optional<Address> parse_address(const std::string& url);

class Client {
 public:
  Client(Address a, std::string username, std::string password, uint64_t keep_alive_secs);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  enum class Failure { kNone, kConnection, kOther };
  // Publishes and waits until the broker has it as `qos` (0, 1, 2) asks, up
  // to `deadline`. kNone, or the failure with `why`.
  Failure publish(const std::string& topic, const std::string& payload, int qos,
                  std::chrono::steady_clock::time_point deadline, std::string& why);

 private:
  bool make();   // a fresh libmosquitto client with the callbacks set
  void reset();  // disconnects and destroys it
  bool connect(std::chrono::steady_clock::time_point deadline, std::string& why);
  // Runs the network loop until `done()` or the deadline; false on either
  // a lost connection or the deadline (`why` says which).
  template <class Done>
  bool loop_until(Done done, std::chrono::steady_clock::time_point deadline, std::string& why);

  Address address_;
  std::string username_, password_;
  int keep_alive_;
  mosquitto* m_ = nullptr;
  bool connected_ = false;

 public:                    // the library's callbacks write these
  int connack = -1;         // the CONNACK's code once it came
  bool lost = false;        // the connection dropped
  std::set<int> published;  // message ids the broker has as their QoS asks
};

}  // namespace spindle::host::mqtt
