// Diagnostics: formatting, collecting, and positions inside string values.
#include "manifest/internal.h"

namespace spindle::manifest {

std::string Diagnostic::to_string() const {
  std::string out = file.string();
  if (where.line > 0) {
    out += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
  }
  out += severity == Severity::Error ? ": error: " : ": warning: ";
  out += message;
  if (!expected.empty()) out += " (expected " + expected + ")";
  if (!hint.empty()) out += "\n  hint: " + hint;
  return out;
}

std::string Result::report() const {
  std::string out;
  for (const auto* list : {&errors, &warnings}) {
    for (const auto& d : *list) out += d.to_string() + "\n";
  }
  return out;
}

}  // namespace spindle::manifest

namespace spindle::manifest::detail {

void Reporter::error(Location where, std::string message, std::string expected, std::string hint) {
  errors.push_back({Diagnostic::Severity::Error, file_, where, std::move(message),
                    std::move(expected), std::move(hint)});
}

void Reporter::warning(Location where, std::string message, std::string expected,
                       std::string hint) {
  warnings.push_back({Diagnostic::Severity::Warning, file_, where, std::move(message),
                      std::move(expected), std::move(hint)});
}

std::string Reporter::at(Location where) const {
  return file_.string() + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
}

SourceText::SourceText(std::string_view text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    start = end + 1;
  }
}

Location SourceText::inside(Location start, std::string_view value, size_t offset) const {
  if (start.line == 0 || start.line > lines.size() || start.column == 0) return start;
  const std::string& line = lines[start.line - 1];
  size_t quote = start.column - 1;  // columns count bytes for ASCII text
  for (size_t i = 0; i < quote && i < line.size(); ++i) {
    if (static_cast<unsigned char>(line[i]) >= 0x80) return start;
  }
  if (quote >= line.size() || (line[quote] != '"' && line[quote] != '\'')) return start;
  if (line.compare(quote, 3, std::string(3, line[quote])) == 0) return start;  // multi-line
  if (offset > value.size() || line.compare(quote + 1, offset, value.substr(0, offset)) != 0) {
    return start;  // escapes before the offset
  }
  return {start.line, static_cast<uint32_t>(start.column + 1 + offset)};
}

}  // namespace spindle::manifest::detail
