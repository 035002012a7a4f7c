// Canonical ABI layout of value types (CanonicalABI.md "Alignment",
// "Element Size", "Flattening"), computed once per component file so lifting
// and lowering never re-walk type trees. Tuples, enums, options and results
// are laid out as the spec's despecialized records and variants. Pointers
// are 32-bit (memory64 is not supported by the canonical ABI here).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/component/model.h"

namespace spindle::component {

inline constexpr uint32_t kMaxStringByteLength = (1u << 28) - 1;
inline constexpr uint32_t kMaxListByteLength = (1u << 28) - 1;
inline constexpr uint32_t kUtf16Tag = 1u << 31;
inline constexpr uint32_t kCanonicalNan32 = 0x7fc00000u;
inline constexpr uint64_t kCanonicalNan64 = 0x7ff8000000000000ull;
// Flat counts above this are not tracked exactly (they never fit).
inline constexpr uint32_t kFlatCountCap = 1u << 20;

struct TypeLayout {
  uint32_t size = 0;        // elem_size
  uint32_t align = 1;       // alignment
  uint32_t flat_count = 0;  // saturates at kFlatCountCap
  // Variant-like (variant, enum, option, result): discriminant bytes and the
  // offset of the payload.
  uint8_t disc_size = 0;
  uint32_t payload_offset = 0;
  // Variant-like: the joined flat types of the payloads (after the i32
  // discriminant), when flat_count <= kMaxFlatParams.
  std::vector<CoreValType> flat_payload;
  bool valid = true;  // false: not a value type (or a malformed one)
};

// The cases of a variant-like type, despecialized.
struct CaseView {
  const TypeDef* def = nullptr;
  uint32_t count() const;
  std::optional<ValType> payload(uint32_t i) const;
};
// Non-null `def` iff `d` is a variant, enum, option or result.
CaseView cases_of(const TypeDef& d);

uint32_t discriminant_size(uint64_t num_cases);
inline uint32_t align_to(uint32_t p, uint32_t a) { return (p + a - 1) / a * a; }
inline uint64_t align_to64(uint64_t p, uint64_t a) { return (p + a - 1) / a * a; }

class Layouts {
 public:
  explicit Layouts(const ComponentFile& file);

  const ComponentFile& file() const { return file_; }
  // Lays out types added to the file after construction.
  void refresh();

  // The resolved view of `v`: a primitive, or its TypeDef (nullptr: prim).
  ValType resolve(ValType v) const;
  const TypeDef* def(ValType v) const;
  // nullptr for an id out of range or a type added since the last refresh.
  const TypeLayout* of(TypeId id) const;

  // Alignment and size of a value type; 0 for an invalid one.
  uint32_t align(ValType v) const;
  uint32_t size(ValType v) const;
  uint32_t flat_count(ValType v) const;
  // Layout of a sequence of types as one tuple (spilled params/results).
  uint32_t tuple_align(std::span<const ValType> ts) const;
  uint32_t tuple_size(std::span<const ValType> ts) const;
  uint32_t tuple_flat_count(std::span<const ValType> ts) const;

  // Appends the flat core types of `v`; false if more than `cap` total.
  bool flatten(ValType v, std::vector<CoreValType>& out, size_t cap) const;

 private:
  TypeLayout compute(const TypeDef& d) const;
  const ComponentFile& file_;
  std::vector<TypeLayout> layouts_;
};

}  // namespace spindle::component
