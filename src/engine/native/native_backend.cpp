#include "engine/native/native_backend.h"

namespace spindle::engine::native {

std::unique_ptr<Engine> make_engine(const EngineOptions&) { return nullptr; }

}  // namespace spindle::engine::native
