#include "host/canonical.h"

#include <cstdio>
#include <cstring>

#include "util/utf8.h"

namespace spindle::host {

using namespace spindle::engine;

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

std::string What::str() const {
  std::string s(text);
  if (index != UINT32_MAX) s += " " + std::to_string(index);
  if (!part.empty()) s.append(" ").append(part);
  return s;
}

CanonicalAbi::CanonicalAbi(Instance& inst, ExternPtr h)
    : handler(std::move(h)),
      inst_(inst),
      mem_(inst.memory()),
      realloc_(inst.get_export("canonical_abi_realloc")),
      free_(inst.get_export("canonical_abi_free")) {}

bool CanonicalAbi::call(const ExternPtr& f, std::string_view what, std::span<const Value> args,
                        std::span<Value> results) {
  Outcome o = f->call(args, results);
  mem_ = inst_.memory();
  if (o.ok()) return true;
  outcome = std::move(o);
  during = what;
  return false;
}

bool CanonicalAbi::alloc(uint32_t align, uint32_t size, uint32_t& ptr) {
  if (!realloc_) {
    violation = "the component exports no canonical_abi_realloc";
    return false;
  }
  Value args[4] = {Value::from_i32(0), Value::from_i32(0), Value::from_i32(align),
                   Value::from_i32(size)};
  Value res[1];
  if (!call(realloc_, "canonical_abi_realloc", args, res)) return false;
  ptr = res[0].i32;
  if (!mem_.in_bounds(ptr, size)) {
    violation = "canonical_abi_realloc returned " + hex(ptr) + " for " + std::to_string(size) +
                " bytes, outside guest memory";
    return false;
  }
  if (ptr % align != 0) {
    violation =
        "canonical_abi_realloc returned " + hex(ptr) + ", not aligned to " + std::to_string(align);
    return false;
  }
  return true;
}

bool CanonicalAbi::put(std::string_view bytes, uint32_t& ptr) {
  if (bytes.size() > UINT32_MAX) {
    violation = "value too large for guest memory";
    return false;
  }
  if (!alloc(1, static_cast<uint32_t>(bytes.size()), ptr)) return false;
  if (!bytes.empty()) std::memcpy(mem_.data + ptr, bytes.data(), bytes.size());
  return true;
}

bool CanonicalAbi::release(uint32_t ptr, uint32_t size, uint32_t align) {
  if (!free_) {
    violation = "the component exports no canonical_abi_free";
    return false;
  }
  Value args[3] = {Value::from_i32(ptr), Value::from_i32(size), Value::from_i32(align)};
  return call(free_, "canonical_abi_free", args, {});
}

bool CanonicalAbi::copy_out(uint32_t ptr, uint32_t len, std::string& out, const What& what) {
  const GuestMemory& m = mem_;
  if (!m.in_bounds(ptr, len)) {
    violation = what.str() + " at " + hex(ptr) + " with length " + std::to_string(len) +
                " is outside guest memory (" + std::to_string(m.size) + " bytes)";
    return false;
  }
  out.assign(reinterpret_cast<const char*>(m.data + ptr), len);
  return true;
}

bool CanonicalAbi::lift_string(uint32_t ptr, uint32_t len, std::string& out, const What& what) {
  if (!copy_out(ptr, len, out, what)) return false;
  if (!release(ptr, len, 1)) return false;
  if (!util::is_utf8(out)) {
    violation = what.str() + " is not valid UTF-8";
    return false;
  }
  return true;
}

}  // namespace spindle::host
