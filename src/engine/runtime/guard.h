// Running native guest code safely on the calling thread: a thread-local trap
// target, SIGSEGV/SIGBUS on guard pages turned into traps (handled on a
// per-thread alternate stack), a per-thread wall-clock timer that traps the
// guest (deferred while a host call runs), and stack-exhaustion detection.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "engine/memory_budget.h"
#include "engine/value.h"

namespace spindle::engine::runtime {

class MemoryImage;

// Installs the process-wide signal handlers (idempotent, thread-safe).
void init();

// Runs fn(arg) as guest code. Traps raised by the guest, the runtime or a
// host function (through spindle_host_call) come back as an Outcome.
// Nested calls (a guest calling a host function that calls another guest)
// are allowed; only the outermost call arms the timeout.
// `ctx` (may be null) is the calling instance's: memory.grow refusals (by
// its limit or the instance-memory budget) are recorded in ctx->refusal,
// and if it holds one when fn traps (but for Timeout and Exit) the outcome
// is MemoryLimit (memory_budget::trapped_after).
//
// Stack overflows come back as StackExhausted, with two messages:
//   - "call stack exhausted": the native call depth count, or a fault on the
//     thread's stack guard (any thread: its bounds are recorded on its first
//     guarded call);
//   - "stack overflow: the guest's stack in linear memory ran past its
//     start (address 0x...)": in a module with a shadow stack
//     (ctx->shadow_stack), a write fault at a guest address just below
//     4 GiB (see memory_budget.h: a heuristic).
struct GuardedContext {
  memory_budget::GrowRefusal refusal;
  uint64_t thread = 0;        // this_thread_id() of the first guarded call
  bool shadow_stack = false;  // global 0 is a defined mutable i32 (a stack pointer)
};
Outcome run_guarded(void (*fn)(void*), void* arg, std::chrono::nanoseconds timeout,
                    GuardedContext* ctx = nullptr);
// The same, with the outermost call ending at `deadline` (already passed:
// it traps with Timeout as soon as it runs).
Outcome run_guarded_until(void (*fn)(void*), void* arg,
                          std::chrono::steady_clock::time_point deadline,
                          GuardedContext* ctx = nullptr);

// What wasm_rt_allocate_memory uses for the next memory it allocates on this
// thread (set by the native backend around instantiation).
struct AllocationContext {
  MemoryImage* image = nullptr;
  uint32_t limit_pages = 65536;
};
void set_allocation_context(const AllocationContext& ctx);

// For the host-call dispatcher: remember why a host call failed (the message
// and exit code travel beside the trap code).
void set_host_failure(const Outcome& o);

// The wasm_rt_trap_t code for a trap kind (for host-call results).
int trap_code(TrapKind k);

// True when less than `bytes` of stack remain on this thread.
bool stack_nearly_exhausted(size_t bytes);

}  // namespace spindle::engine::runtime
