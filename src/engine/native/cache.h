// Where compiled modules live: $XDG_CACHE_HOME/spindle (default
// ~/.cache/spindle), keyed by the digest of the module's code
// (module_code.h: the wasm without its active data, so apps that differ only
// in data share one artifact), the engine version, the compiler identity and
// the flags. Writes are atomic (compile
// into a private temp dir, then rename), so concurrent writers both succeed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace spindle::engine::native {

std::filesystem::path default_cache_dir();

// Hex SHA-256 over the parts, each length-prefixed (`wasm`: the code digest).
std::string cache_key(std::span<const uint8_t> wasm, std::string_view engine_version,
                      std::string_view compiler_identity, std::string_view flags);

// <dir>/native/<key[0..2]>/<key>.so
std::filesystem::path artifact_path(const std::filesystem::path& dir, const std::string& key);

// A fresh private directory under `parent` (created if needed).
bool make_temp_dir(const std::filesystem::path& parent, std::filesystem::path& out,
                   std::string& error);

// Atomically moves `from` to `to` (same filesystem). Another process having
// stored the same artifact meanwhile is fine.
bool publish(const std::filesystem::path& from, const std::filesystem::path& to,
             std::string& error);

}  // namespace spindle::engine::native
