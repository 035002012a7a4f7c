// Import matching shared by the backends: does an extern of type `have`
// satisfy an import, and the message when it does not.
#pragma once

#include <string>

#include "engine/engine.h"

namespace spindle::engine {

// "func (i32) -> ()", "global mut i64", "memory", "table funcref".
std::string describe_type(const ExternType& t);

// Why an extern of type `have` cannot satisfy `imp`, or "" when it can.
// For memories and tables, `have.*.min` must be the current size (pages or
// elements) and `have.*.max` the declared maximum.
std::string import_mismatch(const ImportDesc& imp, const ExternType& have);

// The ExternType of a host function.
ExternType host_func_type(const HostFunc& f);

}  // namespace spindle::engine
