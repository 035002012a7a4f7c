#include "trigger/http/metrics_endpoint.h"

#include "abi/http.h"
#include "trigger/http/server.h"
#include "util/metrics.h"

namespace spindle::trigger::http {

MetricsEndpoint::MetricsEndpoint() : server_(std::make_unique<Server>()) {}

MetricsEndpoint::~MetricsEndpoint() { stop(); }

bool MetricsEndpoint::start(const std::string& listen, std::string& error) {
  metrics::enable();
  ServerOptions so;
  so.listen = listen;
  so.threads = 1;
  so.max_connections = 64;
  auto handler = [](Incoming&& in, Respond respond) {
    Outgoing out;
    if (abi::uri_path(in.uri) != "/metrics") {
      out.status = 404;
      out.headers.emplace_back("content-type", "text/plain");
      out.body = "Not Found: the metrics are at /metrics\n";
    } else if (in.method != "GET" && in.method != "HEAD") {
      out.status = 405;
      out.headers.emplace_back("allow", "GET, HEAD");
    } else {
      out.headers.emplace_back("content-type", std::string(metrics::kContentType));
      out.body = metrics::render();
    }
    respond(std::move(out));
  };
  if (!server_->start(so, handler, error)) {
    error = "spindle up: --metrics-listen: " + error;
    return false;
  }
  return true;
}

std::string MetricsEndpoint::url() const { return "http://" + server_->address() + "/metrics"; }

void MetricsEndpoint::stop() { server_->stop(); }

}  // namespace spindle::trigger::http
