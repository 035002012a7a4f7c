#include "registry/reference.h"

#include <algorithm>
#include <cctype>

namespace spindle::registry {
namespace {

// Each `/`-separated component: lowercase letters and digits, with `.`, `_`
// or `-` between them.
bool valid_repository(std::string_view r) {
  auto alnum = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  size_t start = 0;
  while (true) {
    size_t end = r.find('/', start);
    std::string_view part = r.substr(start, end == std::string_view::npos ? r.npos : end - start);
    if (part.empty() || !alnum(part.front()) || !alnum(part.back())) return false;
    for (char c : part)
      if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  if (!(std::isalnum(static_cast<unsigned char>(t[0])) || t[0] == '_')) return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

bool valid_digest(std::string_view d) {
  if (d.rfind("sha256:", 0) != 0 || d.size() != 7 + 64) return false;
  return std::all_of(d.begin() + 7, d.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
  });
}

// host[:port]: dot-separated labels of letters, digits and inner `-`, or
// an [IPv6] address; the port is digits.
bool valid_registry(std::string_view r) {
  std::string_view host = r, port;
  if (!r.empty() && r.front() == '[') {
    size_t close = r.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    port = r.substr(close + 1);
    if (!port.empty() && port.front() != ':') return false;
    if (!port.empty())
      port.remove_prefix(1);
    else
      port = "0";
    return std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(c); });
  }
  if (size_t colon = r.find(':'); colon != std::string_view::npos) {
    host = r.substr(0, colon);
    port = r.substr(colon + 1);
    if (port.empty() ||
        !std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(c); }))
      return false;
  }
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    std::string_view label =
        host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

std::string Reference::resolve_registry() const {
  return registry == "docker.io" ? "index.docker.io" : registry;
}

std::string Reference::to_string() const {
  std::string s = registry + "/" + repository;
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::optional<Reference> parse_reference(std::string_view text, std::string& error) {
  Reference ref;
  std::string_view rest = text;
  if (rest.empty()) {
    error = "an empty registry reference";
    return std::nullopt;
  }
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!valid_digest(ref.digest)) {
      error = "the digest `" + ref.digest + "` is not `sha256:` and 64 lowercase hex digits";
      return std::nullopt;
    }
  }
  size_t slash = rest.find('/');
  std::string_view first = rest.substr(0, slash);
  if (slash != std::string_view::npos &&
      (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
       first == "localhost")) {
    ref.registry = std::string(first);
    rest = rest.substr(slash + 1);
  } else {
    ref.registry = "docker.io";
  }
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!valid_tag(ref.tag)) {
      error = "the tag `" + ref.tag + "` is not a valid tag (letters, digits, `_`, `.`, `-`)";
      return std::nullopt;
    }
  }
  ref.repository = std::string(rest);
  if (ref.registry == "docker.io" && ref.repository.find('/') == std::string::npos)
    ref.repository = "library/" + ref.repository;
  if (!valid_repository(ref.repository)) {
    error = "the repository `" + std::string(rest) +
            "` is not a valid name (lowercase letters, digits, `.`, `_`, `-`, `/`)";
    return std::nullopt;
  }
  if (!valid_registry(ref.registry)) {
    error = "the registry `" + ref.registry + "` is not a host[:port]";
    return std::nullopt;
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

bool looks_like_reference(std::string_view text) {
  std::string error;
  auto ref = parse_reference(text, error);
  if (!ref) return false;
  bool ends_latest = text.size() >= 7 && text.substr(text.size() - 7) == ":latest";
  if (ref->tag != "latest" || ends_latest) return true;
  if (ref->registry.find("docker") != std::string::npos &&
      text.find("docker") == std::string_view::npos)
    return false;
  return true;
}

bool is_loopback_registry(std::string_view registry) {
  std::string_view host = registry;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.find(']') - 1);
    return host == "::1";
  }
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.rfind("127.", 0) == 0;
}

}  // namespace spindle::registry
