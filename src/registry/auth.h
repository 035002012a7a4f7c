// Registry credentials, stored where Spin stores them so that `spin registry
// login` and `spindle registry login` share them: $XDG_CONFIG_HOME (else
// ~/.config)/fermyon/registry-auth.json, `{"auths": {"<registry>":
// "<base64 of user:password>"}}` (Spin: crates/oci/src/auth.rs). When that
// file has nothing for a registry, Docker's config.json
// ($DOCKER_CONFIG/config.json, else ~/.docker/config.json; its `auths`
// entries' `auth` field) is read, as Spin does through docker_credential.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "registry/client.h"

namespace spindle::registry {

std::filesystem::path credentials_file();

// The stored credentials for a registry host ("127.0.0.1:5000", "ghcr.io").
std::optional<Credentials> find_credentials(const std::string& registry);

// Adds (or replaces) the registry's entry in credentials_file().
bool store_credentials(const std::string& registry, const Credentials& credentials,
                       std::string& error);

// What `login <server>` stores under, as Spin's registry_from_input: a URL's
// scheme is dropped; docker.io means index.docker.io.
std::string registry_from_input(std::string server);

}  // namespace spindle::registry
