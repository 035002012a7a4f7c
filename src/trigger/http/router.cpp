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

Router::Router(const std::vector<const manifest::HttpTrigger*>& triggers) {
  for (const manifest::HttpTrigger* t : triggers) {
    const manifest::Route& r = t->route;
    if (r.is_private) continue;
    Entry e;
    e.component = t->component;
    e.raw = r.raw;
    e.segments = split_path(r.prefix);
    e.wildcard = r.wildcard;
    for (const auto& s : e.segments) e.literals += s[0] != ':';
    std::string_view base = r.base == "/" ? std::string_view() : std::string_view(r.base);
    std::string_view own = std::string_view(r.prefix).substr(base.size());
    e.component_route = own.empty() ? "/" : std::string(own);
    e.matched_route = std::string(base) + r.raw;
    entries_.push_back(std::move(e));
  }
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.wildcard != b.wildcard) return !a.wildcard;  // exact first
    if (a.segments.size() != b.segments.size())
      return a.segments.size() > b.segments.size();  // longest prefix
    return a.literals > b.literals;                  // literal beats :name
  });
}

std::optional<RouteMatch> Router::match(std::string_view path) const {
  std::vector<std::string> segs = split_path(path);
  for (const Entry& e : entries_) {
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
    m.component = e.component;
    m.raw_route = e.raw;
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
