// The native backend: wasm2c + the system C compiler, cached shared objects.
#pragma once

#include <memory>

#include "engine/engine.h"

namespace spindle::engine::native {

std::unique_ptr<Engine> make_engine(const EngineOptions& opts);

}  // namespace spindle::engine::native
