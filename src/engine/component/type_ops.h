// Operations on component types: adding them to the arena (with their
// computed size, depth and flags), Canonical ABI flattening (CanonicalABI.md
// "Flattening"), equality, subtyping of extern types and the substitution of
// imported types at instantiation.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/component/model.h"

namespace spindle::component {

inline constexpr uint32_t kMaxTypeSize = 1000000;  // nodes, as wasmparser
inline constexpr uint32_t kMaxTypeDepth = 100;
inline constexpr size_t kMaxFlatParams = 16;
inline constexpr size_t kMaxFlatResults = 1;

const char* to_string(PrimType p);

// Adds `t` after computing its size, depth and flags. The caller checks
// size and depth against the limits above.
TypeId add_type(ComponentFile& file, TypeDef t);

// The defined type behind `v`, or nullptr for a primitive. A defined type of
// kind Prim is resolved to its primitive by `resolve`.
const TypeDef* defined(const ComponentFile& file, ValType v);
ValType resolve(const ComponentFile& file, ValType v);

bool has_list_or_string(const ComponentFile& file, ValType v);
bool has_borrow(const ComponentFile& file, ValType v);

// Appends the flat core types of `v`; returns false once more than `cap`
// would be needed (`out` then holds a prefix).
bool flatten(const ComponentFile& file, ValType v, std::vector<CoreValType>& out, size_t cap);

// flatten_functype of a synchronous function (`lift` or lower context).
CoreFuncType flatten_func(const ComponentFile& file, const TypeDef& func, bool lift);
// Whether the parameters (results) flatten to more than the flat limit.
bool params_spill(const ComponentFile& file, const TypeDef& func);
bool results_spill(const ComponentFile& file, const TypeDef& func);

bool valtype_equal(const ComponentFile& file, ValType a, ValType b);
bool type_equal(const ComponentFile& file, TypeId a, TypeId b);

// A short description for messages: "u32", "string", "record", "func", ...
std::string describe(const ComponentFile& file, ValType v);
std::string describe_type(const ComponentFile& file, TypeId t);

// Imported types replaced by the types supplied for them.
using Substitution = std::map<TypeId, TypeId>;
TypeId substitute(ComponentFile& file, TypeId t, const Substitution& s);
ValType substitute(ComponentFile& file, ValType v, const Substitution& s);
ExternType substitute(ComponentFile& file, const ExternType& e, const Substitution& s);

// Whether a definition of type `actual` can be supplied where `expected` is
// declared; returns "" or the reason it cannot.
// Abstract resources `expected` declares are matched with `actual`'s as they
// are met (which may add substituted types to the arena).
std::string extern_subtype(ComponentFile& file, const ExternType& actual,
                           const ExternType& expected);

}  // namespace spindle::component
