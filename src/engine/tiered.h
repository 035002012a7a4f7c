// Tiered start: a module whose native code is not in the cache yet is served
// at once by the interpreter, while its native code compiles in the
// background; when a round of compiles finishes, `ready` is called (on the
// compile thread) so the caller can switch to native code (AppHost reloads
// the app in place). A failed compile leaves the interpreter serving that
// module and is not retried.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/engine.h"

namespace spindle::engine {

class TieredLoader {
 public:
  // `native` compiles; the interpreter engine is made on first need.
  explicit TieredLoader(Engine& native);
  ~TieredLoader();  // stops and joins the compile thread
  TieredLoader(const TieredLoader&) = delete;
  TieredLoader& operator=(const TieredLoader&) = delete;

  // The best module available now: native when its code is cached or was
  // compiled in the background; otherwise the interpreter's, and its native
  // compile is queued for compile_queued().
  LoadResult load(std::span<const uint8_t> wasm, std::string_view name);
  // The interpreter's module, whatever is cached: for a module that must
  // run beside interpreted ones (the core modules of one component link
  // with each other, and so must all be on one backend).
  LoadResult load_interpreted(std::span<const uint8_t> wasm, std::string_view name);

  // Compiles what load() queued, on a background thread, one round at a
  // time (a call while a round runs does nothing: the next load() queues
  // again). `ready(seconds)` is called after a round that compiled something.
  // Returns how many modules the round compiles (0: nothing queued or busy).
  size_t compile_queued(std::function<void(double seconds)> ready);

  // Forgets the modules the last round compiled once they are in use (a
  // version holding them was loaded); failures stay recorded.
  void settle();

  void stop();

 private:
  LoadResult interp_load(std::span<const uint8_t> wasm, std::string_view name);  // mu_ held
  struct Pending {
    std::string digest;
    std::vector<uint8_t> bytes;
    std::string name;
  };
  Engine& native_;
  std::unique_ptr<Engine> interp_;
  std::mutex mu_;
  std::vector<Pending> pending_;
  // By wasm digest: the native module, or null when its compile failed.
  std::map<std::string, std::shared_ptr<Module>> compiled_;
  std::thread compiler_;
  std::atomic<bool> compiling_{false}, stopping_{false};
};

}  // namespace spindle::engine
