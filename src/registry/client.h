// The OCI distribution API over HTTP (libcurl): one registry, one
// repository. Speaks https, or plain http for loopback registries and with
// --insecure (Spin's -k: crates/oci/src/client.rs build_config). Answers a
// 401 once per request: a `Bearer` challenge gets a token from its realm
// (Docker registry token auth, with the stored credentials as Basic auth if
// any), a `Basic` challenge gets the stored credentials.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/reference.h"

namespace spindle::registry {

struct Credentials {
  std::string username;
  std::string password;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string header(const std::string& lowercase_name) const;
  // "HTTP 404 (MANIFEST_UNKNOWN: manifest unknown)": the status and the
  // registry's own error code and message when it sent them.
  std::string describe() const;
};

class Client {
 public:
  Client(Reference ref, bool insecure, std::optional<Credentials> credentials, bool push);

  const Reference& reference() const { return ref_; }
  // "http://127.0.0.1:5000"
  const std::string& origin() const { return origin_; }
  // origin + "/v2/<repository>/" + path
  std::string url(std::string_view path) const;

  // Sends the request (body: nullptr for none). false only when no HTTP answer
  // came (connection refused, DNS, TLS, timeout); `error` says which
  // registry and why. HTTP errors are in `out.status`.
  bool send(const std::string& method, const std::string& url,
            const std::vector<std::string>& headers, const std::string* body, HttpResponse& out,
            std::string& error);

 private:
  bool perform(const std::string& method, const std::string& url,
               const std::vector<std::string>& headers, const std::string* body,
               const std::string& authorization, HttpResponse& out, std::string& error);
  // Turns a 401 answer into an Authorization header value; "" when it cannot.
  bool authorize(const HttpResponse& challenge, std::string& error);

  Reference ref_;
  std::string origin_;
  std::optional<Credentials> credentials_;
  bool push_;
  std::string authorization_;  // the current Authorization header value
};

// Where registry URLs go: "http" for loopback registries or when insecure.
std::string scheme_for(const std::string& registry, bool insecure);

}  // namespace spindle::registry
