// `spindle registry push`: Spin's layout (crates/oci/src/client.rs
// push_locked_core): layers, then the OCI config, then the manifest.
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "registry/auth.h"
#include "registry/cache.h"
#include "registry/locked_app.h"
#include "registry/media_types.h"
#include "registry/registry.h"

namespace spindle::registry {
using nlohmann::json;

namespace {

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// HEAD first: a blob the registry holds is not sent again. Otherwise a
// monolithic upload: POST /blobs/uploads/, then PUT <location>?digest=.
bool push_blob(Client& client, const std::string& digest, const std::string& data,
               std::string& error) {
  HttpResponse r;
  if (!client.send("HEAD", client.url("blobs/" + digest), {}, nullptr, r, error)) return false;
  if (r.status == 200) return true;
  std::string empty;
  if (!client.send("POST", client.url("blobs/uploads/"), {"Content-Type: application/octet-stream"},
                   &empty, r, error))
    return false;
  std::string location = r.header("location");
  if (r.status != 202 || location.empty()) {
    error = "registry " + client.reference().registry + " refused to start an upload of " + digest +
            ": " + r.describe();
    return false;
  }
  if (location.rfind("/", 0) == 0) location = client.origin() + location;
  location += (location.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") +
              digest;  // "sha256:<hex>": ':' is allowed in a query
  if (!client.send("PUT", location, {"Content-Type: application/octet-stream"}, &data, r, error))
    return false;
  if (r.status != 201) {
    error =
        "registry " + client.reference().registry + " refused blob " + digest + ": " + r.describe();
    return false;
  }
  return true;
}

}  // namespace

bool push(const manifest::App& app, const std::string& reference, const Options& opts,
          std::string& digest, std::string& error) {
  auto ref = parse_reference(reference, error);
  if (!ref) {
    error = "cannot parse reference `" + reference + "`: " + error;
    return false;
  }
  if (ref->tag.empty()) {
    error = "push needs a tag: `" + reference + "` only has a digest";
    return false;
  }
  std::string locked;
  std::vector<Layer> layers;
  if (!lock_app(app, opts.cache_dir, locked, layers, error)) return false;
  std::string locked_digest = digest_of(locked);
  layers.push_back({kLockedAppMediaType, locked_digest, locked});

  // The OCI image config (oci-distribution's ConfigFile): architecture wasm,
  // os wasip1, and the locked app's digest as a label so that different apps
  // have different image ids.
  json config = {{"architecture", "wasm"},
                 {"os", "wasip1"},
                 {"config", {{"Labels", {{"com.fermyon.spin.lockedAppDigest", locked_digest}}}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}}};
  std::string config_data = config.dump();
  std::string config_digest = digest_of(config_data);

  json annotations = json::object();
  if (!app.authors.empty()) {
    std::string a;
    for (const auto& s : app.authors) a += (a.empty() ? "" : ", ") + s;
    annotations["org.opencontainers.image.authors"] = a;
  }
  if (!app.name.empty()) annotations["org.opencontainers.image.title"] = app.name;
  if (!app.description.empty())
    annotations["org.opencontainers.image.description"] = app.description;
  if (!app.version.empty()) annotations["org.opencontainers.image.version"] = app.version;
  annotations["org.opencontainers.image.created"] = now_rfc3339();
  for (const auto& [k, v] : opts.annotations) annotations[k] = v;

  json manifest = {{"schemaVersion", 2},
                   {"mediaType", kOciManifestMediaType},
                   {"config",
                    {{"mediaType", kImageConfigMediaType},
                     {"digest", config_digest},
                     {"size", config_data.size()}}},
                   {"layers", json::array()},
                   {"annotations", annotations}};
  for (const auto& l : layers)
    manifest["layers"].push_back(
        {{"mediaType", l.media_type}, {"digest", l.digest}, {"size", l.data.size()}});
  std::string manifest_data = manifest.dump();  // keys sorted, no spaces: canonical

  Client client(*ref, opts.insecure, find_credentials(ref->resolve_registry()), true);
  for (const auto& l : layers)
    if (!push_blob(client, l.digest, l.data, error)) return false;
  if (!push_blob(client, config_digest, config_data, error)) return false;
  HttpResponse r;
  if (!client.send("PUT", client.url("manifests/" + ref->tag),
                   {std::string("Content-Type: ") + kOciManifestMediaType}, &manifest_data, r,
                   error))
    return false;
  if (r.status != 201) {
    error = "registry " + ref->registry + " refused the manifest of " + ref->to_string() + ": " +
            r.describe();
    return false;
  }
  digest = digest_of(manifest_data);
  return true;
}

bool login(const std::string& server, const Credentials& credentials, bool insecure,
           std::string& error) {
  std::string registry = registry_from_input(server);
  Reference ref{registry, "", "", ""};
  Client client(ref, insecure, credentials, false);
  HttpResponse r;
  if (!client.send("GET", client.origin() + "/v2/", {}, nullptr, r, error)) return false;
  if (r.status != 200) {
    error = "cannot authenticate as " + credentials.username + " to registry " + registry + ": " +
            r.describe();
    return false;
  }
  return store_credentials(registry, credentials, error);
}

}  // namespace spindle::registry
