// Helpers for the Canonical ABI tests: a type builder over a ComponentFile
// arena, the reference tests' bump-allocating Heap (run_tests.py `Heap`),
// and core values written the way run_tests.py writes them.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/component/canon_abi.h"
#include "engine/component/type_ops.h"

namespace spindle::component::testing {

struct Types {
  ComponentFile file;

  static ValType p(PrimType t) { return ValType::primitive(t); }
  ValType add(TypeDef d) { return ValType::defined(add_type(file, std::move(d))); }
  ValType record(std::initializer_list<ValType> ts) {
    TypeDef d;
    d.kind = TypeKind::Record;
    int i = 0;
    for (ValType t : ts) d.fields.push_back({"f" + std::to_string(i++), t});
    return add(std::move(d));
  }
  ValType tuple(std::vector<ValType> ts) {
    TypeDef d;
    d.kind = TypeKind::Tuple;
    d.elems = std::move(ts);
    return add(std::move(d));
  }
  ValType list(ValType e) {
    TypeDef d;
    d.kind = TypeKind::List;
    d.elem = e;
    return add(std::move(d));
  }
  ValType labels(TypeKind k, size_t n) {
    TypeDef d;
    d.kind = k;
    for (size_t i = 0; i < n; ++i) d.labels.push_back("l" + std::to_string(i));
    return add(std::move(d));
  }
  ValType flags(size_t n) { return labels(TypeKind::Flags, n); }
  ValType enumeration(size_t n) { return labels(TypeKind::Enum, n); }
  ValType option(ValType e) {
    TypeDef d;
    d.kind = TypeKind::Option;
    d.elem = e;
    return add(std::move(d));
  }
  ValType result(std::optional<ValType> ok, std::optional<ValType> err) {
    TypeDef d;
    d.kind = TypeKind::Result;
    d.ok = ok;
    d.err = err;
    return add(std::move(d));
  }
  ValType variant(std::vector<std::optional<ValType>> cases) {
    TypeDef d;
    d.kind = TypeKind::Variant;
    int i = 0;
    for (auto& c : cases) d.cases.push_back({"c" + std::to_string(i++), c});
    return add(std::move(d));
  }
  TypeId resource() {
    TypeDef d;
    d.kind = TypeKind::Resource;
    return add_type(file, std::move(d));
  }
  ValType handle(TypeKind k, TypeId res) {
    TypeDef d;
    d.kind = k;
    d.resource = res;
    return add(std::move(d));
  }
  TypeId func(std::vector<ValType> params, std::optional<ValType> result) {
    TypeDef d;
    d.kind = TypeKind::Func;
    int i = 0;
    for (ValType t : params) d.fields.push_back({"p" + std::to_string(i++), t});
    d.result = result;
    return add_type(file, std::move(d));
  }
};

// run_tests.py's Heap: a bump allocator whose shrinking reallocs stay put.
struct Heap {
  std::vector<uint8_t> memory;
  uint32_t last_alloc = 0;
  struct Call {
    uint32_t old_ptr, old_size, align, new_size, result;
  };
  std::vector<Call> calls;

  explicit Heap(size_t n) : memory(n) {}
  explicit Heap(std::vector<uint8_t> bytes) : memory(std::move(bytes)) {}

  engine::Outcome realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size,
                          uint32_t& out) {
    if (old_ptr != 0 && new_size < old_size) {
      out = align_to(old_ptr, align);
    } else {
      uint64_t ret = align_to64(last_alloc, align);
      if (ret + new_size > memory.size())
        return engine::Outcome::trapped(engine::TrapKind::Unreachable, "heap exhausted");
      last_alloc = static_cast<uint32_t>(ret + new_size);
      for (uint32_t i = 0; i < old_size && old_ptr + i < memory.size(); ++i)
        memory[ret + i] = memory[old_ptr + i];
      out = static_cast<uint32_t>(ret);
    }
    calls.push_back({old_ptr, old_size, align, new_size, out});
    return engine::Outcome::success();
  }

  // A memory of size 0 is still a memory (data is never null).
  engine::GuestMemory view() { return {memory.empty() ? &empty_ : memory.data(), memory.size()}; }
  uint8_t empty_ = 0;

  AbiOptions options(StringEncoding enc = StringEncoding::Utf8) {
    AbiOptions o;
    o.encoding = enc;
    o.memory = view();
    o.realloc = [this](uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t& out) {
      return realloc(a, b, c, d, out);
    };
    return o;
  }
};

// A core number as run_tests.py writes one: an int or a float.
struct N {
  uint64_t bits = 0;
  double f = 0;
  bool is_float = false;
  N(int v) : bits(static_cast<uint64_t>(static_cast<int64_t>(v))) {}
  N(unsigned v) : bits(v) {}
  N(long v) : bits(static_cast<uint64_t>(v)) {}
  N(unsigned long v) : bits(v) {}
  N(long long v) : bits(static_cast<uint64_t>(v)) {}
  N(unsigned long long v) : bits(v) {}
  N(double v) : f(v), is_float(true) {}
};

inline engine::Value core_value(CoreValType t, const N& n) {
  switch (t) {
    case CoreValType::I64:
      return engine::Value::from_i64(n.bits);
    case CoreValType::F32:
      if (n.is_float) return engine::Value::from_f32(static_cast<float>(n.f));
      {
        float f;
        auto b = static_cast<uint32_t>(n.bits);
        std::memcpy(&f, &b, 4);
        return engine::Value::from_f32(f);
      }
    case CoreValType::F64:
      if (n.is_float) return engine::Value::from_f64(n.f);
      {
        double f;
        std::memcpy(&f, &n.bits, 8);
        return engine::Value::from_f64(f);
      }
    default:
      return engine::Value::from_i32(static_cast<uint32_t>(n.bits));
  }
}

// The flat core types of `t` and its values from run_tests.py numbers.
inline std::vector<CoreValType> flat_types(const Layouts& ls, ValType t) {
  std::vector<CoreValType> ts;
  ls.flatten(t, ts, 1u << 20);
  return ts;
}

inline std::vector<engine::Value> core_values(const std::vector<CoreValType>& ts,
                                              const std::vector<N>& ns) {
  std::vector<engine::Value> vs;
  for (size_t i = 0; i < ns.size() && i < ts.size(); ++i) vs.push_back(core_value(ts[i], ns[i]));
  return vs;
}

inline std::string trap_text(const engine::Outcome& o) { return o.ok() ? "ok" : o.message; }

}  // namespace spindle::component::testing

namespace spindle::component {
inline void PrintTo(const Val& v, std::ostream* os) { *os << v.debug(); }
}  // namespace spindle::component
