// Outbound network permissions (outbound HTTP, outbound Redis): the component's effective
// allow-list in Spin's v2 syntax (`scheme://host[:port]`, computed by the manifest stage from
// allowed_outbound_hosts and allowed_http_hosts), matched against a URL before any connection is
// made.
//
//   scheme  `*` or a name          host  `*`, `*.example.com`, a name or IP, `self`
//   port    absent (the scheme's default), `*`, `n`, or `low..high`
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace spindle::host {

struct Url {
  std::string scheme;  // lowercase
  std::string host;    // lowercase, IPv6 without brackets
  int port = 0;        // explicit, or the scheme's default
  std::string target;  // path + query ("/" at least)
};

// Parses an absolute URL of a scheme with a known default port (http,
// https, redis, mysql, postgres, mqtt) or with an explicit port. nullopt when it is
// not one.
std::optional<Url> parse_url(const std::string& url);

class AllowList {
 public:
  explicit AllowList(std::vector<std::string> entries);
  bool allows(const Url& u) const;
  // "http://self" is listed: relative URLs may go to the app itself.
  bool allows_self() const { return self_; }

 private:
  struct Entry {
    std::string scheme;              // "*" = any
    std::string host;                // "*" = any; "*.x" = suffix
    int port_lo = -1, port_hi = -1;  // -1: the scheme's default port
  };
  std::vector<Entry> entries_;
  bool self_ = false;
};

}  // namespace spindle::host
