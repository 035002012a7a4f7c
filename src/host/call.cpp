#include "host/call.h"

#include <atomic>
#include <cstring>

#include "host/canonical.h"

namespace spindle::host {

using namespace spindle::engine;

size_t next_slot() {
  static std::atomic<size_t> n{0};
  return n++;
}

Outcome not_configured(std::string_view capability) {
  return Outcome::trapped(TrapKind::HostError,
                          std::string(capability) + " is not available to this guest");
}

Guest::Guest(HostCall& call)
    : call_(call), state_(call.instance ? call.instance->capabilities : nullptr) {}

GuestMemory Guest::memory() {
  // The guest may have grown (and, in the interpreter, moved) its memory
  // during a nested call: ask the instance for the current view.
  if (state_ && state_->instance) return state_->instance->memory();
  return call_.memory;
}

bool Guest::fail(TrapKind kind, std::string message) {
  if (outcome.ok()) outcome = Outcome::trapped(kind, std::move(message));
  return false;
}

bool Guest::out_of_bounds(uint32_t offset, uint64_t len) {
  return fail(TrapKind::OutOfBounds, "host call: guest range [" + std::to_string(offset) + ", +" +
                                         std::to_string(len) + ") is outside memory");
}

bool Guest::read(uint32_t ptr, uint32_t len, std::string& out) {
  uint8_t* p = memory().ptr(ptr, len);
  if (!p) return out_of_bounds(ptr, len);
  out.assign(reinterpret_cast<const char*>(p), len);
  return true;
}

bool Guest::alloc(uint32_t align, uint32_t size, uint32_t& ptr) {
  if (!state_ || !state_->instance)
    return fail(TrapKind::HostError, "host call: no instance to allocate in");
  CanonicalAbi abi(*state_->instance);
  if (!abi.can_alloc())
    return fail(TrapKind::HostError,
                "host call: the component exports no canonical_abi_realloc to receive results");
  if (abi.alloc(align, size, ptr)) return true;
  if (!abi.violation.empty()) return fail(TrapKind::HostError, "host call: " + abi.violation);
  outcome = std::move(abi.outcome);
  return false;
}

bool Guest::put(std::string_view bytes, uint32_t& ptr) {
  if (bytes.empty()) {
    ptr = 1;
    return true;
  }
  if (!alloc(1, static_cast<uint32_t>(bytes.size()), ptr)) return false;
  std::memcpy(memory().ptr(ptr, bytes.size()), bytes.data(), bytes.size());
  return true;
}

bool Guest::put_at(uint32_t at, std::string_view bytes) {
  uint32_t ptr = 0;
  return put(bytes, ptr) && store<uint32_t>(at, ptr) &&
         store<uint32_t>(at + 4, static_cast<uint32_t>(bytes.size()));
}

}  // namespace spindle::host
