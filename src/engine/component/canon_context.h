// The lifting and lowering context (CanonicalABI.md "Context"): the canon
// options of one side of a call at run time (string encoding, the core
// memory, realloc), the instance whose handle table handles go through, the
// borrow scope of the call, and the first trap.
//
// Every lift/lower function returns false once it trapped; `error` then holds
// an Outcome with the kind and a message saying what was wrong (pointers and
// lengths out of bounds: OutOfBounds; other violations of the ABI:
// HostError, "canonical ABI: ..."). A trap inside realloc is kept as is.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/component/canon_layout.h"
#include "engine/component/canon_resources.h"
#include "engine/component/canon_value.h"
#include "engine/host.h"

namespace spindle::component {

// The guest's `realloc(old_ptr, old_size, align, new_size) -> ptr`.
using ReallocFn = std::function<engine::Outcome(uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                                uint32_t new_size, uint32_t& out)>;

// What one context may allocate for lifted values (Vals and the bytes of
// strings and byte lists), so a guest cannot make the host allocate without
// bound (a list of one-byte elements costs a Val per byte; lists and strings
// may overlap in guest memory).
inline constexpr uint64_t kDefaultLiftBudget = uint64_t{256} << 20;

// Canon options at run time.
struct AbiOptions {
  StringEncoding encoding = StringEncoding::Utf8;
  // The guest's memory as seen now (data null: no memory option). Refreshed
  // from `refresh_memory`, when set, after every call into the guest
  // (realloc may grow or move memory).
  engine::GuestMemory memory;
  std::function<engine::GuestMemory()> refresh_memory;
  ReallocFn realloc;  // empty: no realloc option
  uint64_t lift_budget = kDefaultLiftBudget;
};

class CanonContext {
 public:
  CanonContext(const Layouts& layouts, const AbiOptions& opts, ComponentInstance* inst,
               const ResourceMap* resources = nullptr);
  CanonContext(const CanonContext&) = delete;
  CanonContext& operator=(const CanonContext&) = delete;

  const Layouts& layouts;
  const ComponentFile& file;
  const AbiOptions& opts;
  ComponentInstance* inst;       // handles go through its table (may be null: no handles)
  const ResourceMap* resources;  // resource TypeId -> run-time type
  engine::GuestMemory mem;       // the current memory view
  Lenders* lenders = nullptr;    // lifting borrows: the caller's call in progress
  uint64_t borrow_scope = 0;     // lowering borrows: the callee's call scope
  uint64_t lift_budget;          // from opts, spent by charge()
  engine::Outcome error;

  bool ok() const { return error.ok(); }
  // Records the first trap; always returns false.
  bool trap(std::string msg);
  bool trap_oob(std::string msg);
  bool fail(engine::Outcome o);

  // cx.reallocate / cx.allocate: calls realloc with may_leave cleared and
  // refreshes the memory view. The result is not checked here.
  bool reallocate(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size,
                  uint32_t& out);
  bool allocate(uint32_t align, uint32_t size, uint32_t& out) {
    return reallocate(0, 0, align, size, out);
  }
  // Traps unless [ptr, ptr + len) is in memory and ptr is aligned.
  bool check_range(uint64_t ptr, uint64_t len, uint32_t align, const char* what);
  bool need_memory(const char* what);
  // Takes `bytes` from lift_budget; traps when it would run out.
  bool charge(uint64_t bytes);
  bool charge_vals(uint64_t n) { return charge(n * sizeof(Val)); }

  const ResourceType* resource_type(TypeId resource);

  // Little-endian access; the caller checked the range (checked again).
  uint64_t load_int(uint32_t ptr, uint32_t nbytes);
  void store_int(uint32_t ptr, uint64_t v, uint32_t nbytes);
};

}  // namespace spindle::component
