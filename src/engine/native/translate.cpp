#include "engine/native/translate.h"

#include <set>
#include <string>
#include <utility>

#include "engine/native/glue.h"
#include "wabt/apply-names.h"
#include "wabt/c-writer.h"
#include "wabt/cast.h"
#include "wabt/generate-names.h"
#include "wabt/ir.h"
#include "wabt/stream.h"

namespace spindle::engine::native {
namespace {

bool is_simd_type(wabt::Type t) { return t == wabt::Type::V128; }

bool uses_simd(const wabt::ExprList& exprs) {
  for (const wabt::Expr& e : exprs) {
    switch (e.type()) {
      case wabt::ExprType::SimdLaneOp:
      case wabt::ExprType::SimdLoadLane:
      case wabt::ExprType::SimdStoreLane:
      case wabt::ExprType::SimdShuffleOp:
      case wabt::ExprType::LoadSplat:
      case wabt::ExprType::LoadZero:
        return true;
      case wabt::ExprType::Const:
        if (is_simd_type(wabt::cast<wabt::ConstExpr>(&e)->const_.type())) return true;
        break;
      case wabt::ExprType::Binary:
        if (wabt::cast<wabt::BinaryExpr>(&e)->opcode.GetPrefix() == 0xfd) return true;
        break;
      case wabt::ExprType::Compare:
        if (wabt::cast<wabt::CompareExpr>(&e)->opcode.GetPrefix() == 0xfd) return true;
        break;
      case wabt::ExprType::Convert:
        if (wabt::cast<wabt::ConvertExpr>(&e)->opcode.GetPrefix() == 0xfd) return true;
        break;
      case wabt::ExprType::Unary:
        if (wabt::cast<wabt::UnaryExpr>(&e)->opcode.GetPrefix() == 0xfd) return true;
        break;
      case wabt::ExprType::Ternary:
        if (wabt::cast<wabt::TernaryExpr>(&e)->opcode.GetPrefix() == 0xfd) return true;
        break;
      case wabt::ExprType::Load:
        if (wabt::cast<wabt::LoadExpr>(&e)->opcode.GetPrefix() == 0xfd) return true;
        break;
      case wabt::ExprType::Store:
        if (wabt::cast<wabt::StoreExpr>(&e)->opcode.GetPrefix() == 0xfd) return true;
        break;
      case wabt::ExprType::Select:
        for (auto t : wabt::cast<wabt::SelectExpr>(&e)->result_type)
          if (is_simd_type(t)) return true;
        break;
      case wabt::ExprType::Block:
        if (uses_simd(wabt::cast<wabt::BlockExpr>(&e)->block.exprs)) return true;
        break;
      case wabt::ExprType::Loop:
        if (uses_simd(wabt::cast<wabt::LoopExpr>(&e)->block.exprs)) return true;
        break;
      case wabt::ExprType::If: {
        auto* i = wabt::cast<wabt::IfExpr>(&e);
        if (uses_simd(i->true_.exprs) || uses_simd(i->false_)) return true;
        for (auto t : i->true_.decl.sig.result_types)
          if (is_simd_type(t)) return true;
        break;
      }
      default:
        break;
    }
  }
  return false;
}

bool sig_has_simd(const wabt::FuncSignature& sig) {
  for (auto t : sig.param_types)
    if (is_simd_type(t)) return true;
  for (auto t : sig.result_types)
    if (is_simd_type(t)) return true;
  return false;
}

}  // namespace

std::string unsupported_feature(const wabt::Module& m) {
  const char* simd = "SIMD (v128), which wasm2c 1.0.32 cannot translate";
  for (const wabt::TypeEntry* t : m.types) {
    if (auto* f = wabt::dyn_cast<wabt::FuncType>(t); f && sig_has_simd(f->sig)) return simd;
  }
  for (const wabt::Global* g : m.globals)
    if (is_simd_type(g->type)) return simd;
  for (const wabt::Func* f : m.funcs) {
    if (sig_has_simd(f->decl.sig)) return simd;
    for (auto t : f->local_types)
      if (is_simd_type(t)) return simd;
    if (uses_simd(f->exprs)) return simd;
  }
  return {};
}

bool write_c(wabt::Module& m, std::string& c_source, std::string& header, std::string& error) {
  // wasm2c needs every function, global, ... named. As the wasm2c tool
  // does, a name that cannot be applied is skipped, not an error.
  if (wabt::Failed(wabt::GenerateNames(&m))) {
    error = "cannot name the module's items for wasm2c";
    return false;
  }
  (void)wabt::ApplyNames(&m);
  wabt::MemoryStream c_stream;
  wabt::MemoryStream h_stream;
  wabt::WriteCOptions options;
  options.module_name = kModuleName;
  if (wabt::Failed(wabt::WriteC(&c_stream, &h_stream, "module.h", &m, options))) {
    error = "wasm2c could not translate the module";
    return false;
  }
  const auto& c = c_stream.output_buffer().data;
  const auto& h = h_stream.output_buffer().data;
  c_source.assign(c.begin(), c.end());
  header.assign(h.begin(), h.end());
  return true;
}

}  // namespace spindle::engine::native
