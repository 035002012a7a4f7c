// OCI image references (`registry/repository[:tag][@digest]`), parsed as
// Docker and Spin (oci-distribution's Reference) read them: a first segment
// with a `.` or `:`, or `localhost`, is the registry; otherwise the registry
// is docker.io (and a one-segment repository gets `library/`). No tag and no
// digest means `latest`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace spindle::registry {

struct Reference {
  std::string registry;    // as written ("docker.io" when none)
  std::string repository;  // "library/x" on docker.io for "x"
  std::string tag;         // "" when only a digest is given
  std::string digest;      // "sha256:<hex>" or ""

  // The host to talk to: docker.io becomes index.docker.io.
  std::string resolve_registry() const;
  // registry/repository[:tag][@digest]
  std::string to_string() const;
  // The tag, else the digest: what a manifest is fetched by.
  std::string tag_or_digest() const { return tag.empty() ? digest : tag; }
};

// nullopt with `error` set when `text` is not a reference.
std::optional<Reference> parse_reference(std::string_view text, std::string& error);

// Spin's is_probably_oci_reference (crates/oci/src/lib.rs): parses, and either
// has an explicit tag other than an implied `latest`, or names its registry.
// Used, as Spin does, only for an `-f` argument that is not an existing path.
bool looks_like_reference(std::string_view text);

// localhost, 127.0.0.0/8 and ::1: registries spoken to over plain http.
bool is_loopback_registry(std::string_view registry);

}  // namespace spindle::registry
