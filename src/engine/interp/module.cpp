// InterpModule::instantiate: resolving imports from the Linker, then the core.
#include <array>
#include <cstring>

#include "engine/interp/objects.h"
#include "engine/linking.h"

namespace spindle::engine::interp {

namespace {

// What a host-function import calls through (owned by the instance).
struct HostCtx {
  HostFunc fn;
  InstanceData* data = nullptr;
};

core::Result host_thunk(void* ctx, const core::Val* args, core::Val* results, uint8_t* mem,
                        uint64_t mem_size) {
  auto* h = static_cast<HostCtx*>(ctx);
  const size_t np = h->fn.type.params.size(), nr = h->fn.type.results.size();
  constexpr size_t kInline = 8;
  std::array<Value, kInline> a_inline, r_inline;
  std::vector<Value> a_heap, r_heap;
  Value* a = a_inline.data();
  Value* r = r_inline.data();
  if (np > kInline) a = (a_heap.resize(np), a_heap.data());
  if (nr > kInline) r = (r_heap.resize(nr), r_heap.data());
  from_core(args, std::span<Value>(a, np));
  // Results the callback leaves alone are zero (a null ref), padding included.
  if (nr) std::memset(static_cast<void*>(r), 0, nr * sizeof(Value));
  HostCall call{GuestMemory{mem, mem_size}, h->data, h->fn.data};
  Outcome o = h->fn.callback(call, a, r);
  if (o.ok()) to_core(std::span<const Value>(r, nr), results);
  return to_result(std::move(o));
}

// `ext`'s type with memories' and tables' current sizes, for import matching.
ExternType live_type(const InterpExtern& ext) {
  const core::ObjectInfo have = core::describe(*ext.object());
  ExternType t;
  t.kind = static_cast<ExternKind>(have.kind);
  std::optional<uint32_t> max;
  if (have.limits.has_max) max = static_cast<uint32_t>(have.limits.max);
  switch (t.kind) {
    case ExternKind::Func:
      for (auto v : have.sig.params) t.func.params.push_back(static_cast<ValType>(v));
      for (auto v : have.sig.results) t.func.results.push_back(static_cast<ValType>(v));
      break;
    case ExternKind::Global:
      t.global = {static_cast<ValType>(have.type), have.mut};
      break;
    case ExternKind::Memory:
      t.memory = {static_cast<uint32_t>(have.limits.min), max};
      break;
    case ExternKind::Table:
      t.table = {static_cast<ValType>(have.type), static_cast<uint32_t>(have.limits.min), max};
      break;
  }
  return t;
}

}  // namespace

InstantiateResult InterpModule::instantiate(const Linker& linker, const InstanceOptions& opts) {
  std::vector<const Linker::Entry*> entries(imports_.size());
  for (size_t k = 0; k < imports_.size(); ++k)
    entries[k] = linker.find(imports_[k].module, imports_[k].name);
  return instantiate_with(entries, opts);
}

InstantiateResult InterpModule::instantiate_with(ImportList entries, const InstanceOptions& opts) {
  InstantiateResult result;
  std::vector<core::Import> imports;
  imports.reserve(imports_.size());
  for (size_t k = 0; k < imports_.size(); ++k) {
    const ImportDesc& imp = imports_[k];
    const Linker::Entry* e = k < entries.size() ? entries[k] : nullptr;
    if (!e) {
      result.link_error = "unknown import: " + imp.module + "." + imp.name;
      return result;
    }
    core::Import ci;
    if (const HostFunc* hf = std::get_if<HostFunc>(e)) {
      if (imp.type.kind != ExternKind::Func || !(hf->type == imp.type.func)) {
        result.link_error = import_mismatch(imp, host_func_type(*hf));
        return result;
      }
      auto ctx = std::make_shared<HostCtx>(HostCtx{*hf, opts.data});
      ci.sig = to_core(hf->type);
      ci.thunk = &host_thunk;
      ci.ctx = ctx.get();
      ci.ctx_owner = std::move(ctx);
    } else {
      const ExternPtr& ext = std::get<ExternPtr>(*e);
      auto* ie = ext && ext->backend() == Backend::Interp
                     ? dynamic_cast<const InterpExtern*>(ext.get())
                     : nullptr;
      if (!ie) {
        result.link_error = "incompatible import for " + imp.module + "." + imp.name +
                            ": it belongs to another backend";
        return result;
      }
      if (std::string why = import_mismatch(imp, live_type(*ie)); !why.empty()) {
        result.link_error = std::move(why);
        return result;
      }
      ci.object = ie->object();
    }
    imports.push_back(std::move(ci));
  }

  core::Options co;
  co.max_memory_bytes = opts.max_memory_bytes;
  co.timeout_ns = opts.timeout.count() > 0 ? opts.timeout.count() : 0;
  if (opts.deadline)
    co.deadline_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(opts.deadline->time_since_epoch())
            .count();
  core::Instantiated r = core::instantiate(code_, std::move(imports), co);
  if (!r.instance) {
    result.link_error = std::move(r.link_error);
    result.outcome = to_outcome(std::move(r.outcome));
    if (result.link_error.empty() && result.outcome.ok())
      result.outcome = Outcome::trapped(TrapKind::HostError, "instantiation failed");
    return result;
  }
  result.instance = std::make_unique<InterpInstance>(shared_from_this(), std::move(r.instance));
  return result;
}

}  // namespace spindle::engine::interp
