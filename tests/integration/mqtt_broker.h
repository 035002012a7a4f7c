// A real MQTT broker (Debian's mosquitto) for tests: anonymous, on a free
// loopback port, no persistence; stopped on destruction. stop()/start()
// restart it on the same port. A Subscriber (mosquitto_sub) records what a
// topic receives.
#pragma once

#include <memory>
#include <string>

#include "serve.h"

namespace spindle::test {

class MqttBroker {
 public:
  MqttBroker();
  int port() const { return port_; }
  std::string address(const std::string& client_id) const {
    return "mqtt://127.0.0.1:" + std::to_string(port_) + "?client_id=" + client_id;
  }
  bool ready() const { return ready_; }
  void stop() { proc_.reset(); }
  bool start();

 private:
  int port_ = 0;
  bool ready_ = false;
  std::string dir_;
  std::unique_ptr<Background> proc_;
};

// mosquitto_sub -t <topic> -v on `broker`, writing "topic payload" lines.
class Subscriber {
 public:
  Subscriber(const MqttBroker& broker, const std::string& topic);
  // The lines received so far, waiting up to 10 s for at least `count`.
  std::string received(size_t count) const;

 private:
  std::string dir_;
  std::unique_ptr<Background> proc_;
};

}  // namespace spindle::test
