#include "engine/describe.h"

#include "wabt/cast.h"
#include "wabt/ir.h"

namespace spindle::engine {
namespace {

ValType val_type(wabt::Type t) {
  switch (t) {
    case wabt::Type::I32:
      return ValType::I32;
    case wabt::Type::I64:
      return ValType::I64;
    case wabt::Type::F32:
      return ValType::F32;
    case wabt::Type::F64:
      return ValType::F64;
    case wabt::Type::V128:
      return ValType::V128;
    case wabt::Type::FuncRef:
      return ValType::FuncRef;
    default:
      return ValType::ExternRef;
  }
}

FuncType func_type(const wabt::FuncSignature& sig) {
  FuncType f;
  for (auto t : sig.param_types) f.params.push_back(val_type(t));
  for (auto t : sig.result_types) f.results.push_back(val_type(t));
  return f;
}

std::optional<uint32_t> max_of(const wabt::Limits& l) {
  if (!l.has_max) return std::nullopt;
  return static_cast<uint32_t>(l.max);
}

ExternType of_func(const wabt::Func& f) {
  ExternType t;
  t.kind = ExternKind::Func;
  t.func = func_type(f.decl.sig);
  return t;
}
ExternType of_table(const wabt::Table& tb) {
  ExternType t;
  t.kind = ExternKind::Table;
  t.table.elem = val_type(tb.elem_type);
  t.table.min = static_cast<uint32_t>(tb.elem_limits.initial);
  t.table.max = max_of(tb.elem_limits);
  return t;
}
ExternType of_memory(const wabt::Memory& m) {
  ExternType t;
  t.kind = ExternKind::Memory;
  t.memory.min = static_cast<uint32_t>(m.page_limits.initial);
  t.memory.max = max_of(m.page_limits);
  return t;
}
ExternType of_global(const wabt::Global& g) {
  ExternType t;
  t.kind = ExternKind::Global;
  t.global.type = val_type(g.type);
  t.global.mut = g.mutable_;
  return t;
}

}  // namespace

void describe(const wabt::Module& m, std::vector<ImportDesc>& imports,
              std::vector<ExportDesc>& exports) {
  for (const wabt::Import* imp : m.imports) {
    ImportDesc d{imp->module_name, imp->field_name, {}};
    switch (imp->kind()) {
      case wabt::ExternalKind::Func:
        d.type = of_func(wabt::cast<wabt::FuncImport>(imp)->func);
        break;
      case wabt::ExternalKind::Table:
        d.type = of_table(wabt::cast<wabt::TableImport>(imp)->table);
        break;
      case wabt::ExternalKind::Memory:
        d.type = of_memory(wabt::cast<wabt::MemoryImport>(imp)->memory);
        break;
      case wabt::ExternalKind::Global:
        d.type = of_global(wabt::cast<wabt::GlobalImport>(imp)->global);
        break;
      default:
        continue;
    }
    imports.push_back(std::move(d));
  }
  for (const wabt::Export* e : m.exports) {
    ExportDesc d{e->name, {}};
    switch (e->kind) {
      case wabt::ExternalKind::Func:
        d.type = of_func(*m.GetFunc(e->var));
        break;
      case wabt::ExternalKind::Table:
        d.type = of_table(*m.GetTable(e->var));
        break;
      case wabt::ExternalKind::Memory:
        d.type = of_memory(*m.GetMemory(e->var));
        break;
      case wabt::ExternalKind::Global:
        d.type = of_global(*m.GetGlobal(e->var));
        break;
      default:
        continue;
    }
    exports.push_back(std::move(d));
  }
}

}  // namespace spindle::engine
