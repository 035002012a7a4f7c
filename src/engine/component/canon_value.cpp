#include "engine/component/canon_value.h"

#include <cmath>
#include <cstring>

namespace spindle::component {

const char* to_string(ValKind k) {
  static const char* const kNames[] = {"bool",   "s8",     "u8",     "s16",    "u16",   "s32",
                                       "u32",    "s64",    "u64",    "f32",    "f64",   "char",
                                       "string", "list",   "bytes",  "record", "tuple", "variant",
                                       "enum",   "option", "result", "flags",  "own",   "borrow"};
  return kNames[static_cast<int>(k)];
}

std::optional<uint32_t> label_index(const TypeDef& d, std::string_view name) {
  auto find = [&](const auto& items, auto get) -> std::optional<uint32_t> {
    for (size_t i = 0; i < items.size(); ++i)
      if (get(items[i]) == name) return static_cast<uint32_t>(i);
    return std::nullopt;
  };
  switch (d.kind) {
    case TypeKind::Record:
    case TypeKind::Func:
      return find(d.fields, [](const Field& f) -> std::string_view { return f.name; });
    case TypeKind::Variant:
      return find(d.cases, [](const Case& c) -> std::string_view { return c.name; });
    case TypeKind::Enum:
    case TypeKind::Flags:
      return find(d.labels, [](const std::string& l) -> std::string_view { return l; });
    case TypeKind::Option:
      return name == "none"   ? std::optional<uint32_t>(0)
             : name == "some" ? std::optional<uint32_t>(1)
                              : std::nullopt;
    case TypeKind::Result:
      return name == "ok"      ? std::optional<uint32_t>(0)
             : name == "error" ? std::optional<uint32_t>(1)
                               : std::nullopt;
    default:
      return std::nullopt;
  }
}

Val Val::f32(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return scalar(ValKind::F32, b);
}

Val Val::f64(double f) {
  uint64_t b;
  std::memcpy(&b, &f, 8);
  return scalar(ValKind::F64, b);
}

float Val::as_f32() const {
  uint32_t b = static_cast<uint32_t>(bits_);
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

double Val::as_f64() const {
  double f;
  std::memcpy(&f, &bits_, 8);
  return f;
}

Val Val::string(std::string utf8) {
  Val v;
  v.kind_ = ValKind::String;
  v.aux_ = utf8.size() > 0xffffffffu ? 0xffffffffu : static_cast<uint32_t>(utf8.size());
  v.str_ = std::move(utf8);
  return v;
}

Val Val::string(std::string utf8, StringEncoding src, uint32_t tagged_code_units) {
  Val v;
  v.kind_ = ValKind::String;
  v.enc_ = static_cast<uint8_t>(src);
  v.aux_ = tagged_code_units;
  v.str_ = std::move(utf8);
  return v;
}

Val Val::bytes(std::string_view b) {
  Val v;
  v.kind_ = ValKind::Bytes;
  v.str_.assign(b);
  return v;
}

Val Val::with_case(ValKind k, uint32_t c, std::optional<Val> payload) {
  Val v;
  v.kind_ = k;
  v.aux_ = c;
  if (payload) v.elems_.push_back(std::move(*payload));
  return v;
}

namespace {

bool is_float(ValKind k) { return k == ValKind::F32 || k == ValKind::F64; }

bool float_equal(const Val& a, const Val& b) {
  if (a.kind() == ValKind::F32) {
    float x = a.as_f32(), y = b.as_f32();
    if (std::isnan(x) && std::isnan(y)) return true;
    return a.as_u32() == b.as_u32();
  }
  double x = a.as_f64(), y = b.as_f64();
  if (std::isnan(x) && std::isnan(y)) return true;
  return a.as_u64() == b.as_u64();
}

bool bytes_equal_list(const Val& bytes, const Val& list) {
  std::string_view b = bytes.as_bytes();
  auto l = list.as_list();
  if (b.size() != l.size()) return false;
  for (size_t i = 0; i < b.size(); ++i)
    if (!l[i].is(ValKind::U8) || l[i].as_u8() != static_cast<uint8_t>(b[i])) return false;
  return true;
}

}  // namespace

bool Val::operator==(const Val& o) const {
  if (kind_ == ValKind::Bytes && o.kind_ == ValKind::List) return bytes_equal_list(*this, o);
  if (kind_ == ValKind::List && o.kind_ == ValKind::Bytes) return bytes_equal_list(o, *this);
  if (kind_ != o.kind_) return false;
  if (is_float(kind_)) return float_equal(*this, o);
  switch (kind_) {
    case ValKind::String:
    case ValKind::Bytes:
      return str_ == o.str_;
    case ValKind::List:
    case ValKind::Record:
    case ValKind::Tuple:
      return elems_ == o.elems_;
    case ValKind::Variant:
    case ValKind::Enum:
    case ValKind::Option:
    case ValKind::Result:
      return aux_ == o.aux_ && elems_ == o.elems_;
    default:
      return bits_ == o.bits_;
  }
}

namespace {

void quote(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == '"' || u == '\\' || u >= 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

void render(std::string& out, const Val& v) {
  auto items = [&](char open, char close) {
    out += open;
    bool first = true;
    for (const Val& e : v.as_list()) {
      if (!first) out += ", ";
      first = false;
      render(out, e);
    }
    out += close;
  };
  auto with_payload = [&](const std::string& head) {
    out += head;
    if (const Val* p = v.payload()) {
      out += '(';
      render(out, *p);
      out += ')';
    }
  };
  switch (v.kind()) {
    case ValKind::Bool:
      out += v.as_bool() ? "true" : "false";
      break;
    case ValKind::S8:
    case ValKind::S16:
    case ValKind::S32:
    case ValKind::S64:
      out += std::to_string(v.as_s64());
      break;
    case ValKind::F32:
      out += std::to_string(v.as_f32());
      break;
    case ValKind::F64:
      out += std::to_string(v.as_f64());
      break;
    case ValKind::Char:
      out += "char(" + std::to_string(static_cast<uint32_t>(v.as_char())) + ")";
      break;
    case ValKind::String:
      quote(out, v.as_string());
      break;
    case ValKind::Bytes:
      out += "bytes";
      quote(out, v.as_bytes());
      break;
    case ValKind::List:
      items('[', ']');
      break;
    case ValKind::Record:
    case ValKind::Tuple:
      items('{', '}');
      break;
    case ValKind::Variant:
      with_payload("case" + std::to_string(v.case_index()));
      break;
    case ValKind::Enum:
      out += "enum" + std::to_string(v.case_index());
      break;
    case ValKind::Option:
      with_payload(v.case_index() == 0 ? "none" : "some");
      break;
    case ValKind::Result:
      with_payload(v.case_index() == 0 ? "ok" : "err");
      break;
    case ValKind::Flags:
      out += "flags(" + std::to_string(v.as_flags()) + ")";
      break;
    case ValKind::Own:
      out += "own(" + std::to_string(v.rep()) + ")";
      break;
    case ValKind::Borrow:
      out += "borrow(" + std::to_string(v.rep()) + ")";
      break;
    default:  // unsigned
      out += std::to_string(v.as_u64());
      break;
  }
}

}  // namespace

std::string Val::debug() const {
  std::string out;
  render(out, *this);
  return out;
}

}  // namespace spindle::component
