// A small byte-level builder for component binaries in tests (Binary.md
// encodings), plus a minimal core module writer.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cb {

using Bytes = std::vector<uint8_t>;

inline void leb(Bytes& b, uint64_t v) {
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    if (v != 0) byte |= 0x80;
    b.push_back(byte);
  } while (v != 0);
}

inline Bytes u32(uint64_t v) {
  Bytes b;
  leb(b, v);
  return b;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes str(std::string_view s) {
  Bytes b = u32(s.size());
  b.insert(b.end(), s.begin(), s.end());
  return b;
}

inline Bytes vec(const std::vector<Bytes>& items) {
  Bytes b = u32(items.size());
  for (const Bytes& i : items) b.insert(b.end(), i.begin(), i.end());
  return b;
}

inline Bytes section(uint8_t id, const Bytes& body) {
  Bytes b{id};
  leb(b, body.size());
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

inline const Bytes kPreamble = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};

inline Bytes comp(const std::vector<Bytes>& sections) {
  Bytes b = kPreamble;
  for (const Bytes& s : sections) b.insert(b.end(), s.begin(), s.end());
  return b;
}

// Section ids.
enum : uint8_t {
  kCustom = 0,
  kCoreModule = 1,
  kCoreInstance = 2,
  kCoreType = 3,
  kComponent = 4,
  kInstance = 5,
  kAlias = 6,
  kType = 7,
  kCanon = 8,
  kStart = 9,
  kImport = 10,
  kExport = 11,
  kValue = 12,
};

// Primitive value types.
enum : uint8_t {
  kBool = 0x7f,
  kS8 = 0x7e,
  kU8 = 0x7d,
  kU32 = 0x79,
  kS64 = 0x78,
  kU64 = 0x77,
  kF32 = 0x76,
  kF64 = 0x75,
  kChar = 0x74,
  kString = 0x73,
};
// Core value types.
enum : uint8_t { kI32 = 0x7f, kI64 = 0x7e, kCF32 = 0x7d, kCF64 = 0x7c };

inline Bytes name(std::string_view n) { return cat({{0x00}, str(n)}); }  // nameattributes

// A func type: (param name type)* (result type)?; types as their bytes.
inline Bytes func_type(const std::vector<std::pair<std::string, Bytes>>& params,
                       std::optional<Bytes> result) {
  std::vector<Bytes> ps;
  for (const auto& [n, t] : params) ps.push_back(cat({str(n), t}));
  Bytes b = cat({{0x40}, vec(ps)});
  if (result)
    b = cat({b, {0x00}, *result});
  else
    b = cat({b, {0x01, 0x00}});
  return b;
}

inline Bytes typeidx(uint32_t i) { return u32(i); }

// A minimal core module: types, imports, functions with trivial bodies,
// memories, exports.
struct CoreModule {
  std::vector<Bytes> types, imports, funcs, bodies, memories, exports;

  uint32_t type(std::vector<uint8_t> params, std::vector<uint8_t> results) {
    types.push_back(cat({{0x60}, u32(params.size()), params, u32(results.size()), results}));
    type_results.push_back(results);
    return static_cast<uint32_t>(types.size() - 1);
  }
  uint32_t import_func(std::string_view module, std::string_view field, uint32_t t) {
    imports.push_back(cat({str(module), str(field), {0x00}, u32(t)}));
    return func_count++;
  }
  uint32_t func(uint32_t t) {
    funcs.push_back(u32(t));
    Bytes body{0x00};  // no locals
    for (uint8_t r : type_results[t]) {
      if (r == kI32) body.insert(body.end(), {0x41, 0x00});
      if (r == kI64) body.insert(body.end(), {0x42, 0x00});
      if (r == kCF32) body.insert(body.end(), {0x43, 0, 0, 0, 0});
      if (r == kCF64) body.insert(body.end(), {0x44, 0, 0, 0, 0, 0, 0, 0, 0});
    }
    body.push_back(0x0b);
    bodies.push_back(cat({u32(body.size()), body}));
    return func_count++;
  }
  void memory(uint32_t min) { memories.push_back(cat({{0x00}, u32(min)})); }
  void export_(std::string_view n, uint8_t kind, uint32_t idx) {
    exports.push_back(cat({str(n), {kind}, u32(idx)}));
  }
  Bytes bytes() const {
    Bytes b = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    auto add = [&](uint8_t id, const std::vector<Bytes>& items) {
      if (!items.empty()) b = cat({b, section(id, vec(items))});
    };
    add(1, types);
    add(2, imports);
    add(3, funcs);
    add(5, memories);
    add(7, exports);
    add(10, bodies);
    return b;
  }

  std::vector<std::vector<uint8_t>> type_results;
  uint32_t func_count = 0;
};

}  // namespace cb
