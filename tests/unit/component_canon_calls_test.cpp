// Calls through the glue: run_tests.py test_handles, test_roundtrips and
// test_cross_component_realloc, and the call-level traps (reentrance,
// may-leave, borrows outliving a call, wrong core arities).
#include <gtest/gtest.h>

#include "component_canon_util.h"
#include "engine/component/canon_call.h"

namespace spindle::component {
namespace {

using namespace testing;
using P = PrimType;
using engine::Outcome;
using engine::Value;

std::vector<Value> i32s(std::initializer_list<uint32_t> xs) {
  std::vector<Value> v;
  for (uint32_t x : xs) v.push_back(Value::from_i32(x));
  return v;
}

// test_handles
TEST(ComponentCanonCalls, Handles) {
  Types ty;
  TypeId res = ty.resource(), res2 = ty.resource();
  ValType own = ty.handle(TypeKind::Own, res), borrow = ty.handle(TypeKind::Borrow, res);
  ValType borrow2 = ty.handle(TypeKind::Borrow, res2);
  TypeId host_ft = ty.func({borrow, borrow}, own);
  TypeId ft = ty.func({own, own, borrow, borrow2}, ty.tuple({own, own, own}));
  Layouts ls(ty.file);

  std::optional<uint32_t> dtor_value;
  auto dtor = [&](engine::InstanceData*, uint32_t rep) {
    dtor_value = rep;
    return Outcome::success();
  };
  ComponentInstance root;
  ComponentInstance rt_impl(&root), inst(&root);
  ResourceType rt{&rt_impl, dtor, "rt"};  // usable in imports and exports
  ResourceType rt2{&inst, dtor, "rt2"};   // only usable in exports
  ResourceMap resources{{res, &rt}, {res2, &rt2}};
  Heap heap(64);
  AbiOptions opts = heap.options();

  FuncSig host_sig = make_signature(ls, ty.file.types[host_ft]);
  HostFn host_func = [&](engine::InstanceData*, std::span<const Val> args, std::vector<Val>& results) {
    EXPECT_EQ(args.size(), 2u);
    EXPECT_EQ(args[0], Val::borrow(42));
    EXPECT_EQ(args[1], Val::borrow(44));
    results = {Val::own(45)};
    return Outcome::success();
  };

  CoreFn core_wasm = [&](std::span<const Value> args, std::vector<Value>& results) {
    EXPECT_EQ(args.size(), 4u);
    EXPECT_EQ(inst.handles.array_size(), 4u);
    EXPECT_EQ(inst.handles.get(0), nullptr);
    EXPECT_EQ(args[0].i32, 1u);
    EXPECT_EQ(args[1].i32, 2u);
    EXPECT_EQ(args[2].i32, 3u);
    EXPECT_EQ(args[3].i32, 13u);  // a borrow of its own resource: the rep
    uint32_t h1 = args[0].i32, h2 = args[1].i32, h3 = args[2].i32, rep = 0;
    EXPECT_TRUE(resource_rep(inst, &rt, h1, rep).ok());
    EXPECT_EQ(rep, 42u);
    EXPECT_TRUE(resource_rep(inst, &rt, h2, rep).ok());
    EXPECT_EQ(rep, 43u);
    EXPECT_TRUE(resource_rep(inst, &rt, h3, rep).ok());
    EXPECT_EQ(rep, 44u);

    std::vector<Value> core_results(1);
    Outcome o =
        call_lowered(ls, host_sig, opts, inst, &resources, i32s({h1, h3}), core_results, host_func);
    EXPECT_TRUE(o.ok()) << o.message;
    uint32_t h4 = core_results[0].i32;
    EXPECT_EQ(h4, 4u);
    EXPECT_TRUE(resource_rep(inst, &rt, h4, rep).ok());
    EXPECT_EQ(rep, 45u);

    dtor_value.reset();
    EXPECT_TRUE(resource_drop(inst, &rt, h1).ok());
    EXPECT_EQ(dtor_value, 42u);
    EXPECT_EQ(inst.handles.array_size(), 5u);
    EXPECT_EQ(inst.handles.get(h1), nullptr);
    EXPECT_EQ(inst.handles.free_size(), 1u);

    uint32_t h = 0;
    EXPECT_TRUE(resource_new(inst, &rt, 46, h).ok());
    EXPECT_EQ(h, h1);
    EXPECT_EQ(inst.handles.array_size(), 5u);
    EXPECT_NE(inst.handles.get(h), nullptr);
    EXPECT_EQ(inst.handles.free_size(), 0u);

    dtor_value.reset();
    EXPECT_TRUE(resource_drop(inst, &rt, h3).ok());
    EXPECT_FALSE(dtor_value.has_value());
    EXPECT_EQ(inst.handles.array_size(), 5u);
    EXPECT_EQ(inst.handles.get(h3), nullptr);
    EXPECT_EQ(inst.handles.free_size(), 1u);

    uint32_t retp = 0;
    EXPECT_TRUE(heap.realloc(0, 0, 4, 12, retp).ok());
    for (uint32_t i = 0; i < 3; ++i) {
      uint32_t v = i == 0 ? h : i == 1 ? h2 : h4;
      std::memcpy(&heap.memory[retp + 4 * i], &v, 4);
    }
    results = i32s({retp});
    return Outcome::success();
  };

  LiftedFunc f{&ls, make_signature(ls, ty.file.types[ft]), opts, &inst, &resources, core_wasm, {}};
  std::vector<Val> got;
  Outcome o = call_lifted(
      f, std::vector<Val>{Val::own(42), Val::own(43), Val::borrow(44), Val::borrow(13)}, got);
  ASSERT_TRUE(o.ok()) << o.message;
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], Val::tuple({Val::own(46), Val::own(43), Val::own(45)}));
  EXPECT_EQ(inst.handles.array_size(), 5u);
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(inst.handles.get(i), nullptr);
  EXPECT_EQ(inst.handles.free_size(), 4u);
  EXPECT_TRUE(inst.may_enter);
}

// A guest export written with the library: it lifts its parameters from its
// own memory and returns them as its results (spilled through realloc).
struct EchoGuest {
  EchoGuest(const Layouts& ls, FuncSig sig) : ls(ls), sig(std::move(sig)) {}
  const Layouts& ls;
  FuncSig sig;
  Heap heap{4000};
  AbiOptions opts = heap.options();
  ComponentInstance inst;
  int post_returns = 0;

  LiftedFunc func() {
    LiftedFunc f;
    f.layouts = &ls;
    f.sig = sig;
    f.opts = opts;
    f.inst = &inst;
    f.callee = [this](std::span<const Value> args, std::vector<Value>& results) {
      CanonContext cx(ls, opts, &inst);
      FlatReader in(args, sig.lifted.params);
      std::vector<Val> vals;
      if (!lift_flat_values(cx, kMaxFlatParams, in, sig.params, vals)) return cx.error;
      FlatWriter out;
      if (!lower_flat_values(cx, kMaxFlatResults, vals, sig.results, out)) return cx.error;
      results = out.values;
      return Outcome::success();
    };
    f.post_return = [this](std::span<const Value> results, std::vector<Value>&) {
      EXPECT_FALSE(inst.may_leave);
      EXPECT_EQ(results.size(), sig.lifted.results.size());
      ++post_returns;
      return Outcome::success();
    };
    return f;
  }
};

// test_roundtrips
TEST(ComponentCanonCalls, Roundtrips) {
  Types ty;
  ValType s = Types::p(P::String), u16 = Types::p(P::U16), u32 = Types::p(P::U32);
  std::vector<ValType> wide(16, u32);
  wide.push_back(s);
  std::vector<Val> wide_v;
  for (uint32_t i = 1; i <= 16; ++i) wide_v.push_back(Val::u32(i));
  wide_v.push_back(Val::string("wat"));
  std::vector<std::pair<ValType, Val>> cases = {
      {Types::p(P::S8), Val::s8(-1)},
      {ty.tuple({u16, u16}), Val::tuple({Val::u16(3), Val::u16(4)})},
      {ty.list(s), Val::list({Val::string("hello there")})},
      {ty.list(ty.list(s)), Val::list({Val::list({Val::string("one"), Val::string("two")}),
                                       Val::list({Val::string("three")})})},
      {ty.list(ty.option(ty.tuple({s, u16}))),
       Val::list({Val::some(Val::tuple({Val::string("answer"), Val::u16(42)}))})},
      {ty.variant({ty.tuple(wide)}), Val::variant(0, Val::tuple(wide_v))},
  };
  std::vector<TypeId> fts;
  for (auto& [t, v] : cases) fts.push_back(ty.func({t}, t));
  Layouts ls(ty.file);
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].second.debug());
    EchoGuest g{ls, make_signature(ls, ty.file.types[fts[i]])};
    std::vector<Val> got;
    Outcome o = call_lifted(g.func(), std::vector<Val>{cases[i].second}, got);
    ASSERT_TRUE(o.ok()) << o.message;
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], cases[i].second);
    EXPECT_EQ(g.post_returns, 1);
  }
}

// test_cross_component_realloc: a list lifted from the producer is lowered
// into the consumer with the consumer's realloc, which runs with may_leave
// cleared.
TEST(ComponentCanonCalls, CrossComponentRealloc) {
  Types ty;
  TypeId ft = ty.func({}, ty.list(Types::p(P::U8)));
  TypeId unit_ft = ty.func({}, std::nullopt);
  Layouts ls(ty.file);
  ComponentInstance root;
  ComponentInstance producer_inst(&root), consumer_inst(&root);

  Heap producer_heap(16);
  LiftedFunc producer;
  producer.layouts = &ls;
  producer.sig = make_signature(ls, ty.file.types[ft]);
  producer.opts = producer_heap.options();
  producer.inst = &producer_inst;
  producer.callee = [&](std::span<const Value> args, std::vector<Value>& results) {
    EXPECT_TRUE(args.empty());
    uint32_t buf = 0, retp = 0;
    EXPECT_TRUE(producer_heap.realloc(0, 0, 1, 3, buf).ok());
    producer_heap.memory[buf] = 0x0a;
    producer_heap.memory[buf + 1] = 0x0b;
    producer_heap.memory[buf + 2] = 0x0c;
    EXPECT_TRUE(producer_heap.realloc(0, 0, 4, 8, retp).ok());
    producer_heap.memory[retp] = static_cast<uint8_t>(buf);
    producer_heap.memory[retp + 4] = 3;
    results = i32s({retp});
    return Outcome::success();
  };

  Heap consumer_heap(24);
  int num_realloc_calls = 0;
  AbiOptions consumer_opts = consumer_heap.options();
  consumer_opts.realloc = [&](uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t& out) {
    ++num_realloc_calls;
    EXPECT_FALSE(consumer_inst.may_enter);
    EXPECT_FALSE(consumer_inst.may_leave);
    uint32_t h = 0;
    EXPECT_FALSE(resource_new(consumer_inst, nullptr, 1, h).ok());  // may not leave
    return consumer_heap.realloc(a, b, c, d, out);
  };
  FuncSig import_sig = make_signature(ls, ty.file.types[ft]);
  ASSERT_TRUE(import_sig.results_spilled);

  LiftedFunc consumer;
  consumer.layouts = &ls;
  consumer.sig = make_signature(ls, ty.file.types[unit_ft]);
  consumer.inst = &consumer_inst;
  consumer.callee = [&](std::span<const Value>, std::vector<Value>&) {
    uint32_t retp = 0;
    EXPECT_TRUE(consumer_heap.realloc(0, 0, 4, 8, retp).ok());
    EXPECT_EQ(num_realloc_calls, 0);
    std::vector<Value> none;
    Outcome o = call_lowered(ls, import_sig, consumer_opts, consumer_inst, nullptr, i32s({retp}),
                             none, [&](engine::InstanceData*, std::span<const Val> args, std::vector<Val>& results) {
                               EXPECT_TRUE(args.empty());
                               return call_lifted(producer, {}, results, &consumer_inst);
                             });
    EXPECT_TRUE(o.ok()) << o.message;
    EXPECT_EQ(num_realloc_calls, 1);
    uint32_t ptr = consumer_heap.memory[retp], length = consumer_heap.memory[retp + 4];
    EXPECT_EQ(length, 3u);
    EXPECT_EQ(consumer_heap.memory[ptr], 0x0a);
    EXPECT_EQ(consumer_heap.memory[ptr + 1], 0x0b);
    EXPECT_EQ(consumer_heap.memory[ptr + 2], 0x0c);
    return Outcome::success();
  };
  std::vector<Val> results;
  Outcome o = call_lifted(consumer, {}, results);
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(num_realloc_calls, 1);
  EXPECT_TRUE(consumer_inst.may_enter);
  EXPECT_TRUE(producer_inst.may_enter);
}

// A lowered import whose parameters spill (17 flat values) and whose result
// goes through the return pointer.
TEST(ComponentCanonCalls, SpilledImport) {
  Types ty;
  ValType u32 = Types::p(P::U32);
  std::vector<ValType> params(17, u32);
  TypeId ft = ty.func(params, Types::p(P::String));
  Layouts ls(ty.file);
  FuncSig sig = make_signature(ls, ty.file.types[ft]);
  ASSERT_TRUE(sig.params_spilled);
  ASSERT_TRUE(sig.results_spilled);
  ASSERT_EQ(sig.lowered.params.size(), 2u);
  ASSERT_TRUE(sig.lowered.results.empty());
  Heap heap(256);
  for (uint32_t i = 0; i < 17; ++i) heap.memory[4 * i] = static_cast<uint8_t>(i + 1);
  heap.last_alloc = 100;
  AbiOptions opts = heap.options();
  ComponentInstance inst;
  std::vector<Value> none;
  Outcome o = call_lowered(ls, sig, opts, inst, nullptr, i32s({0, 80}), none,
                           [](engine::InstanceData*, std::span<const Val> args, std::vector<Val>& results) {
                             EXPECT_EQ(args.size(), 17u);
                             uint32_t sum = 0;
                             for (const Val& a : args) sum += a.as_u32();
                             results = {Val::string(std::to_string(sum))};
                             return Outcome::success();
                           });
  ASSERT_TRUE(o.ok()) << o.message;
  uint32_t ptr = 0, len = 0;
  std::memcpy(&ptr, &heap.memory[80], 4);
  std::memcpy(&len, &heap.memory[84], 4);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&heap.memory[ptr]), len), "153");
  // A misaligned or out-of-bounds return pointer traps.
  for (uint32_t retp : {81u, 252u}) {
    o = call_lowered(ls, sig, opts, inst, nullptr, i32s({0, retp}), none,
                     [](engine::InstanceData*, std::span<const Val>, std::vector<Val>& results) {
                       results = {Val::string("x")};
                       return Outcome::success();
                     });
    EXPECT_FALSE(o.ok());
  }
  // So does a spilled-parameter pointer out of bounds, and the wrong arity.
  o = call_lowered(ls, sig, opts, inst, nullptr, i32s({200, 80}), none,
                   [](engine::InstanceData*, std::span<const Val>, std::vector<Val>&) { return Outcome::success(); });
  EXPECT_EQ(o.trap, engine::TrapKind::OutOfBounds) << o.message;
  o = call_lowered(ls, sig, opts, inst, nullptr, i32s({0}), none,
                   [](engine::InstanceData*, std::span<const Val>, std::vector<Val>&) { return Outcome::success(); });
  EXPECT_FALSE(o.ok());
  // The host's own failure comes through as it is.
  o = call_lowered(ls, sig, opts, inst, nullptr, i32s({0, 80}), none,
                   [](engine::InstanceData*, std::span<const Val>, std::vector<Val>&) {
                     return Outcome::trapped(engine::TrapKind::HostError, "host says no");
                   });
  EXPECT_EQ(o.message, "host says no");
}

}  // namespace
}  // namespace spindle::component
