// Core WebAssembly pieces the component loader needs: core value, function
// and extern types, and a scan of an embedded core module for its imports and
// exports with their types. This is not a core validator: the engine
// validates each core module when it loads it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "engine/component/model.h"
#include "engine/component/reader.h"

namespace spindle::component {

const char* to_string(CoreValType t);
const char* to_string(CoreSort s);
std::string to_string(const CoreFuncType& t);

CoreValType read_core_valtype(Reader& r);
// The params and results after the 0x60 opcode.
CoreFuncType read_core_functype(Reader& r);
// A core `externtype` (importdesc): func typeidx | table | memory | global |
// tag. `func_type(i)` resolves a type index, or returns nullptr when it is
// out of range or not a function type.
using CoreFuncLookup = std::function<const CoreFuncType*(uint32_t)>;
CoreExtern read_core_externtype(Reader& r, const CoreFuncLookup& func_type);

// Reads the module in `bytes` (magic, version 1, sections) for its imports
// and exports. `base` is the absolute offset of bytes[0]. Throws ParseError.
CoreModuleType scan_core_module(std::span<const uint8_t> bytes, uint64_t base);

}  // namespace spindle::component
