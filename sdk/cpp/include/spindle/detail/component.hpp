// What every component module needs once, whichever trigger macros it uses
// (SPINDLE_HTTP_COMPONENT, SPINDLE_REDIS_COMPONENT; in one source file or in
// several), and how it is emitted once. Guest code never uses this directly.
//
// The exports `canonical_abi_realloc` / `canonical_abi_free` are static
// members of a class template, marked `used`. Each trigger macro expands
// SPINDLE_DETAIL_COMMON_EXPORTS, which instantiates them; an implicit
// instantiation may happen any number of times (one definition, merged by the
// linker), so a module with both macros exports each function exactly once,
// and a module with neither exports neither.
//
// The runtime overrides (operator new/delete and libc++'s verbose abort, see
// detail/abi.hpp; SPINDLE_NO_RUNTIME_OVERRIDES keeps libc++'s):
// - SPINDLE_HTTP_COMPONENT expands SPINDLE_DETAIL_HTTP_OVERRIDES, which is
//   SPINDLE_DETAIL_RUNTIME_OVERRIDES (ordinary definitions, which the
//   optimizer can inline: the smallest HTTP component) unless spindle/redis.hpp
//   is included in the same source file;
// - spindle/redis.hpp (detail/weak_overrides.hpp) emits them at file scope as
//   weak definitions, once per source file that includes it, and makes
//   SPINDLE_DETAIL_HTTP_OVERRIDES empty. The linker keeps one weak definition,
//   and a strong one (another source file's SPINDLE_HTTP_COMPONENT, or the
//   application's own operator new) wins over them.
// So every combination of the two macros, in one or several source files,
// links with exactly one set of overrides.
#pragma once

#include <cstddef>
#include <cstdint>

#include "abi.hpp"

namespace spindle::detail {

template <class = void>
struct CommonExports {
  __attribute__((used, export_name("canonical_abi_realloc"))) static void* realloc(
      void* ptr, size_t orig_size, size_t align, size_t new_size) {
    return abi::realloc_impl(ptr, orig_size, align, new_size);
  }
  __attribute__((used, export_name("canonical_abi_free"))) static void free(void* ptr, size_t size,
                                                                            size_t align) {
    abi::free_impl(ptr, size, align);
  }
  // Naming both in a constant expression instantiates them (with `used`,
  // that emits and exports them).
  static constexpr bool instantiate = (static_cast<void>(&realloc), static_cast<void>(&free), true);
};

}  // namespace spindle::detail

// Expanded by every trigger macro; repeating it is harmless.
#define SPINDLE_DETAIL_COMMON_EXPORTS \
  static_assert(::spindle::detail::CommonExports<>::instantiate, "spindle: common exports");

// What SPINDLE_HTTP_COMPONENT emits besides its handler (see above).
#ifndef SPINDLE_DETAIL_HTTP_OVERRIDES
#define SPINDLE_DETAIL_HTTP_OVERRIDES SPINDLE_DETAIL_RUNTIME_OVERRIDES
#endif
