// Instantiating components and calling their exports (link_component.h), on
// components written in component text and assembled by `jco parse`.
#include "component_link_util.h"

namespace spindle::component::link_test {
namespace {

TEST_F(ComponentLink, AddLiftedFromCoreModule) {
  auto p = plan(assemble(R"((component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "add")))
))"));
  ASSERT_TRUE(p);
  auto c = link(*p);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->has_export("add"));
  std::vector<Val> r;
  Val args[] = {Val::u32(40), Val::u32(2)};
  auto o = c->call("add", args, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].as_u32(), 42u);
  EXPECT_FALSE(c->call("nope", args, r).ok());
}

constexpr std::string_view kGreet = R"((component
  (core module $m
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (global $posts (mut i32) (i32.const 0))
    (data (i32.const 16) "Hello, ")
    (func $realloc (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.xor (i32.sub (local.get 2) (i32.const 1)) (i32.const -1))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    (func (export "greet") (param $ptr i32) (param $len i32) (result i32)
      (local $out i32)
      (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
                                     (i32.add (local.get $len) (i32.const 7))))
      (memory.copy (local.get $out) (i32.const 16) (i32.const 7))
      (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $ptr) (local.get $len))
      (i32.store (i32.const 8) (local.get $out))
      (i32.store (i32.const 12) (i32.add (local.get $len) (i32.const 7)))
      (i32.const 8))
    (func (export "post") (param i32)
      (global.set $posts (i32.add (global.get $posts) (i32.const 1))))
    (func (export "posts") (result i32) global.get $posts)
    (func (export "boom") unreachable))
  (core instance $i (instantiate $m))
  (func (export "greet") (param "name" string) (result string)
    (canon lift (core func $i "greet") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))
      (post-return (core func $i "post"))))
  (func (export "posts") (result u32) (canon lift (core func $i "posts")))
  (func (export "boom") (canon lift (core func $i "boom")))
))";

TEST_F(ComponentLink, GreetWithMemoryReallocPostReturn) {
  auto p = plan(assemble(kGreet));
  ASSERT_TRUE(p);
  auto c = link(*p);
  ASSERT_TRUE(c);
  std::vector<Val> r;
  Val args[] = {Val::string("spindle")};
  auto o = c->call("greet", args, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].as_string(), "Hello, spindle");
  o = c->call("greet", args, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  o = c->call("posts", {}, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  EXPECT_EQ(r.at(0).as_u32(), 2u);
}

// The same glue over the native backend (wasm2c + clang, cached).
TEST_F(ComponentLink, GreetOnNativeBackend) {
  engine::EngineOptions o;
  o.backend = engine::Backend::Native;
  o.cache_dir = dir_ / "cache";
  engine_ = engine::Engine::create(o);
  auto p = plan(assemble(kGreet));
  ASSERT_TRUE(p);
  auto c = link(*p);
  ASSERT_TRUE(c);
  std::vector<Val> r;
  Val args[] = {Val::string("native")};
  auto out = c->call("greet", args, r);
  ASSERT_TRUE(out.ok()) << engine::describe(out);
  EXPECT_EQ(r.at(0).as_string(), "Hello, native");
  out = c->call("boom", {}, r);
  EXPECT_EQ(out.trap, engine::TrapKind::Unreachable) << engine::describe(out);
}

// A core module that imports another's table (as every componentize-js and
// jco component's fixup module does) dies with its component instance: a
// request must not leave its instance behind. On the native backend such
// instances are otherwise kept until exit (engine::InstanceOptions::linked_group).
TEST_F(ComponentLink, InstancesThatShareATableAreFreedTogether) {
  engine::EngineOptions o;
  o.backend = engine::Backend::Native;
  o.cache_dir = dir_ / "cache";
  engine_ = engine::Engine::create(o);
  auto p = plan(assemble(R"((component
  (core module $A
    (memory (export "memory") 1)
    (table (export "t") 1 funcref)
    (type $r (func (result i32)))
    (func (export "run") (result i32) (call_indirect (type $r) (i32.const 0))))
  (core module $B
    (import "a" "t" (table 1 funcref))
    (func $seven (result i32) i32.const 7)
    (elem (i32.const 0) func $seven))
  (core instance $a (instantiate $A))
  (core instance $b (instantiate $B (with "a" (instance $a))))
  (func (export "run") (result s32) (canon lift (core func $a "run")))
))"));
  ASSERT_TRUE(p);
  uint64_t before = engine::instance_memory_in_use();
  for (int i = 0; i < 20; ++i) {
    auto c = link(*p);
    ASSERT_TRUE(c);
    std::vector<Val> r;
    auto out = c->call("run", {}, r);
    ASSERT_TRUE(out.ok()) << engine::describe(out);
    EXPECT_EQ(r.at(0).as_s32(), 7);
  }
  EXPECT_EQ(engine::instance_memory_in_use(), before)
      << "instances outlived their component instance";
}

// One plan, instances made and called on two threads at once.
TEST_F(ComponentLink, PlanSharedAcrossThreads) {
  auto p = plan(assemble(kGreet));
  ASSERT_TRUE(p);
  std::atomic<int> good{0};
  auto work = [&](std::string name) {
    for (int i = 0; i < 10; ++i) {
      std::string error;
      auto c = LinkedComponent::instantiate(*p, {}, error);
      if (!c) return;
      std::vector<Val> r;
      Val args[] = {Val::string(name)};
      if (c->call("greet", args, r).ok() && r.at(0).as_string() == "Hello, " + name) ++good;
    }
  };
  std::thread a(work, "a"), b(work, "b");
  a.join();
  b.join();
  EXPECT_EQ(good.load(), 20);
}

TEST_F(ComponentLink, TrapIsACleanOutcome) {
  auto p = plan(assemble(kGreet));
  ASSERT_TRUE(p);
  auto c = link(*p);
  ASSERT_TRUE(c);
  std::vector<Val> r;
  auto o = c->call("boom", {}, r);
  EXPECT_EQ(o.trap, engine::TrapKind::Unreachable) << engine::describe(o);
  // the instance still answers (no reentrance flag left set)
  Val args[] = {Val::string("again")};
  o = c->call("greet", args, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  EXPECT_EQ(r.at(0).as_string(), "Hello, again");
}

// Core instance options (here a per-call timeout) reach every core instance.
TEST_F(ComponentLink, TimeoutFromCoreOptions) {
  auto p = plan(assemble(R"((component
  (core module $m (func (export "spin") (loop $l (br $l))))
  (core instance $i (instantiate $m))
  (func (export "spin") (canon lift (core func $i "spin")))
))"));
  ASSERT_TRUE(p);
  engine::InstanceOptions core;
  core.timeout = std::chrono::milliseconds(100);
  std::string error;
  auto c = LinkedComponent::instantiate(*p, {}, error, nullptr, core);
  ASSERT_TRUE(c) << error;
  std::vector<Val> r;
  auto o = c->call("spin", {}, r);
  EXPECT_EQ(o.trap, engine::TrapKind::Timeout) << engine::describe(o);
}

TEST_F(ComponentLink, TrapAtInstantiation) {
  auto p = plan(assemble(R"((component
  (core module $m (func $s unreachable) (start $s))
  (core instance $i (instantiate $m))
))"));
  ASSERT_TRUE(p);
  std::string error;
  engine::Outcome o;
  EXPECT_FALSE(LinkedComponent::instantiate(*p, {}, error, &o));
  EXPECT_EQ(o.trap, engine::TrapKind::Unreachable) << error;
}

TEST_F(ComponentLink, HostImports) {
  auto p = plan(assemble(R"((component
  (import "host-log" (func $log (param "msg" string)))
  (import "test:demo/logger@0.1.0" (instance $logger
    (export "log" (func (param "msg" string)))))
  (core module $mem
    (memory (export "memory") 1)
    (data (i32.const 0) "hello host")
    (data (i32.const 16) "via logger"))
  (core instance $mi (instantiate $mem))
  (alias export $logger "log" (func $ilog))
  (core func $log_low (canon lower (func $log) (memory (core memory $mi "memory"))))
  (core func $ilog_low (canon lower (func $ilog) (memory (core memory $mi "memory"))))
  (core module $main
    (import "host" "log" (func $l (param i32 i32)))
    (import "host" "ilog" (func $il (param i32 i32)))
    (func (export "run")
      (call $l (i32.const 0) (i32.const 10))
      (call $il (i32.const 16) (i32.const 10))))
  (core instance $main_i (instantiate $main
    (with "host" (instance (export "log" (func $log_low)) (export "ilog" (func $ilog_low))))))
  (func (export "run") (canon lift (core func $main_i "run")))
))"));
  ASSERT_TRUE(p);
  std::vector<std::string> seen;
  HostImports host;
  host.funcs["host-log"] = [&](engine::InstanceData*, std::span<const Val> a, std::vector<Val>&) {
    seen.push_back("host-log:" + std::string(a[0].as_string()));
    return engine::Outcome::success();
  };
  // a semver-compatible newer patch of the imported interface
  host.funcs["test:demo/logger@0.1.3#log"] = [&](engine::InstanceData*, std::span<const Val> a,
                                                 std::vector<Val>&) {
    seen.push_back("logger:" + std::string(a[0].as_string()));
    return engine::Outcome::success();
  };
  auto c = link(*p, host);
  ASSERT_TRUE(c);
  std::vector<Val> r;
  auto o = c->call("run", {}, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  EXPECT_EQ(seen, (std::vector<std::string>{"host-log:hello host", "logger:via logger"}));

  // a missing import is a link error naming it
  HostImports partial;
  partial.funcs["host-log"] = host.funcs["host-log"];
  std::string error;
  EXPECT_FALSE(LinkedComponent::instantiate(*p, partial, error));
  EXPECT_NE(error.find("test:demo/logger@0.1.0#log"), std::string::npos) << error;
}

TEST_F(ComponentLink, NestedComponentWithArgs) {
  auto p = plan(assemble(R"((component
  (core module $om (func (export "seven") (result i32) i32.const 7))
  (core instance $oi (instantiate $om))
  (func $seven (result u32) (canon lift (core func $oi "seven")))
  (component $inner
    (import "offset" (func $off (result u32)))
    (core func $off_low (canon lower (func $off)))
    (core module $m
      (import "env" "off" (func $off (result i32)))
      (func (export "compute") (param i32) (result i32)
        local.get 0 i32.const 2 i32.mul call $off i32.add))
    (core instance $i (instantiate $m (with "env" (instance (export "off" (func $off_low))))))
    (func (export "compute") (param "x" u32) (result u32) (canon lift (core func $i "compute"))))
  (instance $in (instantiate $inner (with "offset" (func $seven))))
  (export "compute" (func $in "compute"))
))"));
  ASSERT_TRUE(p);
  auto c = link(*p);
  ASSERT_TRUE(c);
  std::vector<Val> r;
  Val args[] = {Val::u32(10)};
  auto o = c->call("compute", args, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  EXPECT_EQ(r.at(0).as_u32(), 27u);
}

// A resource type passed to a nested component: the inner component gets an
// own handle from the outer one, lends it back borrowed, and dropping it
// runs the outer component's destructor.
TEST_F(ComponentLink, ResourceSharedWithNestedComponent) {
  auto p = plan(assemble(R"((component
  (core module $d
    (global $drops (mut i32) (i32.const 0))
    (func (export "dtor") (param i32) (global.set $drops (i32.add (global.get $drops) (i32.const 1))))
    (func (export "drops") (result i32) global.get $drops))
  (core instance $di (instantiate $d))
  (type $r (resource (rep i32) (dtor (core func $di "dtor"))))
  (core func $new (canon resource.new $r))
  (core module $pm
    (import "r" "new" (func $new (param i32) (result i32)))
    (func (export "make") (result i32) (call $new (i32.const 42)))
    (func (export "get") (param i32) (result i32) local.get 0))
  (core instance $pi (instantiate $pm (with "r" (instance (export "new" (func $new))))))
  (func $make (result (own $r)) (canon lift (core func $pi "make")))
  (func $get (param "x" (borrow $r)) (result u32) (canon lift (core func $pi "get")))
  (func $drops (result u32) (canon lift (core func $di "drops")))
  (component $inner
    (import "r" (type $r (sub resource)))
    (import "make" (func $make (result (own $r))))
    (import "get" (func $get (param "x" (borrow $r)) (result u32)))
    (core func $make_l (canon lower (func $make)))
    (core func $get_l (canon lower (func $get)))
    (core func $drop (canon resource.drop $r))
    (core module $m
      (import "h" "make" (func $make (result i32)))
      (import "h" "get" (func $get (param i32) (result i32)))
      (import "h" "drop" (func $drop (param i32)))
      (func (export "run") (result i32)
        (local $h i32) (local $v i32)
        (local.set $h (call $make))
        (local.set $v (call $get (local.get $h)))
        (call $drop (local.get $h))
        (local.get $v)))
    (core instance $i (instantiate $m (with "h" (instance
      (export "make" (func $make_l)) (export "get" (func $get_l)) (export "drop" (func $drop))))))
    (func (export "run") (result u32) (canon lift (core func $i "run"))))
  (instance $in (instantiate $inner
    (with "r" (type $r)) (with "make" (func $make)) (with "get" (func $get))))
  (export "run" (func $in "run"))
  (export "drops" (func $drops))
))"));
  ASSERT_TRUE(p);
  auto c = link(*p);
  ASSERT_TRUE(c);
  std::vector<Val> r;
  auto o = c->call("run", {}, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  EXPECT_EQ(r.at(0).as_u32(), 42u);
  o = c->call("drops", {}, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  EXPECT_EQ(r.at(0).as_u32(), 1u);
}

// A resource the component defines (resource.new/rep/drop, its destructor
// runs on drop), and a function of an exported instance called as
// `interface#func`.
TEST_F(ComponentLink, DefinedResourceAndExportedInstance) {
  auto p = plan(assemble(R"((component
  (core module $d
    (global $drops (mut i32) (i32.const 0))
    (global $last (mut i32) (i32.const 0))
    (func (export "dtor") (param i32)
      (global.set $drops (i32.add (global.get $drops) (i32.const 1)))
      (global.set $last (local.get 0)))
    (func (export "drops") (result i32) global.get $drops)
    (func (export "last") (result i32) global.get $last))
  (core instance $di (instantiate $d))
  (type $r (resource (rep i32) (dtor (core func $di "dtor"))))
  (core func $new (canon resource.new $r))
  (core func $rep (canon resource.rep $r))
  (core func $drop (canon resource.drop $r))
  (core module $main
    (import "r" "new" (func $new (param i32) (result i32)))
    (import "r" "rep" (func $rep (param i32) (result i32)))
    (import "r" "drop" (func $drop (param i32)))
    (import "d" "drops" (func $drops (result i32)))
    (import "d" "last" (func $last (result i32)))
    (func (export "run") (result i32)
      (call $drop (call $new (i32.const 77)))
      (i32.add (call $rep (call $new (i32.const 5)))
        (i32.add (i32.mul (call $drops) (i32.const 100)) (i32.mul (call $last) (i32.const 1000))))))
  (core instance $mi (instantiate $main
    (with "r" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))
    (with "d" (instance $di))))
  (func $run (result u32) (canon lift (core func $mi "run")))
  (instance $api (export "run" (func $run)))
  (export "test:demo/api@0.1.0" (instance $api))
))"));
  ASSERT_TRUE(p);
  auto c = link(*p);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->has_export("test:demo/api@0.1.0#run"));
  EXPECT_FALSE(c->has_export("test:demo/api@0.1.0#nope"));
  std::vector<Val> r;
  auto o = c->call("test:demo/api@0.1.0#run", {}, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  EXPECT_EQ(r.at(0).as_u32(), 77105u);  // rep 5, one drop, the dtor saw rep 77
}

// A host resource: the host's constructor returns an own handle, the guest
// passes it back borrowed to a method, then drops it (the host's destructor
// runs); the host resource type is matched by a semver-compatible name.
TEST_F(ComponentLink, HostResource) {
  auto p = plan(assemble(R"((component
  (import "test:demo/store@0.1.0" (instance $s
    (export "blob" (type $b (sub resource)))
    (export "[constructor]blob" (func (param "n" u32) (result (own $b))))
    (export "[method]blob.size" (func (param "self" (borrow $b)) (result u32)))))
  (alias export $s "blob" (type $blob))
  (alias export $s "[constructor]blob" (func $ctor))
  (alias export $s "[method]blob.size" (func $size))
  (core func $ctor_l (canon lower (func $ctor)))
  (core func $size_l (canon lower (func $size)))
  (core func $drop (canon resource.drop $blob))
  (core module $m
    (import "s" "ctor" (func $ctor (param i32) (result i32)))
    (import "s" "size" (func $size (param i32) (result i32)))
    (import "s" "drop" (func $drop (param i32)))
    (func (export "run") (param i32) (result i32)
      (local $h i32) (local $n i32)
      (local.set $h (call $ctor (local.get 0)))
      (local.set $n (call $size (local.get $h)))
      (call $drop (local.get $h))
      (local.get $n)))
  (core instance $i (instantiate $m
    (with "s" (instance (export "ctor" (func $ctor_l)) (export "size" (func $size_l))
                        (export "drop" (func $drop))))))
  (func (export "run") (param "n" u32) (result u32) (canon lift (core func $i "run")))
))"));
  ASSERT_TRUE(p);
  std::vector<uint32_t> dropped;
  ResourceType blob;
  blob.name = "blob";
  blob.dtor = [&](engine::InstanceData*, uint32_t rep) {
    dropped.push_back(rep);
    return engine::Outcome::success();
  };
  HostImports host;
  host.resources["test:demo/store@0.1.9#blob"] = &blob;
  host.funcs["test:demo/store@0.1.0#[constructor]blob"] =
      [](engine::InstanceData*, std::span<const Val> a, std::vector<Val>& r) {
        r.push_back(Val::own(a[0].as_u32() * 10));
        return engine::Outcome::success();
      };
  host.funcs["test:demo/store@0.1.0#[method]blob.size"] =
      [](engine::InstanceData*, std::span<const Val> a, std::vector<Val>& r) {
        r.push_back(Val::u32(a[0].rep() + 1));
        return engine::Outcome::success();
      };
  auto c = link(*p, host);
  ASSERT_TRUE(c);
  std::vector<Val> r;
  Val args[] = {Val::u32(4)};
  auto o = c->call("run", args, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  EXPECT_EQ(r.at(0).as_u32(), 41u);
  EXPECT_EQ(dropped, std::vector<uint32_t>{40});
}

// A host import that calls back into the component while the component is
// running: the spec's reentrance rule traps it, cleanly.
TEST_F(ComponentLink, ReentranceTraps) {
  auto p = plan(assemble(R"((component
  (import "cb" (func $cb))
  (core func $cb_low (canon lower (func $cb)))
  (core module $m
    (import "h" "cb" (func $cb))
    (func (export "outer") call $cb)
    (func (export "inner")))
  (core instance $i (instantiate $m (with "h" (instance (export "cb" (func $cb_low))))))
  (func (export "outer") (canon lift (core func $i "outer")))
  (func (export "inner") (canon lift (core func $i "inner")))
))"));
  ASSERT_TRUE(p);
  LinkedComponent* self = nullptr;
  engine::Outcome inner;
  HostImports host;
  host.funcs["cb"] = [&](engine::InstanceData*, std::span<const Val>, std::vector<Val>&) {
    std::vector<Val> r;
    inner = self->call("inner", {}, r);
    return engine::Outcome::success();
  };
  auto c = link(*p, host);
  ASSERT_TRUE(c);
  self = c.get();
  std::vector<Val> r;
  auto o = c->call("outer", {}, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o);
  EXPECT_FALSE(inner.ok());
  EXPECT_NE(inner.message.find("reentrance"), std::string::npos) << engine::describe(inner);
  // afterwards the instance may be entered again
  EXPECT_TRUE(c->call("inner", {}, r).ok());
}

}  // namespace
}  // namespace spindle::component::link_test
