// Conversions between engine types and the interpreter core's mirror types,
// and the Extern / Instance adapters.
#include <cstring>
#include <type_traits>

#include "engine/interp/objects.h"

namespace spindle::engine::interp {

// core.h mirrors these engine types; keep them in lockstep.
static_assert(sizeof(core::Val) == sizeof(Value) && alignof(core::Val) == alignof(Value));
static_assert(std::is_trivially_copyable_v<core::Val> && std::is_trivially_copyable_v<Value>);
static_assert(offsetof(core::FuncRefVal, func) == offsetof(FuncRefValue, func) &&
              offsetof(core::FuncRefVal, instance) == offsetof(FuncRefValue, instance));
static_assert(static_cast<int>(core::Trap::Exit) == static_cast<int>(TrapKind::Exit) &&
              static_cast<int>(core::Trap::HostError) == static_cast<int>(TrapKind::HostError) &&
              static_cast<int>(core::Trap::OutOfBounds) == static_cast<int>(TrapKind::OutOfBounds));
static_assert(static_cast<int>(core::VT::ExternRef) == static_cast<int>(ValType::ExternRef));
static_assert(static_cast<int>(core::Kind::Global) == static_cast<int>(ExternKind::Global));

void to_core(std::span<const Value> in, core::Val* out) {
  if (!in.empty()) std::memcpy(static_cast<void*>(out), in.data(), in.size() * sizeof(Value));
}

void from_core(const core::Val* in, std::span<Value> out) {
  if (!out.empty()) std::memcpy(static_cast<void*>(out.data()), in, out.size() * sizeof(Value));
}

Outcome to_outcome(core::Result r) {
  Outcome o;
  o.trap = static_cast<TrapKind>(r.trap);
  o.exit_code = r.exit_code;
  o.message = std::move(r.message);
  return o;
}

core::Result to_result(Outcome o) {
  core::Result r;
  r.trap = static_cast<core::Trap>(o.trap);
  r.exit_code = o.exit_code;
  r.message = std::move(o.message);
  return r;
}

core::VT to_core(ValType t) { return static_cast<core::VT>(t); }

core::Sig to_core(const FuncType& f) {
  core::Sig s;
  for (ValType t : f.params) s.params.push_back(to_core(t));
  for (ValType t : f.results) s.results.push_back(to_core(t));
  return s;
}

Outcome InterpExtern::call(std::span<const Value> args, std::span<Value> results) {
  if (type_.kind != ExternKind::Func) return Extern::call(args, results);
  const size_t nres = type_.func.results.size();
  if (results.size() < nres) return Outcome::trapped(TrapKind::HostError, "too few result slots");
  std::vector<core::Val> a(args.size()), r(nres);
  to_core(args, a.data());
  core::Result res = core::call(*obj_, a.data(), a.size(), r.data(), r.size());
  if (res.ok()) from_core(r.data(), results.first(nres));
  return to_outcome(std::move(res));
}

Value InterpExtern::get() const {
  if (type_.kind != ExternKind::Global) return Value{};
  core::Val v = core::global_get(*obj_);
  Value out;
  std::memcpy(static_cast<void*>(&out), &v, sizeof out);
  return out;
}

ExternPtr InterpInstance::get_export(std::string_view name) {
  for (auto& [n, e] : cache_)
    if (n == name) return e;
  const ExportDesc* desc = nullptr;
  for (const ExportDesc& d : module_->exports())
    if (d.name == name) desc = &d;
  if (!desc) return nullptr;
  core::ObjectPtr obj = core::get_export(inst_, std::string(name));
  if (!obj) return nullptr;
  auto ext = std::make_shared<InterpExtern>(desc->type, std::move(obj));
  cache_.emplace_back(std::string(name), ext);
  return ext;
}

GuestMemory InterpInstance::memory() {
  core::MemView v = core::memory_view(*inst_);
  return GuestMemory{v.data, v.size};
}

}  // namespace spindle::engine::interp
