#include "engine/engine.h"
#include "engine/interp/interp_backend.h"
#include "engine/native/native_backend.h"

namespace spindle::engine {

std::unique_ptr<Engine> Engine::create(const EngineOptions& opts) {
  switch (opts.backend) {
    case Backend::Native:
      return native::make_engine(opts);
    case Backend::Interp:
      return interp::make_engine(opts);
  }
  return nullptr;
}

}  // namespace spindle::engine
