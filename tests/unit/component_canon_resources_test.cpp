// Handle tables and the resource rules of the synchronous Canonical ABI:
// index reuse, lending, borrow scopes, destructors, may-enter/may-leave and
// every trap they require.
#include <gtest/gtest.h>

#include "component_canon_util.h"
#include "engine/component/canon_call.h"

namespace spindle::component {
namespace {

using namespace testing;
using engine::Outcome;
using engine::Value;

bool mentions(const Outcome& o, const std::string& what) {
  return !o.ok() && o.message.find(what) != std::string::npos;
}

TEST(ComponentCanonResources, TableReusesFreedIndicesLastFirst) {
  HandleTable t;
  HandleElem e;
  EXPECT_EQ(t.add(e), 1u);
  EXPECT_EQ(t.add(e), 2u);
  EXPECT_EQ(t.add(e), 3u);
  EXPECT_TRUE(t.remove(2));
  EXPECT_TRUE(t.remove(1));
  EXPECT_FALSE(t.remove(1));
  EXPECT_FALSE(t.remove(0));
  EXPECT_FALSE(t.remove(99));
  EXPECT_EQ(t.get(0), nullptr);
  EXPECT_EQ(t.add(e), 1u);
  EXPECT_EQ(t.add(e), 2u);
  EXPECT_EQ(t.add(e), 4u);
  EXPECT_EQ(t.live(), 4u);
}

// One host resource type, an instance, and handy function signatures.
struct World {
  Types ty;
  TypeId res = ty.resource(), other_res = ty.resource();
  ValType own = ty.handle(TypeKind::Own, res), borrow = ty.handle(TypeKind::Borrow, res);
  ValType other_own = ty.handle(TypeKind::Own, other_res);
  TypeId f_borrow = ty.func({borrow}, std::nullopt);
  TypeId f_borrow_own = ty.func({borrow, own}, std::nullopt);
  TypeId f_own = ty.func({own}, std::nullopt);
  TypeId f_other_own = ty.func({other_own}, std::nullopt);
  TypeId f_unit = ty.func({}, std::nullopt);
  TypeId f_ret_u32 = ty.func({}, Types::p(PrimType::U32));
  Layouts ls{ty.file};
  std::vector<uint32_t> dropped;
  ResourceType rt{nullptr,
                  [this](engine::InstanceData*, uint32_t rep) {
                    dropped.push_back(rep);
                    return Outcome::success();
                  },
                  "thing"};
  ResourceType other{nullptr, nullptr, "other"};
  ResourceMap resources{{res, &rt}, {other_res, &other}};
  ComponentInstance inst;
  AbiOptions opts;

  FuncSig sig(TypeId f) { return make_signature(ls, ty.file.types[f]); }
  uint32_t make(uint32_t rep) {
    uint32_t h = 0;
    EXPECT_TRUE(resource_new(inst, &rt, rep, h).ok());
    return h;
  }
  LiftedFunc lifted(TypeId f, CoreFn callee) {
    LiftedFunc l;
    l.layouts = &ls;
    l.sig = sig(f);
    l.opts = opts;
    l.inst = &inst;
    l.resources = &resources;
    l.callee = std::move(callee);
    return l;
  }
};

std::vector<Value> i32s(std::initializer_list<uint32_t> xs) {
  std::vector<Value> v;
  for (uint32_t x : xs) v.push_back(Value::from_i32(x));
  return v;
}

TEST(ComponentCanonResources, DropWhileLentTrapsThenSucceeds) {
  World w;
  uint32_t h = w.make(7);
  FuncSig sig = w.sig(w.f_borrow);
  {
    std::vector<Value> args = i32s({h});
    ImportCall call(w.ls, sig, w.opts, w.inst, &w.resources, args);
    std::vector<Val> params;
    ASSERT_TRUE(call.lift_params(params).ok());
    EXPECT_EQ(params[0], Val::borrow(7));
    EXPECT_EQ(w.inst.handles.get(h)->num_lends, 1u);
    EXPECT_TRUE(mentions(resource_drop(w.inst, &w.rt, h), "lent"));
    std::vector<Value> none;
    ASSERT_TRUE(call.lower_results({}, none).ok());
    EXPECT_EQ(w.inst.handles.get(h)->num_lends, 0u);
  }
  EXPECT_TRUE(resource_drop(w.inst, &w.rt, h).ok());
  EXPECT_EQ(w.dropped, std::vector<uint32_t>{7});
}

TEST(ComponentCanonResources, LendsEndWhenTheCallFails) {
  World w;
  uint32_t h = w.make(7);
  FuncSig sig = w.sig(w.f_borrow);
  std::vector<Value> none;
  Outcome o = call_lowered(w.ls, sig, w.opts, w.inst, &w.resources, i32s({h}), none,
                           [](engine::InstanceData*, std::span<const Val>, std::vector<Val>&) {
                             return Outcome::trapped(engine::TrapKind::HostError, "failed");
                           });
  EXPECT_FALSE(o.ok());
  EXPECT_EQ(w.inst.handles.get(h)->num_lends, 0u);
}

TEST(ComponentCanonResources, LiftingLentOrBorrowedHandlesAsOwnTraps) {
  World w;
  uint32_t h = w.make(7);
  std::vector<Value> none;
  auto host = [](engine::InstanceData*, std::span<const Val>, std::vector<Val>&) {
    return Outcome::success();
  };
  // The same handle lent and then moved in one call.
  Outcome o = call_lowered(w.ls, w.sig(w.f_borrow_own), w.opts, w.inst, &w.resources, i32s({h, h}),
                           none, host);
  EXPECT_TRUE(mentions(o, "lent")) << o.message;
  EXPECT_NE(w.inst.handles.get(h), nullptr);  // still there
  // A borrow handle (lent to this instance by a caller) given as own.
  LiftedFunc f = w.lifted(w.f_borrow, [&](std::span<const Value> args, std::vector<Value>&) {
    Outcome inner = call_lowered(w.ls, w.sig(w.f_own), w.opts, w.inst, &w.resources,
                                 i32s({args[0].i32}), none, host);
    EXPECT_TRUE(mentions(inner, "borrow")) << inner.message;
    return resource_drop(w.inst, &w.rt, args[0].i32);
  });
  std::vector<Val> results;
  o = call_lifted(f, std::vector<Val>{Val::borrow(9)}, results);
  EXPECT_TRUE(o.ok()) << o.message;
  EXPECT_TRUE(w.dropped.empty());  // dropping a borrow runs no destructor
}

TEST(ComponentCanonResources, BorrowsMustBeDroppedBeforeReturn) {
  World w;
  LiftedFunc keeps = w.lifted(
      w.f_borrow, [](std::span<const Value>, std::vector<Value>&) { return Outcome::success(); });
  std::vector<Val> results;
  Outcome o = call_lifted(keeps, std::vector<Val>{Val::borrow(9)}, results);
  EXPECT_TRUE(mentions(o, "not dropped")) << o.message;
  EXPECT_TRUE(w.inst.may_enter);  // the call left the instance
  // The stale borrow handle left behind never touches a later call's count.
  EXPECT_TRUE(resource_drop(w.inst, &w.rt, 1).ok());
}

TEST(ComponentCanonResources, WrongTypesAndMissingHandlesTrap) {
  World w;
  uint32_t h = w.make(7), rep = 0;
  EXPECT_TRUE(mentions(resource_rep(w.inst, &w.other, h, rep), "'thing'"));
  EXPECT_TRUE(mentions(resource_drop(w.inst, &w.other, h), "not a 'other' handle"));
  EXPECT_TRUE(mentions(resource_rep(w.inst, &w.rt, 0, rep), "does not exist"));
  EXPECT_TRUE(mentions(resource_rep(w.inst, &w.rt, 99, rep), "does not exist"));
  EXPECT_TRUE(mentions(resource_drop(w.inst, &w.rt, 99), "does not exist"));
  std::vector<Value> none;
  auto host = [](engine::InstanceData*, std::span<const Val>, std::vector<Val>&) {
    return Outcome::success();
  };
  Outcome o =
      call_lowered(w.ls, w.sig(w.f_other_own), w.opts, w.inst, &w.resources, i32s({h}), none, host);
  EXPECT_TRUE(mentions(o, "another resource type")) << o.message;
  o = call_lowered(w.ls, w.sig(w.f_own), w.opts, w.inst, &w.resources, i32s({5}), none, host);
  EXPECT_TRUE(mentions(o, "does not exist")) << o.message;
  // A resource type the call's map does not know.
  o = call_lowered(w.ls, w.sig(w.f_own), w.opts, w.inst, nullptr, i32s({h}), none, host);
  EXPECT_TRUE(mentions(o, "unknown")) << o.message;
  // Moving an own handle to the host takes it out of the table.
  o = call_lowered(w.ls, w.sig(w.f_own), w.opts, w.inst, &w.resources, i32s({h}), none, host);
  EXPECT_TRUE(o.ok()) << o.message;  // moved out of the table
  EXPECT_EQ(w.inst.handles.get(h), nullptr);
}

TEST(ComponentCanonResources, OwnMovesAcrossCalls) {
  World w;
  // Host -> guest: an own handle lands in the callee's table.
  LiftedFunc f = w.lifted(w.f_own, [&](std::span<const Value> args, std::vector<Value>&) {
    uint32_t rep = 0;
    EXPECT_TRUE(resource_rep(w.inst, &w.rt, args[0].i32, rep).ok());
    EXPECT_EQ(rep, 31u);
    return resource_drop(w.inst, &w.rt, args[0].i32);
  });
  std::vector<Val> results;
  ASSERT_TRUE(call_lifted(f, std::vector<Val>{Val::own(31)}, results).ok());
  EXPECT_EQ(w.dropped, std::vector<uint32_t>{31});
  EXPECT_EQ(w.inst.handles.live(), 0u);
}

TEST(ComponentCanonResources, Reentrance) {
  World w;
  LiftedFunc f = w.lifted(w.f_unit, nullptr);
  Outcome inner;
  f.callee = [&](std::span<const Value>, std::vector<Value>&) {
    EXPECT_FALSE(w.inst.may_enter);
    std::vector<Val> r;
    inner = call_lifted(f, {}, r);  // the host calls back in
    return Outcome::success();
  };
  std::vector<Val> results;
  ASSERT_TRUE(call_lifted(f, {}, results).ok());
  EXPECT_TRUE(mentions(inner, "may not be entered")) << inner.message;
  EXPECT_TRUE(w.inst.may_enter);
  // Siblings under one parent: entering a sibling that is busy traps too.
  ComponentInstance root, a(&root), b(&root);
  b.may_enter = false;
  EXPECT_FALSE(b.may_enter_from(&a));
  b.may_enter = true;
  root.may_enter = false;  // the parent is shared: not part of the entering set
  EXPECT_TRUE(b.may_enter_from(&a));
  EXPECT_FALSE(b.may_enter_from(nullptr));
}

TEST(ComponentCanonResources, DestructorEntersItsInstance) {
  World w;
  ComponentInstance root, impl(&root), user(&root);
  int calls = 0;
  ResourceType rt{&impl,
                  [&](engine::InstanceData*, uint32_t) {
                    ++calls;
                    EXPECT_FALSE(impl.may_enter);
                    return Outcome::success();
                  },
                  "rt"};
  uint32_t h = 0;
  ASSERT_TRUE(resource_new(user, &rt, 1, h).ok());
  impl.may_enter = false;
  EXPECT_TRUE(mentions(resource_drop(user, &rt, h), "reentrance"));
  impl.may_enter = true;
  ASSERT_TRUE(resource_new(user, &rt, 1, h).ok());
  EXPECT_TRUE(resource_drop(user, &rt, h).ok());
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(impl.may_enter);
  // A destructor's trap comes through.
  ResourceType bad{nullptr,
                   [](engine::InstanceData*, uint32_t) {
                     return Outcome::trapped(engine::TrapKind::Unreachable, "dtor trapped");
                   },
                   "rt"};
  ASSERT_TRUE(resource_new(user, &bad, 1, h).ok());
  EXPECT_EQ(resource_drop(user, &bad, h).trap, engine::TrapKind::Unreachable);
}

TEST(ComponentCanonResources, PostReturnMayNotLeave) {
  World w;
  LiftedFunc f = w.lifted(w.f_ret_u32, [](std::span<const Value>, std::vector<Value>& r) {
    r = {Value::from_i32(5)};
    return Outcome::success();
  });
  Outcome import_outcome, new_outcome;
  std::vector<Value> seen;
  f.post_return = [&](std::span<const Value> results, std::vector<Value>&) {
    seen.assign(results.begin(), results.end());
    std::vector<Value> none;
    import_outcome = call_lowered(w.ls, w.sig(w.f_unit), w.opts, w.inst, &w.resources, {}, none,
                                  [](engine::InstanceData*, std::span<const Val>,
                                     std::vector<Val>&) { return Outcome::success(); });
    uint32_t h = 0;
    new_outcome = resource_new(w.inst, &w.rt, 1, h);
    return Outcome::success();
  };
  std::vector<Val> results;
  ASSERT_TRUE(call_lifted(f, {}, results).ok());
  EXPECT_EQ(results, std::vector<Val>{Val::u32(5)});
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].i32, 5u);
  EXPECT_TRUE(mentions(import_outcome, "may not leave"));
  EXPECT_TRUE(mentions(new_outcome, "may not leave"));
  EXPECT_TRUE(w.inst.may_leave);
}

TEST(ComponentCanonResources, CoreFailuresComeThrough) {
  World w;
  std::vector<Val> results;
  LiftedFunc f = w.lifted(w.f_ret_u32, [](std::span<const Value>, std::vector<Value>&) {
    return Outcome::trapped(engine::TrapKind::Unreachable, "boom");
  });
  EXPECT_EQ(call_lifted(f, {}, results).trap, engine::TrapKind::Unreachable);
  f.callee = [](std::span<const Value>, std::vector<Value>&) { return Outcome::success(); };
  EXPECT_TRUE(mentions(call_lifted(f, {}, results), "returned 0 values"));
  f.callee = [](std::span<const Value>, std::vector<Value>& r) {
    r = {Value::from_i32(1)};
    return Outcome::success();
  };
  f.post_return = [](std::span<const Value>, std::vector<Value>&) {
    return Outcome::trapped(engine::TrapKind::Unreachable, "post-return trapped");
  };
  EXPECT_EQ(call_lifted(f, {}, results).message, "post-return trapped");
  EXPECT_TRUE(w.inst.may_leave);
  EXPECT_TRUE(w.inst.may_enter);
  // Arguments that do not match the parameters.
  f.post_return = nullptr;
  EXPECT_TRUE(mentions(call_lifted(f, std::vector<Val>{Val::u32(1)}, results), "expected 0"));
}

}  // namespace
}  // namespace spindle::component
