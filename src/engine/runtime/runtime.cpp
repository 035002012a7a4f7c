// spindle's implementation of the wasm-rt.h API (see include/wasm-rt.h) and of
// guard.h. All trap state is thread-local; nothing here is process-global
// except the signal handlers, the function-type registry (locked) and the
// memory pool (memory_pool.cpp).
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/runtime/guard.h"
#include "engine/runtime/memory_pool.h"
#include "spindle-rt.h"
#include "wasm-rt.h"

namespace spindle::engine::runtime {
namespace {

constexpr size_t kAltStackSize = 64 * 1024;
constexpr uintptr_t kStackSlack = 1 << 20;  // faults this far below the stack are overflow

// Plain-old-data, constant-initialised: safe to touch from signal handlers.
struct ThreadState {
  sigjmp_buf* jmp;
  volatile sig_atomic_t in_guest;
  volatile sig_atomic_t expired;  // the outermost call's deadline passed (sticky)
  volatile sig_atomic_t timer_armed;
  volatile sig_atomic_t timer_pending;  // the kernel timer has not fired since it was set
  volatile int64_t armed_at;            // the kernel timer's expiry (CLOCK_MONOTONIC ns)
  volatile int64_t deadline;            // the current request's (armed_at may be earlier)
  int depth;
  bool ready;
  bool has_timer;
  timer_t timer;
  uintptr_t stack_lo;
  uintptr_t stack_hi;
  void* altstack;
  MemoryImage* alloc_image;
  uint32_t alloc_limit;
  uint32_t exit_code;
  GuardedContext* ctx;                // the running instance's
  volatile sig_atomic_t fault_valid;  // fault_* describe the last guard-page fault
  volatile sig_atomic_t fault_write;  // it was a write (or unknown)
  uint64_t fault_offset;              // its offset in the memory's slot
};
constinit thread_local ThreadState t{};

// Non-trivial per-thread data, only touched outside signal handlers.
struct ThreadResources {
  std::string message;
  ~ThreadResources() {
    if (t.has_timer) timer_delete(t.timer);
    if (t.altstack) {
      stack_t ss{};
      ss.ss_flags = SS_DISABLE;
      sigaltstack(&ss, nullptr);
      munmap(t.altstack, kAltStackSize);
    }
    t.has_timer = false;
    t.altstack = nullptr;
    t.ready = false;
  }
};
thread_local ThreadResources resources;

int timer_signal() { return SIGRTMIN + 4; }

[[noreturn]] void jump(int code) {
  t.in_guest = 0;
  siglongjmp(*t.jmp, code);
}

// Whether the faulting access was a write (true when unknown).
bool fault_was_write([[maybe_unused]] void* uc) {
#if defined(__x86_64__)
  // The page-fault error code: bit 1 set for a write.
  return (static_cast<ucontext_t*>(uc)->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
  return true;
#endif
}

void on_fault(int sig, siginfo_t* si, void* uc) {
  if (t.jmp && t.in_guest) {
    auto a = reinterpret_cast<uintptr_t>(si->si_addr);
    if (a + kStackSlack >= t.stack_lo && a < t.stack_hi) jump(WASM_RT_TRAP_EXHAUSTION);
    uint64_t offset = 0;
    if (MemoryPool::instance().offset_in_slot(a, &offset)) {
      t.fault_offset = offset;
      t.fault_write = fault_was_write(uc);
      t.fault_valid = 1;
      jump(WASM_RT_TRAP_OOB);
    }
  }
  // Not a guest fault: let it crash as it would have without us.
  signal(sig, SIG_DFL);
}

itimerspec at_time(int64_t ns) {
  itimerspec its{};
  its.it_value.tv_sec = ns / 1000000000;
  its.it_value.tv_nsec = ns % 1000000000;
  return its;
}

int64_t monotonic_ns();

void on_timer(int, siginfo_t*, void*) {
  if (!t.timer_armed) return;
  t.timer_pending = 0;
  if (monotonic_ns() < t.deadline) {
    // Set for an earlier request's deadline (arm_timer leaves it): on to
    // this request's own.
    itimerspec its = at_time(t.deadline);
    if (timer_settime(t.timer, TIMER_ABSTIME, &its, nullptr) == 0) {
      t.armed_at = t.deadline;
      t.timer_pending = 1;
      return;
    }
  }
  // Sticky: nested calls and host calls see it when they return, and only
  // the outermost guarded call clears it.
  t.expired = 1;
  if (t.jmp && t.in_guest) jump(WASM_RT_TRAP_SPINDLE_TIMEOUT);
}

void install_handlers() {
  struct sigaction sa{};
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
  struct sigaction st{};
  st.sa_sigaction = on_timer;
  st.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
  sigemptyset(&st.sa_mask);
  sigaction(timer_signal(), &st, nullptr);
}

void ensure_thread() {
  if (t.ready) return;
  (void)resources.message.size();  // construct the cleanup object for this thread
  void* alt =
      mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (alt != MAP_FAILED) {
    stack_t ss{};
    ss.ss_sp = alt;
    ss.ss_size = kAltStackSize;
    if (sigaltstack(&ss, nullptr) == 0)
      t.altstack = alt;
    else
      munmap(alt, kAltStackSize);
  }
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    size_t size = 0;
    pthread_attr_getstack(&attr, &addr, &size);
    t.stack_lo = reinterpret_cast<uintptr_t>(addr);
    t.stack_hi = t.stack_lo + size;
    pthread_attr_destroy(&attr);
  }
  t.alloc_limit = 65536;
  t.ready = true;
}

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// Arms the thread's timer to fire `timeout` from now. One request makes many
// outermost calls (realloc for each header, the handler, free...) under one
// deadline: when the deadline is the same as the last call's (within
// kSameDeadline), nothing changes (`reused`). A later request's deadline is
// later than the one the timer is set for, so the timer is left to fire
// then, and on_timer moves it on to the request's own deadline: under load
// a thread sets its timer about once per timeout, not once per request. The
// timer is not disarmed after a call (see run_guarded): a stale expiry only
// sets `expired`, which the next call with another deadline clears.
constexpr int64_t kSameDeadline = 100000;  // ns
bool arm_timer(int64_t at, bool& reused) {
  if (!t.has_timer) {
    sigevent sev{};
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = timer_signal();
    sev._sigev_un._tid = gettid();
    if (timer_create(CLOCK_MONOTONIC, &sev, &t.timer) != 0) return false;
    t.has_timer = true;
  }
  int64_t drift = at - t.deadline;
  reused = t.timer_armed && drift < kSameDeadline && drift > -kSameDeadline;
  if (reused) return true;
  t.expired = 0;
  t.deadline = at;
  // Set to fire no later than `at`: on_timer takes it on from there.
  if (t.timer_armed && t.timer_pending && t.armed_at <= at) return true;
  itimerspec its = at_time(at);
  t.timer_armed = 0;  // no stale expiry between here and the new one
  t.timer_pending = 0;
  if (timer_settime(t.timer, TIMER_ABSTIME, &its, nullptr) != 0) return false;
  t.armed_at = at;
  t.timer_pending = 1;
  t.timer_armed = 1;
  return true;
}

void disarm_timer() {
  t.timer_armed = 0;
  t.timer_pending = 0;
  itimerspec its{};
  timer_settime(t.timer, 0, &its, nullptr);
}

// Runtime functions (and the host functions behind spindle_host_call) run
// on the guest's stack: make sure they have room before leaving guest mode,
// or a guest that recursed to just above the guard page could fault in host
// code, where a fault is a real crash.
constexpr size_t kHostStackReserve = 128 * 1024;
void check_stack() {
  if (stack_nearly_exhausted(kHostStackReserve) && t.jmp) jump(WASM_RT_TRAP_EXHAUSTION);
}

// Runtime functions that call into libc run as "host" code: a timer signal
// arriving meanwhile is deferred to host_leave().
int host_enter() {
  int prev = t.in_guest;
  t.in_guest = 0;
  return prev;
}
void host_leave(int prev) {
  t.in_guest = prev;
  if (prev && t.expired) jump(WASM_RT_TRAP_SPINDLE_TIMEOUT);
}

std::mutex types_mu;
std::map<std::vector<int>, uint32_t>* type_ids = nullptr;

Outcome outcome_for(int code) {
  switch (code) {
    case WASM_RT_TRAP_OOB:
      return Outcome::trapped(TrapKind::OutOfBounds);
    case WASM_RT_TRAP_INT_OVERFLOW:
      return Outcome::trapped(TrapKind::IntOverflow);
    case WASM_RT_TRAP_DIV_BY_ZERO:
      return Outcome::trapped(TrapKind::DivByZero);
    case WASM_RT_TRAP_INVALID_CONVERSION:
      return Outcome::trapped(TrapKind::InvalidConversion);
    case WASM_RT_TRAP_UNREACHABLE:
      return Outcome::trapped(TrapKind::Unreachable);
    case WASM_RT_TRAP_CALL_INDIRECT:
      return Outcome::trapped(TrapKind::IndirectCallMismatch);
    case WASM_RT_TRAP_EXHAUSTION:
      return Outcome::trapped(TrapKind::StackExhausted, "call stack exhausted");
    case WASM_RT_TRAP_SPINDLE_TIMEOUT:
      return Outcome::trapped(TrapKind::Timeout);
    case WASM_RT_TRAP_SPINDLE_MEMORY_LIMIT:
      return Outcome::trapped(TrapKind::MemoryLimit, resources.message);
    case WASM_RT_TRAP_SPINDLE_EXIT:
      return Outcome::exited(t.exit_code);
    default:
      return Outcome::trapped(TrapKind::HostError, resources.message);
  }
}

}  // namespace

void init() {
  // Every guarded call passes here: after the first, one load.
  static std::atomic<bool> done{false};
  if (done.load(std::memory_order_acquire)) return;
  static std::once_flag once;
  std::call_once(once, [] {
    install_handlers();
    type_ids = new std::map<std::vector<int>, uint32_t>();
  });
  done.store(true, std::memory_order_release);
}

namespace {
// `at`: the outermost call's deadline (monotonic ns); 0: none.
Outcome guarded(void (*fn)(void*), void* arg, int64_t at, GuardedContext* ctx) {
  init();
  ensure_thread();
  if (ctx) {
    uint64_t me = this_thread_id();
    if (ctx->thread == 0)
      ctx->thread = me;
    else if (ctx->thread != me)
      MemoryPool::note_instance_moved();
  }
  sigjmp_buf buf;
  sigjmp_buf* const prev_jmp = t.jmp;
  const int prev_in_guest = t.in_guest;
  GuardedContext* const prev_ctx = t.ctx;
  const bool outer = t.depth == 0;
  if (outer && at > 0) {
    bool reused = false;
    if (!arm_timer(at, reused))
      return Outcome::trapped(TrapKind::HostError, "cannot arm the timeout timer");
    if (reused && t.expired) return Outcome::trapped(TrapKind::Timeout);  // this deadline passed
  } else if (outer) {
    if (t.timer_armed) disarm_timer();
    t.expired = 0;
  } else if (t.expired) {
    return Outcome::trapped(TrapKind::Timeout);  // the outer call's time is up
  }
  const uint32_t depth = wasm_rt_call_stack_depth;
  ++t.depth;
  t.ctx = ctx;
  t.fault_valid = 0;
  int code = sigsetjmp(buf, 0);
  if (code == 0) {
    t.jmp = &buf;
    t.in_guest = 1;
    // The timer fired before the guest could be interrupted (a deadline
    // already passed, or reached just now).
    if (t.expired) jump(WASM_RT_TRAP_SPINDLE_TIMEOUT);
    fn(arg);
    t.in_guest = 0;
  }
  // The timer stays armed for the request's next call (arm_timer); an
  // expiry stays recorded in `expired` for it.
  wasm_rt_call_stack_depth = depth;
  t.jmp = prev_jmp;
  t.in_guest = prev_in_guest;
  t.ctx = prev_ctx;
  --t.depth;
  const bool faulted = t.fault_valid;
  t.fault_valid = 0;
  if (code == 0) return Outcome::success();
  Outcome o = outcome_for(code);
  // A host function's own failure (set_host_failure) keeps its message
  // whatever its kind (the canonical ABI's out-of-bounds string, a wait cut
  // by the deadline), as on the interpreter.
  if (o.message.empty() && o.trap != TrapKind::Exit) o.message = resources.message;
  resources.message.clear();
  if (code == WASM_RT_TRAP_OOB && faulted && t.fault_write && ctx && ctx->shadow_stack &&
      memory_budget::is_shadow_stack_fault(t.fault_offset))
    o = Outcome::trapped(TrapKind::StackExhausted,
                         memory_budget::shadow_stack_message(t.fault_offset));
  if (ctx && ctx->refusal.refused() && o.trap != TrapKind::Timeout && o.trap != TrapKind::Exit &&
      o.trap != TrapKind::MemoryLimit) {
    std::string what = o.message.empty() ? std::string(trap_message(o.trap)) : o.message;
    o = Outcome::trapped(TrapKind::MemoryLimit, memory_budget::trapped_after(ctx->refusal, what));
  }
  return o;
}
}  // namespace

Outcome run_guarded(void (*fn)(void*), void* arg, std::chrono::nanoseconds timeout,
                    GuardedContext* ctx) {
  int64_t at = timeout.count() > 0 && t.depth == 0 ? monotonic_ns() + timeout.count() : 0;
  return guarded(fn, arg, at, ctx);
}

Outcome run_guarded_until(void (*fn)(void*), void* arg,
                          std::chrono::steady_clock::time_point deadline, GuardedContext* ctx) {
  // steady_clock is CLOCK_MONOTONIC: no clock read, and a request's later
  // calls find the timer already set for this deadline.
  int64_t at =
      std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
  return guarded(fn, arg, at > 0 ? at : 1, ctx);
}

void set_allocation_context(const AllocationContext& ctx) {
  ensure_thread();
  t.alloc_image = ctx.image;
  t.alloc_limit = ctx.limit_pages;
}

void set_host_failure(const Outcome& o) {
  resources.message = o.message;
  if (o.trap == TrapKind::Exit) t.exit_code = o.exit_code;
}

bool stack_nearly_exhausted(size_t bytes) {
  char probe;
  auto sp = reinterpret_cast<uintptr_t>(&probe);
  return t.stack_lo != 0 && sp < t.stack_lo + bytes;
}

int trap_code(TrapKind k) {
  switch (k) {
    case TrapKind::None:
      return WASM_RT_TRAP_NONE;
    case TrapKind::OutOfBounds:
      return WASM_RT_TRAP_OOB;
    case TrapKind::Unreachable:
      return WASM_RT_TRAP_UNREACHABLE;
    case TrapKind::DivByZero:
      return WASM_RT_TRAP_DIV_BY_ZERO;
    case TrapKind::IntOverflow:
      return WASM_RT_TRAP_INT_OVERFLOW;
    case TrapKind::InvalidConversion:
      return WASM_RT_TRAP_INVALID_CONVERSION;
    case TrapKind::IndirectCallMismatch:
      return WASM_RT_TRAP_CALL_INDIRECT;
    case TrapKind::StackExhausted:
      return WASM_RT_TRAP_EXHAUSTION;
    case TrapKind::Timeout:
      return WASM_RT_TRAP_SPINDLE_TIMEOUT;
    case TrapKind::MemoryLimit:
      return WASM_RT_TRAP_SPINDLE_MEMORY_LIMIT;
    case TrapKind::HostError:
      return WASM_RT_TRAP_SPINDLE_HOST_ERROR;
    case TrapKind::Exit:
      return WASM_RT_TRAP_SPINDLE_EXIT;
  }
  return WASM_RT_TRAP_SPINDLE_HOST_ERROR;
}

}  // namespace spindle::engine::runtime

using namespace spindle::engine::runtime;
namespace memory_budget = spindle::engine::memory_budget;

// A table's elements live in host memory (24 bytes each for funcref), so
// they are capped, as wasmtime caps them, independently of the declared max.
constexpr uint64_t kMaxTableElements = uint64_t{1} << 20;

// Large table buffers freed by an instance are kept by the thread for the
// next instance of the same module: a fresh calloc of one (a Spin JS app's
// table is 7,656 funcrefs, 245 KB) comes from pages the allocator has just
// returned to the kernel, and faulting them in again cost more than the
// rest of a component's instantiation. At most kTableCacheBytes per thread.
constexpr size_t kTableCacheMin = size_t{64} << 10;
constexpr size_t kTableCacheBytes = size_t{2} << 20;

struct TableCache {
  std::vector<std::pair<size_t, void*>> free;  // (bytes, buffer)
  size_t held = 0;
  ~TableCache() {
    for (auto& [bytes, p] : free) std::free(p);
  }
};
static thread_local TableCache table_cache;

// A zeroed buffer of `bytes`, or null.
static void* table_buffer(size_t bytes) {
  if (bytes >= kTableCacheMin) {
    auto& c = table_cache.free;
    for (size_t i = c.size(); i-- > 0;) {
      if (c[i].first != bytes) continue;
      void* p = c[i].second;
      c.erase(c.begin() + static_cast<long>(i));
      table_cache.held -= bytes;
      std::memset(p, 0, bytes);
      return p;
    }
  }
  return calloc(1, bytes);
}

static void release_table_buffer(void* p, size_t bytes) {
  if (p != nullptr && bytes >= kTableCacheMin && table_cache.held + bytes <= kTableCacheBytes) {
    table_cache.free.emplace_back(bytes, p);
    table_cache.held += bytes;
    return;
  }
  free(p);
}

template <class Table, class Elem>
static void allocate_table(Table* table, uint32_t elements, uint32_t max_elements) {
  check_stack();
  int prev = host_enter();
  if (elements > kMaxTableElements) {
    table->data = nullptr;
    table->size = 0;
    t.in_guest = prev;
    resources.message = "table of " + std::to_string(elements) + " elements exceeds the limit of " +
                        std::to_string(kMaxTableElements);
    jump(WASM_RT_TRAP_SPINDLE_MEMORY_LIMIT);
  }
  table->size = elements;
  table->max_size = max_elements;
  table->data =
      elements ? static_cast<Elem*>(table_buffer(size_t{elements} * sizeof(Elem))) : nullptr;
  if (elements && !table->data) {
    t.in_guest = prev;
    resources.message = "out of memory allocating a table";
    jump(WASM_RT_TRAP_SPINDLE_HOST_ERROR);
  }
  host_leave(prev);
}

template <class Table>
static void free_table(Table* table) {
  int prev = host_enter();
  release_table_buffer(table->data, size_t{table->size} * sizeof(table->data[0]));
  table->data = nullptr;
  table->size = 0;
  t.in_guest = prev;
}

template <class Table, class Elem>
static uint32_t grow_table(Table* table, uint32_t delta, Elem init) {
  check_stack();
  int prev = host_enter();
  uint32_t old = table->size;
  uint64_t want = uint64_t{old} + delta;
  uint32_t result = old;
  if (delta != 0) {
    Elem* data = want > table->max_size || want > kMaxTableElements
                     ? nullptr
                     : static_cast<Elem*>(realloc(table->data, want * sizeof(Elem)));
    if (!data) {
      result = UINT32_MAX;
    } else {
      for (uint64_t i = old; i < want; ++i) data[i] = init;
      table->data = data;
      table->size = static_cast<uint32_t>(want);
    }
  }
  host_leave(prev);
  return result;
}

extern "C" {

__thread uint32_t wasm_rt_call_stack_depth = 0;

void wasm_rt_init(void) { init(); }
bool wasm_rt_is_initialized(void) { return true; }
void wasm_rt_free(void) {}

void wasm_rt_trap(wasm_rt_trap_t code) {
  if (!t.jmp) {
    std::fprintf(stderr, "spindle: wasm trap %d outside of a guarded call\n",
                 static_cast<int>(code));
    std::abort();
  }
  t.fault_valid = 0;  // an explicit bounds check, not a guard-page fault
  jump(code == WASM_RT_TRAP_NONE ? WASM_RT_TRAP_SPINDLE_HOST_ERROR : code);
}

const char* wasm_rt_strerror(wasm_rt_trap_t trap) {
  return spindle::engine::trap_message(outcome_for(trap).trap).data();
}

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  std::vector<int> sig;
  sig.reserve(params + results + 1);
  sig.push_back(static_cast<int>(params));
  va_list ap;
  va_start(ap, results);
  for (uint32_t i = 0; i < params + results; ++i) sig.push_back(va_arg(ap, int));
  va_end(ap);
  init();
  std::lock_guard lock(types_mu);
  auto [it, inserted] = type_ids->emplace(std::move(sig), 0);
  if (inserted) it->second = static_cast<uint32_t>(type_ids->size());
  return it->second;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t* mem, uint32_t initial_pages, uint32_t max_pages) {
  check_stack();
  int prev = host_enter();
  ensure_thread();
  int code = 0;
  uint32_t limit = t.alloc_limit;
  MemoryImage* image = t.alloc_image;
  t.alloc_image = nullptr;  // the image belongs to the module's own memory only
  mem->data = nullptr;
  mem->pages = mem->size = 0;
  mem->max_pages = max_pages;
  const uint64_t bytes = uint64_t{initial_pages} * MemoryPool::kPageSize;
  if (initial_pages > limit) {
    resources.message = "initial memory of " + std::to_string(initial_pages) +
                        " pages exceeds the limit of " + std::to_string(limit) + " pages";
    code = WASM_RT_TRAP_SPINDLE_MEMORY_LIMIT;
  } else if (!memory_budget::acquire(bytes)) {
    resources.message = memory_budget::initial_refused(bytes);
    code = WASM_RT_TRAP_SPINDLE_MEMORY_LIMIT;
  } else if (Slot* s = MemoryPool::instance().acquire(image, initial_pages)) {
    s->limit_pages = limit;
    s->counted_bytes = bytes;
    mem->data = s->base;
    mem->pages = initial_pages;
    mem->size = bytes;
  } else {
    memory_budget::release(bytes);
    resources.message = "out of address space for linear memories";
    code = WASM_RT_TRAP_SPINDLE_HOST_ERROR;
  }
  if (code) {
    t.in_guest = prev;
    if (t.jmp) jump(code);
    std::fprintf(stderr, "spindle: %s\n", resources.message.c_str());
    std::abort();
  }
  host_leave(prev);
}

// Beyond the memory's declared maximum, memory.grow fails (-1) as the spec
// says. Beyond the instance's limit or the process's instance-memory budget
// it fails the same way (the guest may handle it: malloc returns NULL), and
// the refusal is recorded for the running instance (see run_guarded).
uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* mem, uint32_t delta) {
  check_stack();
  int prev = host_enter();
  uint32_t old = mem->pages;
  uint32_t result = old;
  uint64_t want = uint64_t{old} + delta;
  const uint64_t added = uint64_t{delta} * MemoryPool::kPageSize;
  auto refuse = [&](uint64_t limit_bytes, bool budget) {
    result = UINT32_MAX;
    if (t.ctx) t.ctx->refusal = {want * MemoryPool::kPageSize, limit_bytes, budget};
  };
  if (delta != 0) {
    Slot* s = MemoryPool::instance().find(mem->data);
    if (want > mem->max_pages || want > 65536 || !s) {
      result = UINT32_MAX;
    } else if (want > s->limit_pages) {
      refuse(uint64_t{s->limit_pages} * MemoryPool::kPageSize, false);
    } else if (!memory_budget::acquire(added, /*grow=*/true)) {
      refuse(memory_budget::limit(), true);
    } else if (!MemoryPool::instance().grow(s, want)) {
      memory_budget::release(added);
      result = UINT32_MAX;
    } else {
      s->counted_bytes += added;
      mem->pages = static_cast<uint32_t>(want);
      mem->size = want * MemoryPool::kPageSize;
    }
  }
  host_leave(prev);
  return result;
}

void wasm_rt_free_memory(wasm_rt_memory_t* mem) {
  if (!mem->data) return;
  int prev = host_enter();
  if (Slot* s = MemoryPool::instance().find(mem->data)) {
    memory_budget::release(s->counted_bytes);
    s->counted_bytes = 0;
    MemoryPool::instance().release(s, const_cast<MemoryImage*>(s->image));
  }
  mem->data = nullptr;
  mem->pages = mem->size = 0;
  t.in_guest = prev;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* table, uint32_t elements,
                                    uint32_t max_elements) {
  allocate_table<wasm_rt_funcref_table_t, wasm_rt_funcref_t>(table, elements, max_elements);
}
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* table) { free_table(table); }
void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t* table, uint32_t elements,
                                      uint32_t max_elements) {
  allocate_table<wasm_rt_externref_table_t, wasm_rt_externref_t>(table, elements, max_elements);
}
void wasm_rt_free_externref_table(wasm_rt_externref_table_t* table) { free_table(table); }
uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* table, uint32_t delta,
                                    wasm_rt_funcref_t init) {
  return grow_table(table, delta, init);
}
uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t* table, uint32_t delta,
                                      wasm_rt_externref_t init) {
  return grow_table(table, delta, init);
}

void spindle_host_call(spindle_host* host, uint32_t index, const spindle_val* args,
                       spindle_val* results) {
  check_stack();
  int prev = host_enter();
  int code = host->call(host, index, args, results);
  t.in_guest = prev;  // first: a timer signal from here on jumps by itself
  if (code == 0 && t.expired) code = WASM_RT_TRAP_SPINDLE_TIMEOUT;
  if (code) jump(code);
}

}  // extern "C"
