// Index-space helpers of the loader: appending items, looking indices up with
// range checks, reading sorts.
#include "engine/component/core_module.h"
#include "engine/component/loader_impl.h"

namespace spindle::component::detail {

const char* space_name(Sort s) {
  switch (s) {
    case Sort::CoreFunc:
      return "core function";
    case Sort::CoreTable:
      return "core table";
    case Sort::CoreMemory:
      return "core memory";
    case Sort::CoreGlobal:
      return "core global";
    case Sort::CoreTag:
      return "core tag";
    case Sort::CoreType:
      return "core type";
    case Sort::CoreModule:
      return "core module";
    case Sort::CoreInstance:
      return "core instance";
    case Sort::Func:
      return "function";
    case Sort::Value:
      return "value";
    case Sort::Type:
      return "type";
    case Sort::Component:
      return "component";
    case Sort::Instance:
      return "instance";
  }
  return "?";
}

const char* space_name(CoreSort s) {
  // As to_string(), but "core function" in full (index-space messages).
  return s == CoreSort::Func ? "core function" : to_string(s);
}

void Loader::out_of_range(Reader& r, uint64_t at, const char* what, uint64_t index, size_t count) {
  r.fail_at(at, std::string(what) + " index " + std::to_string(index) + " out of range (" +
                    std::to_string(count) + " defined)");
}

TypeId Loader::new_type(Reader& r, uint64_t at, TypeDef t) {
  TypeId id = add_type(file_, std::move(t));
  const TypeDef& d = file_.types[id];
  if (d.size > kMaxTypeSize)
    r.fail_at(at, "type is too large (" + std::to_string(d.size) + " nodes, at most " +
                      std::to_string(kMaxTypeSize) + ")");
  if (d.depth > kMaxTypeDepth)
    r.fail_at(at, "type nesting is too deep (at most " + std::to_string(kMaxTypeDepth) + ")");
  if (file_.types.size() > 4 * kMaxTypeSize) r.fail_at(at, "too many types");
  return id;
}

CoreTypeId Loader::new_core_type(CoreTypeDef t) {
  file_.core_types.push_back(std::move(t));
  return static_cast<CoreTypeId>(file_.core_types.size() - 1);
}

namespace {

// The index space of a component-level sort whose entries are Items; null
// for the core sorts and core types (they have spaces of their own).
std::vector<Item>* items_of(IndexSpaces& sp, Sort sort) {
  switch (sort) {
    case Sort::Func:
      return &sp.funcs;
    case Sort::Value:
      return &sp.values;
    case Sort::Type:
      return &sp.types;
    case Sort::Component:
      return &sp.components;
    case Sort::Instance:
      return &sp.instances;
    case Sort::CoreModule:
      return &sp.core_modules;
    default:
      return nullptr;
  }
}

}  // namespace

uint32_t Loader::push(Scope& s, const ExternType& type, Origin origin, uint32_t ref) {
  IndexSpaces& sp = s.spaces();
  if (type.sort == Sort::CoreType) {
    sp.core_types.push_back(type.type);
    return static_cast<uint32_t>(sp.core_types.size() - 1);
  }
  std::vector<Item>* v = items_of(sp, type.sort);
  if (!v) return kNone;  // core items go through their own spaces
  v->push_back(Item{origin, ref, type});
  return static_cast<uint32_t>(v->size() - 1);
}

const Item& Loader::item(Reader& r, uint64_t at, Scope& s, Sort sort, uint32_t index) {
  const std::vector<Item>* v = items_of(s.spaces(), sort);
  if (!v) r.fail_at(at, std::string("a ") + to_string(sort) + " cannot be used here");
  if (index >= v->size()) out_of_range(r, at, space_name(sort), index, v->size());
  return (*v)[index];
}

const CoreItem& Loader::core_item(Reader& r, uint64_t at, Scope& s, CoreSort sort, uint32_t index) {
  IndexSpaces& sp = s.spaces();
  const std::vector<CoreItem>* v = nullptr;
  switch (sort) {
    case CoreSort::Func:
      v = &sp.core_funcs;
      break;
    case CoreSort::Table:
      v = &sp.core_tables;
      break;
    case CoreSort::Memory:
      v = &sp.core_memories;
      break;
    case CoreSort::Global:
      v = &sp.core_globals;
      break;
    case CoreSort::Tag:
      v = &sp.core_tags;
      break;
    default:
      r.fail_at(at, std::string("a ") + to_string(sort) + " cannot be used here");
  }
  if (index >= v->size()) out_of_range(r, at, space_name(sort), index, v->size());
  return (*v)[index];
}

TypeId Loader::type_at(Reader& r, uint64_t at, Scope& s, uint32_t index) {
  return item(r, at, s, Sort::Type, index).type.type;
}

ExternType Loader::item_type(Reader& r, uint64_t at, Scope& s, SortIdx idx) {
  switch (idx.sort) {
    case Sort::Func:
    case Sort::Value:
    case Sort::Type:
    case Sort::Component:
    case Sort::Instance:
    case Sort::CoreModule:
      return item(r, at, s, idx.sort, idx.index).type;
    default:
      r.fail_at(at, std::string("a ") + to_string(idx.sort) +
                        " cannot cross a component boundary (only core modules can)");
  }
}

CoreSort Loader::read_core_sort(Reader& r) {
  uint64_t at = r.offset();
  uint8_t b = r.u8();
  switch (b) {
    case 0x00:
      return CoreSort::Func;
    case 0x01:
      return CoreSort::Table;
    case 0x02:
      return CoreSort::Memory;
    case 0x03:
      return CoreSort::Global;
    case 0x04:
      return CoreSort::Tag;
    case 0x10:
      return CoreSort::Type;
    case 0x11:
      return CoreSort::Module;
    case 0x12:
      return CoreSort::Instance;
    default:
      r.fail_at(at, "invalid core sort " + hex(b));
  }
}

Sort Loader::read_sort(Reader& r) {
  uint64_t at = r.offset();
  uint8_t b = r.u8();
  switch (b) {
    case 0x00: {
      static const Sort kCore[] = {Sort::CoreFunc,   Sort::CoreTable,   Sort::CoreMemory,
                                   Sort::CoreGlobal, Sort::CoreTag,     Sort::CoreType,
                                   Sort::CoreModule, Sort::CoreInstance};
      return kCore[static_cast<int>(read_core_sort(r))];
    }
    case 0x01:
      return Sort::Func;
    case 0x02:
      return Sort::Value;
    case 0x03:
      return Sort::Type;
    case 0x04:
      return Sort::Component;
    case 0x05:
      return Sort::Instance;
    default:
      r.fail_at(at, "invalid sort " + hex(b));
  }
}

}  // namespace spindle::component::detail
