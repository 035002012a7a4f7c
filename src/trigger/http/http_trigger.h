// The HTTP trigger: Spin's HTTP behaviour over the server (server.h).
//
// On the server's I/O threads it answers what needs no guest at once:
// `/.well-known/spin/health` and `/info`, paths no route matches (404), and
// requests shed because every worker is busy and the queue is full (503
// with Retry-After). A routed request gets Spin's `spin-*` headers and goes
// to the worker pool, where the component's executor (Spin 1 ABI or WAGI)
// runs it in a fresh instance under the component's limits; a guest failure
// is logged with its reason and answered 500 (504 past the deadline) with a
// body that names the kind of failure.
//
// Requests to the app itself from a guest ("self" outbound HTTP) are
// answered in process, on the calling worker, without a connection.
#pragma once

#include <memory>
#include <string_view>

#include "trigger/http/server.h"
#include "trigger/trigger.h"

namespace spindle::trigger::http {

std::unique_ptr<Trigger> make_trigger(const Services& services);

// Spin's health endpoint (answered without a guest; 503 while shutting down).
inline constexpr std::string_view kHealthPath = "/.well-known/spin/health";

// One app's HTTP trigger as a server shared by several apps sees it
// (Services::shared_origin): the server calls these on its I/O threads.
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  // Answers one request (health and info included), as its own server would.
  virtual void handle(Incoming&& in, Respond respond) = 0;
  // Whether the request's body is read while the guest runs (wasi:http).
  virtual bool stream_body(std::string_view method, std::string_view target) = 0;
};

// The endpoint of an HTTP trigger (made by make_trigger); null for others.
Endpoint* endpoint_of(Trigger& t);

}  // namespace spindle::trigger::http
