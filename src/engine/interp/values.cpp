// Converting types, values and trap messages between the core and WABT.
#include <cstdlib>
#include <cstring>
#include <optional>

#include "engine/interp/core_internal.h"

namespace spindle::engine::interp::core {

wabt::Type to_wabt(VT t) {
  switch (t) {
    case VT::I32:
      return wabt::Type::I32;
    case VT::I64:
      return wabt::Type::I64;
    case VT::F32:
      return wabt::Type::F32;
    case VT::F64:
      return wabt::Type::F64;
    case VT::V128:
      return wabt::Type::V128;
    case VT::FuncRef:
      return wabt::Type::FuncRef;
    case VT::ExternRef:
      return wabt::Type::ExternRef;
  }
  return wabt::Type::I32;
}

VT from_wabt(wabt::Type t) {
  switch (t) {
    case wabt::Type::I32:
      return VT::I32;
    case wabt::Type::I64:
      return VT::I64;
    case wabt::Type::F32:
      return VT::F32;
    case wabt::Type::F64:
      return VT::F64;
    case wabt::Type::V128:
      return VT::V128;
    case wabt::Type::FuncRef:
      return VT::FuncRef;
    default:
      return VT::ExternRef;
  }
}

Sig sig_of(const wi::FuncType& t) {
  Sig s;
  for (auto p : t.params) s.params.push_back(from_wabt(p));
  for (auto r : t.results) s.results.push_back(from_wabt(r));
  return s;
}

wi::FuncType func_type_of(const Sig& s) {
  wi::ValueTypes params, results;
  for (VT p : s.params) params.push_back(to_wabt(p));
  for (VT r : s.results) results.push_back(to_wabt(r));
  return wi::FuncType(params, results);
}

// A non-null funcref is {type 0, func = WABT object index, instance = the
// core::Store}; object index 0 is WABT's null object, so func is never null.
bool to_wabt(Store& store, VT t, const Val& v, wi::Value* out, std::string* err) {
  switch (t) {
    case VT::I32:
      *out = wi::Value::Make(v.i32);
      return true;
    case VT::I64:
      *out = wi::Value::Make(v.i64);
      return true;
    case VT::F32:
      *out = wi::Value::Make(v.f32);
      return true;
    case VT::F64:
      *out = wi::Value::Make(v.f64);
      return true;
    case VT::V128: {
      ::v128 x;
      static_assert(sizeof x == sizeof v.v128);
      std::memcpy(&x, v.v128, sizeof x);
      *out = wi::Value::Make(x);
      return true;
    }
    case VT::FuncRef: {
      if (v.funcref.func == nullptr) {
        *out = wi::Value::Make(wi::Ref::Null);
        return true;
      }
      wi::Ref ref{reinterpret_cast<uintptr_t>(v.funcref.func)};
      if (v.funcref.instance != &store || !store.store.Is<wi::Func>(ref)) {
        *err = "funcref does not belong to this interpreter store";
        return false;
      }
      *out = wi::Value::Make(ref);
      return true;
    }
    case VT::ExternRef: {
      if (v.externref == nullptr) {
        *out = wi::Value::Make(wi::Ref::Null);
        return true;
      }
      // The Foreign object is unrooted but lives at least until the next
      // GC, which never runs while the store is busy.
      *out = wi::Value::Make(wi::Foreign::New(store.store, v.externref).ref());
      return true;
    }
  }
  return false;
}

Val from_wabt(Store& store, VT t, const wi::Value& v) {
  Val r;
  switch (t) {
    case VT::I32:
      r.i32 = v.Get<uint32_t>();
      break;
    case VT::I64:
      r.i64 = v.Get<uint64_t>();
      break;
    case VT::F32:
      r.f32 = v.Get<float>();
      break;
    case VT::F64:
      r.f64 = v.Get<double>();
      break;
    case VT::V128: {
      ::v128 x = v.Get<::v128>();
      std::memcpy(r.v128, &x, sizeof r.v128);
      break;
    }
    case VT::FuncRef: {
      wi::Ref ref = v.Get<wi::Ref>();
      if (ref != wi::Ref::Null) {
        r.funcref.func = reinterpret_cast<void*>(static_cast<uintptr_t>(ref.index));
        r.funcref.instance = &store;
      }
      break;
    }
    case VT::ExternRef: {
      wi::Ref ref = v.Get<wi::Ref>();
      r.externref = nullptr;
      if (ref != wi::Ref::Null && store.store.Is<wi::Foreign>(ref))
        r.externref = store.store.UnsafeGet<wi::Foreign>(ref)->ptr();
      break;
    }
  }
  return r;
}

namespace {
bool starts_with(const std::string& s, const char* prefix) {
  return s.compare(0, std::strlen(prefix), prefix) == 0;
}
bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }
}  // namespace

// WABT's wording (src/interp/interp.cc, interp-math.h in 1.0.32):
//   "out of bounds memory access: ...", "out of bounds table access: ...",
//   "unreachable executed", "integer divide by zero", "integer overflow",
//   "invalid conversion to integer", "undefined table index",
//   "uninitialized table element", "indirect call signature mismatch",
//   "call stack exhausted".
Trap classify_trap(const std::string& m) {
  if (starts_with(m, "out of bounds") || contains(m, "out of bounds")) return Trap::OutOfBounds;
  if (starts_with(m, "unreachable")) return Trap::Unreachable;
  if (contains(m, "divide by zero")) return Trap::DivByZero;
  if (contains(m, "integer overflow")) return Trap::IntOverflow;
  if (contains(m, "invalid conversion")) return Trap::InvalidConversion;
  if (contains(m, "indirect call") || contains(m, "undefined table index") ||
      contains(m, "uninitialized table element") || contains(m, "undefined element") ||
      contains(m, "uninitialized element"))
    return Trap::IndirectCallMismatch;
  if (contains(m, "stack exhausted") || contains(m, "stack overflow")) return Trap::StackExhausted;
  return Trap::HostError;
}

Result trap_result(const std::string& m) { return Result::trapped(classify_trap(m), m); }

namespace {
// Global 0's value when it is a mutable i32 the module defines (its shadow
// stack pointer, in C/C++/Rust guests).
std::optional<uint32_t> stack_pointer(const Instance& inst) {
  for (const auto& imp : inst.code->desc.imports)
    if (imp.type.type->kind == wabt::ExternalKind::Global) return std::nullopt;
  if (!inst.inst || inst.inst->globals().empty()) return std::nullopt;
  wi::Store& ws = inst.store->store;
  wi::Ref ref = inst.inst->globals()[0];
  if (!ws.Is<wi::Global>(ref)) return std::nullopt;
  auto* g = ws.UnsafeGet<wi::Global>(ref).get();
  if (g->type().type != wabt::Type::I32 || g->type().mut != wi::Mutability::Var)
    return std::nullopt;
  return g->Get().Get<uint32_t>();
}
}  // namespace

Result refine(Result r, const Instance& inst) {
  // "out of bounds memory access: access at <address+offset>+<size> >= ..."
  static const char kAccessAt[] = "memory access: access at ";
  if (r.trap == Trap::OutOfBounds) {
    if (size_t at = r.message.find(kAccessAt); at != std::string::npos) {
      const char* p = r.message.c_str() + at + sizeof kAccessAt - 1;
      char* end = nullptr;
      unsigned long long address = std::strtoull(p, &end, 10);
      std::optional<uint32_t> sp;
      if (end != p && memory_budget::is_shadow_stack_fault(address) && (sp = stack_pointer(inst)) &&
          memory_budget::is_shadow_stack_fault(*sp))
        r = Result::trapped(Trap::StackExhausted, memory_budget::shadow_stack_message(address));
    }
  }
  return after_refusal(std::move(r), *inst.account);
}

Result after_refusal(Result r, const MemAccount& account) {
  if (r.ok() || !account.refusal.refused() || r.trap == Trap::Timeout || r.trap == Trap::Exit ||
      r.trap == Trap::MemoryLimit)
    return r;
  std::string what = r.message.empty() ? std::string("trap") : r.message;
  return Result::trapped(Trap::MemoryLimit, memory_budget::trapped_after(account.refusal, what));
}

bool is_link_failure(const std::string& m) {
  return starts_with(m, "invalid import") || starts_with(m, "expected import") ||
         starts_with(m, "not enough imports") || contains(m, "signature mismatch in imported") ||
         starts_with(m, "import signature mismatch") || contains(m, "mismatch in imported") ||
         starts_with(m, "actual size") || starts_with(m, "max size");
}

}  // namespace spindle::engine::interp::core
