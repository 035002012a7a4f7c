// The media types of a Spin application in an OCI registry, as Spin 3.6
// pushes them (crates/oci/src/client.rs; oci-distribution's manifest.rs).
#pragma once

#include <cstddef>

namespace spindle::registry {

// The locked app (spin.lock JSON): a layer in Spin 2+; the manifest's config
// in older Spin releases (both are read).
inline constexpr const char* kLockedAppMediaType =
    "application/vnd.fermyon.spin.application.v1+config";
inline constexpr const char* kWasmMediaType = "application/vnd.wasm.content.layer.v1+wasm";
inline constexpr const char* kWasmMediaTypeWkg = "application/wasm";
inline constexpr const char* kDataMediaType = "application/vnd.wasm.content.layer.v1+data";
// Spin's archive layers (SPIN_OCI_ARCHIVE_LAYERS, or apps of > 500 layers).
inline constexpr const char* kArchiveMediaType = "application/vnd.wasm.content.bundle.v1.tar+gzip";
inline constexpr const char* kImageConfigMediaType = "application/vnd.oci.image.config.v1+json";
inline constexpr const char* kOciManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kDockerManifestMediaType =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* kOciIndexMediaType = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* kDockerListMediaType =
    "application/vnd.docker.distribution.manifest.list.v2+json";
// Content this small is inlined (base64) in the locked app instead of being a
// layer of its own (Spin's DEFAULT_CONTENT_REF_INLINE_MAX_SIZE).
inline constexpr size_t kInlineMaxSize = 128;

}  // namespace spindle::registry
