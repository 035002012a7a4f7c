// Glue entry points of the synchronous Canonical ABI, for the engine code
// that links a component's core modules to the host and calls its exports.
//
//  - A lowered import (`canon lower` of a host function): core code of the
//    calling instance calls it with core values. `ImportCall` lifts them into
//    Vals (`lift_params`), the host computes its results, and
//    `lower_results` writes them back (flat, or through the return pointer
//    that came last in the core arguments). Borrowed handles are lent for
//    the duration of the call and returned when the ImportCall ends.
//    `call_lowered` does the three steps with a host callback.
//
//  - A lifted export (`canon lift` of a core function): `call_lifted` lowers
//    Val arguments into the callee's memory (spilling through realloc),
//    calls the core function, lifts its results into Vals (copies: they own
//    their strings and lists) and then runs post-return, with the spec's
//    may-enter (reentrance) and may-leave rules and the check that every
//    borrow lent to the callee was dropped before it returned.
//
// Every failure is an Outcome: the callee's own trap as it came, or an ABI
// trap (OutOfBounds / HostError "canonical ABI: ...").
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "engine/component/canon_abi.h"

namespace spindle::component {

// A component function type, flattened once.
struct FuncSig {
  std::vector<ValType> params;
  std::vector<ValType> results;  // zero or one
  CoreFuncType lowered;          // the core signature of `canon lower`
  CoreFuncType lifted;           // the core signature `canon lift` expects
  bool params_spilled = false;   // more than kMaxFlatParams flat params
  bool results_spilled = false;  // more than kMaxFlatResults flat results
  std::string error;             // non-empty: not a valid function type
};
FuncSig make_signature(const Layouts& layouts, const TypeDef& func);

// One call of a lowered import. Not copyable; lends end with it.
class ImportCall {
 public:
  ImportCall(const Layouts& layouts, const FuncSig& sig, const AbiOptions& opts,
             ComponentInstance& caller, const ResourceMap* resources,
             std::span<const engine::Value> core_args);
  ImportCall(const ImportCall&) = delete;
  ImportCall& operator=(const ImportCall&) = delete;

  engine::Outcome lift_params(std::vector<Val>& params);
  // `core_results` has room for sig.lowered.results (zero or one value).
  engine::Outcome lower_results(std::span<const Val> results,
                                std::span<engine::Value> core_results);

 private:
  const FuncSig& sig_;
  ComponentInstance& caller_;
  std::span<const engine::Value> core_args_;
  Lenders lenders_;
  CanonContext cx_;
  FlatReader in_;
  bool lifted_ = false;
};

// A host function of a component import. `instance` is the calling
// instance's InstanceData (LinkedComponent's InstanceOptions::data): the
// per-request state of the host interfaces.
using HostFn = std::function<engine::Outcome(engine::InstanceData* instance,
                                             std::span<const Val> params,
                                             std::vector<Val>& results)>;

engine::Outcome call_lowered(const Layouts& layouts, const FuncSig& sig, const AbiOptions& opts,
                             ComponentInstance& caller, const ResourceMap* resources,
                             std::span<const engine::Value> core_args,
                             std::span<engine::Value> core_results, const HostFn& host);

// A core function: args in, results out (as many as its type has).
using CoreFn = std::function<engine::Outcome(std::span<const engine::Value> args,
                                             std::vector<engine::Value>& results)>;

struct LiftedFunc {
  const Layouts* layouts = nullptr;
  FuncSig sig;
  AbiOptions opts;
  ComponentInstance* inst = nullptr;  // the callee's instance
  const ResourceMap* resources = nullptr;
  CoreFn callee;
  CoreFn post_return;  // optional; called with the callee's core results
};

// Calls `f` with `args`; `caller` is the calling instance (null: the host).
engine::Outcome call_lifted(const LiftedFunc& f, std::span<const Val> args,
                            std::vector<Val>& results, const ComponentInstance* caller = nullptr);

}  // namespace spindle::component
