// The data model of a loaded WebAssembly component (component-model
// design/mvp/Binary.md): its types, its index spaces, its imports and
// exports, its definitions in binary order. Plain structs only, so a linking
// plan can walk them; the loader (loader.h) fills and validates them.
//
// Types of the whole file (every nested component and type scope) live in
// one arena, `ComponentFile::types` (component level) and
// `ComponentFile::core_types` (core level); index spaces refer to them by
// TypeId / CoreTypeId. Resource types have identity: two handles name the
// same resource iff they hold the same TypeId.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "engine/component/names.h"

namespace spindle::component {

using TypeId = uint32_t;      // index into ComponentFile::types
using CoreTypeId = uint32_t;  // index into ComponentFile::core_types
inline constexpr uint32_t kNone = 0xffffffffu;

// ---- core level ----------------------------------------------------------

enum class CoreValType : uint8_t { I32, I64, F32, F64, V128, FuncRef, ExternRef, OtherRef };

struct CoreFuncType {
  std::vector<CoreValType> params, results;
  bool operator==(const CoreFuncType&) const = default;
};

enum class CoreSort : uint8_t { Func, Table, Memory, Global, Tag, Type, Module, Instance };

// The type of a core import or export. `func` is meaningful for Func (when
// `func_known`: a module whose type section uses GC types leaves it unknown).
struct CoreExtern {
  CoreSort sort = CoreSort::Func;
  CoreFuncType func;
  bool func_known = false;
  bool memory64 = false;  // Memory
};

struct CoreImportDecl {
  std::string module, name;
  CoreExtern type;
};
struct CoreExportDecl {
  std::string name;
  CoreExtern type;
};

struct CoreModuleType {
  std::vector<CoreImportDecl> imports;
  std::vector<CoreExportDecl> exports;
};

enum class CoreTypeKind : uint8_t { Func, Module, Gc };
struct CoreTypeDef {
  CoreTypeKind kind = CoreTypeKind::Func;
  CoreFuncType func;      // Func
  CoreModuleType module;  // Module
};

// ---- component-level types ----------------------------------------------

enum class PrimType : uint8_t {
  Bool,
  S8,
  U8,
  S16,
  U16,
  S32,
  U32,
  S64,
  U64,
  F32,
  F64,
  Char,
  String
};

// A value type: a primitive, or a defined value type in the arena.
struct ValType {
  bool is_prim = true;
  PrimType prim = PrimType::Bool;
  TypeId id = kNone;
  static ValType primitive(PrimType p) { return {true, p, kNone}; }
  static ValType defined(TypeId t) { return {false, PrimType::Bool, t}; }
  bool operator==(const ValType&) const = default;
};

enum class TypeKind : uint8_t {
  Prim,  // a primitive given its own type index (`prim`)
  Record,
  Variant,
  List,
  Tuple,
  Flags,
  Enum,
  Option,
  Result,
  Own,
  Borrow,
  Func,
  Component,
  Instance,
  Resource,
};

const char* to_string(TypeKind k);

struct Field {
  std::string name;
  ValType type;
};
struct Case {
  std::string name;
  std::optional<ValType> type;
};

// Sorts of the component level (and `CoreModule`, the one core sort that can
// cross a component boundary, plus the core sorts for sortidx).
enum class Sort : uint8_t {
  CoreFunc,
  CoreTable,
  CoreMemory,
  CoreGlobal,
  CoreTag,
  CoreType,
  CoreModule,
  CoreInstance,
  Func,
  Value,
  Type,
  Component,
  Instance,
};
const char* to_string(Sort s);

// The type of an import or export (Binary.md `externtype`).
struct ExternType {
  Sort sort = Sort::Func;
  // Func: a Func type. Instance: an Instance type. Component: a Component
  // type. Type: the type it names (for `sub resource`, a fresh abstract
  // Resource). CoreModule: a core Module type (CoreTypeId).
  uint32_t type = kNone;
  ValType value;              // Value
  bool sub_resource = false;  // Type: declared as (sub resource)
};

struct ExternDecl {
  std::string name;
  ExternName parsed;
  ExternType type;
};

struct TypeDef {
  TypeKind kind = TypeKind::Prim;
  PrimType prim = PrimType::Bool;   // Prim
  std::vector<Field> fields;        // Record; Func params
  std::vector<Case> cases;          // Variant
  std::vector<std::string> labels;  // Flags, Enum
  std::vector<ValType> elems;       // Tuple
  ValType elem;                     // List, Option
  std::optional<ValType> ok, err;   // Result
  std::optional<ValType> result;    // Func
  TypeId resource = kNone;          // Own, Borrow: the Resource type
  std::vector<ExternDecl> imports;  // Component
  std::vector<ExternDecl> exports;  // Component, Instance
  // Resource: `abstract` when imported or declared (sub resource); else a
  // definition with rep i32 and an optional destructor (core func index of
  // `owner`, the component that defines it).
  bool abstract = false;
  uint32_t dtor = kNone;
  uint32_t owner = kNone;  // Resource: ComponentFile::components index
  std::string debug_name;  // Resource: the name it was imported/exported as

  // Computed when the type is added (so walks over types stay bounded):
  uint32_t size = 1;                // nodes in the type tree, counted through references
  uint32_t depth = 1;               // nesting depth
  bool has_list_or_string = false;  // needs memory/realloc to cross
  bool has_borrow = false;
  bool has_handle = false;  // an own or borrow somewhere inside
};

// ---- index spaces ---------------------------------------------------------

// Where an index-space entry comes from; `ref` indexes the list named.
enum class Origin : uint8_t {
  Import,    // Component::imports
  Export,    // Component::exports (an export re-introduces its item)
  Alias,     // Component::aliases
  Canon,     // Component::canons
  Defined,   // modules: Component::modules_defined; components:
             // Component::nested; instances: Component::instances /
             // core_instances; types: the type section
  Start,     // values: results of Component::start
  Declared,  // inside a component/instance type
};

struct CoreItem {  // core func, table, memory, global, tag
  Origin origin = Origin::Alias;
  uint32_t ref = kNone;
  CoreExtern type;
};

struct Item {  // component func, value, type, component, instance, core type/module
  Origin origin = Origin::Defined;
  uint32_t ref = kNone;
  ExternType type;
};

struct IndexSpaces {
  std::vector<CoreItem> core_funcs, core_tables, core_memories, core_globals, core_tags;
  std::vector<CoreTypeId> core_types;
  std::vector<Item> core_modules;  // type.type: a CoreTypeId of kind Module
  // (core instances: Component::core_instances is that index space)
  std::vector<Item> funcs, values, types, components, instances;
};

// ---- definitions ----------------------------------------------------------

struct CoreModuleDef {            // a core module embedded in the component
  uint64_t offset = 0, size = 0;  // byte range in the file (preamble included)
  CoreTypeId type = kNone;        // its imports and exports
};

struct CoreSortIdx {
  CoreSort sort;
  uint32_t index;
};
struct SortIdx {
  Sort sort;
  uint32_t index;
};

struct CoreInstanceDef {
  bool instantiate = true;  // else: a bag of inline exports
  uint32_t module = kNone;  // instantiate: core module index
  struct Arg {
    std::string name;
    uint32_t instance;  // core instance index
  };
  std::vector<Arg> args;
  struct InlineExport {
    std::string name;
    CoreSortIdx item;
  };
  std::vector<InlineExport> exports;         // inline
  std::vector<CoreExportDecl> export_types;  // what the instance exports
};

struct InstanceDef {
  bool instantiate = true;     // else: a bag of inline exports
  uint32_t component = kNone;  // instantiate: component index
  struct Arg {
    std::string name;
    SortIdx item;
  };
  std::vector<Arg> args;
  struct InlineExport {
    std::string name;
    SortIdx item;
  };
  std::vector<InlineExport> exports;  // inline
  TypeId type = kNone;                // its Instance type
};

enum class AliasKind : uint8_t { InstanceExport, CoreInstanceExport, Outer };
struct AliasDef {
  AliasKind kind = AliasKind::InstanceExport;
  Sort sort = Sort::Func;
  uint32_t instance = kNone;                  // *InstanceExport
  std::string name;                           // *InstanceExport
  uint32_t outer_count = 0, outer_index = 0;  // Outer
  uint32_t index = kNone;                     // the new index in `sort`'s space
};

enum class StringEncoding : uint8_t { Utf8, Utf16, Latin1Utf16 };
struct CanonOptions {
  StringEncoding encoding = StringEncoding::Utf8;
  uint32_t memory = kNone;       // core memory index
  uint32_t realloc = kNone;      // core func index
  uint32_t post_return = kNone;  // core func index
};

enum class CanonKind : uint8_t { Lift, Lower, ResourceNew, ResourceDrop, ResourceRep };
const char* to_string(CanonKind k);
struct CanonDef {
  CanonKind kind = CanonKind::Lift;
  uint32_t func = kNone;  // Lift: core func index; Lower: component func index
  TypeId type = kNone;    // Lift: the Func type; Lower: the callee's; resource.*: the Resource
  CanonOptions options;
  uint32_t index = kNone;  // the new func (Lift) or core func (others) index
};

struct StartDef {
  uint32_t func = kNone;
  std::vector<uint32_t> args;  // value indices
  uint32_t results = 0;
};

struct Import {
  std::string name;
  ExternName parsed;
  ExternType type;
  uint32_t index = kNone;  // the new index in type.sort's space
};

struct Export {
  std::string name;
  ExternName parsed;
  SortIdx item;            // what is exported
  ExternType type;         // its type (the ascription when given)
  uint32_t index = kNone;  // the new index it introduces
};

enum class DefKind : uint8_t {
  CoreModule,
  CoreInstance,
  CoreType,
  Component,
  Instance,
  Alias,
  Type,
  Canon,
  Start,
  Import,
  Export,
};
// One definition in binary order; `index` indexes the matching list of
// Component (modules_defined, core_instances, ..., exports; for CoreType and
// Type: the index space). Walking `order` is the instantiation order.
struct Definition {
  DefKind kind;
  uint32_t index;
};

struct Component {
  uint32_t id = 0;                // index in ComponentFile::components
  uint32_t parent = kNone;        // enclosing component
  uint64_t offset = 0, size = 0;  // byte range in the file
  IndexSpaces spaces;
  std::vector<CoreModuleDef> modules_defined;
  std::vector<CoreInstanceDef> core_instances;  // core instance index space
  std::vector<uint32_t> nested;                 // ComponentFile::components ids
  std::vector<InstanceDef> instances;           // defined instances
  std::vector<AliasDef> aliases;
  std::vector<CanonDef> canons;
  std::optional<StartDef> start;
  std::vector<Import> imports;
  std::vector<Export> exports;
  std::vector<Definition> order;
  TypeId type = kNone;  // its Component type (imports and exports)
};

struct ComponentFile {
  std::string name;            // for messages
  std::vector<TypeDef> types;  // component-level type arena
  std::vector<CoreTypeDef> core_types;
  std::deque<Component> components;  // [0] is the root; nested ones follow
  const Component& root() const { return components.front(); }
};

}  // namespace spindle::component
