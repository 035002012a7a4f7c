#include "engine/component/core_module.h"

#include <optional>
#include <vector>

namespace spindle::component {

const char* to_string(CoreValType t) {
  switch (t) {
    case CoreValType::I32:
      return "i32";
    case CoreValType::I64:
      return "i64";
    case CoreValType::F32:
      return "f32";
    case CoreValType::F64:
      return "f64";
    case CoreValType::V128:
      return "v128";
    case CoreValType::FuncRef:
      return "funcref";
    case CoreValType::ExternRef:
      return "externref";
    case CoreValType::OtherRef:
      return "ref";
  }
  return "?";
}

const char* to_string(CoreSort s) {
  switch (s) {
    case CoreSort::Func:
      return "core func";
    case CoreSort::Table:
      return "core table";
    case CoreSort::Memory:
      return "core memory";
    case CoreSort::Global:
      return "core global";
    case CoreSort::Tag:
      return "core tag";
    case CoreSort::Type:
      return "core type";
    case CoreSort::Module:
      return "core module";
    case CoreSort::Instance:
      return "core instance";
  }
  return "?";
}

std::string to_string(const CoreFuncType& t) {
  std::string s = "[";
  for (size_t i = 0; i < t.params.size(); ++i)
    s += (i ? " " : "") + std::string(to_string(t.params[i]));
  s += "] -> [";
  for (size_t i = 0; i < t.results.size(); ++i)
    s += (i ? " " : "") + std::string(to_string(t.results[i]));
  return s + "]";
}

CoreValType read_core_valtype(Reader& r) {
  uint64_t at = r.offset();
  uint8_t b = r.u8();
  switch (b) {
    case 0x7f:
      return CoreValType::I32;
    case 0x7e:
      return CoreValType::I64;
    case 0x7d:
      return CoreValType::F32;
    case 0x7c:
      return CoreValType::F64;
    case 0x7b:
      return CoreValType::V128;
    case 0x70:
      return CoreValType::FuncRef;
    case 0x6f:
      return CoreValType::ExternRef;
    case 0x63:
    case 0x64:
      r.s33();
      return CoreValType::OtherRef;  // (ref null? heaptype)
    default:
      // abstract heap type shorthands of the GC and exception proposals
      if (b >= 0x69 && b <= 0x74) return CoreValType::OtherRef;
      r.fail_at(at, "invalid core value type " + hex(b));
  }
}

CoreFuncType read_core_functype(Reader& r) {
  CoreFuncType t;
  uint32_t n = r.count();
  for (uint32_t i = 0; i < n; ++i) t.params.push_back(read_core_valtype(r));
  n = r.count();
  for (uint32_t i = 0; i < n; ++i) t.results.push_back(read_core_valtype(r));
  return t;
}

namespace {

// Limits of a table or memory; returns whether they are 64-bit.
bool read_limits(Reader& r, bool memory) {
  uint64_t at = r.offset();
  uint8_t flags = r.u8();
  if (flags > (memory ? 0x0f : 0x07)) r.fail_at(at, "invalid limits flags " + hex(flags));
  bool is64 = (flags & 0x04) != 0;
  auto value = [&] { return is64 ? r.u64() : r.u32(); };
  value();
  if (flags & 0x01) value();
  if (memory && (flags & 0x08)) r.u32();  // custom page size
  return is64;
}

}  // namespace

CoreExtern read_core_externtype(Reader& r, const CoreFuncLookup& func_type) {
  CoreExtern e;
  uint64_t at = r.offset();
  uint8_t kind = r.u8();
  switch (kind) {
    case 0x00: {
      e.sort = CoreSort::Func;
      uint64_t idx_at = r.offset();
      uint32_t idx = r.u32();
      const CoreFuncType* ft = func_type(idx);
      if (ft == nullptr)
        r.fail_at(idx_at, "core type index " + std::to_string(idx) + " is not a function type");
      e.func = *ft;
      e.func_known = true;
      break;
    }
    case 0x01:
      e.sort = CoreSort::Table;
      read_core_valtype(r);
      read_limits(r, false);
      break;
    case 0x02:
      e.sort = CoreSort::Memory;
      e.memory64 = read_limits(r, true);
      break;
    case 0x03: {
      e.sort = CoreSort::Global;
      read_core_valtype(r);
      uint8_t mut = r.u8();
      if (mut > 1) r.fail("invalid global mutability " + hex(mut));
      break;
    }
    case 0x04: {
      e.sort = CoreSort::Tag;
      if (r.u8() != 0x00) r.fail("invalid tag attribute");
      r.u32();
      break;
    }
    default:
      r.fail_at(at, "invalid core import/export kind " + hex(kind));
  }
  return e;
}

CoreModuleType scan_core_module(std::span<const uint8_t> bytes, uint64_t base) {
  Reader r(bytes, base);
  static const uint8_t kPreamble[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  if (bytes.size() < 8) r.fail("core module: too short for the magic and version");
  auto pre = r.bytes(8);
  for (int i = 0; i < 8; ++i)
    if (pre[i] != kPreamble[i])
      r.fail_at(base, "core module: expected the magic and version 1 of a core module");

  CoreModuleType out;
  std::vector<std::optional<CoreFuncType>> types;
  bool gc_types = false;
  std::vector<CoreExtern> funcs;  // the function index space
  std::vector<bool> memories;     // memory64 flags
  uint32_t tables = 0, globals = 0, tags = 0;
  auto lookup = [&](uint32_t i) -> const CoreFuncType* {
    if (i >= types.size() || !types[i]) return nullptr;
    return &*types[i];
  };
  while (!r.at_end()) {
    uint8_t id = r.u8();
    uint32_t size = r.u32();
    Reader s = r.sub(size);
    switch (id) {
      case 1: {  // type
        uint32_t n = s.count();
        for (uint32_t i = 0; i < n && !gc_types; ++i) {
          if (s.peek() != 0x60) {
            gc_types = true;  // rec groups / subtypes: leave every type unknown
            break;
          }
          s.u8();
          types.emplace_back(read_core_functype(s));
        }
        if (gc_types) types.clear();
        break;
      }
      case 2: {  // import
        uint32_t n = s.count(3);
        for (uint32_t i = 0; i < n; ++i) {
          CoreImportDecl d;
          d.module = s.name();
          d.name = s.name();
          if (gc_types && s.peek() == 0x00) {
            s.u8();
            s.u32();
            d.type.sort = CoreSort::Func;
          } else {
            d.type = read_core_externtype(s, lookup);
          }
          switch (d.type.sort) {
            case CoreSort::Func:
              funcs.push_back(d.type);
              break;
            case CoreSort::Table:
              ++tables;
              break;
            case CoreSort::Memory:
              memories.push_back(d.type.memory64);
              break;
            case CoreSort::Global:
              ++globals;
              break;
            case CoreSort::Tag:
              ++tags;
              break;
            default:
              break;
          }
          out.imports.push_back(std::move(d));
        }
        break;
      }
      case 3: {  // function
        uint32_t n = s.count();
        for (uint32_t i = 0; i < n; ++i) {
          uint64_t at = s.offset();
          uint32_t t = s.u32();
          CoreExtern e;
          e.sort = CoreSort::Func;
          if (!gc_types) {
            const CoreFuncType* ft = lookup(t);
            if (ft == nullptr)
              s.fail_at(at, "core module: function type index " + std::to_string(t) +
                                " out of range (" + std::to_string(types.size()) + " types)");
            e.func = *ft;
            e.func_known = true;
          }
          funcs.push_back(std::move(e));
        }
        break;
      }
      case 4:
        tables += s.count();
        break;
      case 5: {  // memory
        uint32_t n = s.count();
        for (uint32_t i = 0; i < n; ++i) memories.push_back(read_limits(s, true));
        break;
      }
      case 6:
        globals += s.count();
        break;
      case 13:
        tags += s.count();
        break;
      case 7: {  // export
        uint32_t n = s.count(3);
        for (uint32_t i = 0; i < n; ++i) {
          CoreExportDecl d;
          d.name = s.name();
          uint64_t at = s.offset();
          uint8_t kind = s.u8();
          uint32_t idx = s.u32();
          auto range = [&](uint64_t count, const char* what) {
            if (idx >= count)
              s.fail_at(at, "core module: export '" + d.name + "' refers to " + what + " " +
                                std::to_string(idx) + " out of range (" + std::to_string(count) +
                                " defined)");
          };
          switch (kind) {
            case 0x00:
              range(funcs.size(), "function");
              d.type = funcs[idx];
              break;
            case 0x01:
              range(tables, "table");
              d.type.sort = CoreSort::Table;
              break;
            case 0x02:
              range(memories.size(), "memory");
              d.type.sort = CoreSort::Memory;
              d.type.memory64 = memories[idx];
              break;
            case 0x03:
              range(globals, "global");
              d.type.sort = CoreSort::Global;
              break;
            case 0x04:
              range(tags, "tag");
              d.type.sort = CoreSort::Tag;
              break;
            default:
              s.fail_at(at, "core module: invalid export kind " + hex(kind));
          }
          out.exports.push_back(std::move(d));
        }
        break;
      }
      default:
        break;  // code, data, custom, ...: the engine reads them
    }
  }
  return out;
}

}  // namespace spindle::component
