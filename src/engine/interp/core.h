// The interpreter core: everything that touches WABT's interpreter
// (wabt/interp/interp.h), behind a narrow interface of plain types.
//
// Why the split: WABT 1.0.32's interp headers do not compile as C++20 with
// GCC 12 (interp-inl.h names destructors with a template-id, ill-formed since
// C++20 / DR 2237), while the engine interface (engine.h, value.h) needs
// C++20. So the core is compiled as C++17 (target engine_interp_core) and
// must not include engine headers; this header is valid C++17 and C++20.
// The C++20 side (interp_backend.cpp, module.cpp) adapts it to the engine
// interface. Val, Trap, VT and Kind mirror engine::Value, TrapKind, ValType
// and ExternKind exactly; the C++20 side static_asserts that.
//
// Threading: each core::Store wraps one WABT Store and a recursive mutex
// that every operation on it takes. Instances are created in the calling
// thread's store (or in the store of the objects they import), so instances
// made on different threads run in parallel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace wabt {
class Features;
}

namespace spindle::engine::interp::core {

enum class VT : uint8_t { I32, I64, F32, F64, V128, FuncRef, ExternRef };
enum class Kind : uint8_t { Func, Table, Memory, Global };

struct FuncRefVal {
  uint32_t type = 0;
  void* func = nullptr;
  void* instance = nullptr;
};

union Val {
  uint32_t i32;
  uint64_t i64;
  float f32;
  double f64;
  uint8_t v128[16];
  FuncRefVal funcref;
  void* externref;
  // All bytes zero (funcref{} alone would leave the padding after `type`,
  // which externref overlaps, indeterminate).
  Val() { std::memset(static_cast<void*>(this), 0, sizeof *this); }
};

enum class Trap : uint8_t {
  None,
  OutOfBounds,
  Unreachable,
  DivByZero,
  IntOverflow,
  InvalidConversion,
  IndirectCallMismatch,
  StackExhausted,
  Timeout,
  MemoryLimit,
  HostError,
  Exit,
};

struct Result {
  Trap trap = Trap::None;
  uint32_t exit_code = 0;
  std::string message;
  bool ok() const { return trap == Trap::None; }
  static Result trapped(Trap t, std::string msg) {
    Result r;
    r.trap = t;
    r.message = std::move(msg);
    return r;
  }
};

struct Sig {
  std::vector<VT> params;
  std::vector<VT> results;
};

struct Limits {
  uint64_t min = 0;  // for live objects: the current size
  bool has_max = false;
  uint64_t max = 0;
};

// A host function as the core calls it: `mem`/`mem_size` view the importing
// instance's exported memory "memory" (null when none).
using HostThunk = Result (*)(void* ctx, const Val* args, Val* results, uint8_t* mem,
                             uint64_t mem_size);

// The feature set used to read modules and to create stores. Call once
// before anything else (make_engine does).
void configure(const wabt::Features& features);

class Store;
using StorePtr = std::shared_ptr<Store>;
// The calling thread's store (created on first use).
StorePtr thread_store();

// A function, table, memory or global: an instance's export or a standalone
// object. Keeps its store and its owning instance alive.
class Object;
using ObjectPtr = std::shared_ptr<Object>;

struct ObjectInfo {
  Kind kind = Kind::Func;
  Sig sig;            // Func
  VT type = VT::I32;  // Global value type, Table element type
  bool mut = false;   // Global
  Limits limits;      // Table, Memory: current size in min
};
ObjectInfo describe(const Object& o);
const Store* store_of(const Object& o);

// Calls a function object; the deadline is its owning instance's timeout.
Result call(Object& f, const Val* args, size_t nargs, Val* results, size_t nresults);
// Current value of a global object.
Val global_get(Object& g);

ObjectPtr new_memory(const Limits& l);
ObjectPtr new_table(VT elem, const Limits& l);
ObjectPtr new_global(VT type, bool mut, const Val& v);

// A module prepared for the interpreter (read by WABT's interp reader and
// rewritten, see rewrite.h). Immutable; shared by all its instances.
class Code;
using CodePtr = std::shared_ptr<const Code>;
// The module must already be valid (the caller validates it).
CodePtr prepare(const uint8_t* wasm, size_t size, const std::string& name, std::string* error);

// What satisfies one import (one per import, in the module's order).
struct Import {
  ObjectPtr object;  // set: an object of this backend
  // else a host function:
  Sig sig;
  HostThunk thunk = nullptr;
  void* ctx = nullptr;
  std::shared_ptr<void> ctx_owner;  // keeps ctx alive
};

struct Options {
  uint64_t max_memory_bytes = uint64_t{1} << 32;
  int64_t timeout_ns = 0;   // 0: none; negative: the deadline has passed
  int64_t deadline_ns = 0;  // steady_clock time since epoch, ns; 0: none
};

// The budget of one call under `o`: 0 = no limit; negative = the deadline
// has already passed.
int64_t call_budget_ns(const Options& o);

class Instance;
using InstancePtr = std::shared_ptr<Instance>;

struct Instantiated {
  InstancePtr instance;    // set on success
  std::string link_error;  // unlinkable
  Result outcome;          // trapped during initialisation or start
};
// The instance lives in the store of the imported objects (they must share
// one), else in the calling thread's store.
Instantiated instantiate(const CodePtr& code, std::vector<Import> imports, const Options& opts);

// An export by name, or null.
ObjectPtr get_export(const InstancePtr& inst, const std::string& name);

struct MemView {
  uint8_t* data = nullptr;
  uint64_t size = 0;
};
// The instance's exported memory "memory" (empty when none).
MemView memory_view(Instance& inst);

}  // namespace spindle::engine::interp::core
