// Outbound HTTP: the Spin 1.x `wasi-outbound-http` / `request` import, over
// libcurl. Each request is checked against the component's allow-list before
// any connection is made; a refused one gets destination-not-allowed and a
// log line naming the manifest entry that would allow it. Redirects are
// followed only to allowed destinations; bodies are capped; connections are
// reused across requests (one libcurl handle per server thread).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/call.h"

namespace spindle::host::outbound_http {

struct Limits {
  std::chrono::milliseconds timeout{30000};  // per request (the request deadline may cut it)
  size_t max_response_bytes = 16u << 20;     // larger bodies fail with runtime-error
  int max_redirects = 10;
};

// A request to the app itself, answered in process (see SelfOrigin).
struct LocalRequest {
  std::string method;
  std::string target;  // path + query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
struct LocalResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // lowercase names
  std::string body;
};
using LocalDispatch = std::function<LocalResponse(LocalRequest&)>;

// Where relative URLs ("self") go: the app itself, answered in process by the
// host's dispatch function, on the calling thread, without a connection: a
// handler waiting for its own app then never needs a free server thread
// (with one thread per core, all of them waiting on self requests would
// otherwise wait for each other). The origin ("http://127.0.0.1:3000", known
// once the server listens) is what such requests carry as their host.
class SelfOrigin {
 public:
  void set(std::string origin) {
    std::lock_guard lock(mu_);
    origin_ = std::move(origin);
  }
  std::string get() const {
    std::lock_guard lock(mu_);
    return origin_;
  }
  void set_dispatch(LocalDispatch d) {
    std::lock_guard lock(mu_);
    dispatch_ = std::move(d);
  }
  LocalDispatch dispatch() const {
    std::lock_guard lock(mu_);
    return dispatch_;
  }

 private:
  mutable std::mutex mu_;
  std::string origin_;
  LocalDispatch dispatch_;
};

struct ComponentPolicy {
  std::string component;                   // id, for messages
  std::vector<std::string> allowed_hosts;  // Component::outbound_hosts
  bool v1_manifest = true;                 // how to phrase the hint
};

std::shared_ptr<const Binding> bind(ComponentPolicy policy, std::shared_ptr<SelfOrigin> self,
                                    Limits limits = {});

}  // namespace spindle::host::outbound_http
