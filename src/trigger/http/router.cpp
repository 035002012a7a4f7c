#include "trigger/http/router.h"

#include <algorithm>

namespace spindle::trigger::http {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

namespace {

std::string join(const std::vector<std::string>& segs) {
  std::string s;
  for (const auto& x : segs) s += "/" + x;
  return s.empty() ? "/" : s;
}

}  // namespace

bool Router::build(std::string_view base, const std::vector<RouteSpec>& routes,
                   std::string& error) {
  base_ = join(split_path(base));
  entries_.clear();
  std::vector<std::string> base_segs = split_path(base);
  for (const RouteSpec& r : routes) {
    if (r.is_private) {
      Entry e;
      e.spec = r;
      entries_.push_back(std::move(e));
      continue;
    }
    if (r.route.empty() || r.route[0] != '/') {
      error = "route `" + r.route + "` of component `" + r.component + "` must start with `/`";
      return false;
    }
    Entry e;
    e.spec = r;
    std::string_view rest = r.route;
    if (rest.size() >= 4 && rest.substr(rest.size() - 4) == "/...") {
      e.wildcard = true;
      rest.remove_suffix(4);
    } else if (rest == "/...") {
      e.wildcard = true;
      rest = "";
    }
    std::vector<std::string> segs = split_path(rest);
    for (const auto& s : segs) {
      if (s == "...") {
        error = "route `" + r.route + "` of component `" + r.component +
                "`: `...` is only allowed as the last segment";
        return false;
      }
      if (s[0] == ':' && s.size() == 1) {
        error = "route `" + r.route + "` of component `" + r.component +
                "`: a `:` segment needs a name";
        return false;
      }
    }
    e.component_route = join(segs);
    e.segments = base_segs;
    e.segments.insert(e.segments.end(), segs.begin(), segs.end());
    for (const auto& s : e.segments) e.literals += s[0] != ':';
    e.matched_route = (base_ == "/" ? std::string() : base_) + r.route;
    for (const Entry& other : entries_) {
      if (!other.spec.is_private && other.wildcard == e.wildcard && other.segments == e.segments) {
        error = "components `" + other.spec.component + "` and `" + r.component +
                "` both claim the route `" + r.route + "`";
        return false;
      }
    }
    entries_.push_back(std::move(e));
  }
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.wildcard != b.wildcard) return !a.wildcard;  // exact first
    if (a.segments.size() != b.segments.size())
      return a.segments.size() > b.segments.size();  // longest prefix
    return a.literals > b.literals;                  // literal beats :name
  });
  return true;
}

std::optional<RouteMatch> Router::match(std::string_view path) const {
  std::vector<std::string> segs = split_path(path);
  for (const Entry& e : entries_) {
    if (e.spec.is_private) continue;
    if (e.wildcard ? segs.size() < e.segments.size() : segs.size() != e.segments.size()) continue;
    RouteMatch m;
    bool ok = true;
    for (size_t i = 0; i < e.segments.size() && ok; ++i) {
      const std::string& want = e.segments[i];
      if (want[0] == ':')
        m.params.emplace_back(want.substr(1), segs[i]);
      else
        ok = want == segs[i];
    }
    if (!ok) continue;
    m.component = e.spec.component;
    m.raw_route = e.spec.route;
    m.component_route = e.component_route;
    m.matched_route = e.matched_route;
    if (e.wildcard) {
      // The rest of the path as sent (keeps a trailing slash).
      size_t consumed = 0, seen = 0;
      while (seen < e.segments.size() && consumed < path.size()) {
        while (consumed < path.size() && path[consumed] == '/') ++consumed;
        while (consumed < path.size() && path[consumed] != '/') ++consumed;
        ++seen;
      }
      m.path_info = std::string(path.substr(consumed));
    }
    return m;
  }
  return std::nullopt;
}

}  // namespace spindle::trigger::http
