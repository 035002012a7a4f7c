// Pages of a sitemap (https://www.sitemaps.org/protocol.html): the paths of its
// <loc> entries. The likes component compares paths only, so a sitemap written
// with absolute URLs for one host (http://localhost:3000/posts/x/) still
// matches the site served on any other address.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace likes::sitemap {

// The path of a page as likes are counted under it: the path part of a URL or
// path (scheme, host, query and fragment dropped), without a trailing slash
// except for the root. "" when `page` is neither an absolute path nor an
// http(s) URL.
inline std::string normalize(std::string_view page) {
  if (page.rfind("http://", 0) == 0 || page.rfind("https://", 0) == 0) {
    size_t host = page.find("//") + 2;
    size_t slash = page.find_first_of("/?#", host);
    page = slash == std::string_view::npos ? std::string_view("/") : page.substr(slash);
    if (!page.empty() && page[0] != '/') page = "/";
  }
  page = page.substr(0, page.find_first_of("?#"));
  if (page.empty() || page[0] != '/') return {};
  while (page.size() > 1 && page.back() == '/') page.remove_suffix(1);
  return std::string(page);
}

inline std::string xml_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      static constexpr std::pair<std::string_view, char> entities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool matched = false;
      for (const auto& [name, ch] : entities) {
        if (s.substr(i, name.size()) == name) {
          out += ch;
          i += name.size() - 1;
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    out += s[i];
  }
  return out;
}

// The normalized paths of every <loc> in `xml`, in order.
inline std::vector<std::string> pages(std::string_view xml) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    size_t open = xml.find("<loc>", pos);
    if (open == std::string_view::npos) break;
    size_t start = open + 5;
    size_t close = xml.find("</loc>", start);
    if (close == std::string_view::npos) break;
    std::string_view loc = xml.substr(start, close - start);
    while (!loc.empty() && (loc.front() == ' ' || loc.front() == '\n' || loc.front() == '\r' ||
                            loc.front() == '\t'))
      loc.remove_prefix(1);
    while (!loc.empty() &&
           (loc.back() == ' ' || loc.back() == '\n' || loc.back() == '\r' || loc.back() == '\t'))
      loc.remove_suffix(1);
    std::string path = normalize(xml_unescape(loc));
    if (!path.empty()) out.push_back(std::move(path));
    pos = close + 6;
  }
  return out;
}

}  // namespace likes::sitemap
