#include "engine/component/canon_call.h"

#include "engine/component/type_ops.h"

namespace spindle::component {

using engine::Outcome;
using engine::Value;

FuncSig make_signature(const Layouts& layouts, const TypeDef& func) {
  FuncSig s;
  if (func.kind != TypeKind::Func) {
    s.error = "not a function type";
    return s;
  }
  for (const Field& f : func.fields) s.params.push_back(f.type);
  if (func.result) s.results.push_back(*func.result);
  for (ValType t : s.params)
    if (layouts.size(t) == 0)
      s.error = "parameter type " + describe(layouts.file(), t) + " is not valid";
  for (ValType t : s.results)
    if (layouts.size(t) == 0)
      s.error = "result type " + describe(layouts.file(), t) + " is not valid";
  if (!s.error.empty()) return s;
  std::vector<CoreValType> params, results;
  s.params_spilled = layouts.tuple_flat_count(s.params) > kMaxFlatParams;
  s.results_spilled = layouts.tuple_flat_count(s.results) > kMaxFlatResults;
  if (s.params_spilled) {
    params = {CoreValType::I32};
  } else {
    for (ValType t : s.params) layouts.flatten(t, params, kMaxFlatParams);
  }
  if (!s.results_spilled)
    for (ValType t : s.results) layouts.flatten(t, results, kMaxFlatResults);
  s.lifted.params = s.lowered.params = params;
  if (s.results_spilled) {
    s.lifted.results = {CoreValType::I32};
    s.lowered.params.push_back(CoreValType::I32);
  } else {
    s.lifted.results = s.lowered.results = results;
  }
  return s;
}

// ---- lowered imports ------------------------------------------------------

ImportCall::ImportCall(const Layouts& layouts, const FuncSig& sig, const AbiOptions& opts,
                       ComponentInstance& caller, const ResourceMap* resources,
                       std::span<const Value> core_args)
    : sig_(sig),
      caller_(caller),
      core_args_(core_args),
      lenders_(caller),
      cx_(layouts, opts, &caller, resources),
      in_(core_args, sig.lowered.params) {
  cx_.lenders = &lenders_;
}

Outcome ImportCall::lift_params(std::vector<Val>& params) {
  if (!sig_.error.empty()) return abi_trap(sig_.error);
  if (!caller_.may_leave) return abi_trap("an import was called while the instance may not leave");
  if (core_args_.size() != sig_.lowered.params.size())
    return abi_trap("the lowered import got " + std::to_string(core_args_.size()) +
                    " core arguments, its type has " + std::to_string(sig_.lowered.params.size()));
  if (lifted_) return abi_trap("the parameters were lifted already");
  lifted_ = true;
  if (!lift_flat_values(cx_, kMaxFlatParams, in_, sig_.params, params)) return cx_.error;
  return Outcome::success();
}

Outcome ImportCall::lower_results(std::span<const Val> results, std::span<Value> core_results) {
  if (!lifted_) return abi_trap("results lowered before the parameters were lifted");
  if (!cx_.ok()) return cx_.error;
  if (core_results.size() < sig_.lowered.results.size())
    return abi_trap("too few core result slots");
  cx_.lenders = nullptr;  // results hold no borrows
  FlatWriter out;
  bool ok = lower_flat_values(cx_, kMaxFlatResults, results, sig_.results, out, &in_);
  lenders_.release();
  if (!ok) return cx_.error;
  for (size_t i = 0; i < out.values.size() && i < core_results.size(); ++i)
    core_results[i] = out.values[i];
  return Outcome::success();
}

Outcome call_lowered(const Layouts& layouts, const FuncSig& sig, const AbiOptions& opts,
                     ComponentInstance& caller, const ResourceMap* resources,
                     std::span<const Value> core_args, std::span<Value> core_results,
                     const HostFn& host) {
  ImportCall call(layouts, sig, opts, caller, resources, core_args);
  std::vector<Val> params, results;
  Outcome o = call.lift_params(params);
  if (!o.ok()) return o;
  o = host(caller.data, params, results);
  if (!o.ok()) return o;
  return call.lower_results(results, core_results);
}

// ---- lifted exports -------------------------------------------------------

namespace {

// Enters the callee for the call and leaves (and closes the scope) on exit.
struct Entered {
  ComponentInstance& inst;
  const ComponentInstance* caller;
  uint64_t scope;
  ~Entered() {
    inst.close_scope(scope);
    inst.leave_to(caller);
  }
};

}  // namespace

Outcome call_lifted(const LiftedFunc& f, std::span<const Val> args, std::vector<Val>& results,
                    const ComponentInstance* caller) {
  if (f.layouts == nullptr || f.inst == nullptr || !f.callee)
    return abi_trap("the lifted function is incomplete");
  if (!f.sig.error.empty()) return abi_trap(f.sig.error);
  ComponentInstance& inst = *f.inst;
  if (!inst.may_enter_from(caller))
    return abi_trap("the callee instance may not be entered (reentrance)");
  inst.enter_from(caller);
  Entered entered{inst, caller, inst.open_scope()};

  AbiOptions opts = f.opts;
  if (opts.refresh_memory) opts.memory = opts.refresh_memory();
  CanonContext cx(*f.layouts, opts, &inst, f.resources);
  cx.borrow_scope = entered.scope;
  FlatWriter flat;
  if (!lower_flat_values(cx, kMaxFlatParams, args, f.sig.params, flat)) return cx.error;

  std::vector<Value> core_results;
  Outcome o = f.callee(flat.values, core_results);
  if (!o.ok()) return o;
  if (core_results.size() != f.sig.lifted.results.size())
    return abi_trap("the core function returned " + std::to_string(core_results.size()) +
                    " values, its type has " + std::to_string(f.sig.lifted.results.size()));
  if (opts.refresh_memory) cx.mem = opts.refresh_memory();
  FlatReader in(core_results, f.sig.lifted.results);
  if (!lift_flat_values(cx, kMaxFlatResults, in, f.sig.results, results)) return cx.error;
  // task.return: every borrow lent to the callee must have been dropped.
  if (uint32_t* n = inst.scope_borrows(entered.scope); n != nullptr && *n > 0)
    return abi_trap(std::to_string(*n) +
                    " borrowed handle(s) not dropped before the call returned");

  if (f.post_return) {
    inst.may_leave = false;
    std::vector<Value> none;
    o = f.post_return(core_results, none);
    inst.may_leave = true;
    if (!o.ok()) return o;
  }
  return Outcome::success();
}

}  // namespace spindle::component
