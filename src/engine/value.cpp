#include "engine/value.h"

namespace spindle::engine {

std::string_view to_string(ValType t) {
  switch (t) {
    case ValType::I32:
      return "i32";
    case ValType::I64:
      return "i64";
    case ValType::F32:
      return "f32";
    case ValType::F64:
      return "f64";
    case ValType::V128:
      return "v128";
    case ValType::FuncRef:
      return "funcref";
    case ValType::ExternRef:
      return "externref";
  }
  return "?";
}

std::string to_string(const FuncType& t) {
  std::string s = "(";
  for (size_t i = 0; i < t.params.size(); ++i) {
    if (i) s += ", ";
    s += to_string(t.params[i]);
  }
  s += ") -> (";
  for (size_t i = 0; i < t.results.size(); ++i) {
    if (i) s += ", ";
    s += to_string(t.results[i]);
  }
  return s + ")";
}

std::string_view trap_message(TrapKind kind) {
  switch (kind) {
    case TrapKind::None:
      return "no trap";
    case TrapKind::OutOfBounds:
      return "out of bounds memory or table access";
    case TrapKind::Unreachable:
      return "unreachable instruction executed";
    case TrapKind::DivByZero:
      return "integer divide by zero";
    case TrapKind::IntOverflow:
      return "integer overflow";
    case TrapKind::InvalidConversion:
      return "invalid conversion to integer";
    case TrapKind::IndirectCallMismatch:
      return "indirect call type mismatch or null/undefined element";
    case TrapKind::StackExhausted:
      return "call stack exhausted";
    case TrapKind::Timeout:
      return "wall-clock deadline exceeded";
    case TrapKind::MemoryLimit:
      return "memory limit reached";
    case TrapKind::HostError:
      return "host function failed";
    case TrapKind::Exit:
      return "guest exited";
  }
  return "unknown trap";
}

std::string_view trap_name(TrapKind kind) {
  switch (kind) {
    case TrapKind::None:
      return "none";
    case TrapKind::OutOfBounds:
      return "out-of-bounds";
    case TrapKind::Unreachable:
      return "unreachable";
    case TrapKind::DivByZero:
      return "divide-by-zero";
    case TrapKind::IntOverflow:
      return "integer-overflow";
    case TrapKind::InvalidConversion:
      return "invalid-conversion";
    case TrapKind::IndirectCallMismatch:
      return "indirect-call-mismatch";
    case TrapKind::StackExhausted:
      return "stack-exhausted";
    case TrapKind::Timeout:
      return "timeout";
    case TrapKind::MemoryLimit:
      return "memory-limit";
    case TrapKind::HostError:
      return "host-error";
    case TrapKind::Exit:
      return "exit";
  }
  return "unknown";
}

std::string describe(const Outcome& o) {
  if (o.trap == TrapKind::Exit) return "exited with code " + std::to_string(o.exit_code);
  std::string_view msg = trap_message(o.trap), name = trap_name(o.trap);
  if (o.message.rfind(msg, 0) == 0) return o.message + " (" + std::string(name) + ")";
  std::string s = std::string(msg) + " (" + std::string(name) + ")";
  if (!o.message.empty()) s += ": " + o.message;
  return s;
}

}  // namespace spindle::engine
