// The C glue spindle appends to wasm2c's output: one shim per import (calling
// back into the host through spindle_host_call, or returning the storage a
// memory/table/global import is bound to), one uniform wrapper per export,
// and the `spindle_module_abi` descriptor the backend finds with dlsym.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"

namespace spindle::engine::native {

// The module name given to wasm2c; C symbols are prefixed with its mangling.
inline constexpr std::string_view kModuleName = "m";

// wasm2c 1.0.32's name mangling ("Z_" + escaped name).
std::string mangle(std::string_view name);

std::string generate_glue(const std::vector<ImportDesc>& imports,
                          const std::vector<ExportDesc>& exports);

}  // namespace spindle::engine::native
