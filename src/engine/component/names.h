// Import and export names of components (component-model Explainer.md,
// "Import and Export Definitions"): plain names with their [constructor] /
// [method] / [static] annotations, interface names such as
// `wasi:http/types@0.2.3`, semantic versions and the compatibility rule hosts
// use to match imports against what they provide.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spindle::component {

// A Semantic Versioning 2.0 version. `partial` marks a canonical interface
// version (`1`, `0.2`, `0.0.3`) whose missing parts read as 0.
struct SemVer {
  uint64_t major = 0, minor = 0, patch = 0;
  std::string pre, build;  // without the '-' / '+'
  bool partial = false;
  bool operator==(const SemVer&) const = default;
};

// Parses a full semver (`0.2.3`, `1.0.0-rc.1+build.5`).
std::optional<SemVer> parse_semver(std::string_view text);
// Parses a `canonversion` (`1`, `0.2`, `0.0.3`).
std::optional<SemVer> parse_canon_version(std::string_view text);
std::string to_string(const SemVer& v);

// Spin's and wasmtime's rule for matching an import against a provided
// version: for major >= 1 the same major; for 0.x (x >= 1) the same major and
// minor (0.2.3 and 0.2.12 match); for 0.0.x the same patch. A version with a
// pre-release part matches only itself.
bool semver_compatible(const SemVer& a, const SemVer& b);

// `namespace:package/interface@version`.
struct InterfaceName {
  std::string ns, package, interface;
  std::optional<SemVer> version;
  // `ns:package/interface` without the version.
  std::string unversioned() const;
};

// Parses an interface name; nullopt when it is not one.
std::optional<InterfaceName> parse_interface_name(std::string_view text);

// Same ns, package and interface, and both unversioned or semver-compatible.
bool interface_compatible(const InterfaceName& a, const InterfaceName& b);

enum class NameKind : uint8_t { Label, Constructor, Method, Static, Interface };

struct ExternName {
  NameKind kind = NameKind::Label;
  // Label: the label; Constructor/Method/Static: the resource's label.
  std::string label;
  std::string member;       // Method/Static: the function's label
  InterfaceName interface;  // Interface
  // Attributes of the 0x02 name form (Binary.md `nameattributes`).
  std::string version_suffix;  // `versionsuffix`: completes a canonical version
  std::string implements;      // `implements`: an interface name
  std::string external_id;     // `external-id`
};

// A kebab-case `label` (`get-JSON`, `a1-2-3`).
bool is_label(std::string_view text);

// Parses an `externname`; returns "" or what is wrong with it.
std::string parse_extern_name(std::string_view text, ExternName& out);

// The form two names are compared in for strong uniqueness: acronyms
// lowercased, `[method]l.l` / `[static]l.l` read as `l`, and annotations
// other than [constructor] stripped.
std::string strongly_unique_key(std::string_view name);

}  // namespace spindle::component
