// The Spin 1 canonical ABI (wit-bindgen 0.2) over one instance: the one
// checked allocator every guest-memory write goes through. The executors
// lower requests and lift responses with it; host functions (host::Guest)
// allocate their results with it.
//
// Allocation calls the guest's `canonical_abi_realloc(0, 0, align, size)`
// and checks what it returns: inside memory, aligned. Every method returns
// false once the guest trapped (`outcome`, `during`) or broke the ABI
// (`violation`); the first failure is kept.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/engine.h"

namespace spindle::host {

// "0x1f" (addresses in messages).
std::string hex(uint32_t v);

// What a lifted value is, for an error message: "response body", or
// "response header 3 name" (`text` "response header", `index` 3, `part`
// "name"). Formatted only when there is an error to report.
struct What {
  What(const char* t) : text(t) {}  // NOLINT: from a plain description
  What(std::string_view t, uint32_t i, std::string_view p) : text(t), index(i), part(p) {}
  std::string str() const;

  std::string_view text;
  uint32_t index = UINT32_MAX;  // none
  std::string_view part;
};

class CanonicalAbi {
 public:
  // `handler`: the export the caller will call (may be null); the realloc and
  // free exports are looked up in `inst`.
  explicit CanonicalAbi(engine::Instance& inst, engine::ExternPtr handler = nullptr);

  engine::ExternPtr handler;

  engine::Outcome outcome;  // the trap, when a call trapped
  std::string violation;    // the ABI violation, when the guest lied
  std::string during;       // which call trapped

  // Calls a guest function; a trap is kept with `what` as `during`.
  bool call(const engine::ExternPtr& f, std::string_view what, std::span<const engine::Value> args,
            std::span<engine::Value> results);
  // canonical_abi_realloc(0, 0, align, size), checked.
  bool alloc(uint32_t align, uint32_t size, uint32_t& ptr);
  // Allocates (align 1) and copies `bytes`.
  bool put(std::string_view bytes, uint32_t& ptr);
  // canonical_abi_free(ptr, size, align).
  bool release(uint32_t ptr, uint32_t size, uint32_t align);
  // Copies [ptr, ptr + len) out of guest memory.
  bool copy_out(uint32_t ptr, uint32_t len, std::string& out, const What& what);
  // A string of a result: copied, freed, then checked as UTF-8.
  bool lift_string(uint32_t ptr, uint32_t len, std::string& out, const What& what);

  // The instance's memory as of the last guest call (only a guest call can
  // grow it).
  engine::GuestMemory memory() const { return mem_; }
  // The instance exports what the ABI needs (handler, realloc, free).
  bool complete() const { return handler && realloc_ && free_; }
  bool can_alloc() const { return realloc_ != nullptr; }

 private:
  engine::Instance& inst_;
  engine::GuestMemory mem_;
  engine::ExternPtr realloc_;
  engine::ExternPtr free_;
};

}  // namespace spindle::host
