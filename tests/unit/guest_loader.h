// Loads a test guest (build/guests/<name>.wasm) once per backend and process.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "engine/engine.h"

namespace spindle::test {

inline std::shared_ptr<engine::Module> load_guest(engine::Backend b, const std::string& name) {
  static std::mutex mu;
  static std::map<std::pair<engine::Backend, std::string>, std::shared_ptr<engine::Module>> cache;
  static std::map<engine::Backend, std::unique_ptr<engine::Engine>> engines;
  std::lock_guard lock(mu);
  auto key = std::make_pair(b, name);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto& eng = engines[b];
  if (!eng) {
    engine::EngineOptions o;
    o.backend = b;
    eng = engine::Engine::create(o);
  }
  if (!eng) return nullptr;
  std::string path = std::string(SPINDLE_GUEST_DIR) + "/" + name + ".wasm";
  auto bytes = engine::read_file(path);
  if (!bytes) return nullptr;
  auto r = eng->load(*bytes, path);
  if (!r.ok()) return nullptr;
  cache[key] = r.module;
  return r.module;
}

}  // namespace spindle::test
