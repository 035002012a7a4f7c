// The loader's internals, shared by its source files (not part of the API).
#pragma once

#include <map>
#include <set>
#include <string>

#include "engine/component/core_module.h"
#include "engine/component/model.h"
#include "engine/component/reader.h"
#include "engine/component/type_ops.h"

namespace spindle::component::detail {

inline constexpr uint32_t kMaxNesting = 100;  // nested components and types

// A scope with index spaces: a component definition, or a component or
// instance type whose declarators start with empty index spaces.
struct Scope {
  Scope* parent = nullptr;
  Component* component = nullptr;  // set for a component definition
  bool instance_type = false;      // an instance type (no imports)
  IndexSpaces local;               // type scopes' own spaces
  IndexSpaces& spaces() { return component != nullptr ? component->spaces : local; }
  uint32_t depth = 0;

  // what a component type / instance type declares
  std::vector<ExternDecl> imports, exports;
  std::set<std::string> import_keys, export_keys;                    // strongly-unique keys
  std::map<std::string, TypeId> import_resources, export_resources;  // by label
  // core instances of a component definition (type scopes have none)
  size_t core_instance_count() const {
    return component != nullptr ? component->core_instances.size() : 0;
  }
};

class Loader {
 public:
  Loader(ComponentFile& file, std::span<const uint8_t> bytes) : file_(file), bytes_(bytes) {}

  // Parses the component at r (preamble included) into file_.components[id].
  void component(Reader& r, Scope* parent, uint32_t id);

  std::string section;  // the section being read, for messages

  // ---- types.cpp
  ValType valtype(Reader& r, Scope& s);
  TypeId deftype(Reader& r, Scope& s);  // a `type` (type section, declarator)
  void core_type(Reader& r, Scope& s);  // a `core:type`, added to s's core types
  ExternType externtype(Reader& r, Scope& s, const std::string& name);
  // An alias (definition or declarator); adds to s's index spaces.
  AliasDef alias(Reader& r, Scope& s, bool declarator);
  // The name of an import or export (`nameattributes`, or a plain name).
  std::string extern_name(Reader& r, ExternName& parsed);
  // Registers a declared/defined import or export name in the scope;
  // checks strong uniqueness and the resource annotations.
  void declare_name(Reader& r, uint64_t at, Scope& s, bool is_import, const std::string& name,
                    const ExternName& parsed, const ExternType& type);
  // Appends an item of `type.sort` to s's spaces; returns its index.
  uint32_t push(Scope& s, const ExternType& type, Origin origin, uint32_t ref);

  // ---- canon.cpp
  void canon(Reader& r, Scope& s);

  // ---- helpers
  [[noreturn]] void out_of_range(Reader& r, uint64_t at, const char* what, uint64_t index,
                                 size_t count);
  TypeId type_at(Reader& r, uint64_t at, Scope& s, uint32_t index);  // component type index
  const TypeDef& def(TypeId t) const { return file_.types[t]; }
  TypeId new_type(Reader& r, uint64_t at, TypeDef t);  // add_type + limit checks
  CoreTypeId new_core_type(CoreTypeDef t);
  const CoreItem& core_item(Reader& r, uint64_t at, Scope& s, CoreSort sort, uint32_t index);
  const Item& item(Reader& r, uint64_t at, Scope& s, Sort sort, uint32_t index);
  ExternType item_type(Reader& r, uint64_t at, Scope& s, SortIdx idx);
  Sort read_sort(Reader& r);
  CoreSort read_core_sort(Reader& r);

  ComponentFile& file_;
  std::span<const uint8_t> bytes_;

 private:
  void core_module_section(Reader& r, Scope& s, uint64_t at, size_t size);
  void core_instance(Reader& r, Scope& s);
  void instance(Reader& r, Scope& s);
  void import(Reader& r, Scope& s);
  void export_(Reader& r, Scope& s);
  void start(Reader& r, Scope& s);
  void nested_component(Reader& r, Scope& s, size_t size);
  TypeId component_type_of(Scope& s);
};

// "core function", "component instance", ... for messages.
const char* space_name(Sort s);
const char* space_name(CoreSort s);

}  // namespace spindle::component::detail
