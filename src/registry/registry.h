// Spin applications in OCI registries: `spindle registry push | pull | login`
// and `spindle up -f <reference>`. The artifact is the one Spin 3.6 pushes
// (docs/registry.md): an OCI image manifest whose config is an OCI image
// config (architecture wasm, os wasip1, label com.fermyon.spin.lockedAppDigest),
// whose layers are each component's wasm, each file of its `files`, and last
// the locked app JSON, so that apps pushed by spindle run on Spin and the
// other way round.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "manifest/manifest.h"
#include "registry/client.h"
#include "registry/reference.h"

namespace spindle::registry {

struct Options {
  bool insecure = false;            // -k: plain http (loopback registries always are)
  std::filesystem::path cache_dir;  // --cache-dir; empty: ~/.cache/spindle
  std::map<std::string, std::string> annotations;  // push: --annotation key=value
};

// Pushes `app` as `reference`; `digest` is the manifest's digest.
bool push(const manifest::App& app, const std::string& reference, const Options& opts,
          std::string& digest, std::string& error);

struct Pulled {
  Reference ref;
  std::string digest;                // the manifest's
  std::filesystem::path locked_app;  // the cached config.json
};

// Pulls `reference` into the cache. Every blob is checked against its digest
// before it is used or stored; a blob that does not match fails the pull and
// nothing of it is stored.
bool pull(const std::string& reference, const Options& opts, Pulled& out, std::string& error);

// Pulls and writes the app `spindle up` serves: <cache>/registry/apps/<hex>/spin.toml.
bool pull_app(const std::string& reference, const Options& opts, std::filesystem::path& manifest,
              std::string& error);

// Checks the credentials against the registry (GET /v2/) and stores them.
bool login(const std::string& server, const Credentials& credentials, bool insecure,
           std::string& error);

}  // namespace spindle::registry
