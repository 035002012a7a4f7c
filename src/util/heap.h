// Giving freed heap memory back to the system, whichever allocator the
// binary runs on (spindle links jemalloc; tests and tools use glibc's).
#pragma once

namespace spindle::util {

// Returns the free pages the allocator holds to the system now: glibc's
// malloc_trim, and jemalloc's purge of every arena when jemalloc is linked
// (it would otherwise keep them for up to its decay time, 10 s).
void release_free_memory();

}  // namespace spindle::util
