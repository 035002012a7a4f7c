// LLM inferencing (Spin's "Serverless AI", fermyon:spin/llm@2.0.0): spindle
// has no model runtime. The interface is there so that components that
// import it run; each call answers runtime-error saying so, and manifests
// with `ai_models` are refused at load (manifest/read_toml.cpp).
#pragma once

#include "host/capability.h"

namespace spindle::host::llm {

const Capability& capability();

}  // namespace spindle::host::llm
