// What a component's imports bind to in a HostImports is resolved once per
// (LinkPlan, HostImports) pair (link_host.h): exact and semver-compatible
// keys are matched, and the fallback asked, on the first instantiation only;
// every later instance reuses the binding. Another HostImports binds anew.
#include "component_link_util.h"

namespace spindle::component::link_test {
namespace {

const char* kTwoImports = R"((component
  (import "host-one" (func $one (result u32)))
  (import "test:demo/math@0.1.0" (instance $math
    (export "two" (func (result u32)))
    (export "unused" (func (result u32)))))
  (alias export $math "two" (func $two))
  (core func $one_low (canon lower (func $one)))
  (core func $two_low (canon lower (func $two)))
  (core module $m
    (import "h" "one" (func $one (result i32)))
    (import "h" "two" (func $two (result i32)))
    (func (export "sum") (result i32) (i32.add (call $one) (call $two))))
  (core instance $i (instantiate $m
    (with "h" (instance (export "one" (func $one_low)) (export "two" (func $two_low))))))
  (func (export "sum") (result u32) (canon lift (core func $i "sum")))
))";

HostFn constant(uint32_t v) {
  return [v](engine::InstanceData*, std::span<const Val>, std::vector<Val>& r) {
    r.push_back(Val::u32(v));
    return engine::Outcome::success();
  };
}

uint32_t sum(LinkedComponent& c) {
  std::vector<Val> r;
  auto o = c.call("sum", {}, r);
  EXPECT_TRUE(o.ok()) << engine::describe(o);
  return r.size() == 1 ? r[0].as_u32() : 0;
}

TEST_F(ComponentLink, HostImportsAreResolvedOncePerPlan) {
  auto p = plan(assemble(kTwoImports));
  ASSERT_TRUE(p);
  std::map<std::string, int> asked;
  HostImports host;
  host.funcs["host-one"] = constant(1);
  host.fallback = [&](const std::string& key, const FuncSig&) -> HostFn {
    ++asked[key];
    return constant(key.ends_with("#two") ? 20 : 99);
  };
  for (int i = 0; i < 5; ++i) {
    auto c = link(*p, host);
    ASSERT_TRUE(c);
    EXPECT_EQ(sum(*c), 21u);
  }
  // Every function import the host lacks, asked once (the unused one too).
  EXPECT_EQ(asked, (std::map<std::string, int>{{"test:demo/math@0.1.0#two", 1},
                                               {"test:demo/math@0.1.0#unused", 1}}));

  // Another HostImports (a semver-compatible key this time) binds anew.
  HostImports other;
  other.funcs["host-one"] = constant(3);
  other.funcs["test:demo/math@0.1.7#two"] = constant(40);
  other.funcs["test:demo/math@0.1.7#unused"] = constant(0);
  for (int i = 0; i < 3; ++i) {
    auto c = link(*p, other);
    ASSERT_TRUE(c);
    EXPECT_EQ(sum(*c), 43u);
  }
  // The first binding is still the first HostImports'.
  auto c = link(*p, host);
  ASSERT_TRUE(c);
  EXPECT_EQ(sum(*c), 21u);
  EXPECT_EQ(asked.size(), 2u);
}

TEST_F(ComponentLink, MissingHostImportFailsEveryInstantiation) {
  auto p = plan(assemble(kTwoImports));
  ASSERT_TRUE(p);
  HostImports host;
  host.funcs["host-one"] = constant(1);
  for (int i = 0; i < 3; ++i) {
    std::string error;
    EXPECT_FALSE(LinkedComponent::instantiate(*p, host, error));
    EXPECT_NE(error.find("import 'test:demo/math@0.1.0#two' is not provided by the host"),
              std::string::npos)
        << error;
  }
  // A HostImports replaced by a complete one at the same address binds anew.
  host = HostImports{};
  host.funcs["host-one"] = constant(1);
  host.funcs["test:demo/math@0.1.0#two"] = constant(2);
  host.funcs["test:demo/math@0.1.0#unused"] = constant(0);
  auto c = link(*p, host);
  ASSERT_TRUE(c);
  EXPECT_EQ(sum(*c), 3u);
}

}  // namespace
}  // namespace spindle::component::link_test
