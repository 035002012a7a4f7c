#include "engine/linking.h"

namespace spindle::engine {
namespace {

bool limits_match(uint64_t cur, std::optional<uint32_t> cur_max, uint32_t want_min,
                  std::optional<uint32_t> want_max) {
  if (cur < want_min) return false;
  if (want_max && (!cur_max || *cur_max > *want_max)) return false;
  return true;
}

}  // namespace

std::string describe_type(const ExternType& t) {
  switch (t.kind) {
    case ExternKind::Func:
      return "func " + to_string(t.func);
    case ExternKind::Global:
      return std::string("global ") + (t.global.mut ? "mut " : "") +
             std::string(to_string(t.global.type));
    case ExternKind::Memory:
      return "memory";
    case ExternKind::Table:
      return "table " + std::string(to_string(t.table.elem));
  }
  return "?";
}

ExternType host_func_type(const HostFunc& f) {
  ExternType t;
  t.kind = ExternKind::Func;
  t.func = f.type;
  return t;
}

std::string import_mismatch(const ImportDesc& imp, const ExternType& have) {
  const ExternType& want = imp.type;
  const std::string prefix = "incompatible import type for " + imp.module + "." + imp.name + ": ";
  if (want.kind != have.kind)
    return prefix + "expected " + std::string(to_string(want.kind)) + ", got " +
           std::string(to_string(have.kind));
  switch (want.kind) {
    case ExternKind::Func:
      if (!(want.func == have.func))
        return prefix + "expected " + describe_type(want) + ", got " + describe_type(have);
      break;
    case ExternKind::Global:
      if (want.global.type != have.global.type || want.global.mut != have.global.mut)
        return prefix + "expected " + describe_type(want) + ", got " + describe_type(have);
      break;
    case ExternKind::Memory:
      if (!limits_match(have.memory.min, have.memory.max, want.memory.min, want.memory.max))
        return prefix + "memory limits do not match";
      break;
    case ExternKind::Table:
      if (want.table.elem != have.table.elem ||
          !limits_match(have.table.min, have.table.max, want.table.min, want.table.max))
        return prefix + "table type or limits do not match";
      break;
  }
  return {};
}

}  // namespace spindle::engine
