#include "host/allow_list.h"

#include <algorithm>
#include <cctype>

namespace spindle::host {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

int default_port(const std::string& scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  if (scheme == "redis") return 6379;
  if (scheme == "mysql") return 3306;
  if (scheme == "postgres") return 5432;
  if (scheme == "mqtt") return 1883;
  return -1;
}

std::optional<int> port_number(const std::string& s) {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      }))
    return std::nullopt;
  int p = std::stoi(s);
  return p <= 65535 ? std::optional<int>(p) : std::nullopt;
}

// host[:port] with [v6]; false when malformed.
bool split(const std::string& hp, std::string& host, std::string& port) {
  if (!hp.empty() && hp[0] == '[') {
    auto close = hp.find(']');
    if (close == std::string::npos) return false;
    host = hp.substr(1, close - 1);
    if (close + 1 < hp.size()) {
      if (hp[close + 1] != ':') return false;
      port = hp.substr(close + 2);
    }
    return true;
  }
  auto colon = hp.rfind(':');
  host = hp.substr(0, colon);
  if (colon != std::string::npos) port = hp.substr(colon + 1);
  return !host.empty();
}

}  // namespace

std::optional<Url> parse_url(const std::string& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos) return std::nullopt;
  Url u;
  u.scheme = lower(url.substr(0, sep));
  if (u.scheme.empty() || !std::all_of(u.scheme.begin(), u.scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      }))
    return std::nullopt;
  std::string rest = url.substr(sep + 3);
  auto path = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, path);
  u.target = path == std::string::npos ? "/" : rest.substr(path);
  if (!u.target.empty() && u.target[0] != '/') u.target = "/" + u.target;
  if (authority.find('@') != std::string::npos)
    authority = authority.substr(authority.rfind('@') + 1);
  std::string port;
  if (!split(authority, u.host, port)) return std::nullopt;
  u.host = lower(u.host);
  for (char c : u.host) {
    auto x = static_cast<unsigned char>(c);
    if (!(std::isalnum(x) || c == '-' || c == '.' || c == '_' || c == ':')) return std::nullopt;
  }
  if (port.empty()) {
    u.port = default_port(u.scheme);
    if (u.port < 0) return std::nullopt;
  } else {
    auto p = port_number(port);
    if (!p) return std::nullopt;
    u.port = *p;
  }
  return u;
}

AllowList::AllowList(std::vector<std::string> entries) {
  for (const std::string& raw : entries) {
    std::string e = lower(raw);
    if (e == "http://self" || e == "https://self") {
      self_ = true;
      continue;
    }
    auto sep = e.find("://");
    if (sep == std::string::npos) continue;
    Entry x;
    x.scheme = e.substr(0, sep);
    std::string rest = e.substr(sep + 3);
    if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
    std::string port;
    if (!split(rest, x.host, port)) continue;
    if (port == "*") {
      x.port_lo = 0;
      x.port_hi = 65535;
    } else if (auto dots = port.find(".."); dots != std::string::npos) {
      auto lo = port_number(port.substr(0, dots)), hi = port_number(port.substr(dots + 2));
      if (!lo || !hi) continue;
      x.port_lo = *lo;
      x.port_hi = *hi;
    } else if (!port.empty()) {
      auto p = port_number(port);
      if (!p) continue;
      x.port_lo = x.port_hi = *p;
    }
    entries_.push_back(std::move(x));
  }
}

bool AllowList::allows(const Url& u) const {
  for (const Entry& e : entries_) {
    if (e.scheme != "*" && e.scheme != u.scheme) continue;
    bool host_ok =
        e.host == "*" || e.host == u.host ||
        (e.host.size() > 2 && e.host.compare(0, 2, "*.") == 0 &&
         u.host.size() > e.host.size() - 1 &&
         u.host.compare(u.host.size() - (e.host.size() - 1), e.host.size() - 1, e.host, 1) == 0);
    if (!host_ok) continue;
    if (e.port_lo < 0) {
      if (u.port != default_port(u.scheme)) continue;
    } else if (u.port < e.port_lo || u.port > e.port_hi) {
      continue;
    }
    return true;
  }
  return false;
}

}  // namespace spindle::host
