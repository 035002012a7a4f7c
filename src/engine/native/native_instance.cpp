#include "engine/native/native_instance.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>

#include "engine/linking.h"
#include "engine/runtime/guard.h"
#include "engine/runtime/memory_pool.h"

namespace spindle::engine::native {

static_assert(sizeof(spindle_val) == sizeof(Value), "spindle_val must match engine::Value");
static_assert(sizeof(wasm_rt_funcref_t) == sizeof(FuncRefValue));

namespace {

constexpr size_t kHostStackReserve = 128 * 1024;

struct InstanceState;

// The spindle_host handed to wasm2c, with a way back to its instance.
struct HostBlock {
  spindle_host host;
  InstanceState* owner;
};

struct Resolved {
  HostCallback callback = nullptr;  // host function, or
  void* data = nullptr;
  ExternPtr ext;  // a function of another native instance
  uint32_t nparams = 0;
  uint32_t nresults = 0;
};

}  // namespace

// A module's imports resolved against one Linker generation.
struct Resolution {
  uint64_t generation = 0;
  std::string link_error;  // set when an import is missing or mismatched
  // What the instance's spindle_host::ptrs point to (wasm2c never writes
  // through it: mutable only for its type).
  mutable std::vector<void*> ptrs;
  std::vector<Resolved> resolved;
  std::vector<ExternPtr> keep_alive;  // imported memories/tables/globals
  // Only function imports: their types cannot change, so the resolution
  // holds for as long as the Linker does not. (A memory or table import is
  // checked against its live size at every instantiation.)
  bool reusable = true;
};

namespace {

// A function, table, memory or global an instance exports. What a call
// needs is kept here, not looked up through the module per call (the
// canonical ABI makes about 25 calls per request).
class ExportExtern final : public NativeExtern {
 public:
  // `owner`: null when the extern lives inside `st` (InstanceState::kept).
  ExportExtern(InstanceState* st, size_t index, std::shared_ptr<InstanceState> owner);
  const ExternType& type() const override;
  Outcome call(std::span<const Value> args, std::span<Value> results) override;
  Value get() const override;
  void* storage() const override;
  size_t index() const { return index_; }

 private:
  InstanceState* st_;
  size_t index_;
  spindle_export_call_fn fn_;
  void* inst_;
  size_t nparams_ = 0, nresults_ = 0;
  std::shared_ptr<InstanceState> owner_;
};

struct InstanceState {
  HostBlock block{};
  // Keeps the module's description and code alive (one reference per
  // instance: `info` is the module's own).
  std::shared_ptr<const NativeModule> module;
  const ModuleInfo* info = nullptr;
  void* inst = nullptr;  // the wasm2c instance struct
  // Its imports (shared with every instance of the module made with the same
  // Linker, read only): the module's own (NativeModule::resolutions_), or
  // `owned_res`.
  const Resolution* res = nullptr;
  std::shared_ptr<const Resolution> owned_res;
  InstanceData* data = nullptr;
  bool linked_group = false;  // InstanceOptions::linked_group
  std::chrono::nanoseconds timeout{0};
  std::optional<std::chrono::steady_clock::time_point> deadline;
  runtime::GuardedContext guard;  // refused grows; whether it has a shadow stack
  // The first exports asked for (an executor's handler, realloc and free),
  // handed out as aliases of the state's own reference: no allocation each.
  std::array<std::optional<ExportExtern>, 4> kept;

  ~InstanceState() {
    if (inst) {
      info->abi->free_instance(inst);
      std::free(inst);
    }
  }

  // The exported memory's storage: where it is does not change for the
  // instance's life (found on first use).
  mutable wasm_rt_memory_t* exported_memory = nullptr;

  GuestMemory memory() const {
    if (!exported_memory) {
      if (info->memory_export < 0) return {};
      exported_memory =
          static_cast<wasm_rt_memory_t*>(info->abi->export_ptrs[info->memory_export](inst));
    }
    const wasm_rt_memory_t* m = exported_memory;
    if (!m || !m->data) return {};
    return {m->data, uint64_t{m->pages} * runtime::MemoryPool::kPageSize};
  }
};

int dispatch(spindle_host* h, uint32_t index, const spindle_val* args, spindle_val* results) {
  InstanceState* st = reinterpret_cast<HostBlock*>(h)->owner;
  if (runtime::stack_nearly_exhausted(kHostStackReserve))
    return runtime::trap_code(TrapKind::StackExhausted);
  const Resolved& r = st->res->resolved[index];
  Outcome o;
  if (r.callback) {
    HostCall call{st->memory(), st->data, r.data};
    o = r.callback(call, reinterpret_cast<const Value*>(args), reinterpret_cast<Value*>(results));
  } else if (r.ext) {
    o = r.ext->call({reinterpret_cast<const Value*>(args), r.nparams},
                    {reinterpret_cast<Value*>(results), r.nresults});
  } else {
    o = Outcome::trapped(TrapKind::HostError, "unresolved import");
  }
  if (o.ok()) return 0;
  runtime::set_host_failure(o);
  return runtime::trap_code(o.trap);
}

struct CallThunk {
  spindle_export_call_fn fn;
  void* inst;
  const spindle_val* args;
  spindle_val* results;
};
void run_call(void* p) {
  auto* t = static_cast<CallThunk*>(p);
  t->fn(t->inst, t->args, t->results);
}

struct InstantiateThunk {
  const spindle_module_abi_t* abi;
  void* inst;
  spindle_host* host;
};
void run_instantiate(void* p) {
  auto* t = static_cast<InstantiateThunk*>(p);
  t->abi->instantiate(t->inst, t->host);
}

bool imports_table(const ModuleInfo& info) {
  for (const ImportDesc& imp : info.imports)
    if (imp.type.kind == ExternKind::Table) return true;
  return false;
}

// An instance of a module that imports a table may have stored references to
// its own functions in that table (elem segments, table.set), even when its
// instantiation trapped; another instance can call them later. Such
// instances, and their code, stay alive until the process exits. (Spin
// components never import tables; the spec tests' linking cases do.)
void keep_forever(std::shared_ptr<InstanceState> st) {
  static std::mutex mu;
  static auto* kept = new std::vector<std::shared_ptr<InstanceState>>();
  std::lock_guard lock(mu);
  kept->push_back(std::move(st));
}

ExportExtern::ExportExtern(InstanceState* st, size_t index, std::shared_ptr<InstanceState> owner)
    : st_(st),
      index_(index),
      fn_(st->info->abi->export_calls[index]),
      inst_(st->inst),
      owner_(std::move(owner)) {
  const ExternType& t = type();
  if (t.kind == ExternKind::Func) {
    nparams_ = t.func.params.size();
    nresults_ = t.func.results.size();
  }
}

const ExternType& ExportExtern::type() const { return st_->info->exports[index_].type; }

Outcome ExportExtern::call(std::span<const Value> args, std::span<Value> results) {
  if (!fn_) return Extern::call(args, results);
  if (args.size() < nparams_ || results.size() < nresults_)
    return Outcome::trapped(TrapKind::HostError, "call with too few argument or result slots");
  CallThunk t{fn_, inst_, reinterpret_cast<const spindle_val*>(args.data()),
              reinterpret_cast<spindle_val*>(results.data())};
  // A deadline is start + timeout (CallScope), so it is the nearer one.
  if (st_->deadline) return runtime::run_guarded_until(run_call, &t, *st_->deadline, &st_->guard);
  return runtime::run_guarded(run_call, &t, st_->timeout, &st_->guard);
}

Value ExportExtern::get() const {
  if (type().kind != ExternKind::Global) return Value{};
  return load_global(storage(), type().global.type);
}

void* ExportExtern::storage() const {
  auto fn = st_->info->abi->export_ptrs[index_];
  return fn ? fn(inst_) : nullptr;
}

class NativeInstance final : public Instance {
 public:
  explicit NativeInstance(std::shared_ptr<InstanceState> st) : st_(std::move(st)) {}
  ~NativeInstance() override {
    if (!st_->linked_group && imports_table(*st_->info)) keep_forever(std::move(st_));
  }
  const Module& module() const override { return *st_->module; }
  ExternPtr get_export(std::string_view name) override {
    int found = st_->info->find_export(name);
    if (found < 0) return nullptr;
    auto i = static_cast<size_t>(found);
    for (auto& k : st_->kept) {
      if (!k) k.emplace(st_.get(), i, nullptr);
      if (k->index() == i) return ExternPtr(st_, &*k);
    }
    return std::make_shared<ExportExtern>(st_.get(), i, st_);
  }
  GuestMemory memory() override { return st_->memory(); }

 private:
  std::shared_ptr<InstanceState> st_;
};

// `ext`'s type with memories' and tables' current sizes, for import matching.
ExternType live_type(NativeExtern& ext) {
  ExternType t = ext.type();
  if (t.kind == ExternKind::Memory) {
    auto* m = static_cast<wasm_rt_memory_t*>(ext.storage());
    t.memory.min = m ? m->pages : 0;
  } else if (t.kind == ExternKind::Table) {
    t.table.min = t.table.elem == ValType::FuncRef
                      ? static_cast<wasm_rt_funcref_table_t*>(ext.storage())->size
                      : static_cast<wasm_rt_externref_table_t*>(ext.storage())->size;
  }
  return t;
}

}  // namespace

LoadedCode::~LoadedCode() { dlclose(handle); }

ModuleInfo::~ModuleInfo() { image.reset(); }

Value load_global(const void* storage, ValType t) {
  Value v;
  if (!storage) return v;
  switch (t) {
    case ValType::I32:
      std::memcpy(&v.i32, storage, 4);
      break;
    case ValType::I64:
      std::memcpy(&v.i64, storage, 8);
      break;
    case ValType::F32:
      std::memcpy(&v.f32, storage, 4);
      break;
    case ValType::F64:
      std::memcpy(&v.f64, storage, 8);
      break;
    case ValType::V128:
      std::memcpy(v.v128, storage, 16);
      break;
    case ValType::FuncRef:
      std::memcpy(&v.funcref, storage, sizeof(FuncRefValue));
      break;
    case ValType::ExternRef:
      std::memcpy(&v.externref, storage, sizeof(void*));
      break;
  }
  return v;
}

int ModuleInfo::find_export(std::string_view name) const {
  std::call_once(export_index_once_, [this] {
    export_index_.resize(exports.size());
    for (uint32_t i = 0; i < exports.size(); ++i) export_index_[i] = i;
    // Stable: with duplicate names (invalid wasm), the first one wins.
    std::stable_sort(export_index_.begin(), export_index_.end(),
                     [this](uint32_t a, uint32_t b) { return exports[a].name < exports[b].name; });
  });
  auto it = std::lower_bound(
      export_index_.begin(), export_index_.end(), name,
      [this](uint32_t i, std::string_view n) { return std::string_view(exports[i].name) < n; });
  if (it == export_index_.end() || exports[*it].name != name) return -1;
  return static_cast<int>(*it);
}

namespace {

// `entry(k)`: the definition of import k (null: none).
template <class Entry>
std::shared_ptr<Resolution> resolve(const ModuleInfo& info, const Entry& entry) {
  auto r = std::make_shared<Resolution>();
  const auto& imports = info.imports;
  r->ptrs.assign(imports.size(), nullptr);
  r->resolved.resize(imports.size());
  for (size_t k = 0; k < imports.size(); ++k) {
    const ImportDesc& imp = imports[k];
    const Linker::Entry* e = entry(k);
    if (!e) {
      r->link_error = "unknown import: " + imp.module + "." + imp.name;
      return r;
    }
    if (const HostFunc* hf = std::get_if<HostFunc>(e)) {
      if (imp.type.kind != ExternKind::Func || !(hf->type == imp.type.func)) {
        r->link_error = import_mismatch(imp, host_func_type(*hf));
        return r;
      }
      r->resolved[k].callback = hf->callback;
      r->resolved[k].data = hf->data;
      continue;
    }
    const ExternPtr& ext = std::get<ExternPtr>(*e);
    auto* native =
        ext && ext->backend() == Backend::Native ? dynamic_cast<NativeExtern*>(ext.get()) : nullptr;
    if (!native) {
      r->link_error = "incompatible import for " + imp.module + "." + imp.name +
                      ": it belongs to another backend";
      return r;
    }
    if (std::string why = import_mismatch(imp, live_type(*native)); !why.empty()) {
      r->link_error = why;
      return r;
    }
    if (imp.type.kind == ExternKind::Func) {
      r->resolved[k].ext = ext;
      r->resolved[k].nparams = static_cast<uint32_t>(imp.type.func.params.size());
      r->resolved[k].nresults = static_cast<uint32_t>(imp.type.func.results.size());
    } else {
      r->ptrs[k] = native->storage();
      r->keep_alive.push_back(ext);
      r->reusable = false;
    }
  }
  return r;
}

}  // namespace

InstantiateResult NativeModule::instantiate(const Linker& linker, const InstanceOptions& opts) {
  // An executor instantiates with the same Linker on every request: one
  // load, no lock and no reference count shared between the threads.
  const Resolution* cached = resolution_.load(std::memory_order_acquire);
  if (cached && cached->generation == linker.generation())
    return instantiate_resolved(cached, {}, opts);
  auto fresh = resolve(*info_, [&](size_t k) {
    return linker.find(info_->imports[k].module, info_->imports[k].name);
  });
  fresh->generation = linker.generation();
  if (fresh->reusable && fresh->link_error.empty()) {
    std::lock_guard lock(resolution_mu_);
    if (resolutions_.size() < kMaxResolutions) {
      resolutions_.push_back(fresh);
      resolution_.store(fresh.get(), std::memory_order_release);
      return instantiate_resolved(fresh.get(), {}, opts);
    }
  }
  return instantiate_resolved(fresh.get(), fresh, opts);
}

InstantiateResult NativeModule::instantiate_with(ImportList imports, const InstanceOptions& opts) {
  auto res = resolve(*info_, [&](size_t k) { return k < imports.size() ? imports[k] : nullptr; });
  return instantiate_resolved(res.get(), res, opts);
}

InstantiateResult NativeModule::instantiate_resolved(const Resolution* res,
                                                     std::shared_ptr<const Resolution> owned,
                                                     const InstanceOptions& opts) {
  InstantiateResult result;
  auto st = std::make_shared<InstanceState>();
  st->module = shared_from_this();
  st->info = info_.get();
  st->data = opts.data;
  st->linked_group = opts.linked_group;
  st->timeout = opts.timeout;
  st->deadline = opts.deadline;
  st->guard.shadow_stack = info_->shadow_stack;
  if (!res->link_error.empty()) {
    result.link_error = res->link_error;
    return result;
  }
  st->res = res;
  st->owned_res = std::move(owned);
  st->block.owner = st.get();
  st->block.host.self = &st->block.host;
  st->block.host.call = dispatch;
  st->block.host.ptrs = st->res->ptrs.data();
  st->inst = std::calloc(1, info_->abi->instance_size ? info_->abi->instance_size : 1);
  if (!st->inst) {
    result.outcome = Outcome::trapped(TrapKind::HostError, "out of memory");
    return result;
  }
  uint64_t limit_pages = opts.max_memory_bytes / runtime::MemoryPool::kPageSize;
  if (limit_pages > 65536) limit_pages = 65536;
  runtime::set_allocation_context({info_->image.get(), static_cast<uint32_t>(limit_pages)});
  InstantiateThunk thunk{info_->abi, st->inst, &st->block.host};
  Outcome o = opts.deadline
                  ? runtime::run_guarded_until(run_instantiate, &thunk, *opts.deadline, &st->guard)
                  : runtime::run_guarded(run_instantiate, &thunk, opts.timeout, &st->guard);
  runtime::set_allocation_context({});
  if (!o.ok()) {
    result.outcome = o;
    if (!st->linked_group && imports_table(*info_)) keep_forever(std::move(st));
    return result;  // otherwise st's destructor frees what was allocated
  }
  result.instance = std::make_unique<NativeInstance>(std::move(st));
  return result;
}

}  // namespace spindle::engine::native
