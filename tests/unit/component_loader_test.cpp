// The component loader on valid binaries: every section kind, the index
// spaces it builds and the data model a linking plan walks.
#include <gtest/gtest.h>

#include "component_samples.h"
#include "engine/component/loader.h"
#include "engine/component/type_ops.h"
#include "engine/validate.h"

namespace spindle::component {
namespace {

using namespace cb;

ComponentFile load_ok(const Bytes& b) {
  ComponentFile f;
  std::string err = load_component(b, "test.wasm", f);
  EXPECT_EQ(err, "");
  return f;
}

TEST(ComponentLoader, EmptyComponent) {
  Bytes b = comp({});
  EXPECT_TRUE(is_component(b));
  ComponentFile f = load_ok(b);
  ASSERT_EQ(f.components.size(), 1u);
  EXPECT_TRUE(f.root().imports.empty());
  EXPECT_TRUE(f.root().exports.empty());
  EXPECT_EQ(f.types[f.root().type].kind, TypeKind::Component);
}

TEST(ComponentLoader, CoreModuleIsNotAComponent) {
  CoreModule m;
  EXPECT_FALSE(is_component(m.bytes()));
  EXPECT_FALSE(is_component(Bytes{0x00, 0x61}));
}

TEST(ComponentLoader, KitchenSinkIndexSpaces) {
  Bytes b = kitchen_sink();
  ComponentFile f = load_ok(b);
  ASSERT_EQ(f.components.size(), 2u);
  const Component& c = f.root();
  const IndexSpaces& sp = c.spaces;
  EXPECT_EQ(sp.core_modules.size(), 2u);
  EXPECT_EQ(c.core_instances.size(), 3u);
  EXPECT_EQ(sp.core_memories.size(), 1u);
  EXPECT_EQ(sp.core_funcs.size(), 8u);
  EXPECT_EQ(sp.core_types.size(), 2u);
  EXPECT_EQ(sp.types.size(), 15u);
  EXPECT_EQ(sp.funcs.size(), 6u);      // log, get, run, g, + exports run, g2
  EXPECT_EQ(sp.instances.size(), 4u);  // import, instantiate, inline, export api
  EXPECT_EQ(sp.components.size(), 1u);
  EXPECT_EQ(c.canons.size(), 5u);

  // value type kinds, in the order of the type section
  const TypeKind kinds[] = {TypeKind::Func,      TypeKind::Func,     TypeKind::Record,
                            TypeKind::Variant,   TypeKind::List,     TypeKind::Tuple,
                            TypeKind::Flags,     TypeKind::Enum,     TypeKind::Option,
                            TypeKind::Result,    TypeKind::Prim,     TypeKind::Instance,
                            TypeKind::Component, TypeKind::Resource, TypeKind::Func};
  for (size_t i = 0; i < 15; ++i)
    EXPECT_EQ(f.types[sp.types[i].type.type].kind, kinds[i]) << "type " << i;
  const TypeDef& res = f.types[sp.types[13].type.type];
  EXPECT_FALSE(res.abstract);
  EXPECT_EQ(res.dtor, 3u);
  EXPECT_EQ(res.owner, 0u);
  const TypeDef& record = f.types[sp.types[2].type.type];
  ASSERT_EQ(record.fields.size(), 2u);
  EXPECT_EQ(record.fields[1].name, "b");
  EXPECT_TRUE(record.has_list_or_string);

  // core modules keep their byte ranges; the core engine can load them
  ASSERT_EQ(c.modules_defined.size(), 2u);
  for (const CoreModuleDef& m : c.modules_defined) {
    auto bytes = module_bytes(b, m);
    EXPECT_EQ(engine::validate(bytes, "embedded.wasm"), "");
  }
  EXPECT_EQ(module_bytes(b, c.modules_defined[1]).size(), main_module().size());
  const CoreModuleType& main = f.core_types[c.modules_defined[1].type].module;
  ASSERT_EQ(main.imports.size(), 1u);
  EXPECT_EQ(main.imports[0].module, "host");
  EXPECT_EQ(main.exports.size(), 3u);
}

TEST(ComponentLoader, KitchenSinkImportsExportsAndCanon) {
  ComponentFile f = load_ok(kitchen_sink());
  const Component& c = f.root();
  ASSERT_EQ(c.imports.size(), 2u);
  EXPECT_EQ(c.imports[0].name, "log");
  EXPECT_EQ(c.imports[0].type.sort, Sort::Func);
  const Import& env = c.imports[1];
  EXPECT_EQ(env.type.sort, Sort::Instance);
  ASSERT_EQ(env.parsed.kind, NameKind::Interface);
  EXPECT_EQ(env.parsed.interface.ns, "wasi");
  EXPECT_EQ(env.parsed.interface.package, "cli");
  EXPECT_EQ(env.parsed.interface.interface, "env");
  EXPECT_EQ(to_string(*env.parsed.interface.version), "0.2.3");
  const TypeDef& it = f.types[env.type.type];
  ASSERT_EQ(it.exports.size(), 3u);
  EXPECT_EQ(it.exports[0].name, "r");
  EXPECT_TRUE(it.exports[0].type.sub_resource);
  EXPECT_EQ(it.exports[1].parsed.kind, NameKind::Method);

  ASSERT_EQ(c.exports.size(), 3u);
  EXPECT_EQ(c.exports[0].name, "run");
  EXPECT_EQ(c.exports[0].item.index, 2u);
  EXPECT_EQ(c.exports[2].type.sort, Sort::Instance);

  const CanonDef& lower = c.canons[0];
  EXPECT_EQ(lower.kind, CanonKind::Lower);
  EXPECT_EQ(lower.options.memory, 0u);
  EXPECT_EQ(lower.index, 1u);
  const CanonDef& lift = c.canons[1];
  EXPECT_EQ(lift.kind, CanonKind::Lift);
  EXPECT_EQ(lift.func, 2u);
  EXPECT_EQ(lift.options.realloc, 0u);
  EXPECT_EQ(lift.options.post_return, 4u);
  EXPECT_EQ(lift.options.encoding, StringEncoding::Utf8);
  EXPECT_EQ(c.canons[2].kind, CanonKind::ResourceNew);
  EXPECT_EQ(c.canons[4].index, 7u);
  // the lowered import's core type is the flattening of (string) -> ()
  EXPECT_EQ(c.spaces.core_funcs[1].type.func,
            (CoreFuncType{{CoreValType::I32, CoreValType::I32}, {}}));
}

TEST(ComponentLoader, KitchenSinkInstancesAndOrder) {
  ComponentFile f = load_ok(kitchen_sink());
  const Component& c = f.root();
  ASSERT_EQ(c.core_instances.size(), 3u);
  EXPECT_TRUE(c.core_instances[0].instantiate);
  EXPECT_FALSE(c.core_instances[1].instantiate);
  ASSERT_EQ(c.core_instances[2].args.size(), 1u);
  EXPECT_EQ(c.core_instances[2].args[0].name, "host");
  EXPECT_EQ(c.core_instances[2].args[0].instance, 1u);
  ASSERT_EQ(c.instances.size(), 2u);
  EXPECT_EQ(c.instances[0].component, 0u);
  const TypeDef& inst = f.types[c.instances[0].type];
  ASSERT_EQ(inst.exports.size(), 1u);
  EXPECT_EQ(inst.exports[0].name, "g");
  ASSERT_EQ(c.nested.size(), 1u);
  const Component& n = f.components[c.nested[0]];
  EXPECT_EQ(n.parent, 0u);
  EXPECT_EQ(n.imports.size(), 1u);

  // definitions in binary order: modules, core type, types..., imports, ...
  ASSERT_GE(c.order.size(), 4u);
  EXPECT_EQ(c.order[0].kind, DefKind::CoreModule);
  EXPECT_EQ(c.order[1].kind, DefKind::CoreModule);
  EXPECT_EQ(c.order[1].index, 1u);
  EXPECT_EQ(c.order[2].kind, DefKind::CoreType);
  size_t canons = 0, instances = 0;
  for (const Definition& d : c.order) {
    canons += d.kind == DefKind::Canon;
    instances += d.kind == DefKind::CoreInstance;
  }
  EXPECT_EQ(canons, 5u);
  EXPECT_EQ(instances, 3u);
}

TEST(ComponentLoader, InstantiateSubstitutesSuppliedResource) {
  // inner component: imports type "t" (sub resource) and a func taking
  // own<t>, exports that func; the outer supplies its own resource.
  Bytes inner = comp({
      section(kImport, vec({cat({name("t"), {0x03, 0x01}})})),
      section(kType, vec({cat({{0x69}, u32(0)}), func_type({{"x", u32(1)}}, std::nullopt)})),
      section(kImport, vec({cat({name("f"), {0x01}, u32(2)})})),
      section(kExport, vec({cat({name("f2"), {0x01}, u32(0), {0x00}})})),
  });
  CoreModule m;
  uint32_t t = m.type({kI32}, {});
  m.export_("f", 0x00, m.func(t));
  Bytes outer = comp({
      section(kCoreModule, m.bytes()),
      section(kCoreInstance, vec({cat({{0x00}, u32(0), vec({})})})),
      section(kAlias, vec({cat({{0x00, 0x00}, {0x01}, u32(0), str("f")})})),
      section(kType, vec({cat({{0x3f, kI32}, {0x00}}), cat({{0x69}, u32(0)}),
                          func_type({{"x", u32(1)}}, std::nullopt)})),
      section(kCanon, vec({cat({{0x00, 0x00}, u32(0), vec({}), u32(2)})})),
      section(kComponent, inner),
      section(
          kInstance,
          vec({cat({{0x00},
                    u32(0),
                    vec({cat({str("t"), {0x03}, u32(0)}), cat({str("f"), {0x01}, u32(0)})})})})),
  });
  ComponentFile f = load_ok(outer);
  const Component& c = f.root();
  const TypeDef& inst = f.types[c.instances[0].type];
  ASSERT_EQ(inst.exports.size(), 1u);
  const TypeDef& fn = f.types[inst.exports[0].type.type];
  ASSERT_EQ(fn.fields.size(), 1u);
  const TypeDef* own = defined(f, fn.fields[0].type);
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(own->kind, TypeKind::Own);
  EXPECT_EQ(own->resource, c.spaces.types[0].type.type);  // the outer's resource
}

TEST(ComponentLoader, ImportedInstancesHaveTheirOwnResources) {
  Bytes b = comp({
      section(kType, vec({env_instance_type()})),
      section(kImport, vec({cat({name("a:b/one"), {0x05}, u32(0)}),
                            cat({name("a:b/two"), {0x05}, u32(0)})})),
  });
  ComponentFile f = load_ok(b);
  const Component& c = f.root();
  const TypeDef& one = f.types[c.imports[0].type.type];
  const TypeDef& two = f.types[c.imports[1].type.type];
  ASSERT_EQ(one.exports[0].name, "r");
  TypeId r1 = one.exports[0].type.type, r2 = two.exports[0].type.type;
  EXPECT_NE(r1, r2);
  EXPECT_EQ(f.types[r1].debug_name, "r");
  // the method's borrow follows its instance's resource
  const TypeDef& method = f.types[two.exports[1].type.type];
  EXPECT_EQ(defined(f, method.fields[0].type)->resource, r2);
}

TEST(ComponentLoader, StartFunction) {
  Bytes b = comp({
      section(kType, vec({func_type({}, std::nullopt)})),
      section(kImport, vec({cat({name("init"), {0x01}, u32(0)})})),
      section(kStart, cat({u32(0), vec({}), u32(0)})),
  });
  ComponentFile f = load_ok(b);
  ASSERT_TRUE(f.root().start.has_value());
  EXPECT_EQ(f.root().start->func, 0u);
}

TEST(ComponentLoader, CustomSectionsAnywhere) {
  Bytes custom = section(kCustom, str("x"));
  ComponentFile f = load_ok(comp({custom, section(kType, vec({Bytes{kU32}})), custom}));
  EXPECT_EQ(f.root().spaces.types.size(), 1u);
}

TEST(ComponentLoader, NameForms) {
  // 0x01 (historic) and 0x02 with a version suffix and attributes
  Bytes with_attrs = cat({{0x02},
                          str("wasi:http/types@0.2"),
                          vec({cat({{0x01}, str(".12")}), cat({{0x02}, str("ext-id")})})});
  Bytes b = comp({
      section(kType, vec({func_type({}, std::nullopt), cat({{0x42}, vec({})})})),
      section(kImport,
              vec({cat({{0x01}, str("a"), {0x01}, u32(0)}), cat({with_attrs, {0x05}, u32(1)})})),
  });
  ComponentFile f = load_ok(b);
  const Import& i = f.root().imports[1];
  EXPECT_EQ(i.name, "wasi:http/types@0.2");
  EXPECT_EQ(i.parsed.version_suffix, ".12");
  EXPECT_EQ(i.parsed.external_id, "ext-id");
  EXPECT_EQ(to_string(*i.parsed.interface.version), "0.2.12");
}

TEST(ComponentLoader, FlattenRules) {
  ComponentFile f = load_ok(kitchen_sink());
  const IndexSpaces& sp = f.root().spaces;
  std::vector<CoreValType> flat;
  ASSERT_TRUE(flatten(f, ValType::defined(sp.types[3].type.type), flat, 16));  // variant
  EXPECT_EQ(flat, (std::vector<CoreValType>{CoreValType::I32, CoreValType::I32}));
  flat.clear();
  ASSERT_TRUE(flatten(f, ValType::defined(sp.types[9].type.type), flat, 16));  // result
  EXPECT_EQ(flat, (std::vector<CoreValType>{CoreValType::I32, CoreValType::I32, CoreValType::I32}));
  flat.clear();
  EXPECT_FALSE(flatten(f, ValType::defined(sp.types[5].type.type), flat, 2));  // tuple: 3 > 2
  const TypeDef& lift = f.types[sp.types[1].type.type];
  EXPECT_EQ(flatten_func(f, lift, true),
            (CoreFuncType{{CoreValType::I32, CoreValType::I32}, {CoreValType::I32}}));
}

}  // namespace
}  // namespace spindle::component
