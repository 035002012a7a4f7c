#include "mqtt_broker.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

namespace spindle::test {

namespace {
std::string fresh_dir(const std::string& what) {
  static std::atomic<int> n{0};
  return temp_dir(what + "-" + std::to_string(getpid()) + "-" + std::to_string(++n));
}
}  // namespace

MqttBroker::MqttBroker() : port_(free_port()), dir_(fresh_dir("mosquitto")) {
  std::ofstream(dir_ + "/mosquitto.conf") << "listener " << port_ << " 127.0.0.1\n"
                                          << "allow_anonymous true\npersistence false\n";
  ready_ = start();
}

bool MqttBroker::start() {
  proc_ = std::make_unique<Background>(
      std::vector<std::string>{"mosquitto", "-c", dir_ + "/mosquitto.conf"}, dir_ + "/broker.log");
  for (int i = 0; i < 100; ++i) {
    if (int fd = connect_to("127.0.0.1:" + std::to_string(port_)); fd >= 0) {
      close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

Subscriber::Subscriber(const MqttBroker& broker, const std::string& topic)
    : dir_(fresh_dir("mosquitto-sub")) {
  proc_ = std::make_unique<Background>(
      std::vector<std::string>{"mosquitto_sub", "-h", "127.0.0.1", "-p",
                               std::to_string(broker.port()), "-t", topic, "-v", "-q", "2"},
      dir_ + "/received.log");
  // mosquitto_sub says nothing once subscribed: give it a moment.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
}

std::string Subscriber::received(size_t count) const {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string got;
  while (std::chrono::steady_clock::now() < until) {
    got = proc_->log();
    if (static_cast<size_t>(std::count(got.begin(), got.end(), '\n')) >= count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return got;
}

}  // namespace spindle::test
