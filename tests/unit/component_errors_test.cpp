// The component loader on bad input: each class of error gets a message with
// the section, the byte offset and what was expected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "component_samples.h"
#include "engine/component/loader.h"

namespace spindle::component {
namespace {

using namespace cb;
using ::testing::HasSubstr;

std::string load_err(const Bytes& b) {
  ComponentFile f;
  return load_component(b, "test.wasm", f);
}

// A component with a core module exporting memory "memory", realloc and
// `sig` functions, instantiated and aliased: core funcs 0 realloc, 1 f;
// core memory 0.
std::vector<Bytes> core_prefix(std::vector<uint8_t> params, std::vector<uint8_t> results) {
  CoreModule m;
  uint32_t t_realloc = m.type({kI32, kI32, kI32, kI32}, {kI32});
  uint32_t t_f = m.type(std::move(params), std::move(results));
  m.export_("realloc", 0x00, m.func(t_realloc));
  m.export_("f", 0x00, m.func(t_f));
  m.memory(1);
  m.export_("memory", 0x02, 0);
  return {
      section(kCoreModule, m.bytes()),
      section(kCoreInstance, vec({cat({{0x00}, u32(0), vec({})})})),
      section(kAlias, vec({cat({{0x00, 0x00}, {0x01}, u32(0), str("realloc")}),
                           cat({{0x00, 0x00}, {0x01}, u32(0), str("f")}),
                           cat({{0x00, 0x02}, {0x01}, u32(0), str("memory")})})),
  };
}

Bytes with(std::vector<Bytes> prefix, std::initializer_list<Bytes> more) {
  for (const Bytes& b : more) prefix.push_back(b);
  return comp(prefix);
}

TEST(ComponentErrors, Preamble) {
  EXPECT_EQ(load_err({0x00, 0x61, 0x73}),
            "test.wasm: at offset 0x0: too short for a component preamble (8 bytes)");
  EXPECT_THAT(load_err({0x00, 0x61, 0x73, 0x6e, 0x0d, 0x00, 0x01, 0x00}), HasSubstr("bad magic"));
  EXPECT_EQ(load_err({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}),
            "test.wasm: at offset 0x4: this is a core module, not a component (layer 0)");
  EXPECT_EQ(load_err({0x00, 0x61, 0x73, 0x6d, 0x0a, 0x00, 0x01, 0x00}),
            "test.wasm: at offset 0x4: unsupported component binary version 0xa (expected 0xd)");
}

TEST(ComponentErrors, TruncatedAndBadLeb) {
  Bytes good = kitchen_sink();
  Bytes cut(good.begin(), good.begin() + static_cast<long>(good.size() / 2));
  EXPECT_THAT(load_err(cut), HasSubstr("exceeds the"));
  // a section size whose LEB128 runs past 5 bytes
  Bytes bad = comp({Bytes{kType, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}});
  EXPECT_EQ(load_err(bad),
            "test.wasm: section 'type' at offset 0x9: invalid LEB128 u32: value too large or too "
            "long");
  // a vector count larger than the section
  EXPECT_THAT(load_err(comp({section(kType, {0x05, kU32})})),
              HasSubstr("vector length 5 exceeds the 1 bytes left"));
  // trailing bytes in a section
  EXPECT_THAT(load_err(comp({section(kType, {0x01, kU32, 0x00})})),
              HasSubstr("1 unexpected bytes at the end of the type section"));
  // a name that is not UTF-8
  EXPECT_THAT(load_err(comp({section(kCustom, {0x02, 0xc3, 0x28})})),
              HasSubstr("name is not valid UTF-8"));
}

TEST(ComponentErrors, UnknownSectionAndValues) {
  EXPECT_EQ(load_err(comp({section(13, {})})), "test.wasm: at offset 0x8: unknown section id 13");
  EXPECT_THAT(load_err(comp({section(kValue, {0x00})})),
              HasSubstr("unsupported: value definitions"));
}

TEST(ComponentErrors, OutOfRangeCoreFunctionFormat) {
  // 9 core functions (lowered imports), then a lift of core function 12
  std::vector<Bytes> lowers;
  for (int i = 0; i < 9; ++i) lowers.push_back(cat({{0x01, 0x00}, u32(0), vec({})}));
  Bytes before = comp({
      section(kType, vec({func_type({}, std::nullopt)})),
      section(kImport, vec({cat({name("f"), {0x01}, u32(0)})})),
      section(kCanon, vec(lowers)),
  });
  Bytes lift = section(kCanon, vec({cat({{0x00, 0x00}, u32(12), vec({}), u32(0)})}));
  Bytes b = cat({before, lift});
  uint64_t at = before.size() + 2 /* id, size */ + 1 /* count */ + 2 /* 0x00 0x00 */;
  char want[200];
  std::snprintf(want, sizeof want,
                "test.wasm: section 'canon' at offset 0x%llx: core function index 12 out of "
                "range (9 defined)",
                static_cast<unsigned long long>(at));
  EXPECT_EQ(load_err(b), want);
}

TEST(ComponentErrors, SectionOrderMatters) {
  // an alias of instance 0 before any instance exists
  Bytes b = comp({
      section(kAlias, vec({cat({{0x01}, {0x00}, u32(0), str("f")})})),
      section(kType, vec({cat({{0x42}, vec({})})})),
      section(kImport, vec({cat({name("i"), {0x05}, u32(0)})})),
  });
  EXPECT_THAT(
      load_err(b),
      HasSubstr("section 'alias' at offset 0xd: instance index 0 out of range (0 defined)"));
  // a type used before the section that defines it
  EXPECT_THAT(load_err(comp({section(kImport, vec({cat({name("f"), {0x01}, u32(0)})})),
                             section(kType, vec({func_type({}, std::nullopt)}))})),
              HasSubstr("type index 0 out of range (0 defined)"));
}

TEST(ComponentErrors, BadTypes) {
  auto type_err = [](Bytes t) { return load_err(comp({section(kType, vec({t}))})); };
  EXPECT_THAT(type_err({0x72, 0x00}), HasSubstr("a record type needs at least one field"));
  EXPECT_THAT(type_err(cat({{0x72}, vec({cat({str("a"), {kU32}}), cat({str("A"), {kU32}})})})),
              HasSubstr("duplicate record field 'A'"));
  EXPECT_THAT(type_err(cat({{0x6d}, vec({str("not_kebab")})})),
              HasSubstr("invalid label 'not_kebab' (expected kebab-case)"));
  std::vector<Bytes> labels;
  for (int i = 0; i < 33; ++i) labels.push_back(str("f" + std::to_string(i)));
  EXPECT_THAT(type_err(cat({{0x6e}, vec(labels)})), HasSubstr("at most 32 labels"));
  EXPECT_THAT(type_err({0x69, 0x00}), HasSubstr("type index 0 out of range (0 defined)"));
  EXPECT_THAT(type_err({0x70, 0x05}), HasSubstr("type index 5 out of range"));
  EXPECT_THAT(type_err({0x55}), HasSubstr("invalid type definition opcode 0x55"));
  EXPECT_THAT(type_err({0x66, 0x00}), HasSubstr("unsupported: the stream type"));
  EXPECT_THAT(type_err(cat({{0x43}, vec({}), {0x01, 0x00}})),
              HasSubstr("unsupported: async function types"));
  EXPECT_THAT(type_err({0x6a, 0x02}), HasSubstr("invalid optional-value flag 0x2"));
  // own of a non-resource
  EXPECT_THAT(load_err(comp({section(kType, vec({Bytes{kU32}, {0x69, 0x00}}))})),
              HasSubstr("own needs a resource type, type index 0 is a primitive"));
  // a borrow in a function result
  Bytes borrow_result = comp({section(
      kType, vec({cat({{0x3f, kI32}, {0x00}}), {0x68, 0x00}, func_type({}, Bytes{0x01})}))});
  EXPECT_THAT(load_err(borrow_result), HasSubstr("a function result cannot hold a borrow"));
  // a resource type inside an instance type
  EXPECT_THAT(type_err(cat({{0x42}, vec({cat({{0x01}, {0x3f, kI32, 0x00}})})})),
              HasSubstr("a resource type cannot be defined inside a component or instance type"));
  // an import declarator in an instance type
  EXPECT_THAT(type_err(cat({{0x42}, vec({cat({{0x03}, name("x"), {0x03, 0x01}})})})),
              HasSubstr("an instance type cannot declare imports"));
  // a value type index naming a func type
  EXPECT_THAT(load_err(comp({section(kType, vec({func_type({}, std::nullopt), {0x70, 0x00}}))})),
              HasSubstr("type index 0 is a func type, not a value type"));
}

TEST(ComponentErrors, NamesAndDuplicates) {
  Bytes ft = section(kType, vec({func_type({}, std::nullopt)}));
  auto imports = [&](std::vector<Bytes> is) {
    return load_err(comp({ft, section(kImport, vec(is))}));
  };
  EXPECT_THAT(imports({cat({name("a"), {0x01}, u32(0)}), cat({name("a"), {0x01}, u32(0)})}),
              HasSubstr("duplicate import name 'a'"));
  EXPECT_THAT(imports({cat({name("a-b"), {0x01}, u32(0)}), cat({name("A-B"), {0x01}, u32(0)})}),
              HasSubstr("duplicate import name 'A-B'"));
  EXPECT_THAT(imports({cat({name("bad name"), {0x01}, u32(0)})}),
              HasSubstr("invalid name 'bad name': not a kebab-case label or an interface name"));
  EXPECT_THAT(imports({cat({name("wasi:http/types@x.y"), {0x01}, u32(0)})}),
              HasSubstr("not a valid interface name"));
  EXPECT_THAT(imports({cat({name("[method]r.f"), {0x01}, u32(0)})}),
              HasSubstr("names resource 'r', which is not a preceding resource import"));
  EXPECT_THAT(imports({cat({{0x07}, str("a"), {0x01}, u32(0)})}),
              HasSubstr("invalid import/export name form 0x7"));
  // exports: duplicates, and a declared type that does not match
  Bytes two = section(kType, vec({func_type({}, std::nullopt), func_type({}, Bytes{kU32})}));
  Bytes imp = section(kImport, vec({cat({name("f"), {0x01}, u32(0)})}));
  EXPECT_THAT(load_err(comp({two, imp,
                             section(kExport, vec({cat({name("x"), {0x01}, u32(0), {0x00}}),
                                                   cat({name("x"), {0x01}, u32(0), {0x00}})}))})),
              HasSubstr("duplicate export name 'x'"));
  EXPECT_THAT(
      load_err(
          comp({two, imp,
                section(kExport, vec({cat({name("x"), {0x01}, u32(0), {0x01, 0x01}, u32(1)})}))})),
      HasSubstr("export 'x': the declared type does not match: function type mismatch: "
                "expected () -> u32, found ()"));
  EXPECT_THAT(
      load_err(comp({two, imp, section(kExport, vec({cat({name("x"), {0x01}, u32(9), {0x00}})}))})),
      HasSubstr("function index 9 out of range (1 defined)"));
  // core functions cannot be exported
  EXPECT_THAT(
      load_err(with(core_prefix({}, {}),
                    {section(kExport, vec({cat({name("x"), {0x00, 0x00}, u32(0), {0x00}})}))})),
      HasSubstr("a core func cannot cross a component boundary"));
}

TEST(ComponentErrors, Aliases) {
  auto prefix = core_prefix({}, {});
  EXPECT_THAT(
      load_err(
          with(prefix, {section(kAlias, vec({cat({{0x00, 0x00}, {0x01}, u32(0), str("nope")})}))})),
      HasSubstr("core instance 0 has no export named 'nope'"));
  EXPECT_THAT(load_err(with(
                  prefix, {section(kAlias, vec({cat({{0x00, 0x02}, {0x01}, u32(0), str("f")})}))})),
              HasSubstr("core instance 0 export 'f' is a core func, not a core memory"));
  EXPECT_THAT(load_err(comp({section(kAlias, vec({cat({{0x01}, {0x02}, u32(0), u32(0)})}))})),
              HasSubstr("an outer alias cannot alias a func"));
  EXPECT_THAT(load_err(comp({section(kAlias, vec({cat({{0x03}, {0x02}, u32(1), u32(0)})}))})),
              HasSubstr("outer alias count 1 exceeds the 0 enclosing scopes"));
  EXPECT_THAT(load_err(comp({section(kAlias, vec({cat({{0x03}, {0x07}})}))})),
              HasSubstr("invalid alias target 0x7"));
}

TEST(ComponentErrors, CoreInstances) {
  // main_module imports host.log; instantiate it without / with a bad argument
  Bytes mod = section(kCoreModule, main_module());
  EXPECT_THAT(
      load_err(comp({mod, section(kCoreInstance, vec({cat({{0x00}, u32(0), vec({})})}))})),
      HasSubstr("core module 0 imports from 'host', but no argument of that name is given"));
  CoreModule other;
  other.export_("log", 0x00, other.func(other.type({kI32}, {})));
  Bytes b =
      comp({mod, section(kCoreModule, other.bytes()),
            section(kCoreInstance,
                    vec({cat({{0x00}, u32(1), vec({})}),
                         cat({{0x00}, u32(0), vec({cat({str("host"), {0x12}, u32(0)})})})}))});
  EXPECT_THAT(load_err(b),
              HasSubstr("import 'host' 'log' has type [i32 i32] -> [], given [i32] -> []"));
  EXPECT_THAT(
      load_err(comp(
          {mod, section(kCoreInstance,
                        vec({cat({{0x00}, u32(0), vec({cat({str("host"), {0x11}, u32(0)})})})}))})),
      HasSubstr("core instantiation arguments must be core instances (0x12)"));
  EXPECT_THAT(
      load_err(comp({section(kCoreModule, {0x00, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0})})),
      HasSubstr(
          "section 'core module' at offset 0xa: core module: expected the magic and version 1"));
}

TEST(ComponentErrors, Canon) {
  Bytes string_fn = section(kType, vec({func_type({{"s", {kString}}}, std::nullopt)}));
  auto lift = [&](std::vector<uint8_t> params, Bytes opts) {
    return load_err(
        with(core_prefix(std::move(params), {}),
             {string_fn, section(kCanon, vec({cat({{0x00, 0x00}, u32(1), opts, u32(0)})}))}));
  };
  EXPECT_EQ(lift({kI32, kI32}, vec({{0x03, 0x00}, {0x04, 0x00}})), "");
  EXPECT_THAT(lift({kI32, kI32}, vec({})), HasSubstr("a memory option is required"));
  EXPECT_THAT(lift({kI32, kI32}, vec({{0x03, 0x00}})), HasSubstr("needs a realloc option"));
  EXPECT_THAT(lift({kI32}, vec({{0x03, 0x00}, {0x04, 0x00}})),
              HasSubstr("lifted core function 1 has type [i32] -> [], expected [i32 i32] -> []"));
  EXPECT_THAT(lift({kI32, kI32}, vec({{0x04, 0x00}})),
              HasSubstr("realloc requires a memory option"));
  EXPECT_THAT(lift({kI32, kI32}, vec({{0x00}, {0x01}})),
              HasSubstr("duplicate or conflicting string-encoding"));
  EXPECT_THAT(lift({kI32, kI32}, vec({{0x03, 0x00}, {0x03, 0x00}})),
              HasSubstr("duplicate memory option"));
  EXPECT_THAT(lift({kI32, kI32}, vec({{0x03, 0x05}})),
              HasSubstr("core memory index 5 out of range (1 defined)"));
  EXPECT_THAT(
      lift({kI32, kI32}, vec({{0x03, 0x00}, {0x04, 0x01}})),
      HasSubstr(
          "realloc core function 1 has type [i32 i32] -> [], expected [i32 i32 i32 i32] -> [i32]"));
  EXPECT_THAT(lift({kI32, kI32}, vec({{0x06}})),
              HasSubstr("unsupported: the async canonical option"));
  EXPECT_THAT(lift({kI32, kI32}, vec({{0x09}})), HasSubstr("invalid canonical option 0x9"));
  // lower: post-return is not allowed
  Bytes lower = with(
      core_prefix({}, {}),
      {string_fn, section(kImport, vec({cat({name("g"), {0x01}, u32(0)})})),
       section(kCanon, vec({cat({{0x01, 0x00}, u32(0), vec({{0x03, 0x00}, {0x05, 0x00}})})}))});
  EXPECT_THAT(load_err(lower), HasSubstr("post-return is only allowed on canon lift"));
  // async built-ins are reported by name
  EXPECT_THAT(load_err(comp({section(kCanon, vec({{0x09, 0x01, 0x00, 0x00}}))})),
              HasSubstr("unsupported: canon task.return"));
  EXPECT_THAT(load_err(comp({section(kCanon, vec({{0x0e, 0x00}}))})),
              HasSubstr("unsupported: canon stream.new"));
  EXPECT_THAT(load_err(comp({section(kCanon, vec({{0x27, 0x00, 0x00}}))})),
              HasSubstr("unsupported: canon thread.new-indirect"));
  EXPECT_THAT(load_err(comp({section(kCanon, vec({{0x50}}))})),
              HasSubstr("invalid canon opcode 0x50"));
}

TEST(ComponentErrors, ResourceBuiltins) {
  Bytes imported = comp({section(kImport, vec({cat({name("r"), {0x03, 0x01}})})),
                         section(kCanon, vec({{0x02, 0x00}}))});
  EXPECT_THAT(load_err(imported),
              HasSubstr("canon resource.new needs a resource defined in this component"));
  Bytes drop = comp({section(kImport, vec({cat({name("r"), {0x03, 0x01}})})),
                     section(kCanon, vec({{0x03, 0x00}}))});
  EXPECT_EQ(load_err(drop), "");
  EXPECT_THAT(
      load_err(comp({section(kType, vec({Bytes{kU32}})), section(kCanon, vec({{0x04, 0x00}}))})),
      HasSubstr("canon resource.rep needs a resource type, type index 0 is a primitive"));
  // destructor with the wrong type
  EXPECT_THAT(load_err(with(core_prefix({kI32, kI32}, {}),
                            {section(kType, vec({cat({{0x3f, kI32}, {0x01}, u32(1)})}))})),
              HasSubstr("resource destructor must have type [i32] -> []"));
}

TEST(ComponentErrors, Instantiation) {
  Bytes nested = section(kComponent, nested_component());
  EXPECT_THAT(load_err(comp({nested, section(kInstance, vec({cat({{0x00}, u32(0), vec({})})}))})),
              HasSubstr("instantiation of component 0 lacks an argument for its import 'f'"));
  // the argument has another function type
  Bytes b = comp(
      {nested, section(kType, vec({func_type({}, std::nullopt)})),
       section(kImport, vec({cat({name("h"), {0x01}, u32(0)})})),
       section(kInstance, vec({cat({{0x00}, u32(0), vec({cat({str("f"), {0x01}, u32(0)})})})}))});
  EXPECT_THAT(
      load_err(b),
      HasSubstr("argument 'f': function type mismatch: expected (s: string) -> u32, found ()"));
  EXPECT_THAT(load_err(comp({section(kInstance, vec({{0x02}}))})),
              HasSubstr("invalid instance kind 0x2"));
}

}  // namespace
}  // namespace spindle::component
