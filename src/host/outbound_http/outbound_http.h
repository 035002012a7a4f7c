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

#include "host/capability.h"

namespace spindle::host::outbound_http {

struct Limits {
  std::chrono::milliseconds timeout{30000};  // per request (the request deadline may cut it)
  size_t max_response_bytes = 16u << 20;     // larger bodies fail with runtime-error
  int max_redirects = 10;
};

using host::LocalDispatch;
using host::LocalRequest;
using host::LocalResponse;
using host::SelfOrigin;

struct ComponentPolicy {
  std::string component;                   // id, for messages
  std::vector<std::string> allowed_hosts;  // Component::outbound_hosts
  bool v1_manifest = true;                 // how to phrase the hint
};

// The `wasi-outbound-http` import; each component gets its allow-list.
const Capability& capability();

}  // namespace spindle::host::outbound_http
