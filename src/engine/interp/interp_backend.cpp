#include "engine/interp/interp_backend.h"

namespace spindle::engine::interp {

std::unique_ptr<Engine> make_engine(const EngineOptions&) { return nullptr; }

}  // namespace spindle::engine::interp
