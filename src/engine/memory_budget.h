// Linear-memory accounting shared by both backends: the process-wide budget
// of live instances' memory (engine.h: set_instance_memory_budget), the
// record of a memory.grow an instance was refused, and the messages that
// describe them; also how both backends recognise a guest's shadow stack
// running past address 0. Valid C++17 (the interpreter core uses it); no engine
// headers.
#pragma once

#include <cstdint>
#include <string>

namespace spindle::engine::memory_budget {

// Counts `bytes` more as held by live instances. False (and nothing counted)
// when that would pass the budget. A `grow` may not take the budget's last
// 1/32 (at most 8 MiB, in whole 64 KiB pages): memory bombs filling the
// budget cannot keep other instances from starting. Lock-free; any thread.
bool acquire(uint64_t bytes, bool grow = false);
// Gives back bytes counted by acquire().
void release(uint64_t bytes);
uint64_t limit();   // 0: no budget
uint64_t in_use();  // bytes counted now

// A memory.grow that was refused because of a limit (not because of the
// memory's declared maximum, which is ordinary wasm behaviour). Kept per
// instance: when a later call on it traps, the trap is reported as the
// memory limit it most likely is (the guest could not handle the failed
// allocation).
struct GrowRefusal {
  uint64_t asked_bytes = 0;  // the size the grow asked for; 0 = none refused
  uint64_t limit_bytes = 0;  // the instance's limit, or the budget
  bool budget = false;       // refused by the process-wide budget
  bool refused() const { return asked_bytes != 0; }
};

// "192 MiB", "64 KiB", "1000 bytes".
std::string format_bytes(uint64_t bytes);
// "memory.grow to 192 MiB refused (limit 128 MiB)" or "... refused (the
// process's instance-memory budget of 1024 MiB is in use)".
std::string describe(const GrowRefusal& r);
// "memory limit reached: <describe(r)>; the guest then trapped: <trap>".
std::string trapped_after(const GrowRefusal& r, const std::string& trap);
// Instantiation refused by the budget: "memory limit reached: initial memory
// of 2 MiB refused (the process's instance-memory budget of 1 MiB is in use)".
std::string initial_refused(uint64_t bytes);

// Shadow-stack overflow. C/C++/Rust guests keep a stack in linear memory
// whose pointer is global 0 (`__stack_pointer`, a mutable i32 the module
// defines) and which grows down toward address 0 (wasm-ld puts it below or
// above the data); when it runs past 0 the pointer wraps to just below
// 4 GiB and the next access to the stack is out of bounds. The backends
// take an out-of-bounds access for that when its address (guest address +
// static offset) is in [4 GiB - kShadowStackZone, 4 GiB + 1 MiB) and
//   - interp: global 0 (a defined mutable i32) holds a wrapped value too
//     (is_shadow_stack_fault(value));
//   - native (global values are not visible to the runtime): the module has
//     such a global 0 and the faulting access is a write (on x86-64; other
//     architectures: any access) -- a new stack frame is written first.
// A heuristic: a wild write through a small negative pointer in such a
// module is reported as a stack overflow on the native backend.
constexpr uint64_t kShadowStackZone = uint64_t{16} << 20;
constexpr bool is_shadow_stack_fault(uint64_t address) {
  return address >= (uint64_t{1} << 32) - kShadowStackZone &&
         address < (uint64_t{1} << 32) + (uint64_t{1} << 20);
}
// "stack overflow: the guest's stack in linear memory ran past its start
// (address 0xfffff000)".
std::string shadow_stack_message(uint64_t address);

}  // namespace spindle::engine::memory_budget
