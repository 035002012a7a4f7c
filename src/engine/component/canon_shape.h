// Internal helpers shared by the lifting and lowering code (not a public
// header): matching a Val against the type being lowered, and making the
// Val of a variant-like case.
#pragma once

#include <cstring>
#include <optional>
#include <string>

#include "engine/component/canon_abi.h"
#include "engine/component/type_ops.h"

namespace spindle::component::detail {

// The value kind lowering a primitive expects.
ValKind prim_kind(PrimType p);

// A case of a variant-like type as a Val of the matching kind.
Val make_case(const TypeDef& d, uint32_t index, std::optional<Val> payload);

// Checks that `v` is a case of `d` (kind, index in range, payload present
// iff the case has one); traps otherwise.
bool match_case(CanonContext& cx, const Val& v, const TypeDef& d, uint32_t& index,
                const Val*& payload, std::optional<ValType>& payload_type);

// Checks that `v` has kind `k` for type `t`; traps otherwise.
bool expect_kind(CanonContext& cx, const Val& v, ValKind k, ValType t);

// The elements of a record or tuple type.
void field_types(const TypeDef& d, std::vector<ValType>& out);

inline uint32_t f32_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
inline uint64_t f64_bits(double f) {
  uint64_t b;
  std::memcpy(&b, &f, 8);
  return b;
}
inline float bits_f32(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
inline double bits_f64(uint64_t b) {
  double f;
  std::memcpy(&f, &b, 8);
  return f;
}

}  // namespace spindle::component::detail
