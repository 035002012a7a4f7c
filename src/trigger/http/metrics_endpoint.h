// The Prometheus endpoint of `spindle up --metrics-listen ADDR`: GET
// /metrics on its own address (never the app's), answered from
// util/metrics.h on one I/O thread of its own; every other path is 404.
#pragma once

#include <memory>
#include <string>

namespace spindle::trigger::http {

class Server;

class MetricsEndpoint {
 public:
  MetricsEndpoint();
  ~MetricsEndpoint();
  // Turns recording on and listens on `listen` (host:port). False with
  // `error` when the address cannot be used.
  bool start(const std::string& listen, std::string& error);
  // "http://127.0.0.1:9090/metrics".
  std::string url() const;
  void stop();

 private:
  std::unique_ptr<Server> server_;
};

}  // namespace spindle::trigger::http
