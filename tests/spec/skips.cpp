#include "skips.h"

#include <fnmatch.h>

#include <charconv>
#include <fstream>

namespace spindle::spec {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool matches(const SkipRule& r, std::string_view stem, engine::Backend backend) {
  if (r.backend && *r.backend != backend) return false;
  return fnmatch(r.pattern.c_str(), std::string(stem).c_str(), 0) == 0;
}

}  // namespace

std::string file_stem(std::string_view name) {
  if (auto slash = name.rfind('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  for (std::string_view ext : {".wast", ".json"}) {
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) {
      name.remove_suffix(ext.size());
      break;
    }
  }
  return std::string(name);
}

bool SkipList::load(const std::filesystem::path& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read skip file " + path.string();
    return false;
  }
  std::string text;
  int n = 0;
  while (std::getline(in, text)) {
    ++n;
    std::string_view s = trim(text);
    if (s.empty() || s.front() == '#') continue;
    SkipRule r;
    r.source_line = n;
    for (engine::Backend b : {engine::Backend::Native, engine::Backend::Interp}) {
      std::string prefix = std::string(engine::to_string(b)) + ":";
      if (s.starts_with(prefix)) {
        r.backend = b;
        s = trim(s.substr(prefix.size()));
      }
    }
    size_t end = s.find_first_of(" \t");
    std::string_view target = s.substr(0, end);
    std::string_view reason = end == std::string_view::npos ? "" : trim(s.substr(end));
    if (target.ends_with(':')) target.remove_suffix(1);         // "file.wast: reason"
    for (std::string_view dash : {"\xE2\x80\x94", "-", ":"}) {  // "—", "-" or ":"
      if (reason.starts_with(dash)) {
        reason = trim(reason.substr(dash.size()));
        break;
      }
    }
    // <file>:<line>, where <file> may end in .wast/.json.
    std::string_view file = target;
    if (auto colon = target.rfind(':'); colon != std::string_view::npos) {
      std::string_view num = target.substr(colon + 1);
      uint32_t line = 0;
      auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), line);
      if (ec != std::errc() || p != num.data() + num.size() || num.empty()) {
        error = path.string() + ":" + std::to_string(n) + ": bad line number in '" +
                std::string(target) + "'";
        return false;
      }
      r.line = line;
      file = target.substr(0, colon);
    }
    if (file.empty() || reason.empty()) {
      error = path.string() + ":" + std::to_string(n) +
              ": expected '[native:|interp:] <file>[:<line>] — <reason>'";
      return false;
    }
    r.pattern = file_stem(file);
    r.reason = std::string(reason);
    rules_.push_back(std::move(r));
  }
  return true;
}

const SkipRule* SkipList::file_rule(std::string_view stem, engine::Backend backend) const {
  for (const SkipRule& r : rules_)
    if (!r.line && matches(r, stem, backend)) return &r;
  return nullptr;
}

const SkipRule* SkipList::line_rule(std::string_view stem, uint32_t line,
                                    engine::Backend backend) const {
  for (const SkipRule& r : rules_)
    if (r.line && *r.line == line && matches(r, stem, backend)) return &r;
  return nullptr;
}

}  // namespace spindle::spec
