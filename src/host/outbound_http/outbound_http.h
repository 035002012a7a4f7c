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
#include <optional>
#include <string>
#include <vector>

#include "engine/host.h"
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

using Headers = std::vector<std::pair<std::string, std::string>>;

// What one request sent for a wasi:http component came to.
struct Sent {
  enum Error : uint8_t {
    None,
    Denied,             // not in the component's allowed hosts (or none configured)
    InvalidUrl,         // not an absolute http(s) URL
    DnsError,           // the host name did not resolve
    ConnectionRefused,  // nothing answered at the address
    Timeout,            // the transfer outlived its time (or the request's deadline)
    ReadTimeout,        // no response byte within a first-byte or between-bytes timeout
    ProtocolError,      // any other transfer failure
    InternalError,      // spindle could not send it (no libcurl, body too large)
  } error = None;
  long status = 0;
  Headers headers;
  std::string body;
};

// The timeouts a wasi:http guest may set for one request (request-options):
// to connect; from the request going out to the first response byte; and
// between response bytes after that. Each is also bounded by the request's
// own limits.
struct Timeouts {
  std::optional<std::chrono::milliseconds> connect, first_byte, between_bytes;
};

// Why `url` (absolute, or "/path" for the app itself) may not be requested
// by the calling component (Denied, logged with the manifest entry that
// would allow it; InvalidUrl), or None: what send() checks first, for a
// caller that must refuse before it sends.
Sent::Error refusal(const engine::InstanceData* instance, const std::string& url);

// Sends a request (absolute URL, or "/path" for the app itself) with the
// calling component's allow list, self requests and limits, as the Spin
// 1.x import does: what wasi:http/outgoing-handler.handle uses. `instance`
// is the calling instance (its capabilities and deadline).
Sent send(const engine::InstanceData* instance, const std::string& method, const std::string& url,
          const Headers& headers, const std::optional<std::string>& body,
          const Timeouts& timeouts = {});

}  // namespace spindle::host::outbound_http
