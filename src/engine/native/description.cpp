#include "engine/native/description.h"

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <iterator>

namespace spindle::engine::native {

namespace {

constexpr std::string_view kMagic = "spindle module description 1\n";

class Writer {
 public:
  void u8(uint8_t v) { out += static_cast<char>(v); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out += s;
  }
  void types(const std::vector<ValType>& ts) {
    u32(static_cast<uint32_t>(ts.size()));
    for (ValType t : ts) u8(static_cast<uint8_t>(t));
  }
  void limits(uint32_t min, const std::optional<uint32_t>& max) {
    u32(min);
    u8(max ? 1 : 0);
    u32(max.value_or(0));
  }
  void extern_type(const ExternType& t) {
    u8(static_cast<uint8_t>(t.kind));
    switch (t.kind) {
      case ExternKind::Func:
        types(t.func.params);
        types(t.func.results);
        break;
      case ExternKind::Table:
        u8(static_cast<uint8_t>(t.table.elem));
        limits(t.table.min, t.table.max);
        break;
      case ExternKind::Memory:
        limits(t.memory.min, t.memory.max);
        break;
      case ExternKind::Global:
        u8(static_cast<uint8_t>(t.global.type));
        u8(t.global.mut ? 1 : 0);
        break;
    }
  }
  std::string out;
};

class Reader {
 public:
  explicit Reader(std::string_view b) : in_(b) {}
  bool ok() const { return ok_; }
  bool at_end() const { return in_.empty(); }
  uint8_t u8() {
    if (in_.empty()) {
      ok_ = false;
      return 0;
    }
    auto v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{u8()} << (8 * i);
    return v;
  }
  std::string str() {
    uint32_t n = u32();
    if (!ok_ || n > in_.size()) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  ValType val_type() {
    uint8_t v = u8();
    if (v > static_cast<uint8_t>(ValType::ExternRef)) ok_ = false;
    return static_cast<ValType>(v);
  }
  std::vector<ValType> types() {
    uint32_t n = u32();
    std::vector<ValType> ts;
    if (n > in_.size()) ok_ = false;
    for (uint32_t i = 0; ok_ && i < n; ++i) ts.push_back(val_type());
    return ts;
  }
  void limits(uint32_t& min, std::optional<uint32_t>& max) {
    min = u32();
    bool has_max = u8() != 0;
    uint32_t m = u32();
    if (has_max) max = m;
  }
  ExternType extern_type() {
    ExternType t;
    uint8_t kind = u8();
    if (kind > static_cast<uint8_t>(ExternKind::Global)) ok_ = false;
    t.kind = static_cast<ExternKind>(kind);
    switch (t.kind) {
      case ExternKind::Func:
        t.func.params = types();
        t.func.results = types();
        break;
      case ExternKind::Table:
        t.table.elem = val_type();
        limits(t.table.min, t.table.max);
        break;
      case ExternKind::Memory:
        limits(t.memory.min, t.memory.max);
        break;
      case ExternKind::Global:
        t.global.type = val_type();
        t.global.mut = u8() != 0;
        break;
    }
    return t;
  }
  // A count of items that each take at least `min_bytes` (bounds a
  // corrupt count before anything is reserved).
  uint32_t count(size_t min_bytes) {
    uint32_t n = u32();
    if (n > in_.size() / min_bytes) ok_ = false;
    return ok_ ? n : 0;
  }

 private:
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

std::string encode(const Description& d) {
  Writer w;
  w.out = kMagic;
  w.u8(d.shadow_stack ? 1 : 0);
  w.u32(static_cast<uint32_t>(d.imports.size()));
  for (const ImportDesc& i : d.imports) {
    w.str(i.module);
    w.str(i.name);
    w.extern_type(i.type);
  }
  w.u32(static_cast<uint32_t>(d.exports.size()));
  for (const ExportDesc& e : d.exports) {
    w.str(e.name);
    w.extern_type(e.type);
  }
  return std::move(w.out);
}

std::optional<Description> decode(std::string_view bytes) {
  if (!bytes.starts_with(kMagic)) return std::nullopt;
  Reader r(bytes.substr(kMagic.size()));
  Description d;
  d.shadow_stack = r.u8() != 0;
  uint32_t n = r.count(9);
  d.imports.reserve(n);
  for (uint32_t i = 0; r.ok() && i < n; ++i) {
    ImportDesc imp;
    imp.module = r.str();
    imp.name = r.str();
    imp.type = r.extern_type();
    d.imports.push_back(std::move(imp));
  }
  n = r.count(5);
  d.exports.reserve(n);
  for (uint32_t i = 0; r.ok() && i < n; ++i) {
    ExportDesc exp;
    exp.name = r.str();
    exp.type = r.extern_type();
    d.exports.push_back(std::move(exp));
  }
  if (!r.ok() || !r.at_end()) return std::nullopt;
  return d;
}

std::filesystem::path description_path(const std::filesystem::path& artifact) {
  return artifact.string() + ".desc";
}

bool store_description(const std::filesystem::path& artifact, const Description& d) {
  std::filesystem::path to = description_path(artifact);
  std::filesystem::path tmp = to.string() + ".tmp" + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::create_directories(to.parent_path(), ec);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << encode(d);
    if (!out.flush()) return false;
  }
  std::filesystem::rename(tmp, to, ec);
  if (!ec) return true;
  std::filesystem::remove(tmp, ec);
  return false;
}

std::optional<Description> load_description(const std::filesystem::path& artifact) {
  std::ifstream in(description_path(artifact), std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode(bytes);
}

}  // namespace spindle::engine::native
