// Lifting and lowering of component values, following the reference
// definitions (CanonicalABI.md, canonical-abi/definitions.py) for the
// synchronous ABI with 32-bit memories:
//   - in linear memory: load / store (alignment and elem_size per Layouts);
//   - flat, as core values: lift_flat / lower_flat;
//   - a function's parameters or results: lift_flat_values /
//     lower_flat_values, spilling through memory past `max_flat`.
// Each returns false once it trapped (cx.error says why); lowering a Val
// whose shape does not match the type is a trap too, never undefined
// behaviour. Floats are lifted with NaNs canonicalised and lowered with the
// canonical NaN (the spec's deterministic profile).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/component/canon_context.h"
#include "engine/component/canon_value.h"
#include "engine/value.h"

namespace spindle::component {

// Core values in, with the core type each one has (a core signature's
// params or results). `next` coerces a joined variant slot to the type the
// case wants (i32->f32, i64->i32/f32/f64), as the spec's CoerceValueIter.
class FlatReader {
 public:
  FlatReader(std::span<const engine::Value> values, std::span<const CoreValType> types)
      : values_(values), types_(types) {}
  bool next(CanonContext& cx, CoreValType want, engine::Value& out);
  bool skip(CanonContext& cx, size_t n);
  size_t position() const { return i_; }
  bool done() const { return i_ == values_.size(); }

 private:
  std::span<const engine::Value> values_;
  std::span<const CoreValType> types_;
  size_t i_ = 0;
};

// Core values out, each with its core type.
struct FlatWriter {
  std::vector<engine::Value> values;
  std::vector<CoreValType> types;
  void push(CoreValType t, engine::Value v) {
    values.push_back(v);
    types.push_back(t);
  }
};

bool load(CanonContext& cx, uint32_t ptr, ValType t, Val& out);
bool store(CanonContext& cx, const Val& v, ValType t, uint32_t ptr);

bool lift_flat(CanonContext& cx, FlatReader& in, ValType t, Val& out);
bool lower_flat(CanonContext& cx, const Val& v, ValType t, FlatWriter& out);

// The parameters (max_flat = kMaxFlatParams) or results (kMaxFlatResults)
// of a function: flat when they fit, else one pointer to a tuple in memory.
// lower_flat_values allocates that tuple with realloc, or, given
// `out_param`, writes it where the next core value of `out_param` points
// (the lowered import's return pointer).
bool lift_flat_values(CanonContext& cx, size_t max_flat, FlatReader& in,
                      std::span<const ValType> ts, std::vector<Val>& out);
bool lower_flat_values(CanonContext& cx, size_t max_flat, std::span<const Val> vs,
                       std::span<const ValType> ts, FlatWriter& out,
                       FlatReader* out_param = nullptr);

// Tuples of a function's params/results in memory (load/store of a
// TupleType(ts) at an aligned, in-bounds `ptr`).
bool load_tuple(CanonContext& cx, uint32_t ptr, std::span<const ValType> ts, std::vector<Val>& out);
bool store_tuple(CanonContext& cx, std::span<const Val> vs, std::span<const ValType> ts,
                 uint32_t ptr);

// Strings (canon_string.cpp): the spec's load_string_from_range and
// store_string_into_range in every encoding pair.
bool load_string_from_range(CanonContext& cx, uint32_t ptr, uint32_t tagged_code_units, Val& out);
bool store_string_into_range(CanonContext& cx, const Val& s, uint32_t& ptr,
                             uint32_t& tagged_code_units);

// Lists (canon_memory.cpp): load_list_from_range / store_list_into_range.
bool load_list_from_range(CanonContext& cx, uint32_t ptr, uint32_t length, ValType elem, Val& out);
bool store_list_into_range(CanonContext& cx, const Val& v, ValType elem, uint32_t& ptr,
                           uint32_t& length);

// Handles (canon_memory.cpp): lift_own/lift_borrow take the handle out of
// (or lend it from) cx.inst's table; lower_own/lower_borrow put one in.
bool lift_handle(CanonContext& cx, uint32_t handle, const TypeDef& t, Val& out);
bool lower_handle(CanonContext& cx, const Val& v, const TypeDef& t, uint32_t& handle);

// f32/f64 bits <-> values with the canonical NaN.
uint32_t canonical_f32_bits(uint32_t bits);
uint64_t canonical_f64_bits(uint64_t bits);
// The char of a core i32; false for surrogates and values above 0x10ffff.
inline bool valid_char(uint32_t c) { return c < 0xD800 || (c >= 0xE000 && c < 0x110000); }

}  // namespace spindle::component
