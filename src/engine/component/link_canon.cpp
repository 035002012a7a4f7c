// Frame: canon lift/lower, resource built-ins and host imports
// (link_frame.h).
#include "engine/component/link_frame.h"

namespace spindle::component {

using engine::Outcome;
using engine::Value;

struct Trampoline {
  LinkState* st = nullptr;
  Frame* frame = nullptr;
  CanonKind kind = CanonKind::Lower;
  FuncPtr callee;                // Lower
  const FuncSig* sig = nullptr;  // Lower
  AbiOptions opts;               // Lower
  const ResourceType* rt = nullptr;
  engine::HostFunc hf;
};

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

class HostFunc final : public Func {
 public:
  HostFunc(HostFn f, engine::InstanceData* data) : fn_(std::move(f)), data_(data) {}
  Outcome call(std::span<const Val> args, std::vector<Val>& results,
               const ComponentInstance*) override {
    return fn_(data_, args, results);
  }

 private:
  HostFn fn_;
  engine::InstanceData* data_;
};

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

CoreFn core_fn(LinkState& st, CoreRef r) {
  return [&st, r = std::move(r)](std::span<const Value> a, std::vector<Value>& out) {
    return call_core(st, r, a, out);
  };
}

// The entry of `map` for `key` (`name` or `interface#member`): exact, else
// one whose interface is semver-compatible.
template <class Map>
typename Map::const_iterator find_key(const Map& map, const std::string& key) {
  if (auto it = map.find(key); it != map.end()) return it;
  size_t hash = key.find('#');
  if (hash == std::string::npos) return map.end();
  auto want = parse_interface_name(std::string_view(key).substr(0, hash));
  std::string_view member = std::string_view(key).substr(hash + 1);
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string_view k = it->first;
    size_t h = k.find('#');
    if (h == std::string::npos || k.substr(h + 1) != member) continue;
    auto have = parse_interface_name(k.substr(0, h));
    if (want && have && interface_compatible(*want, *have)) return it;
  }
  return map.end();
}

HostFn find_host(const HostImports& host, const std::string& key, const FuncSig& sig) {
  if (auto it = find_key(host.funcs, key); it != host.funcs.end()) return it->second;
  if (host.fallback) return host.fallback(key, sig);
  return {};
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
    CoreRef m = core_item(CoreSort::Memory, o.memory);
    if (m.owner == nullptr || m.name != "memory")
      throw LinkError("canon memory must be a core instance's export named 'memory' (is '" +
                      m.name + "')");
    engine::Instance* owner = m.owner;
    out.refresh_memory = [owner] { return owner->memory(); };
  }
  if (o.realloc != kNone) {
    CoreFn f = core_fn(st, core_item(CoreSort::Func, o.realloc));
    out.realloc = [f](uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size,
                      uint32_t& ptr) {
      Value a[4] = {Value::from_i32(old_ptr), Value::from_i32(old_size), Value::from_i32(align),
                    Value::from_i32(new_size)};
      std::vector<Value> r;
      Outcome res = f(a, r);
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
  auto t = std::make_unique<Trampoline>();
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
    if (auto def = st.defined.find(d.type); def != st.defined.end() && def->second->impl == nullptr)
      define_resource(*def->second, st.plan.file().types.at(d.type));
    using engine::ValType;
    if (d.kind == CanonKind::ResourceDrop)
      t->hf.type = {{ValType::I32}, {}};
    else
      t->hf.type = {{ValType::I32}, {ValType::I32}};
  }
  t->hf.callback = trampoline_cb;
  t->hf.data = t.get();
  engine::HostFunc hf = t->hf;
  st.trampolines.push_back(std::move(t));
  CoreRef r;
  r.entry = hf;
  return r;
}

void Frame::define_resource(ResourceType& rt, const TypeDef& t) {
  rt.impl = &ci;
  if (t.dtor == kNone || t.owner != c.id) return;
  CoreFn f = core_fn(st, core_item(CoreSort::Func, t.dtor));
  rt.dtor = [f](engine::InstanceData*, uint32_t rep) {
    Value a = Value::from_i32(rep);
    std::vector<Value> r;
    return f({&a, 1}, r);
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
  f.callee = core_fn(st, core_item(CoreSort::Func, d.func));
  if (d.options.post_return != kNone)
    f.post_return = core_fn(st, core_item(CoreSort::Func, d.options.post_return));
  return std::make_shared<LiftedFn>(std::move(f));
}

ItemVal Frame::import(const Import& imp) {
  if (parent != nullptr) {
    auto it = args.find(imp.name);
    if (it == args.end()) throw LinkError("no argument for import '" + imp.name + "'");
    return it->second;
  }
  const auto& types = st.plan.file().types;
  auto host_func = [&](const std::string& key, TypeId type) {
    const FuncSig& sig = st.plan.signature(type);
    HostFn fn = find_host(st.host, key, sig);
    if (!fn) throw LinkError("import '" + key + "' is not provided by the host");
    return ItemVal::of_func(std::make_shared<HostFunc>(std::move(fn), st.core_opts.data));
  };
  switch (imp.type.sort) {
    case Sort::Func:
      return host_func(imp.name, imp.type.type);
    case Sort::Type:
      return ItemVal::of_type(imp.type.type);
    case Sort::Instance: {
      ItemVal out;
      out.sort = Sort::Instance;
      out.instance = std::make_shared<InstanceVal>();
      for (const ExternDecl& e : types.at(imp.type.type).exports) {
        std::string key = imp.name + "#" + e.name;
        if (e.type.sort == Sort::Func) {
          out.instance->exports[e.name] = host_func(key, e.type.type);
        } else if (e.type.sort == Sort::Type) {
          out.instance->exports[e.name] = ItemVal::of_type(e.type.type);
        } else {
          throw LinkError("import '" + key + "': only functions and types are supported");
        }
      }
      return out;
    }
    default:
      throw LinkError("import '" + imp.name + "': sort " + to_string(imp.type.sort) +
                      " is not supported");
  }
}

void Frame::bind_host_resources(const Import& imp) {
  auto bind = [&](const std::string& key, TypeId type) {
    if (auto r = find_key(st.host.resources, key); r != st.host.resources.end())
      st.resources[type] = r->second;
  };
  if (imp.type.sort == Sort::Type) {
    bind(imp.name, imp.type.type);
  } else if (imp.type.sort == Sort::Instance) {
    for (const ExternDecl& e : st.plan.file().types.at(imp.type.type).exports)
      if (e.type.sort == Sort::Type) bind(imp.name + "#" + e.name, e.type.type);
  }
}

LinkState::LinkState(const LinkPlan& p, const HostImports& h) : plan(p), host(h) {
  const auto& types = plan.file().types;
  for (TypeId i = 0; i < types.size(); ++i) {
    if (types[i].kind != TypeKind::Resource) continue;
    ResourceType& rt = owned_resources.emplace_back();
    rt.name = types[i].debug_name;
    resources[i] = &rt;
    if (!types[i].abstract) defined[i] = &rt;
  }
}

LinkState::~LinkState() {
  frames.clear();  // core instances go before the trampolines they call
}

}  // namespace spindle::component
