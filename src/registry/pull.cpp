// `spindle registry pull` and `spindle up -f <reference>`: Spin's pull
// (crates/oci/src/client.rs pull, loader.rs), with every blob checked
// against its digest before it is used or stored.
#include <nlohmann/json.hpp>

#include "registry/auth.h"
#include "registry/cache.h"
#include "registry/locked_app.h"
#include "registry/media_types.h"
#include "registry/registry.h"

namespace spindle::registry {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool fetch_blob(Client& client, const json& descriptor, std::string& data, std::string& error) {
  std::string digest = descriptor.value("digest", "");
  HttpResponse r;
  if (!client.send("GET", client.url("blobs/" + digest), {}, nullptr, r, error)) return false;
  if (r.status != 200) {
    error = "cannot pull blob " + digest + " of " + client.reference().to_string() + ": " +
            r.describe();
    return false;
  }
  std::string got = digest_of(r.body);
  if (got != digest) {
    error = "blob " + digest + " of " + client.reference().to_string() +
            " does not match its digest (its content hashes to " + got +
            "): refusing it; nothing of it was stored";
    return false;
  }
  if (descriptor.contains("size") && descriptor["size"].is_number_integer() &&
      descriptor["size"].get<int64_t>() != static_cast<int64_t>(r.body.size())) {
    error = "blob " + digest + " of " + client.reference().to_string() + " has " +
            std::to_string(r.body.size()) + " bytes, but the manifest says " +
            descriptor["size"].dump();
    return false;
  }
  data = std::move(r.body);
  return true;
}

bool valid_descriptor(const json& d) {
  if (!d.is_object() || !d.contains("digest") || !d["digest"].is_string()) return false;
  std::string digest = d["digest"];
  std::string error;
  return parse_reference("x@" + digest, error).has_value();  // sha256:<64 hex>
}

}  // namespace

bool pull(const std::string& reference, const Options& opts, Pulled& out, std::string& error) {
  auto ref = parse_reference(reference, error);
  if (!ref) {
    error = "cannot parse reference `" + reference + "`: " + error;
    return false;
  }
  out.ref = *ref;
  Cache cache(opts.cache_dir);
  Client client(*ref, opts.insecure, find_credentials(ref->resolve_registry()), false);

  HttpResponse r;
  std::string accept = std::string("Accept: ") + kOciManifestMediaType + ", " +
                       kDockerManifestMediaType + ", " + kOciIndexMediaType + ", " +
                       kDockerListMediaType;
  if (!client.send("GET", client.url("manifests/" + ref->tag_or_digest()), {accept}, nullptr, r,
                   error))
    return false;
  if (r.status == 404) {
    error =
        ref->to_string() + " not found in registry " + ref->registry + " (" + r.describe() + ")";
    return false;
  }
  if (r.status != 200) {
    error = "cannot pull the manifest of " + ref->to_string() + ": " + r.describe();
    return false;
  }
  std::string manifest_data = std::move(r.body);
  out.digest = digest_of(manifest_data);
  std::string announced = r.header("docker-content-digest");
  if ((!ref->digest.empty() && out.digest != ref->digest) ||
      (!announced.empty() && announced.rfind("sha256:", 0) == 0 && announced != out.digest)) {
    error = "the manifest of " + ref->to_string() + " does not match its digest " +
            (ref->digest.empty() ? announced : ref->digest) + " (it hashes to " + out.digest +
            "): refusing it";
    return false;
  }
  json manifest = json::parse(manifest_data, nullptr, false);
  if (!manifest.is_object() || manifest.value("schemaVersion", 0) != 2) {
    error =
        "the manifest of " + ref->to_string() + " is not an OCI image manifest (schemaVersion 2)";
    return false;
  }
  if (manifest.contains("manifests")) {
    error =
        ref->to_string() + " is an image index (a multi-platform image), not a Spin application";
    return false;
  }
  if (!valid_descriptor(manifest.value("config", json())) || !manifest["layers"].is_array()) {
    error = "the manifest of " + ref->to_string() + " has no valid config and layers";
    return false;
  }
  for (const auto& l : manifest["layers"]) {
    if (!valid_descriptor(l)) {
      error = "the manifest of " + ref->to_string() + " has a layer without a sha256 digest";
      return false;
    }
  }

  // Older Spin releases pushed the locked app as the manifest's config;
  // newer ones push it as a layer (read last, so it wins).
  std::string config;
  if (!fetch_blob(client, manifest["config"], config, error)) return false;
  std::string locked;
  if (manifest["config"].value("mediaType", "") == kLockedAppMediaType) locked = config;

  // Every blob is fetched and checked before anything is stored.
  struct Blob {
    fs::path path;
    std::string data;
  };
  std::vector<Blob> blobs;
  for (const auto& l : manifest["layers"]) {
    std::string digest = l["digest"];
    std::string media = l.value("mediaType", "");
    std::string data;
    fs::path where;
    if (media != kLockedAppMediaType && cache.find(digest, data, where)) continue;
    if (!fetch_blob(client, l, data, error)) return false;
    if (media == kLockedAppMediaType) {
      locked = data;
    } else {
      bool wasm = media == kWasmMediaType || media == kWasmMediaTypeWkg;
      blobs.push_back({wasm ? cache.wasm_path(digest) : cache.data_path(digest), std::move(data)});
    }
  }
  if (locked.empty() || !json::parse(locked, nullptr, false).contains("spin_lock_version")) {
    error = ref->to_string() + " is not a Spin application (it has no " + kLockedAppMediaType +
            " layer)";
    return false;
  }
  for (const auto& b : blobs)
    if (!write_file_atomic(b.path, b.data, error)) return false;
  fs::path dir = cache.manifest_dir(*ref);
  out.locked_app = dir / "config.json";
  return write_file_atomic(dir / "manifest.json", manifest_data, error) &&
         write_file_atomic(out.locked_app, locked, error);
}

bool pull_app(const std::string& reference, const Options& opts, fs::path& manifest,
              std::string& error) {
  Pulled pulled;
  if (!pull(reference, opts, pulled, error)) return false;
  Cache cache(opts.cache_dir);
  fs::path dir = cache.root() / "apps" / pulled.digest.substr(pulled.digest.find(':') + 1);
  if (!write_app(read_file(pulled.locked_app), cache, dir, manifest, error)) {
    error = "cannot load " + pulled.ref.to_string() + ": " + error;
    return false;
  }
  return true;
}

}  // namespace spindle::registry
