// Whether the calling thread took a page fault since some earlier moment,
// without a system call where the kernel allows it. A resident slot's reset
// (memory_pool.cpp) skips its page scan when the thread that resets it took
// no fault since its last reset: a page becomes present only through one.
#pragma once

#include <cstdint>

namespace spindle::engine::runtime {

// A value that differs from every earlier one of this thread after the
// thread took a page fault (in user or kernel mode: a syscall writing guest
// memory counts). Only marks read on the same thread compare.
//
// With a perf software event on the thread (perf_event_open allowed, as for
// root or perf_event_paranoid <= 1), the mark is the head of the event's
// ring: a load, no system call. The event stops after one fault and is
// re-armed by the next read that sees it moved. Otherwise the mark is
// getrusage(RUSAGE_THREAD)'s fault count (one system call).
uint64_t thread_fault_mark();

// Tests run both ways (on by default; a thread keeps its event once opened).
void use_fault_ring(bool on);

}  // namespace spindle::engine::runtime
