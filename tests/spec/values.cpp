#include "values.h"

#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace spindle::spec {
namespace {

uint64_t parse_u64(const std::string& s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size())
    throw std::runtime_error("bad number '" + s + "'");
  return v;
}

const std::string& value_text(const json& v) {
  const json& x = v.at("value");
  if (!x.is_string()) throw std::runtime_error("value is not a string: " + x.dump());
  return x.get_ref<const std::string&>();
}

enum class NanPattern { None, Canonical, Arithmetic };

NanPattern nan_pattern(const std::string& s) {
  if (s == "nan:canonical") return NanPattern::Canonical;
  if (s == "nan:arithmetic") return NanPattern::Arithmetic;
  return NanPattern::None;
}

bool f32_matches(const std::string& expected, uint32_t bits) {
  switch (nan_pattern(expected)) {
    case NanPattern::Canonical:
      return (bits & 0x7fffffffu) == 0x7fc00000u;
    case NanPattern::Arithmetic:
      return (bits & 0x7fc00000u) == 0x7fc00000u;
    case NanPattern::None:
      return bits == static_cast<uint32_t>(parse_u64(expected));
  }
  return false;
}

bool f64_matches(const std::string& expected, uint64_t bits) {
  switch (nan_pattern(expected)) {
    case NanPattern::Canonical:
      return (bits & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
    case NanPattern::Arithmetic:
      return (bits & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
    case NanPattern::None:
      return bits == parse_u64(expected);
  }
  return false;
}

unsigned lane_bytes(const std::string& lane) {
  if (lane == "i8") return 1;
  if (lane == "i16") return 2;
  if (lane == "i32" || lane == "f32") return 4;
  if (lane == "i64" || lane == "f64") return 8;
  throw std::runtime_error("bad v128 lane type '" + lane + "'");
}

uint64_t read_lane(const Value& v, unsigned i, unsigned size) {
  uint64_t x = 0;
  std::memcpy(&x, v.v128 + i * size, size);  // little-endian host
  return x;
}

std::string show_f32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  char buf[64];
  if (std::isnan(f))
    std::snprintf(buf, sizeof buf, "nan:0x%08" PRIx32, bits);
  else
    std::snprintf(buf, sizeof buf, "%.9g (0x%08" PRIx32 ")", f, bits);
  return buf;
}

std::string show_f64(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  char buf[80];
  if (std::isnan(d))
    std::snprintf(buf, sizeof buf, "nan:0x%016" PRIx64, bits);
  else
    std::snprintf(buf, sizeof buf, "%.17g (0x%016" PRIx64 ")", d, bits);
  return buf;
}

std::string show_expected_scalar(const std::string& type, const std::string& text) {
  if (nan_pattern(text) != NanPattern::None || text == "null") return text;
  if (type == "f32") return show_f32(static_cast<uint32_t>(parse_u64(text)));
  if (type == "f64") return show_f64(parse_u64(text));
  return text;
}

}  // namespace

std::optional<ValType> parse_type(const std::string& name) {
  if (name == "i32") return ValType::I32;
  if (name == "i64") return ValType::I64;
  if (name == "f32") return ValType::F32;
  if (name == "f64") return ValType::F64;
  if (name == "v128") return ValType::V128;
  if (name == "funcref") return ValType::FuncRef;
  if (name == "externref") return ValType::ExternRef;
  return std::nullopt;
}

Value parse_arg(const json& v, ValType& type) {
  const std::string& tname = v.at("type").get_ref<const std::string&>();
  auto t = parse_type(tname);
  if (!t) throw std::runtime_error("unknown value type '" + tname + "'");
  type = *t;
  Value x;
  switch (type) {
    case ValType::I32:
    case ValType::F32:
      x.i32 = static_cast<uint32_t>(parse_u64(value_text(v)));
      break;
    case ValType::I64:
    case ValType::F64:
      x.i64 = parse_u64(value_text(v));
      break;
    case ValType::V128: {
      const std::string& lane = v.at("lane_type").get_ref<const std::string&>();
      unsigned size = lane_bytes(lane);
      const json& lanes = v.at("value");
      if (!lanes.is_array() || lanes.size() * size != 16)
        throw std::runtime_error("bad v128 lanes: " + lanes.dump());
      for (unsigned i = 0; i < lanes.size(); ++i) {
        uint64_t bits = parse_u64(lanes[i].get<std::string>());
        std::memcpy(x.v128 + i * size, &bits, size);
      }
      break;
    }
    case ValType::FuncRef:
      if (value_text(v) != "null") throw std::runtime_error("funcref argument must be null");
      x.funcref = {};
      break;
    case ValType::ExternRef: {
      const std::string& s = value_text(v);
      x.externref = s == "null" ? nullptr : extern_ref(parse_u64(s));
      break;
    }
  }
  return x;
}

bool matches(const json& expected, ValType type, const Value& actual) {
  const std::string& tname = expected.at("type").get_ref<const std::string&>();
  auto t = parse_type(tname);
  if (!t || *t != type) return false;
  switch (type) {
    case ValType::I32:
      return actual.i32 == static_cast<uint32_t>(parse_u64(value_text(expected)));
    case ValType::I64:
      return actual.i64 == parse_u64(value_text(expected));
    case ValType::F32:
      return f32_matches(value_text(expected), actual.i32);
    case ValType::F64:
      return f64_matches(value_text(expected), actual.i64);
    case ValType::V128: {
      const std::string& lane = expected.at("lane_type").get_ref<const std::string&>();
      unsigned size = lane_bytes(lane);
      const json& lanes = expected.at("value");
      if (!lanes.is_array() || lanes.size() * size != 16)
        throw std::runtime_error("bad v128 lanes: " + lanes.dump());
      for (unsigned i = 0; i < lanes.size(); ++i) {
        const std::string& s = lanes[i].get_ref<const std::string&>();
        uint64_t bits = read_lane(actual, i, size);
        bool ok = lane == "f32" ? f32_matches(s, static_cast<uint32_t>(bits))
                  : lane == "f64"
                      ? f64_matches(s, bits)
                      : bits == (parse_u64(s) & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1));
        if (!ok) return false;
      }
      return true;
    }
    case ValType::FuncRef: {
      // `(ref.null func)` is null; `(ref.func)` (no value, or any other
      // value) is any non-null reference.
      bool want_null = expected.contains("value") && expected["value"] == "null";
      return want_null == (actual.funcref.func == nullptr);
    }
    case ValType::ExternRef: {
      const std::string& s = value_text(expected);
      if (s == "null") return actual.externref == nullptr;
      return actual.externref == extern_ref(parse_u64(s));
    }
  }
  return false;
}

std::string show(ValType type, const Value& v, const char* lane_type) {
  std::string t(engine::to_string(type));
  switch (type) {
    case ValType::I32:
      return t + ":" + std::to_string(v.i32);
    case ValType::I64:
      return t + ":" + std::to_string(v.i64);
    case ValType::F32:
      return t + ":" + show_f32(v.i32);
    case ValType::F64:
      return t + ":" + show_f64(v.i64);
    case ValType::V128: {
      std::string lane = lane_type ? lane_type : "i32";
      unsigned size = lane_bytes(lane);
      std::string s = "v128 " + lane + "x" + std::to_string(16 / size) + ":";
      for (unsigned i = 0; i < 16 / size; ++i) {
        uint64_t bits = read_lane(v, i, size);
        s += " ";
        if (lane == "f32")
          s += show_f32(static_cast<uint32_t>(bits));
        else if (lane == "f64")
          s += show_f64(bits);
        else
          s += std::to_string(bits);
      }
      return s;
    }
    case ValType::FuncRef:
      return t + (v.funcref.func ? ":non-null" : ":null");
    case ValType::ExternRef: {
      if (!v.externref) return t + ":null";
      auto n = reinterpret_cast<uintptr_t>(v.externref);
      return t + ":" + std::to_string(n - 1) + " (pointer " + std::to_string(n) + ")";
    }
  }
  return t + ":?";
}

std::string show_expected(const json& e) {
  std::string type = e.value("type", "?");
  if (!e.contains("value")) return type + (type == "funcref" ? ":non-null" : "");
  const json& v = e["value"];
  if (type == "v128" && v.is_array()) {
    std::string lane = e.value("lane_type", "?");
    std::string s = "v128 " + lane + "x" + std::to_string(v.size()) + ":";
    for (const json& l : v) s += " " + show_expected_scalar(lane, l.get<std::string>());
    return s;
  }
  if (!v.is_string()) return type + ":" + v.dump();
  std::string text = v.get<std::string>();
  if (type == "funcref" && text != "null") return type + ":non-null";
  return type + ":" + show_expected_scalar(type, text);
}

}  // namespace spindle::spec
