// `{{ name }}` templates: literal text and variable references.
#include <cctype>

#include "manifest/internal.h"

namespace spindle::manifest::detail {

std::optional<std::vector<TemplatePart>> parse_template(std::string_view raw, std::string& problem,
                                                        size_t& offset) {
  std::vector<TemplatePart> parts;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t open = raw.find("{{", pos);
    if (open == std::string_view::npos) {
      parts.push_back({false, std::string(raw.substr(pos)), pos});
      break;
    }
    if (open > pos) parts.push_back({false, std::string(raw.substr(pos, open - pos)), pos});
    size_t close = raw.find("}}", open + 2);
    if (close == std::string_view::npos) {
      problem = "unterminated `{{`";
      offset = open;
      return std::nullopt;
    }
    std::string_view inner = raw.substr(open + 2, close - open - 2);
    while (!inner.empty() && (inner.front() == ' ' || inner.front() == '\t')) {
      inner.remove_prefix(1);
    }
    while (!inner.empty() && (inner.back() == ' ' || inner.back() == '\t')) inner.remove_suffix(1);
    if (inner.empty()) {
      problem = "empty template `{{}}`";
      offset = open;
      return std::nullopt;
    }
    for (char c : inner) {
      auto u = static_cast<unsigned char>(c);
      if (!std::isalnum(u) && c != '_' && c != '-') {
        problem = "`{{" + std::string(raw.substr(open + 2, close - open - 2)) +
                  "}}` is not a variable reference";
        offset = open;
        return std::nullopt;
      }
    }
    parts.push_back({true, std::string(inner), open});
    pos = close + 2;
  }
  return parts;
}

}  // namespace spindle::manifest::detail
