// HTTP routes: validated and normalised against the application base, so the
// router can match on Route::prefix / Route::wildcard; two components
// claiming the same route is an error.
#include <cctype>
#include <map>

#include "manifest/internal.h"

namespace spindle::manifest::detail {
namespace {

// Characters that cannot appear in a route (they end the path in a URL, or
// are whitespace / control characters).
bool bad_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f || c == '?' || c == '#';
}

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;  // path starts with '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Validates `raw` and fills r.full / prefix / wildcard / params. Returns the
// problem, or "" when the route is good.
std::string normalise_route(Route& r, std::string& hint) {
  std::string_view raw = r.raw;
  if (raw.empty()) return "the route is empty";
  for (char c : raw) {
    if (bad_char(c)) {
      return c == '?' || c == '#' ? std::string("`") + c + "` is not allowed in a route"
                                  : "whitespace and control characters are not allowed";
    }
  }
  if (raw[0] != '/') {
    hint = "write `/" + std::string(raw) + "`";
    return "a route must start with `/`";
  }
  while (raw.size() > 1 && raw.back() == '/') raw.remove_suffix(1);
  std::vector<std::string_view> segs = raw == "/" ? std::vector<std::string_view>{} : split(raw);
  std::string path;
  for (size_t i = 0; i < segs.size(); ++i) {
    std::string_view s = segs[i];
    if (s.empty()) return "empty path segment `//`";
    if (s == "...") {
      if (i + 1 != segs.size()) {
        hint = "end the route with `/...` to match everything under a prefix";
        return "`...` may only be the last segment";
      }
      r.wildcard = true;
      break;
    }
    if (s.find("...") != std::string_view::npos) {
      hint = "write `/" + std::string(s.substr(0, s.find("..."))) + "/...` for a wildcard";
      return "`...` must be a segment of its own";
    }
    if (s[0] == ':') {
      std::string_view name = s.substr(1);
      if (name.empty()) return "`:` must be followed by a parameter name";
      for (char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
          return "parameter `" + std::string(s) + "` may only contain letters, digits, `_` and `-`";
        }
      }
      r.params.emplace_back(name);
    }
    path += "/";
    path += s;
  }
  std::string base = r.base == "/" ? "" : r.base;
  r.prefix = base + path;
  if (r.wildcard) {
    r.full = r.prefix + "/...";
  } else {
    r.full = r.prefix.empty() ? "/" : r.prefix;
    r.prefix = r.full;
  }
  return {};
}

}  // namespace

std::optional<std::string> normalise_base(std::string_view base) {
  if (base.empty() || base[0] != '/') return std::nullopt;
  for (char c : base) {
    if (bad_char(c)) return std::nullopt;
  }
  if (base.find("...") != std::string_view::npos || base.find("//") != std::string_view::npos) {
    return std::nullopt;
  }
  while (base.size() > 1 && base.back() == '/') base.remove_suffix(1);
  return std::string(base);
}

void check_routes(App& app, Reporter& rep) {
  std::string base = app.http ? app.http->base : "/";
  struct Claim {
    std::string component;
    Location where;
  };
  std::map<std::pair<std::string, bool>, Claim> claimed;
  for (Component& c : app.components) {
    for (HttpTrigger& h : c.http) {
      Route& r = h.route;
      r.base = base;
      if (r.is_private) continue;
      std::string hint;
      std::string problem = normalise_route(r, hint);
      if (!problem.empty()) {
        rep.error(r.location,
                  "invalid route `" + r.raw + "` of component `" + c.id + "`: " + problem,
                  "a path like `/hello`, `/users/:id` or `/static/...`", hint);
        r.full.clear();
        continue;
      }
      // Parameter names do not make two routes different.
      std::string key;
      for (std::string_view s : split(r.prefix.empty() ? "/" : r.prefix)) {
        key += "/";
        key += !s.empty() && s[0] == ':' ? std::string_view(":") : s;
      }
      auto [it, fresh] = claimed.try_emplace({key, r.wildcard}, Claim{c.id, r.location});
      if (!fresh) {
        rep.error(r.location,
                  "route `" + r.full + "` of component `" + c.id +
                      "` is already claimed by component `" + it->second.component + "`",
                  "each route to be handled by one component",
                  "component `" + it->second.component + "` claims it at " +
                      rep.at(it->second.where) + "; change one of the two routes");
      }
    }
  }
}

}  // namespace spindle::manifest::detail
