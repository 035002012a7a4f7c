// Import/export descriptions (engine types) of a parsed WABT module.
#pragma once

#include <optional>
#include <vector>

#include "engine/engine.h"

namespace wabt {
struct Module;
}

namespace spindle::engine {

void describe(const wabt::Module& m, std::vector<ImportDesc>& imports,
              std::vector<ExportDesc>& exports);

}  // namespace spindle::engine
