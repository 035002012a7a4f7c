// Rewriting a module's interpreter code before it is instantiated (C++17).
//
// WABT's interpreter grows memory inside the instruction (no hook), so to
// enforce InstanceOptions::max_memory_bytes every `memory.grow` in the
// module's instruction stream is patched into a call of an extra imported
// host function appended to the module's imports ("spindle:internal"
// "memory.grow", (i32) -> i32; see make_grow_func). Both instructions have
// the same encoding size (opcode + one u32 immediate), so no offset moves.
// Appending a function import shifts the indices of the module's defined
// functions by one, so every reference to them is shifted too: `call`,
// `ref.func` and `return_call` immediates, exports, the start function and
// element segments.
//
// The start function is taken out of the description and run by the
// backend after instantiation, so it obeys the timeout like any call.
#pragma once

#include <string>

#include "engine/interp/core_internal.h"

namespace spindle::engine::interp::core {

// Rewrites code.desc in place; "" on success, else why it could not.
std::string rewrite(Code& code);

}  // namespace spindle::engine::interp::core
