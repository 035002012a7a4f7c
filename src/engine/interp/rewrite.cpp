#include "engine/interp/rewrite.h"

#include <cstring>

#include "engine/interp/access.h"
#include "wabt/binary-reader.h"
#include "wabt/interp/binary-reader-interp.h"

namespace spindle::engine::interp::core {

namespace {

using Offset = wi::Istream::Offset;

uint32_t load_u32(const wi::Buffer& b, Offset at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}
void store_u32(wi::Buffer& b, Offset at, uint32_t v) { std::memcpy(b.data() + at, &v, sizeof v); }

// Offsets of the opcode of instructions to patch.
struct Scan {
  std::vector<Offset> grows;         // memory.grow
  std::vector<Offset> func_indices;  // call / ref.func / ... naming a defined function
  bool ok = false;
};

Scan scan(const wi::Istream& is, wi::Index num_func_imports) {
  Scan s;
  Offset off = 0;
  const Offset end = is.end();
  while (off < end) {
    Offset at = off;
    wi::Instr in = is.Read(&off);
    if (off <= at) return s;  // no progress: not an instruction stream we understand
    switch (in.op) {
      case wabt::Opcode::MemoryGrow:
        if (in.imm_u32 != 0) return s;  // multi-memory: not supported here
        s.grows.push_back(at);
        break;
      case wabt::Opcode::Call:
      case wabt::Opcode::ReturnCall:
      case wabt::Opcode::RefFunc:
      case wabt::Opcode::InterpAdjustFrameForReturnCall:
        if (in.imm_u32 >= num_func_imports) s.func_indices.push_back(at);
        break;
      default:
        break;
    }
  }
  s.ok = off == end;
  return s;
}

}  // namespace

std::string rewrite(Code& code) {
  wi::ModuleDesc& d = code.desc;
  code.num_imports = d.imports.size();
  if (!d.starts.empty()) {
    code.has_start = true;
    code.start = d.starts.front().func_index;
    d.starts.clear();
  }
  if (d.memories.empty() &&
      std::none_of(d.imports.begin(), d.imports.end(), [](const wi::ImportDesc& i) {
        return i.type.type->kind == wabt::ExternalKind::Memory;
      }))
    return {};

  wi::Index nfi = 0;
  for (const auto& imp : d.imports)
    if (imp.type.type->kind == wabt::ExternalKind::Func) ++nfi;

  Scan s = scan(d.istream, nfi);
  if (!s.ok) return "cannot decode the interpreter's instruction stream";
  if (s.grows.empty()) return {};

  wi::Buffer& buf = istream_data(d.istream);
  const wi::Buffer backup = buf;
  constexpr Offset kImm = sizeof(wi::Istream::SerializedOpcode);
  for (Offset at : s.func_indices) store_u32(buf, at + kImm, load_u32(buf, at + kImm) + 1);
  for (Offset at : s.grows) {
    store_u32(buf, at, static_cast<uint32_t>(wabt::Opcode::InterpCallImport));
    store_u32(buf, at + kImm, nfi);
  }
  // Check that WABT decodes the patched instructions as intended.
  for (Offset at : s.grows) {
    Offset off = at;
    wi::Instr in = d.istream.Read(&off);
    if (in.op != wabt::Opcode::InterpCallImport || in.imm_u32 != nfi || off != at + 2 * kImm) {
      buf = backup;
      return "cannot patch memory.grow in the interpreter's instruction stream";
    }
  }

  for (auto& e : d.exports)
    if (e.type.type->kind == wabt::ExternalKind::Func && e.index >= nfi) ++e.index;
  if (code.has_start && code.start >= nfi) ++code.start;
  for (auto& seg : d.elems)
    for (auto& e : seg.elements)
      if (e.kind == wi::ElemKind::RefFunc && e.index >= nfi) ++e.index;

  d.imports.push_back(wi::ImportDesc{
      wi::ImportType("spindle:internal", "memory.grow",
                     std::make_unique<wi::FuncType>(wi::ValueTypes{wabt::Type::I32},
                                                    wi::ValueTypes{wabt::Type::I32}))});
  code.grow_injected = true;
  return {};
}

CodePtr prepare(const uint8_t* wasm, size_t size, const std::string& name, std::string* error) {
  auto code = std::make_shared<Code>();
  wabt::Errors errors;
  wabt::ReadBinaryOptions options(features(), nullptr, /*read_debug_names=*/false,
                                  /*stop_on_first_error=*/true,
                                  /*fail_on_custom_section_error=*/false);
  if (wabt::Failed(wi::ReadBinaryInterp(name, wasm, size, options, &errors, &code->desc))) {
    *error = name + ": interpreter cannot load module";
    if (!errors.empty()) *error += ": " + errors.front().message;
    return nullptr;
  }
  if (std::string why = rewrite(*code); !why.empty()) {
    *error = name + ": " + why;
    return nullptr;
  }
  return code;
}

}  // namespace spindle::engine::interp::core
