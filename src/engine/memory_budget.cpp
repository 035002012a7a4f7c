#include "engine/memory_budget.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "engine/engine.h"

namespace spindle::engine {

namespace {
std::atomic<uint64_t> g_budget{0};
std::atomic<uint64_t> g_in_use{0};
}  // namespace

void set_instance_memory_budget(uint64_t bytes) {
  g_budget.store(bytes, std::memory_order_relaxed);
}
uint64_t instance_memory_budget() { return g_budget.load(std::memory_order_relaxed); }
uint64_t instance_memory_in_use() { return g_in_use.load(std::memory_order_relaxed); }

namespace memory_budget {

bool acquire(uint64_t bytes, bool grow) {
  if (bytes == 0) return true;
  uint64_t budget = g_budget.load(std::memory_order_relaxed);
  if (budget == 0) {
    g_in_use.fetch_add(bytes, std::memory_order_relaxed);
    return true;
  }
  if (grow) {
    constexpr uint64_t kPage = 65536, kMaxReserve = uint64_t{8} << 20;
    budget -= std::min(budget / 32, kMaxReserve) / kPage * kPage;
  }
  uint64_t cur = g_in_use.load(std::memory_order_relaxed);
  do {
    if (cur > budget || bytes > budget - cur) return false;
  } while (!g_in_use.compare_exchange_weak(cur, cur + bytes, std::memory_order_relaxed));
  return true;
}

void release(uint64_t bytes) {
  if (bytes) g_in_use.fetch_sub(bytes, std::memory_order_relaxed);
}

uint64_t limit() { return instance_memory_budget(); }
uint64_t in_use() { return instance_memory_in_use(); }

std::string format_bytes(uint64_t bytes) {
  constexpr uint64_t KiB = 1024, MiB = KiB * 1024;
  if (bytes >= MiB && bytes % MiB == 0) return std::to_string(bytes / MiB) + " MiB";
  if (bytes >= KiB && bytes % KiB == 0) return std::to_string(bytes / KiB) + " KiB";
  return std::to_string(bytes) + " bytes";
}

namespace {
std::string why(uint64_t limit_bytes, bool budget) {
  if (budget)
    return "the process's instance-memory budget of " + format_bytes(limit_bytes) + " is in use";
  return "limit " + format_bytes(limit_bytes);
}
}  // namespace

std::string describe(const GrowRefusal& r) {
  return "memory.grow to " + format_bytes(r.asked_bytes) + " refused (" +
         why(r.limit_bytes, r.budget) + ")";
}

std::string trapped_after(const GrowRefusal& r, const std::string& trap) {
  return "memory limit reached: " + describe(r) + "; the guest then trapped: " + trap;
}

std::string initial_refused(uint64_t bytes) {
  return "memory limit reached: initial memory of " + format_bytes(bytes) + " refused (" +
         why(limit(), true) + ")";
}

std::string shadow_stack_message(uint64_t address) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(address));
  return std::string(
             "stack overflow: the guest's stack in linear memory ran past its start "
             "(address ") +
         hex + ")";
}

}  // namespace memory_budget
}  // namespace spindle::engine
