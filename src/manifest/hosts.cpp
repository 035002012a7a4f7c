// Outbound network permissions: v1 `allowed_http_hosts` (host, host:port, an
// http(s) URL without a path, "self", "insecure:allow-all") and v2
// `allowed_outbound_hosts` (`scheme://host[:port]` with `*` wildcards).
// Both are checked after templates are resolved and merged, as Spin does,
// into Component::outbound_hosts. Messages show entries as written, so a
// secret that went into a host is never printed.
#include <algorithm>
#include <cctype>

#include "manifest/internal.h"

namespace spindle::manifest::detail {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

bool valid_port(std::string_view p) {
  return all_digits(p) && p.size() <= 5 && std::stoul(std::string(p)) <= 65535;
}

// host[:port] (host may be [ipv6]). Returns the problem or "".
std::string split_host_port(std::string_view hp, std::string& host, std::string& port,
                            bool wildcards) {
  if (hp.empty()) return "it has no host";
  size_t colon;
  if (hp[0] == '[') {
    size_t close = hp.find(']');
    if (close == std::string_view::npos) return "an IPv6 address is missing its `]`";
    host = hp.substr(0, close + 1);
    colon = close + 1 < hp.size() ? close + 1 : std::string_view::npos;
    if (colon != std::string_view::npos && hp[colon] != ':') return "junk after the IPv6 address";
  } else {
    colon = hp.rfind(':');
    host = hp.substr(0, colon);
  }
  port = colon == std::string_view::npos ? "" : std::string(hp.substr(colon + 1));
  if (host.empty()) return "it has no host";
  for (char c : host) {
    auto u = static_cast<unsigned char>(c);
    bool ok = std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '[' || c == ']' ||
              c == ':' || (wildcards && c == '*');
    if (!ok) return std::string("`") + c + "` is not allowed in a host name";
  }
  if (colon != std::string_view::npos) {
    if (port.empty()) return "the port after `:` is empty";
    if (wildcards && port == "*") return {};
    if (wildcards && port.find("..") != std::string::npos) {
      size_t dots = port.find("..");
      if (valid_port(port.substr(0, dots)) && valid_port(port.substr(dots + 2))) return {};
      return "a port range must be `low..high`";
    }
    if (!valid_port(port)) return "the port must be a number from 0 to 65535";
  }
  return {};
}

// v1 entry → v2 entries; "" problem when good.
std::string convert_http_host(std::string_view v, std::vector<std::string>& out,
                              std::string& hint) {
  if (v == "insecure:allow-all") {
    out.insert(out.end(), {"http://*:*", "https://*:*", "http://self"});
    return {};
  }
  if (v == "self") {
    out.push_back("http://self");
    return {};
  }
  std::string_view hp = v;
  if (v.find("//") != std::string_view::npos) {
    size_t sep = v.find("://");
    std::string_view scheme = sep == std::string_view::npos ? "" : v.substr(0, sep);
    if (scheme != "http" && scheme != "https") {
      return "only http and https URLs are allowed here";
    }
    hp = v.substr(sep + 3);
    size_t slash = hp.find('/');
    if (slash != std::string_view::npos) {
      if (hp.substr(slash) != "/") {
        hint = "remove the path: `" + std::string(v.substr(0, sep + 3 + slash)) + "`";
        return "it contains a path (only a host and an optional port are allowed)";
      }
      hp = hp.substr(0, slash);
    }
  } else if (hp.find('/') != std::string_view::npos) {
    return "it contains a path (only a host and an optional port are allowed)";
  }
  std::string host, port;
  std::string problem = split_host_port(hp, host, port, false);
  if (!problem.empty()) return problem;
  std::string suffix = port.empty() ? "" : ":" + port;
  out.push_back("http://" + host + suffix);
  out.push_back("https://" + host + suffix);
  return {};
}

std::string check_outbound_host(std::string_view v, std::string& hint) {
  size_t sep = v.find("://");
  if (sep == std::string_view::npos) {
    hint =
        "write `https://" + std::string(v) + "` (or `*://" + std::string(v) + "` for any scheme)";
    return "it has no scheme";
  }
  std::string_view scheme = v.substr(0, sep);
  bool scheme_ok =
      scheme == "*" || (!scheme.empty() && std::isalpha(static_cast<unsigned char>(scheme[0])) &&
                        std::all_of(scheme.begin(), scheme.end(), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c)) || c == '+' ||
                                 c == '-' || c == '.';
                        }));
  if (!scheme_ok) return "the scheme must be a name like `https`, or `*`";
  std::string_view rest = v.substr(sep + 3);
  size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    // "/" alone is tolerated; "/<n>" after an IP is a CIDR prefix length.
    if (path != "/" && !all_digits(path.substr(1))) {
      hint = "remove the path: `" + std::string(v.substr(0, sep + 3 + slash)) + "`";
      return "it contains a path (only scheme, host and port are allowed)";
    }
    rest = rest.substr(0, slash);
  }
  std::string host, port;
  return split_host_port(rest, host, port, true);
}

}  // namespace

void check_hosts(App& app, Reporter& rep) {
  const char* expected_v1 =
      "`host`, `host:port`, an http(s) URL without a path, `self` or "
      "`insecure:allow-all`";
  const char* expected_v2 =
      "`scheme://host[:port]`, like `https://example.com`, "
      "`redis://db:6379` or `*://*:*`";
  for (Component& c : app.components) {
    std::vector<std::string> out;
    for (const Setting& s : c.allowed_outbound_hosts) {
      if (s.value.find("{{") != std::string::npos) continue;  // unresolved: reported already
      std::string hint;
      std::string problem = check_outbound_host(s.value, hint);
      if (s.secret) hint = "check the value of the secret variable used here";
      if (!problem.empty()) {
        rep.error(s.location,
                  "invalid entry `" + s.raw + "` in `allowed_outbound_hosts` of component `" +
                      c.id + "`: " + problem,
                  expected_v2, hint);
        continue;
      }
      out.push_back(s.value);
    }
    std::vector<std::string> converted;
    for (const Setting& s : c.allowed_http_hosts) {
      if (s.value.find("{{") != std::string::npos) continue;
      std::string hint;
      std::string problem = convert_http_host(s.value, converted, hint);
      if (s.secret) hint = "check the value of the secret variable used here";
      if (!problem.empty()) {
        rep.error(s.location,
                  "invalid entry `" + s.raw + "` in `allowed_http_hosts` of component `" + c.id +
                      "`: " + problem,
                  expected_v1, hint);
      }
    }
    // v1 components without allowed_outbound_hosts keep Spin 1's open
    // database access, as Spin's v1→v2 conversion does.
    if (app.manifest_version == ManifestVersion::V1 &&
        !c.field_locations.count("allowed_outbound_hosts")) {
      out.insert(out.begin(), {"redis://*:*", "mysql://*:*", "postgres://*:*"});
    }
    out.insert(out.end(), converted.begin(), converted.end());
    c.outbound_hosts = std::move(out);
  }
}

}  // namespace spindle::manifest::detail
