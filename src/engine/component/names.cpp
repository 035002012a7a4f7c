#include "engine/component/names.h"

#include <cctype>
#include <vector>

namespace spindle::component {
namespace {

bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_upper_or_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_alnum_dash(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-'; }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

// A numeric identifier: digits, no leading zero unless "0".
std::optional<uint64_t> numeric(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

bool dot_identifiers(std::string_view s, bool numeric_rule) {
  for (std::string_view id : split(s, '.')) {
    if (id.empty()) return false;
    bool all_digits = true;
    for (char c : id) {
      if (!is_alnum_dash(c)) return false;
      if (c < '0' || c > '9') all_digits = false;
    }
    if (numeric_rule && all_digits && id.size() > 1 && id[0] == '0') return false;
  }
  return true;
}

// `words` of an interface name: a first-word then -word*.
bool is_words(std::string_view s) {
  if (s.empty()) return false;
  bool first = true;
  for (std::string_view w : split(s, '-')) {
    if (w.empty()) return false;
    if (first && !(w[0] >= 'a' && w[0] <= 'z')) return false;
    for (char c : w)
      if (!is_lower_or_digit(c)) return false;
    first = false;
  }
  return true;
}

}  // namespace

std::optional<SemVer> parse_semver(std::string_view text) {
  SemVer v;
  size_t plus = text.find('+');
  if (plus != std::string_view::npos) {
    v.build = std::string(text.substr(plus + 1));
    if (!dot_identifiers(v.build, false)) return std::nullopt;
    text = text.substr(0, plus);
  }
  size_t dash = text.find('-');
  if (dash != std::string_view::npos) {
    v.pre = std::string(text.substr(dash + 1));
    if (!dot_identifiers(v.pre, true)) return std::nullopt;
    text = text.substr(0, dash);
  }
  auto parts = split(text, '.');
  if (parts.size() != 3) return std::nullopt;
  auto a = numeric(parts[0]), b = numeric(parts[1]), c = numeric(parts[2]);
  if (!a || !b || !c) return std::nullopt;
  v.major = *a;
  v.minor = *b;
  v.patch = *c;
  return v;
}

std::optional<SemVer> parse_canon_version(std::string_view text) {
  auto parts = split(text, '.');
  SemVer v;
  v.partial = true;
  std::vector<uint64_t> n;
  for (auto p : parts) {
    auto x = numeric(p);
    if (!x) return std::nullopt;
    n.push_back(*x);
  }
  if (n.size() == 1 && n[0] > 0) {
    v.major = n[0];
  } else if (n.size() == 2 && n[0] == 0 && n[1] > 0) {
    v.minor = n[1];
  } else if (n.size() == 3 && n[0] == 0 && n[1] == 0) {
    v.patch = n[2];
  } else {
    return std::nullopt;
  }
  return v;
}

std::string to_string(const SemVer& v) {
  std::string s = std::to_string(v.major);
  if (v.partial) {
    if (v.major > 0) return s;
    s += "." + std::to_string(v.minor);
    if (v.minor > 0) return s;
    return s + "." + std::to_string(v.patch);
  }
  s += "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
  if (!v.pre.empty()) s += "-" + v.pre;
  if (!v.build.empty()) s += "+" + v.build;
  return s;
}

bool semver_compatible(const SemVer& a, const SemVer& b) {
  if (!a.pre.empty() || !b.pre.empty())
    return a.major == b.major && a.minor == b.minor && a.patch == b.patch && a.pre == b.pre;
  if (a.major != b.major) return false;
  if (a.major > 0) return true;
  if (a.minor != b.minor) return false;
  if (a.minor > 0) return true;
  return a.patch == b.patch;
}

std::string InterfaceName::unversioned() const { return ns + ":" + package + "/" + interface; }

std::optional<InterfaceName> parse_interface_name(std::string_view text) {
  InterfaceName out;
  size_t at = text.find('@');
  if (at != std::string_view::npos) {
    std::string_view ver = text.substr(at + 1);
    out.version = parse_semver(ver);
    if (!out.version) out.version = parse_canon_version(ver);
    if (!out.version) return std::nullopt;
    text = text.substr(0, at);
  }
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  size_t slash = text.find('/', colon);
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view ns = text.substr(0, colon), pkg = text.substr(colon + 1, slash - colon - 1),
                   iface = text.substr(slash + 1);
  if (!is_words(ns) || !is_words(pkg) || !is_label(iface)) return std::nullopt;
  out.ns = std::string(ns);
  out.package = std::string(pkg);
  out.interface = std::string(iface);
  return out;
}

bool interface_compatible(const InterfaceName& a, const InterfaceName& b) {
  if (a.ns != b.ns || a.package != b.package || a.interface != b.interface) return false;
  if (!a.version || !b.version) return !a.version && !b.version;
  return semver_compatible(*a.version, *b.version);
}

bool is_label(std::string_view text) {
  if (text.empty()) return false;
  bool first = true;
  for (std::string_view f : split(text, '-')) {
    if (f.empty()) return false;
    bool lower = is_lower_or_digit(f[0]) && !(f[0] >= '0' && f[0] <= '9');
    bool upper = f[0] >= 'A' && f[0] <= 'Z';
    if (first && !lower && !upper) return false;
    if (!first) {
      // a word or an acronym (digits are both)
      lower = true;
      upper = true;
      for (char c : f) {
        if (!is_lower_or_digit(c)) lower = false;
        if (!is_upper_or_digit(c)) upper = false;
      }
      if (!lower && !upper) return false;
    } else {
      for (char c : f)
        if (lower ? !is_lower_or_digit(c) : !is_upper_or_digit(c)) return false;
    }
    first = false;
  }
  return true;
}

std::string parse_extern_name(std::string_view text, ExternName& out) {
  out = ExternName{};
  auto two_labels = [&](std::string_view rest, NameKind kind) -> std::string {
    size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return "expected '<resource>.<name>' after the annotation";
    std::string_view r = rest.substr(0, dot), m = rest.substr(dot + 1);
    if (!is_label(r) || !is_label(m))
      return "resource and function names must be kebab-case labels";
    out.kind = kind;
    out.label = std::string(r);
    out.member = std::string(m);
    return "";
  };
  if (text.starts_with("[constructor]")) {
    std::string_view r = text.substr(13);
    if (!is_label(r)) return "a [constructor] must name a kebab-case resource label";
    out.kind = NameKind::Constructor;
    out.label = std::string(r);
    return "";
  }
  if (text.starts_with("[method]")) return two_labels(text.substr(8), NameKind::Method);
  if (text.starts_with("[static]")) return two_labels(text.substr(8), NameKind::Static);
  if (text.find(':') != std::string_view::npos) {
    auto iface = parse_interface_name(text);
    if (!iface)
      return "not a valid interface name (expected 'namespace:package/interface[@version]')";
    out.kind = NameKind::Interface;
    out.interface = std::move(*iface);
    return "";
  }
  if (!is_label(text)) return "not a kebab-case label or an interface name";
  out.kind = NameKind::Label;
  out.label = std::string(text);
  return "";
}

std::string strongly_unique_key(std::string_view name) {
  std::string s(name);
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  for (std::string_view prefix : {"[method]", "[static]"}) {
    if (std::string_view(s).starts_with(prefix)) {
      std::string rest = s.substr(prefix.size());
      size_t dot = rest.find('.');
      if (dot != std::string::npos && rest.substr(0, dot) == rest.substr(dot + 1))
        return rest.substr(0, dot);
      return rest;
    }
  }
  return s;
}

}  // namespace spindle::component
