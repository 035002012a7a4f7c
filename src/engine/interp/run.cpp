// Running guest code: calls in bounded instruction batches with a wall-clock
// deadline, host functions, and the memory.grow hook.
#include <chrono>
#include <climits>
#include <new>

#include "engine/interp/access.h"
#include "engine/interp/core_internal.h"

namespace spindle::engine::interp::core {

namespace {

// Nested calls before "call stack exhausted": the native backend's limit.
constexpr size_t kMaxCallDepth = 50000;

// Instructions run between two deadline checks.
constexpr int kBatch = 10000;
constexpr uint64_t kPageSize = 65536;
constexpr uint64_t kMaxPages = 65536;

// The outcome a host function (or the grow hook) reported while guest code
// ran: WABT only carries a trap message back, so the exact outcome (e.g.
// Exit with its code) travels here. One per active call on this thread.
struct CallContext {
  std::optional<Result> pending;
  CallContext* prev = nullptr;
};
thread_local CallContext* tls_call = nullptr;

struct CallScope {
  explicit CallScope(Store& s) : busy(s) {
    ctx.prev = tls_call;
    tls_call = &ctx;
  }
  ~CallScope() { tls_call = ctx.prev; }
  BusyScope busy;
  CallContext ctx;
};

const char kHostTrapMessage[] = "spindle: host function outcome";

wabt::Result report(wi::Thread& thread, Result r, wi::Trap::Ptr* out_trap) {
  std::string msg = r.message.empty() ? kHostTrapMessage : r.message;
  if (tls_call) tls_call->pending = std::move(r);
  *out_trap = wi::Trap::New(thread.store(), msg);
  return wabt::Result::Error;
}

Result from_trap(const wi::Trap::Ptr& trap, CallContext& ctx) {
  if (ctx.pending) return std::move(*ctx.pending);
  std::string msg = trap ? trap->message() : std::string("trap");
  return trap_result(msg);
}

}  // namespace

int64_t call_budget_ns(const Options& o) {
  if (!o.deadline_ns) return o.timeout_ns;
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  int64_t left = o.deadline_ns - now;
  if (left <= 0) return -1;
  return o.timeout_ns > 0 && o.timeout_ns < left ? o.timeout_ns : left;
}

Result run(Store& store, wi::Func& f, const wi::Values& params, wi::Values& results,
           int64_t timeout_ns) {
  if (timeout_ns < 0) return Result::trapped(Trap::Timeout, "wall-clock deadline exceeded");
  CallScope scope(store);
  wi::Thread thread(store.store);
  reserve_frames(thread, kMaxCallDepth);
  wi::Trap::Ptr trap;
  try {
    if (f.kind() != wi::ObjectKind::DefinedFunc) {
      results.resize(f.type().results.size());
      if (wabt::Failed(f.Call(thread, params, results, &trap))) return from_trap(trap, scope.ctx);
      return {};
    }
    auto& df = static_cast<wi::DefinedFunc&>(f);
    push_values(thread, df.type().params, params);
    if (push_call(thread, df, &trap) == wi::RunResult::Trap) return from_trap(trap, scope.ctx);

    using Clock = std::chrono::steady_clock;
    const bool timed = timeout_ns > 0;
    const Clock::time_point deadline =
        timed ? Clock::now() + std::chrono::nanoseconds(timeout_ns) : Clock::time_point{};
    // WABT 1.0.32 bug: when call_indirect finds the call stack full, the
    // trap is recorded but execution goes on with a corrupt stack. Each
    // instruction pushes at most one frame, so a batch no longer than the
    // room left cannot hit the limit; at the limit we step one instruction
    // at a time and stop as soon as a trap is recorded.
    const size_t capacity = frame_capacity(thread);
    const int batch = timed ? kBatch : INT_MAX;
    wi::RunResult r;
    for (;;) {
      const size_t depth = frame_depth(thread);
      const size_t room = depth < capacity ? capacity - depth : 0;
      const int n = room == 0                           ? 1
                    : room < static_cast<size_t>(batch) ? static_cast<int>(room)
                                                        : batch;
      r = thread.Run(n, &trap);
      if (r != wi::RunResult::Ok) break;
      if (trap) return from_trap(trap, scope.ctx);
      if (timed && Clock::now() >= deadline)
        return Result::trapped(Trap::Timeout, "wall-clock deadline exceeded");
    }
    switch (r) {
      case wi::RunResult::Return:
        // As on the native backend, a deadline that passed during a host
        // call (e.g. a poll_oneoff sleep cut short) still traps the guest.
        if (timed && Clock::now() >= deadline)
          return Result::trapped(Trap::Timeout, "wall-clock deadline exceeded");
        pop_values(thread, df.type().results, &results);
        return {};
      case wi::RunResult::Trap:
        return from_trap(trap, scope.ctx);
      default:
        return Result::trapped(Trap::HostError, "uncaught exception");
    }
  } catch (const std::bad_alloc&) {
    return Result::trapped(Trap::HostError, "interpreter out of memory");
  } catch (const std::exception& e) {
    return Result::trapped(Trap::HostError, std::string("interpreter error: ") + e.what());
  }
}

wi::HostFunc::Ptr make_host_func(Store& store, const Import& imp, std::shared_ptr<MemSlot> slot) {
  Store* box = &store;
  auto cb = [box, sig = imp.sig, thunk = imp.thunk, ctx = imp.ctx, owner = imp.ctx_owner,
             slot = std::move(slot)](wi::Thread& thread, const wi::Values& params,
                                     wi::Values& results, wi::Trap::Ptr* out_trap) -> wabt::Result {
    constexpr size_t kInline = 8;
    Val args_inline[kInline], res_inline[kInline];
    std::vector<Val> args_heap, res_heap;
    Val* args = args_inline;
    Val* res = res_inline;
    if (sig.params.size() > kInline) args = (args_heap.resize(sig.params.size()), args_heap.data());
    if (sig.results.size() > kInline) res = (res_heap.resize(sig.results.size()), res_heap.data());
    for (size_t i = 0; i < sig.params.size(); ++i)
      args[i] = from_wabt(*box, sig.params[i], params[i]);
    for (size_t i = 0; i < sig.results.size(); ++i) res[i] = Val{};

    uint8_t* mem = nullptr;
    uint64_t mem_size = 0;
    if (slot && slot->memory) {
      mem = slot->memory->UnsafeData();
      mem_size = slot->memory->ByteSize();
    }
    Result r = thunk(ctx, args, res, mem, mem_size);
    if (!r.ok()) return report(thread, std::move(r), out_trap);

    results.resize(sig.results.size());
    std::string err;
    for (size_t i = 0; i < sig.results.size(); ++i) {
      if (!to_wabt(*box, sig.results[i], res[i], &results[i], &err))
        return report(thread, Result::trapped(Trap::HostError, err), out_trap);
    }
    return wabt::Result::Ok;
  };
  return wi::HostFunc::New(store.store, func_type_of(imp.sig), std::move(cb));
}

// memory.grow of the calling instance's memory 0, with the instance's cap:
// beyond the memory's declared maximum it fails with -1 as the spec says;
// beyond max_memory_bytes or the instance-memory budget it fails with -1 too,
// and the refusal is recorded in the instance's account (after_refusal).
wi::HostFunc::Ptr make_grow_func(Store& store, uint64_t max_memory_bytes,
                                 std::shared_ptr<MemAccount> account) {
  auto cb = [max_memory_bytes, account = std::move(account)](
                wi::Thread& thread, const wi::Values& params, wi::Values& results,
                wi::Trap::Ptr* out_trap) -> wabt::Result {
    results.resize(1);
    wi::Instance* caller = thread.GetCallerInstance();
    if (!caller || caller->memories().empty())
      return report(thread, Result::trapped(Trap::HostError, "memory.grow without a memory"),
                    out_trap);
    auto mem = thread.store().UnsafeGet<wi::Memory>(caller->memories()[0]);
    const uint64_t delta = params[0].Get<uint32_t>();
    const uint64_t old_pages = mem->PageSize();
    const wabt::Limits& lim = mem->type().limits;
    uint64_t max_pages = lim.has_max ? lim.max : kMaxPages;
    if (max_pages > kMaxPages) max_pages = kMaxPages;
    const uint32_t failed = static_cast<uint32_t>(-1);
    if (old_pages > max_pages || delta > max_pages - old_pages) {
      results[0] = wi::Value::Make(failed);
      return wabt::Result::Ok;
    }
    const uint64_t want_bytes = (old_pages + delta) * kPageSize;
    if (delta > 0 && want_bytes > max_memory_bytes) {
      account->refusal = {want_bytes, max_memory_bytes, false};
      results[0] = wi::Value::Make(failed);
      return wabt::Result::Ok;
    }
    const uint64_t added = account->released ? 0 : delta * kPageSize;
    if (!memory_budget::acquire(added, /*grow=*/true)) {
      account->refusal = {want_bytes, memory_budget::limit(), true};
      results[0] = wi::Value::Make(failed);
      return wabt::Result::Ok;
    }
    bool grown = false;
    try {
      grown = wabt::Succeeded(mem->Grow(delta));
    } catch (const std::bad_alloc&) {
      grown = false;
    }
    if (grown)
      account->counted += added;
    else
      memory_budget::release(added);
    results[0] = wi::Value::Make(grown ? static_cast<uint32_t>(old_pages) : failed);
    return wabt::Result::Ok;
  };
  wi::FuncType type({wabt::Type::I32}, {wabt::Type::I32});
  return wi::HostFunc::New(store.store, type, std::move(cb));
}

}  // namespace spindle::engine::interp::core
