// Requests from a guest to the app itself ("self" outbound HTTP): where they
// go, and who answers them. The HTTP trigger sets the origin once it listens
// and answers them in process; outbound HTTP sends relative URLs here.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "util/http_message.h"

namespace spindle::host {

// A request to the app itself, answered in process (see SelfOrigin): the
// one request/response model, the target in `uri` (path + query).
using LocalRequest = http::Request;
using LocalResponse = http::Response;
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

}  // namespace spindle::host
