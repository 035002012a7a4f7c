#include "engine/tiered.h"

#include <chrono>
#include <cstdio>

#include "util/sha256.h"

namespace spindle::engine {

TieredLoader::TieredLoader(Engine& native) : native_(native) {}

TieredLoader::~TieredLoader() { stop(); }

void TieredLoader::stop() {
  stopping_ = true;
  native_.cancel_compiles();  // a large module's compile takes minutes
  if (compiler_.joinable()) compiler_.join();
}

LoadResult TieredLoader::load(std::span<const uint8_t> wasm, std::string_view name) {
  LoadResult mod = native_.load_compiled(wasm, name);
  if (!mod.not_compiled) return mod;
  std::string digest =
      util::sha256_hex(std::string_view(reinterpret_cast<const char*>(wasm.data()), wasm.size()));
  std::lock_guard lock(mu_);
  auto done = compiled_.find(digest);
  if (done != compiled_.end() && done->second) {
    mod.module = done->second;  // compiled in the background (the cache may be off)
    mod.not_compiled = false;
    return mod;
  }
  bool queued = false;
  for (const auto& p : pending_) queued |= p.digest == digest;
  if (done == compiled_.end() && !queued)
    pending_.push_back({digest, std::vector<uint8_t>(wasm.begin(), wasm.end()), std::string(name)});
  return interp_load(wasm, name);
}

LoadResult TieredLoader::load_interpreted(std::span<const uint8_t> wasm, std::string_view name) {
  std::lock_guard lock(mu_);
  return interp_load(wasm, name);
}

LoadResult TieredLoader::interp_load(std::span<const uint8_t> wasm, std::string_view name) {
  if (!interp_) {
    EngineOptions io;
    io.backend = Backend::Interp;
    interp_ = Engine::create(io);
  }
  return interp_->load(wasm, name);
}

void TieredLoader::settle() {
  std::lock_guard lock(mu_);
  std::erase_if(compiled_, [](const auto& e) { return e.second != nullptr; });
}

size_t TieredLoader::compile_queued(std::function<void(double)> ready) {
  std::lock_guard lock(mu_);
  if (pending_.empty() || stopping_) return 0;
  // One round at a time; its own reload comes through here and stops at
  // this check, and a later load() queues again.
  if (compiling_) {
    pending_.clear();
    return 0;
  }
  if (compiler_.joinable()) compiler_.join();
  compiling_ = true;
  std::vector<Pending> work = std::move(pending_);
  pending_.clear();
  size_t n = work.size();
  compiler_ = std::thread([this, work = std::move(work), ready = std::move(ready)] {
    auto start = std::chrono::steady_clock::now();
    bool compiled = false;
    for (const auto& w : work) {
      if (stopping_) break;
      auto r = native_.load(w.bytes, w.name);
      if (!r.ok())
        std::fprintf(
            stderr,
            "spindle up: native compile of %s failed; the interpreter keeps serving it: %s\n",
            w.name.c_str(), r.error.c_str());
      compiled |= r.ok();
      std::lock_guard lock(mu_);
      compiled_[w.digest] = r.module;  // null: keep the interpreter, do not retry
    }
    if (!stopping_ && compiled)
      ready(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    compiling_ = false;  // cleared last: a later round may join this thread
  });
  return n;
}

}  // namespace spindle::engine
