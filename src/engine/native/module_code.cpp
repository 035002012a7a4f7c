#include "engine/native/module_code.h"

#include <algorithm>
#include <optional>

#include "util/sha256.h"
#include "wabt/cast.h"
#include "wabt/ir.h"

namespace spindle::engine::native {
namespace {

constexpr uint8_t kData = 11, kCode = 10, kImport = 2, kMemory = 5;

struct Malformed {};

// A bounds-checked cursor; every failure throws Malformed.
struct Cursor {
  std::span<const uint8_t> b;
  size_t pos = 0;

  bool done() const { return pos == b.size(); }
  uint8_t u8() {
    if (pos >= b.size()) throw Malformed{};
    return b[pos++];
  }
  // LEB128 as the spec decodes it: at most 5 bytes, and the bits of the
  // last byte beyond 32 unset (u32) or copies of the sign bit (s32). The
  // parts of a module its code key leaves out (active segments' heads) are
  // checked only here, so a malformed one must not pass (it then gets the
  // whole-bytes key, and a full validation).
  uint32_t u32() {
    uint32_t v = 0;
    for (unsigned i = 0; i < 5; ++i) {
      uint8_t x = u8();
      if (i == 4 && (x & 0xf0)) throw Malformed{};  // past 32 bits, or a 6th byte
      v |= uint32_t{x & 0x7fu} << (7 * i);
      if (!(x & 0x80)) return v;
    }
    throw Malformed{};
  }
  int32_t s32() {
    uint32_t v = 0;
    for (unsigned i = 0; i < 5; ++i) {
      uint8_t x = u8();
      if (i == 4) {
        // No 6th byte; bits 32..34 repeat the sign bit (bit 31, x's bit 3).
        if ((x & 0x80) || ((x & 0x70) != ((x & 0x08) ? 0x70 : 0x00))) throw Malformed{};
        return static_cast<int32_t>(v | uint32_t{x & 0x0fu} << 28);
      }
      v |= uint32_t{x & 0x7fu} << (7 * i);
      if (!(x & 0x80)) {
        unsigned bits = 7 * (i + 1);
        if (x & 0x40) v |= ~uint32_t{0} << bits;  // sign-extend
        return static_cast<int32_t>(v);
      }
    }
    throw Malformed{};
  }
  std::span<const uint8_t> bytes(size_t n) {
    if (n > b.size() - pos) throw Malformed{};
    auto s = b.subspan(pos, n);
    pos += n;
    return s;
  }
  void limits(uint64_t* min = nullptr) {
    uint8_t flags = u8();
    if (flags > 3) throw Malformed{};  // memory64 and others: not scanned
    uint32_t lo = u32();
    if (min) *min = lo;
    if (flags & 1) u32();
  }
};

struct Section {
  uint8_t id;
  std::span<const uint8_t> body;
  size_t begin, end;  // the whole section (id and size included) in the module
};

std::vector<Section> sections_of(std::span<const uint8_t> wasm) {
  static const uint8_t kHeader[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  if (wasm.size() < 8 || !std::equal(kHeader, kHeader + 8, wasm.begin())) throw Malformed{};
  Cursor c{wasm, 8};
  std::vector<Section> out;
  while (!c.done()) {
    size_t begin = c.pos;
    uint8_t id = c.u8();
    auto body = c.bytes(c.u32());
    out.push_back({id, body, begin, c.pos});
  }
  return out;
}

uint32_t memory_imports(std::span<const uint8_t> body) {
  Cursor c{body};
  uint32_t n = c.u32(), memories = 0;
  for (uint32_t i = 0; i < n; ++i) {
    c.bytes(c.u32());
    c.bytes(c.u32());
    switch (c.u8()) {
      case 0:
        c.u32();
        break;
      case 1:
        c.u8();
        c.limits();
        break;
      case 2:
        c.limits();
        ++memories;
        break;
      case 3:
        c.u8();
        c.u8();
        break;
      default:
        throw Malformed{};
    }
  }
  return memories;
}

struct Segment {
  bool active;
  bool const_offset;  // active, memory 0, `i32.const k end`
  uint32_t offset;
  std::span<const uint8_t> raw;   // the whole segment
  std::span<const uint8_t> head;  // flags, memory and offset: up to the length
  std::span<const uint8_t> bytes;
};

std::vector<Segment> segments_of(std::span<const uint8_t> body) {
  Cursor c{body};
  uint32_t n = c.u32();
  std::vector<Segment> out;
  for (uint32_t i = 0; i < n; ++i) {
    size_t begin = c.pos;
    Segment s{};
    uint32_t flags = c.u32();
    if (flags > 2) throw Malformed{};
    s.active = flags != 1;
    uint32_t memory = flags == 2 ? c.u32() : 0;
    if (s.active) {
      uint8_t op = c.u8();
      if (op == 0x41) {
        s.offset = static_cast<uint32_t>(c.s32());
        s.const_offset = memory == 0;
      } else if (op == 0x23) {
        c.u32();
      } else {
        throw Malformed{};
      }
      if (c.u8() != 0x0b) throw Malformed{};
    }
    s.head = body.subspan(begin, c.pos - begin);
    s.bytes = c.bytes(c.u32());
    s.raw = body.subspan(begin, c.pos - begin);
    out.push_back(s);
  }
  if (!c.done()) throw Malformed{};
  return out;
}

void put(util::Sha256& h, std::span<const uint8_t> bytes) {
  uint64_t n = bytes.size();
  h.update(&n, sizeof n);
  h.update(bytes.data(), bytes.size());
}

std::optional<ModuleCode> scan(std::span<const uint8_t> wasm) {
  std::vector<Section> sections = sections_of(wasm);
  uint32_t imported = 0, defined = 0;
  uint64_t initial_pages = 0;
  const Section* data = nullptr;
  for (const Section& s : sections) {
    if (s.id == kImport) imported = memory_imports(s.body);
    if (s.id == kMemory) {
      Cursor c{s.body};
      defined = c.u32();
      if (defined > 0) c.limits(&initial_pages);
    }
    if (s.id == kData) data = &s;
  }
  ModuleCode out;
  std::vector<Segment> segments;
  if (data) segments = segments_of(data->body);
  out.image = imported == 0 && defined == 1;
  for (const Segment& s : segments) {
    if (!s.active) continue;
    if (!s.const_offset || uint64_t{s.offset} + s.bytes.size() > initial_pages * 65536) {
      out.image = false;
      break;
    }
    out.active.push_back({s.offset, s.bytes});
  }
  if (!out.image) out.active.clear();

  util::Sha256 h;
  const char kVersion[] = "spindle-code-1";
  h.update(kVersion, sizeof kVersion);
  for (const Section& s : sections) {
    h.update(&s.id, 1);
    if (s.id != kData || !out.image) {
      put(h, s.body);
      continue;
    }
    uint64_t n = segments.size();
    h.update(&n, sizeof n);
    for (const Segment& seg : segments) {
      const uint8_t kActive[] = {'A'};
      put(h, seg.active ? std::span<const uint8_t>(kActive) : seg.raw);
    }
  }
  out.digest = h.hex();
  return out;
}

}  // namespace

std::vector<uint8_t> ModuleCode::image_bytes() const {
  size_t end = 0;
  for (const Segment& s : active)
    if (!s.bytes.empty()) end = std::max<size_t>(end, size_t{s.offset} + s.bytes.size());
  std::vector<uint8_t> out(end, 0);
  for (const Segment& s : active) std::copy(s.bytes.begin(), s.bytes.end(), out.begin() + s.offset);
  return out;
}

ModuleCode scan_module(std::span<const uint8_t> wasm) {
  try {
    if (auto code = scan(wasm)) return *code;
  } catch (const Malformed&) {
  }
  ModuleCode whole;
  util::Sha256 h;
  const char kVersion[] = "spindle-wasm-1";
  h.update(kVersion, sizeof kVersion);
  put(h, wasm);
  whole.digest = h.hex();
  return whole;
}

std::vector<uint8_t> stub_module(std::span<const uint8_t> wasm) {
  auto leb = [](std::vector<uint8_t>& out, uint64_t v) {
    for (;; v >>= 7) {
      out.push_back(static_cast<uint8_t>((v & 0x7f) | (v >= 0x80 ? 0x80 : 0)));
      if (v < 0x80) break;
    }
  };
  try {
    std::vector<Section> sections = sections_of(wasm);
    std::vector<uint8_t> out(wasm.begin(), wasm.begin() + 8);
    for (const Section& s : sections) {
      if (s.id == 0) continue;
      std::vector<uint8_t> body;
      if (s.id == kCode) {  // N bodies of `unreachable`
        uint32_t n = Cursor{s.body}.u32();
        leb(body, n);
        for (uint32_t i = 0; i < n; ++i) body.insert(body.end(), {0x03, 0x00, 0x00, 0x0b});
      } else if (s.id == kData) {  // active segments without their bytes
        std::vector<Segment> segments = segments_of(s.body);
        leb(body, segments.size());
        for (const Segment& seg : segments) {
          if (!seg.active) {
            body.insert(body.end(), seg.raw.begin(), seg.raw.end());
            continue;
          }
          body.insert(body.end(), seg.head.begin(), seg.head.end());
          body.push_back(0);  // no bytes
        }
      } else {
        out.insert(out.end(), wasm.begin() + s.begin, wasm.begin() + s.end);
        continue;
      }
      out.push_back(s.id);
      leb(out, body.size());
      out.insert(out.end(), body.begin(), body.end());
    }
    return out;
  } catch (const Malformed&) {
    return {};
  }
}

void strip_active_segments(wabt::Module& m) {
  for (wabt::DataSegment* seg : m.data_segments) {
    if (seg->kind != wabt::SegmentKind::Active) continue;
    seg->data.clear();
    for (wabt::Expr& e : seg->offset)
      if (auto* c = wabt::dyn_cast<wabt::ConstExpr>(&e); c && c->const_.type() == wabt::Type::I32)
        c->const_.set_u32(0);
  }
}

}  // namespace spindle::engine::native
