// A `canon resource.drop` of an imported instance's resource type that is
// linked before any function of that instance must use the host's type
// (link_frame.cpp binds root imports' resource types first); otherwise the
// guest cannot drop the handles the host gives it, which every jco-made
// command component does.
#include "component_link_util.h"

namespace spindle::component::link_test {
namespace {

TEST_F(ComponentLink, HostResourceDropLinkedBeforeTheImportsFunctions) {
  auto p = plan(assemble(R"((component
  (import "test:host/res" (instance $h
    (export "r" (type (sub resource)))
    (export "make" (func (result (own 0))))))
  (alias export $h "r" (type $r))
  (core func $drop (canon resource.drop $r))
  (alias export $h "make" (func $make))
  (core func $make_lowered (canon lower (func $make)))
  (core module $m
    (import "h" "drop" (func $drop (param i32)))
    (import "h" "make" (func $make (result i32)))
    (func (export "run") (call $drop (call $make))))
  (core instance $hi (export "drop" (func $drop)) (export "make" (func $make_lowered)))
  (core instance $i (instantiate $m (with "h" (instance $hi))))
  (func (export "run") (canon lift (core func $i "run"))))
)"));
  ASSERT_TRUE(p);
  std::vector<uint32_t> dropped;
  ResourceType rt;
  rt.name = "host r";
  rt.dtor = [&](engine::InstanceData*, uint32_t rep) {
    dropped.push_back(rep);
    return engine::Outcome::success();
  };
  HostImports host;
  host.resources["test:host/res#r"] = &rt;
  host.funcs["test:host/res#make"] = [](engine::InstanceData*, std::span<const Val>,
                                        std::vector<Val>& r) {
    r.push_back(Val::own(7));
    return engine::Outcome::success();
  };
  auto c = link(*p, host);
  ASSERT_TRUE(c);
  std::vector<Val> results;
  auto o = c->call("run", {}, results);
  // Today: "canonical ABI: resource.drop of handle 1: it is a 'host r'
  // handle, not a 'r' handle".
  EXPECT_TRUE(o.ok()) << engine::describe(o);
  EXPECT_EQ(dropped, std::vector<uint32_t>{7});
}

}  // namespace
}  // namespace spindle::component::link_test
