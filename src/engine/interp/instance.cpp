// Instantiation and instances of the interpreter core.
#include <mutex>

#include "engine/interp/core_internal.h"

namespace spindle::engine::interp::core {

namespace {

constexpr uint64_t kPageSize = 65536;
using Lock = std::lock_guard<std::recursive_mutex>;

// The store an instance must live in: the one of its imported objects.
StorePtr choose_store(const std::vector<Import>& imports, std::string* err) {
  StorePtr chosen;
  for (const Import& imp : imports) {
    if (!imp.object) continue;
    if (!chosen) {
      chosen = imp.object->store;
    } else if (chosen != imp.object->store) {
      *err =
          "imports come from different interpreter stores (instances created on different "
          "threads cannot be linked together)";
      return nullptr;
    }
  }
  return chosen ? chosen : thread_store();
}

}  // namespace

Instantiated instantiate(const CodePtr& code, std::vector<Import> imports, const Options& opts) {
  Instantiated out;
  if (imports.size() != code->num_imports) {
    out.link_error = "expected " + std::to_string(code->num_imports) + " imports, got " +
                     std::to_string(imports.size());
    return out;
  }
  for (const auto& m : code->desc.memories) {
    if (m.type.limits.initial * kPageSize > opts.max_memory_bytes) {
      out.outcome = Result::trapped(Trap::MemoryLimit,
                                    "initial memory of " + std::to_string(m.type.limits.initial) +
                                        " pages exceeds the instance's memory limit of " +
                                        std::to_string(opts.max_memory_bytes) + " bytes");
      return out;
    }
  }
  StorePtr store = choose_store(imports, &out.link_error);
  if (!store) return out;

  auto inst = std::make_shared<Instance>();
  inst->store = store;
  inst->code = code;
  inst->opts = opts;
  // The instance's own memories count in the instance-memory budget from
  // here until the instance dies (~Instance).
  uint64_t initial_bytes = 0;
  for (const auto& m : code->desc.memories) initial_bytes += m.type.limits.initial * kPageSize;
  if (!memory_budget::acquire(initial_bytes)) {
    out.outcome = Result::trapped(Trap::MemoryLimit, memory_budget::initial_refused(initial_bytes));
    return out;
  }
  inst->account->counted = initial_bytes;

  Lock lock(store->mu);
  BusyScope busy(*store);
  wi::Store& ws = store->store;
  wi::Module::Ptr mod = store->module_for(code);

  // Objects created here stay rooted until the instance roots them.
  std::vector<wi::Extern::Ptr> held;
  wi::RefVec refs;
  refs.reserve(code->desc.imports.size());
  for (Import& imp : imports) {
    if (imp.object) {
      refs.push_back(imp.object->obj.ref());
      inst->keep_alive.push_back(std::move(imp.object));
    } else {
      auto slot = std::make_shared<MemSlot>();
      inst->slots.push_back(slot);
      wi::HostFunc::Ptr f = make_host_func(*store, imp, std::move(slot));
      refs.push_back(f.ref());
      held.emplace_back(std::move(f));
    }
  }
  if (code->grow_injected) {
    wi::HostFunc::Ptr f = make_grow_func(*store, opts.max_memory_bytes, inst->account);
    refs.push_back(f.ref());
    held.emplace_back(std::move(f));
  }

  wi::Trap::Ptr trap;
  inst->inst = wi::Instance::Instantiate(ws, mod.ref(), refs, &trap);
  if (!inst->inst) {
    std::string msg = trap ? trap->message() : std::string("instantiation failed");
    if (is_link_failure(msg))
      out.link_error = msg;
    else
      out.outcome = after_refusal(trap_result(msg), *inst->account);  // no globals to read yet
    return out;
  }

  const auto& exports = code->desc.exports;
  for (size_t i = 0; i < exports.size(); ++i) {
    if (exports[i].type.name == "memory" &&
        exports[i].type.type->kind == wabt::ExternalKind::Memory) {
      inst->memory = ws.UnsafeGet<wi::Memory>(inst->inst->exports()[i]);
      for (auto& slot : inst->slots) slot->memory = inst->memory;  // slots are empty
      break;
    }
  }

  if (code->has_start) {
    auto f = ws.UnsafeGet<wi::Func>(inst->inst->funcs()[code->start]);
    wi::Values results;
    Result r = run(*store, *f, {}, results, call_budget_ns(opts));
    if (!r.ok()) {
      out.outcome = refine(std::move(r), *inst);
      return out;
    }
  }
  out.instance = std::move(inst);
  return out;
}

ObjectPtr get_export(const InstancePtr& inst, const std::string& name) {
  Lock lock(inst->store->mu);
  const auto& exports = inst->code->desc.exports;
  for (size_t i = 0; i < exports.size(); ++i) {
    if (exports[i].type.name != name) continue;
    auto obj = inst->store->store.UnsafeGet<wi::Extern>(inst->inst->exports()[i]);
    return std::make_shared<Object>(inst->store, inst, std::move(obj));
  }
  return nullptr;
}

MemView memory_view(Instance& inst) {
  Lock lock(inst.store->mu);
  if (!inst.memory) return {};
  return {inst.memory->UnsafeData(), inst.memory->ByteSize()};
}

ObjectInfo describe(const Object& o) {
  Lock lock(o.store->mu);
  ObjectInfo info;
  wi::Extern* e = o.obj.get();
  switch (e->kind()) {
    case wi::ObjectKind::DefinedFunc:
    case wi::ObjectKind::HostFunc:
      info.kind = Kind::Func;
      info.sig = sig_of(static_cast<wi::Func*>(e)->type());
      break;
    case wi::ObjectKind::Table: {
      auto* t = static_cast<wi::Table*>(e);
      info.kind = Kind::Table;
      info.type = from_wabt(t->type().element);
      info.limits = {t->size(), t->type().limits.has_max, t->type().limits.max};
      break;
    }
    case wi::ObjectKind::Memory: {
      auto* m = static_cast<wi::Memory*>(e);
      info.kind = Kind::Memory;
      info.limits = {m->PageSize(), m->type().limits.has_max, m->type().limits.max};
      break;
    }
    case wi::ObjectKind::Global: {
      auto* g = static_cast<wi::Global*>(e);
      info.kind = Kind::Global;
      info.type = from_wabt(g->type().type);
      info.mut = g->type().mut == wi::Mutability::Var;
      break;
    }
    default:
      break;
  }
  return info;
}

const Store* store_of(const Object& o) { return o.store.get(); }

Result call(Object& f, const Val* args, size_t nargs, Val* results, size_t nresults) {
  Store& store = *f.store;
  Lock lock(store.mu);
  wi::Extern* e = f.obj.get();
  if (e->kind() != wi::ObjectKind::DefinedFunc && e->kind() != wi::ObjectKind::HostFunc)
    return Result::trapped(Trap::HostError, "not a function");
  auto* fn = static_cast<wi::Func*>(e);
  const Sig sig = sig_of(fn->type());
  if (nargs != sig.params.size() || nresults < sig.results.size())
    return Result::trapped(Trap::HostError, "wrong number of arguments or results");
  wi::Values params(nargs), out;
  std::string err;
  for (size_t i = 0; i < nargs; ++i) {
    if (!to_wabt(store, sig.params[i], args[i], &params[i], &err))
      return Result::trapped(Trap::HostError, err);
  }
  // Foreign objects made for externref arguments must survive until the
  // call starts; the store is not collected while we hold the lock.
  Result r = run(store, *fn, params, out, f.owner ? call_budget_ns(f.owner->opts) : 0);
  if (!r.ok()) return f.owner ? refine(std::move(r), *f.owner) : r;
  for (size_t i = 0; i < sig.results.size(); ++i)
    results[i] = from_wabt(store, sig.results[i], out[i]);
  return r;
}

Val global_get(Object& g) {
  Lock lock(g.store->mu);
  if (g.obj->kind() != wi::ObjectKind::Global) return Val{};
  auto* gl = static_cast<wi::Global*>(g.obj.get());
  return from_wabt(*g.store, from_wabt(gl->type().type), gl->Get());
}

namespace {
wabt::Limits to_limits(const Limits& l, uint64_t default_max) {
  wabt::Limits w;
  w.initial = l.min;
  w.has_max = l.has_max;
  w.max = l.has_max ? l.max : default_max;
  return w;
}
}  // namespace

ObjectPtr new_memory(const Limits& l) {
  StorePtr store = thread_store();
  Lock lock(store->mu);
  auto m = wi::Memory::New(store->store, wi::MemoryType(to_limits(l, 65536)));
  return std::make_shared<Object>(store, nullptr, std::move(m));
}

ObjectPtr new_table(VT elem, const Limits& l) {
  StorePtr store = thread_store();
  Lock lock(store->mu);
  auto t = wi::Table::New(store->store, wi::TableType(to_wabt(elem), to_limits(l, 0xffffffffu)));
  return std::make_shared<Object>(store, nullptr, std::move(t));
}

ObjectPtr new_global(VT type, bool mut, const Val& v) {
  StorePtr store = thread_store();
  Lock lock(store->mu);
  wi::Value value;
  std::string err;
  if (!to_wabt(*store, type, v, &value, &err)) value = wi::Value::Make(wi::Ref::Null);
  auto g = wi::Global::New(
      store->store,
      wi::GlobalType(to_wabt(type), mut ? wi::Mutability::Var : wi::Mutability::Const), value);
  return std::make_shared<Object>(store, nullptr, std::move(g));
}

}  // namespace spindle::engine::interp::core
