// Spec-test values as wast2json writes them ({"type": "i32", "value": "42"},
// v128 lanes, NaN patterns, references) and how results are checked against
// them: bit-exact, except where a NaN pattern allows a family of values.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine/value.h"

namespace spindle::spec {

using engine::ValType;
using engine::Value;
using nlohmann::json;

// "i32" → ValType::I32 ...; nullopt for an unknown type name.
std::optional<ValType> parse_type(const std::string& name);

// An argument value (no NaN patterns). Throws std::runtime_error when the
// JSON is not a value the runner understands.
Value parse_arg(const json& v, ValType& type);

// True when `actual` (of type `type`) matches the expected JSON value.
// Throws std::runtime_error on JSON the runner does not understand.
bool matches(const json& expected, ValType type, const Value& actual);

// Human-readable text of a value: "i32:4294967295", "f32:nan:0x7fc00000",
// "v128 i32x4:1 2 3 4", "externref:3", "funcref:null".
std::string show(ValType type, const Value& v, const char* lane_type = nullptr);
std::string show_expected(const json& expected);

// An externref as the spec tests pass it: `(ref.extern N)` is the pointer
// value N+1, so null stays distinct from `(ref.extern 0)`.
inline void* extern_ref(uint64_t n) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(n + 1));
}

}  // namespace spindle::spec
