// The interpreter backend, on WABT's interpreter (libwabt.a).
#pragma once

#include <memory>

#include "engine/engine.h"

namespace spindle::engine::interp {

std::unique_ptr<Engine> make_engine(const EngineOptions& opts);

}  // namespace spindle::engine::interp
