// Values, function types and trap kinds shared by every backend and by host
// code (WASI, later the Spin host capabilities).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace spindle::engine {

enum class ValType : uint8_t { I32, I64, F32, F64, V128, FuncRef, ExternRef };

std::string_view to_string(ValType t);

// A function reference as the native backend stores it in tables
// (layout-compatible with wasm_rt_funcref_t). The interpreter backend keeps
// its own handle in `func`/`instance`; null is always func == nullptr.
struct FuncRefValue {
  uint32_t type = 0;
  void* func = nullptr;
  void* instance = nullptr;
};

// One WebAssembly value. Which member is live is given by the ValType
// travelling beside it (a FuncType or an import/export description).
// Externref values are opaque pointers; null is nullptr.
union Value {
  uint32_t i32;
  uint64_t i64;
  float f32;
  double f64;
  uint8_t v128[16];
  FuncRefValue funcref;
  void* externref;

  Value() { std::memset(static_cast<void*>(this), 0, sizeof(*this)); }
  static Value from_i32(uint32_t v) {
    Value x;
    x.i32 = v;
    return x;
  }
  static Value from_i64(uint64_t v) {
    Value x;
    x.i64 = v;
    return x;
  }
  static Value from_f32(float v) {
    Value x;
    x.f32 = v;
    return x;
  }
  static Value from_f64(double v) {
    Value x;
    x.f64 = v;
    return x;
  }
};

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

std::string to_string(const FuncType& t);

// Why a guest stopped before returning normally.
enum class TrapKind : uint8_t {
  None,
  OutOfBounds,           // linear memory or table access out of bounds
  Unreachable,           // `unreachable` executed
  DivByZero,             // integer divide by zero
  IntOverflow,           // integer overflow (div, trunc)
  InvalidConversion,     // float-to-int of NaN
  IndirectCallMismatch,  // call_indirect: null, out of range or wrong type
  StackExhausted,        // call stack exhausted, or the guest's shadow stack overflowed
  Timeout,               // wall-clock deadline passed
  MemoryLimit,           // memory limit reached: a trap after a memory.grow was refused
                         // by the instance's limit or the instance-memory budget, or an
                         // initial memory (or table) above them
  HostError,             // a host function failed (message says why)
  Exit,                  // the guest called proc_exit (exit_code is valid)
};

// Short, stable text for each kind ("out of bounds memory access", ...).
std::string_view trap_message(TrapKind kind);
// Identifier-like name for each kind ("out-of-bounds", "unreachable", ...).
std::string_view trap_name(TrapKind kind);

// Outcome of running guest code (a call or an instantiation).
struct Outcome {
  TrapKind trap = TrapKind::None;
  uint32_t exit_code = 0;  // valid when trap == Exit
  std::string message;     // detail (host errors, interpreter trap text)

  bool ok() const { return trap == TrapKind::None; }
  static Outcome success() { return {}; }
  static Outcome trapped(TrapKind k, std::string msg = {}) {
    Outcome o;
    o.trap = k;
    o.message = std::move(msg);
    return o;
  }
  static Outcome exited(uint32_t code) {
    Outcome o;
    o.trap = TrapKind::Exit;
    o.exit_code = code;
    return o;
  }
};

// "trap message (name): detail" for a trap; when the detail already starts
// with the trap message ("memory limit reached: ..."), "detail (name)".
// "exited with code N" for Exit.
std::string describe(const Outcome& o);

}  // namespace spindle::engine
