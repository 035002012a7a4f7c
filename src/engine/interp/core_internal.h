// Internals of the interpreter core (C++17 only: includes WABT's interp).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "engine/interp/core.h"
#include "engine/memory_budget.h"
#include "wabt/interp/interp.h"

namespace spindle::engine::interp::core {

namespace wi = wabt::interp;

const wabt::Features& features();

// A prepared module: WABT's module description after rewriting.
class Code {
 public:
  wi::ModuleDesc desc;
  size_t num_imports = 0;      // the module's own imports (before injection)
  bool has_start = false;      // start function removed from desc; run by us
  wi::Index start = 0;         // its function index (after rewriting)
  bool grow_injected = false;  // last import of desc is the memory.grow hook
};

// One WABT store, its lock, and a cache of the modules loaded into it.
class Store {
 public:
  explicit Store(const wabt::Features& f) : store(f) {}
  ~Store();

  std::recursive_mutex mu;
  wi::Store store;  // declared before everything holding RefPtrs into it

  // Everything below is guarded by mu.
  int busy = 0;  // calls and instantiations in progress (no GC meanwhile)

  // The WABT module object for `code` in this store (created on first use).
  wi::Module::Ptr module_for(const CodePtr& code);
  // An instance died: its objects are garbage; collect when worthwhile.
  void released(uint64_t memory_bytes);

 private:
  void maybe_collect();

  struct Cached {
    std::weak_ptr<const Code> owner;
    wi::Module::Ptr module;
  };
  std::unordered_map<const Code*, Cached> modules_;
  size_t live_after_gc_ = 0;
  uint64_t garbage_bytes_ = 0;
};

// Marks the store busy for the lifetime of the scope (the lock must be held).
struct BusyScope {
  explicit BusyScope(Store& s) : s(s) { ++s.busy; }
  ~BusyScope() { --s.busy; }
  Store& s;
};

// The exported memory a host function sees; set after instantiation and
// cleared when the instance dies.
struct MemSlot {
  wi::Memory::Ptr memory;
};

// An instance's linear-memory account (guarded by its store's lock): what
// it holds of the instance-memory budget, and the last memory.grow refused.
struct MemAccount {
  uint64_t counted = 0;   // bytes counted in the budget
  bool released = false;  // the instance died: grows are not counted any more
  memory_budget::GrowRefusal refusal;
};

class Instance {
 public:
  ~Instance();

  StorePtr store;
  CodePtr code;
  Options opts;
  wi::Instance::Ptr inst;
  wi::Memory::Ptr memory;  // export "memory"
  std::vector<ObjectPtr> keep_alive;
  std::vector<std::shared_ptr<MemSlot>> slots;
  std::shared_ptr<MemAccount> account = std::make_shared<MemAccount>();
};

class Object {
 public:
  Object(StorePtr s, InstancePtr owner, wi::Extern::Ptr obj)
      : store(std::move(s)), owner(std::move(owner)), obj(std::move(obj)) {}
  ~Object();

  StorePtr store;
  InstancePtr owner;  // null for standalone objects
  wi::Extern::Ptr obj;
};

// Values and types (values.cpp).
wabt::Type to_wabt(VT t);
VT from_wabt(wabt::Type t);
Sig sig_of(const wi::FuncType& t);
wi::FuncType func_type_of(const Sig& s);
// Converts a value for WABT; false (and a message) for a funcref that does
// not belong to `store`.
bool to_wabt(Store& store, VT t, const Val& v, wi::Value* out, std::string* err);
Val from_wabt(Store& store, VT t, const wi::Value& v);
// The TrapKind for one of WABT's trap messages.
Trap classify_trap(const std::string& message);
// The Result for one of WABT's trap messages.
Result trap_result(const std::string& message);
// A call's result as `inst` reports it: an out-of-bounds access that is a
// shadow-stack overflow (memory_budget.h) becomes StackExhausted, then
// after_refusal. The store's lock must be held.
Result refine(Result r, const Instance& inst);
// `r` as reported by an instance whose account holds a refused memory.grow:
// a trap (but Timeout, Exit) becomes MemoryLimit.
Result after_refusal(Result r, const MemAccount& account);
// True for instantiation failures that are link errors, not traps.
bool is_link_failure(const std::string& message);

// Running code (run.cpp). The lock must be held.
Result run(Store& store, wi::Func& f, const wi::Values& params, wi::Values& results,
           int64_t timeout_ns);
// A host function object calling `imp`, whose HostCall memory is `slot`.
wi::HostFunc::Ptr make_host_func(Store& store, const Import& imp, std::shared_ptr<MemSlot> slot);
// The function `memory.grow` is rewritten to call (rewrite.h).
wi::HostFunc::Ptr make_grow_func(Store& store, uint64_t max_memory_bytes,
                                 std::shared_ptr<MemAccount> account);

}  // namespace spindle::engine::interp::core
