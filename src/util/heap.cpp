#include "util/heap.h"

#include <malloc.h>

#include <cstddef>

// jemalloc's control interface, when jemalloc is linked (weak: null otherwise).
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace spindle::util {

void release_free_memory() {
  malloc_trim(0);
  // "arena.<MALLCTL_ARENAS_ALL>.purge": every arena's unused dirty pages.
  if (mallctl != nullptr) mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
}

}  // namespace spindle::util
