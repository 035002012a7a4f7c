#include "engine/component/canon_context.h"

#include <cstring>

namespace spindle::component {

using engine::Outcome;
using engine::TrapKind;

CanonContext::CanonContext(const Layouts& layouts, const AbiOptions& opts, ComponentInstance* inst,
                           const ResourceMap* resources)
    : layouts(layouts),
      file(layouts.file()),
      opts(opts),
      inst(inst),
      resources(resources),
      mem(opts.memory),
      lift_budget(opts.lift_budget) {}

bool CanonContext::trap(std::string msg) {
  if (error.ok()) error = abi_trap(std::move(msg));
  return false;
}

bool CanonContext::trap_oob(std::string msg) {
  if (error.ok()) error = Outcome::trapped(TrapKind::OutOfBounds, "canonical ABI: " + msg);
  return false;
}

bool CanonContext::fail(Outcome o) {
  if (error.ok()) error = std::move(o);
  if (error.ok()) error = abi_trap("failed");
  return false;
}

bool CanonContext::need_memory(const char* what) {
  if (mem.data != nullptr) return true;
  return trap(std::string(what) + " needs the memory option, and there is no memory");
}

bool CanonContext::reallocate(uint32_t old_ptr, uint32_t old_size, uint32_t align,
                              uint32_t new_size, uint32_t& out) {
  if (!opts.realloc) return trap("lowering needs the realloc option, and there is none");
  bool had_inst = inst != nullptr;
  if (had_inst) inst->may_leave = false;
  Outcome o = opts.realloc(old_ptr, old_size, align, new_size, out);
  if (had_inst) inst->may_leave = true;
  if (opts.refresh_memory) mem = opts.refresh_memory();
  if (!o.ok()) {
    if (o.message.empty()) o.message = "in realloc";
    return fail(std::move(o));
  }
  return true;
}

bool CanonContext::check_range(uint64_t ptr, uint64_t len, uint32_t align, const char* what) {
  if (!need_memory(what)) return false;
  if (align > 1 && ptr % align != 0)
    return trap(std::string(what) + " at " + std::to_string(ptr) + " is not aligned to " +
                std::to_string(align));
  if (!mem.in_bounds(ptr, len))
    return trap_oob(std::string(what) + " [" + std::to_string(ptr) + ", +" + std::to_string(len) +
                    ") is outside memory of " + std::to_string(mem.size) + " bytes");
  return true;
}

bool CanonContext::charge(uint64_t bytes) {
  if (bytes <= lift_budget) {
    lift_budget -= bytes;
    return true;
  }
  return trap("lifting would allocate more than the budget for one call (" + std::to_string(bytes) +
              " more bytes)");
}

const ResourceType* CanonContext::resource_type(TypeId resource) {
  if (resources == nullptr) return nullptr;
  auto it = resources->find(resource);
  return it == resources->end() ? nullptr : it->second;
}

uint64_t CanonContext::load_int(uint32_t ptr, uint32_t nbytes) {
  uint64_t v = 0;
  if (mem.in_bounds(ptr, nbytes))
    for (uint32_t i = 0; i < nbytes; ++i) v |= uint64_t{mem.data[ptr + i]} << (8 * i);
  return v;
}

void CanonContext::store_int(uint32_t ptr, uint64_t v, uint32_t nbytes) {
  if (!mem.in_bounds(ptr, nbytes)) return;
  for (uint32_t i = 0; i < nbytes; ++i) mem.data[ptr + i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace spindle::component
