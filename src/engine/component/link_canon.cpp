// Frame: canon lift/lower, resource built-ins and host imports
// (link_frame.h).
#include <algorithm>

#include "engine/component/link_frame.h"
#include "engine/component/link_host.h"

namespace spindle::component {

using engine::Outcome;
using engine::Value;

namespace {

engine::ValType to_engine(CoreValType t) {
  switch (t) {
    case CoreValType::I32:
      return engine::ValType::I32;
    case CoreValType::I64:
      return engine::ValType::I64;
    case CoreValType::F32:
      return engine::ValType::F32;
    case CoreValType::F64:
      return engine::ValType::F64;
    default:
      throw LinkError("core value type not supported in the canonical ABI");
  }
}

engine::FuncType to_engine(const CoreFuncType& t) {
  engine::FuncType out;
  for (CoreValType v : t.params) out.params.push_back(to_engine(v));
  for (CoreValType v : t.results) out.results.push_back(to_engine(v));
  return out;
}

Outcome trampoline_cb(engine::HostCall& call, const Value* args, Value* results) {
  auto& t = *static_cast<Trampoline*>(call.func_data);
  switch (t.kind) {
    case CanonKind::Lower: {
      AbiOptions opts = t.opts;
      if (opts.refresh_memory) opts.memory = opts.refresh_memory();
      std::span<const Value> in(args, t.sig->lowered.params.size());
      std::span<Value> out(results, t.sig->lowered.results.size());
      ComponentInstance* caller = &t.frame->ci;
      return call_lowered(t.st->plan.layouts(), *t.sig, opts, *caller, &t.st->resources, in, out,
                          [&](engine::InstanceData*, std::span<const Val> p, std::vector<Val>& r) {
                            return t.callee->call(p, r, caller);
                          });
    }
    case CanonKind::ResourceNew: {
      uint32_t h = 0;
      Outcome o = resource_new(t.frame->ci, t.rt, args[0].i32, h);
      results[0] = Value::from_i32(h);
      return o;
    }
    case CanonKind::ResourceDrop:
      return resource_drop(t.frame->ci, t.rt, args[0].i32);
    case CanonKind::ResourceRep: {
      uint32_t rep = 0;
      Outcome o = resource_rep(t.frame->ci, t.rt, args[0].i32, rep);
      results[0] = Value::from_i32(rep);
      return o;
    }
    default:
      return abi_trap("unsupported trampoline");
  }
}

class LiftedFn final : public Func {
 public:
  explicit LiftedFn(LiftedFunc f) : f_(std::move(f)) {}
  Outcome call(std::span<const Val> args, std::vector<Val>& results,
               const ComponentInstance* caller) override {
    return call_lifted(f_, args, results, caller);
  }

 private:
  LiftedFunc f_;
};

// A core function by the address of its memoized CoreRef (Frame::core_ref):
// small enough for std::function's inline storage.
CoreFn core_fn(LinkState& st, const CoreRef& r) {
  const CoreRef* ref = &r;
  return [st = &st, ref](std::span<const Value> a, std::vector<Value>& out) {
    return call_core(*st, *ref, a, out);
  };
}

}  // namespace

Outcome call_core(LinkState& st, const CoreRef& f, std::span<const Value> args,
                  std::vector<Value>& results) {
  if (const auto* e = std::get_if<engine::ExternPtr>(&f.entry)) {
    results.resize((*e)->type().func.results.size());
    return (*e)->call(args, results);
  }
  const auto& hf = std::get<engine::HostFunc>(f.entry);
  results.resize(hf.type.results.size());
  engine::HostCall call{{}, st.core_opts.data, hf.data};
  return hf.callback(call, args.data(), results.data());
}

AbiOptions Frame::abi_options(const CanonOptions& o) {
  AbiOptions out;
  out.encoding = o.encoding;
  if (o.memory != kNone) {
    const CoreRef& m = core_ref(CoreSort::Memory, o.memory);
    if (m.owner == nullptr || m.name != "memory")
      throw LinkError("canon memory must be a core instance's export named 'memory' (is '" +
                      std::string(m.name) + "')");
    engine::Instance* owner = m.owner;
    out.refresh_memory = [owner] { return owner->memory(); };
  }
  if (o.realloc != kNone) {
    const CoreRef* f = &core_ref(CoreSort::Func, o.realloc);
    out.realloc = [st = &st, f](uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                uint32_t new_size, uint32_t& ptr) {
      Value a[4] = {Value::from_i32(old_ptr), Value::from_i32(old_size), Value::from_i32(align),
                    Value::from_i32(new_size)};
      std::vector<Value> r;
      Outcome res = call_core(*st, *f, a, r);
      if (res.ok()) {
        if (r.size() != 1) return abi_trap("realloc must return one i32");
        ptr = r[0].i32;
      }
      return res;
    };
  }
  return out;
}

CoreRef Frame::canon_core(const CanonDef& d) {
  Trampoline* t = &st.trampolines.emplace_back();
  t->st = &st;
  t->frame = this;
  t->kind = d.kind;
  if (d.kind == CanonKind::Lower) {
    ItemVal f = item(Sort::Func, d.func);
    t->callee = f.func;
    t->sig = &st.plan.signature(d.type);
    if (!t->sig->error.empty()) throw LinkError("canon lower: " + t->sig->error);
    t->opts = abi_options(d.options);
    t->hf.type = to_engine(t->sig->lowered);
  } else if (d.kind == CanonKind::Lift) {
    throw LinkError("canon lift does not make a core function");
  } else {
    auto it = st.resources.find(d.type);
    if (it == st.resources.end()) throw LinkError("unknown resource type");
    t->rt = it->second;
    if (ResourceType* def = st.find_defined(d.type); def != nullptr && def->impl == nullptr)
      define_resource(*def, st.plan.file().types.at(d.type));
    using engine::ValType;
    if (d.kind == CanonKind::ResourceDrop)
      t->hf.type = {{ValType::I32}, {}};
    else
      t->hf.type = {{ValType::I32}, {ValType::I32}};
  }
  t->hf.callback = trampoline_cb;
  t->hf.data = t;
  CoreRef r;
  r.entry = t->hf;
  return r;
}

void Frame::define_resource(ResourceType& rt, const TypeDef& t) {
  rt.impl = &ci;
  if (t.dtor == kNone || t.owner != c.id) return;
  const CoreRef* f = &core_ref(CoreSort::Func, t.dtor);
  rt.dtor = [st = &st, f](engine::InstanceData*, uint32_t rep) {
    Value a = Value::from_i32(rep);
    std::vector<Value> r;
    return call_core(*st, *f, {&a, 1}, r);
  };
}

FuncPtr Frame::lift(const CanonDef& d) {
  LiftedFunc f;
  f.layouts = &st.plan.layouts();
  f.sig = st.plan.signature(d.type);
  if (!f.sig.error.empty()) throw LinkError("canon lift: " + f.sig.error);
  f.opts = abi_options(d.options);
  f.inst = &ci;
  f.resources = &st.resources;
  f.callee = core_fn(st, core_ref(CoreSort::Func, d.func));
  if (d.options.post_return != kNone)
    f.post_return = core_fn(st, core_ref(CoreSort::Func, d.options.post_return));
  return std::make_shared<LiftedFn>(std::move(f));
}

ItemVal Frame::import(const Import& imp) {
  if (parent != nullptr) {
    const ItemVal* arg = args.find(imp.name);
    if (arg == nullptr) throw LinkError("no argument for import '" + imp.name + "'");
    return *arg;
  }
  const auto& types = st.plan.file().types;
  const auto& bound = st.binding->imports.at(static_cast<size_t>(&imp - c.imports.data()));
  size_t next = 0;
  auto host_func = [&] {
    const HostBinding::FuncBind& b = bound.funcs.at(next++);
    if (b.fn == nullptr) throw LinkError(b.error);
    if (st.host_funcs.size() == st.host_funcs.capacity())  // not expected
      return ItemVal::of_func(std::make_shared<HostFuncVal>(b.fn, st.core_opts.data));
    HostFuncVal& hf = st.host_funcs.emplace_back(b.fn, st.core_opts.data);
    // Not owning: the LinkState holds it for as long as the instance lives.
    return ItemVal::of_func(FuncPtr(std::shared_ptr<void>(), &hf));
  };
  switch (imp.type.sort) {
    case Sort::Func:
      return host_func();
    case Sort::Type:
      return ItemVal::of_type(imp.type.type);
    case Sort::Instance: {
      ItemVal out;
      out.sort = Sort::Instance;
      out.instance = std::make_shared<InstanceVal>();
      const auto& decls = types.at(imp.type.type).exports;
      out.instance->exports.items.reserve(decls.size());
      for (const ExternDecl& e : decls) {
        if (e.type.sort == Sort::Func) {
          out.instance->exports.add(e.name, host_func());
        } else if (e.type.sort == Sort::Type) {
          out.instance->exports.add(e.name, ItemVal::of_type(e.type.type));
        } else {
          throw LinkError("import '" + imp.name + "#" + e.name +
                          "': only functions and types are supported");
        }
      }
      return out;
    }
    default:
      throw LinkError("import '" + imp.name + "': sort " + to_string(imp.type.sort) +
                      " is not supported");
  }
}

void Frame::bind_host_resources(uint32_t import_index) {
  for (const auto& [type, rt] : st.binding->imports.at(import_index).resources)
    st.resources[type] = rt;
}

LinkState::LinkState(const LinkPlan& p, const HostImports& h)
    : plan(p), host(h), binding(p.binding(h)) {
  host_funcs.reserve(binding->num_funcs);
  const auto& types = plan.file().types;
  const auto& ids = plan.resource_types();
  owned_resources.reserve(ids.size());
  resources.reserve(ids.size());
  for (TypeId i : ids) {
    ResourceType& rt = owned_resources.emplace_back();
    rt.name = types[i].debug_name;
    resources[i] = &rt;
    if (!types[i].abstract) defined.emplace_back(i, &rt);
  }
}

ResourceType* LinkState::find_defined(TypeId t) const {
  auto it = std::lower_bound(defined.begin(), defined.end(), t,
                             [](const auto& d, TypeId id) { return d.first < id; });
  return it != defined.end() && it->first == t ? it->second : nullptr;
}

LinkState::~LinkState() {
  frames.clear();  // core instances go before the trampolines they call
}

}  // namespace spindle::component
