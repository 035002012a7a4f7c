// Bounded, deterministic fuzzing of the Canonical ABI: lifting random bytes
// and random core values as random type trees must succeed or trap cleanly
// (never crash, never read or write outside memory); what lifts must lower
// and lift back to the same value; and random values of random types must
// survive lower-then-lift, flat and through memory, in every encoding.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "component_canon_util.h"
#include "engine/component/canon_unicode.h"

namespace spindle::component {
namespace {

using namespace testing;
using Rng = std::mt19937_64;

float f32_of(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
double f64_of(uint64_t b) {
  double f;
  std::memcpy(&f, &b, 8);
  return f;
}

// SPINDLE_FUZZ_CASES and SPINDLE_FUZZ_SEED scale a longer run up by hand
// (as for the loader's fuzz test).
int cases(int fallback) {
  const char* v = std::getenv("SPINDLE_FUZZ_CASES");
  return v != nullptr ? std::atoi(v) : fallback;
}
Rng rng(uint64_t seed) {
  const char* v = std::getenv("SPINDLE_FUZZ_SEED");
  return Rng(v != nullptr ? seed ^ std::strtoull(v, nullptr, 10) : seed);
}

uint64_t pick(Rng& r, uint64_t n) { return n == 0 ? 0 : r() % n; }
bool coin(Rng& r, int one_in) { return pick(r, one_in) == 0; }

struct Gen {
  Types& ty;
  Rng& r;
  TypeId res_a, res_b;

  ValType type(int depth) {
    int leaf = depth <= 0 ? 1 : 0;
    switch (leaf != 0 ? 0 : pick(r, 12)) {
      case 0:
      case 1:
      case 2:
        return Types::p(static_cast<PrimType>(pick(r, 13)));
      case 3:
        return ty.list(type(depth - 1));
      case 4: {
        size_t n = 1 + pick(r, 4);
        TypeDef d;
        d.kind = TypeKind::Record;
        for (size_t i = 0; i < n; ++i)
          d.fields.push_back({"f" + std::to_string(i), type(depth - 1)});
        return ty.add(std::move(d));
      }
      case 5: {
        std::vector<ValType> ts;
        for (size_t i = 0, n = 1 + pick(r, 3); i < n; ++i) ts.push_back(type(depth - 1));
        return ty.tuple(ts);
      }
      case 6: {
        std::vector<std::optional<ValType>> cs;
        for (size_t i = 0, n = 1 + pick(r, 4); i < n; ++i)
          cs.push_back(coin(r, 3) ? std::nullopt : std::optional<ValType>(type(depth - 1)));
        return ty.variant(cs);
      }
      case 7:
        return ty.enumeration(coin(r, 8) ? 250 + pick(r, 20) : 1 + pick(r, 5));
      case 8:
        return ty.option(type(depth - 1));
      case 9:
        return ty.result(coin(r, 3) ? std::nullopt : std::optional<ValType>(type(depth - 1)),
                         coin(r, 3) ? std::nullopt : std::optional<ValType>(type(depth - 1)));
      case 10:
        return ty.flags(1 + pick(r, 32));
      default:
        return ty.handle(coin(r, 2) ? TypeKind::Own : TypeKind::Borrow, coin(r, 4) ? res_b : res_a);
    }
  }
};

char32_t random_char(Rng& r) {
  switch (pick(r, 5)) {
    case 0:
      return static_cast<char32_t>(0x20 + pick(r, 0x5f));
    case 1:
      return static_cast<char32_t>(pick(r, 0x100));
    case 2:
      return static_cast<char32_t>(0x100 + pick(r, 0xd800 - 0x100));
    case 3:
      return static_cast<char32_t>(0xe000 + pick(r, 0x2000));
    default:
      return static_cast<char32_t>(0x10000 + pick(r, 0x100000));
  }
}

// A random value of type `t` (own/borrow reps are arbitrary).
Val value(const Layouts& ls, Rng& r, ValType t, int depth = 0) {
  t = ls.resolve(t);
  if (t.is_prim) {
    uint64_t x = r();
    switch (t.prim) {
      case PrimType::Bool:
        return Val::boolean(x & 1);
      case PrimType::S8:
        return Val::s8(static_cast<int8_t>(x));
      case PrimType::U8:
        return Val::u8(static_cast<uint8_t>(x));
      case PrimType::S16:
        return Val::s16(static_cast<int16_t>(x));
      case PrimType::U16:
        return Val::u16(static_cast<uint16_t>(x));
      case PrimType::S32:
        return Val::s32(static_cast<int32_t>(x));
      case PrimType::U32:
        return Val::u32(static_cast<uint32_t>(x));
      case PrimType::S64:
        return Val::s64(static_cast<int64_t>(x));
      case PrimType::U64:
        return Val::u64(x);
      case PrimType::F32:
        return Val::f32(f32_of(static_cast<uint32_t>(x)));
      case PrimType::F64:
        return Val::f64(f64_of(x));
      case PrimType::Char:
        return Val::character(random_char(r));
      case PrimType::String: {
        std::vector<char32_t> cps;
        bool latin = coin(r, 2);
        for (size_t i = 0, n = pick(r, 12); i < n; ++i) {
          char32_t c = random_char(r);
          cps.push_back(latin ? c & 0xff : c);
        }
        return Val::string(encode_utf8(cps));
      }
    }
  }
  const TypeDef& d = ls.file().types[t.id];
  size_t n = depth > 4 ? 0 : pick(r, 4);
  switch (d.kind) {
    case TypeKind::List: {
      ValType e = ls.resolve(d.elem);
      if (e.is_prim && e.prim == PrimType::U8 && coin(r, 2)) {
        std::string b;
        for (size_t i = 0, m = pick(r, 9); i < m; ++i) b += static_cast<char>(r());
        return Val::bytes(b);
      }
      std::vector<Val> es;
      for (size_t i = 0; i < n; ++i) es.push_back(value(ls, r, d.elem, depth + 1));
      return Val::list(es);
    }
    case TypeKind::Record: {
      std::vector<Val> fs;
      for (const Field& f : d.fields) fs.push_back(value(ls, r, f.type, depth + 1));
      return Val::record(fs);
    }
    case TypeKind::Tuple: {
      std::vector<Val> es;
      for (ValType e : d.elems) es.push_back(value(ls, r, e, depth + 1));
      return Val::tuple(es);
    }
    case TypeKind::Flags:
      return Val::flags(static_cast<uint32_t>(r()) &
                        (d.labels.size() >= 32 ? 0xffffffffu : (1u << d.labels.size()) - 1));
    case TypeKind::Own:
      return Val::own(static_cast<uint32_t>(r()));
    case TypeKind::Borrow:
      return Val::borrow(static_cast<uint32_t>(r()));
    default:
      break;
  }
  CaseView cv = cases_of(d);
  auto i = static_cast<uint32_t>(pick(r, cv.count()));
  std::optional<Val> payload;
  if (auto pt = cv.payload(i)) payload = value(ls, r, *pt, depth + 1);
  switch (d.kind) {
    case TypeKind::Enum:
      return Val::enumeration(i);
    case TypeKind::Option:
      return i == 0 ? Val::none() : Val::some(*payload);
    case TypeKind::Result:
      return i == 0 ? Val::ok(payload) : Val::err(payload);
    default:
      return Val::variant(i, payload);
  }
}

// The state one case runs in: two host resource types and an instance
// whose table holds a few handles, within a call scope.
struct Env {
  Types ty;
  TypeId res_a = ty.resource(), res_b = ty.resource();
  ResourceType rt_a{nullptr, nullptr, "a"}, rt_b{nullptr, nullptr, "b"};
  ResourceMap resources{{res_a, &rt_a}, {res_b, &rt_b}};
  ComponentInstance inst;
  uint64_t scope = inst.open_scope();
  Lenders lenders{inst};

  CanonContext context(const Layouts& ls, const AbiOptions& o) {
    return CanonContext(ls, o, &inst, &resources);
  }
};

void setup(CanonContext& cx, Env& env) {
  cx.lenders = &env.lenders;
  cx.borrow_scope = env.scope;
}

constexpr StringEncoding kEncodings[] = {StringEncoding::Utf8, StringEncoding::Utf16,
                                         StringEncoding::Latin1Utf16};

// Every trap is one of the two kinds, with a message.
void expect_clean(const CanonContext& cx) {
  EXPECT_FALSE(cx.error.ok());
  EXPECT_TRUE(cx.error.trap == engine::TrapKind::OutOfBounds ||
              cx.error.trap == engine::TrapKind::HostError)
      << engine::trap_name(cx.error.trap);
  EXPECT_NE(cx.error.message.find("canonical ABI: "), std::string::npos) << cx.error.message;
}

uint32_t random_word(Rng& r, size_t mem) {
  switch (pick(r, 6)) {
    case 0:
      return static_cast<uint32_t>(r());
    case 1:
      return static_cast<uint32_t>(pick(r, 4));
    case 2:
      return static_cast<uint32_t>(0x80000000u | pick(r, 8));  // tagged lengths
    default:
      return static_cast<uint32_t>(pick(r, mem + 8));
  }
}

TEST(ComponentCanonFuzz, LiftRandomBytesAsRandomTypes) {
  Rng r = rng(0xC0FFEE);
  const int n = cases(20000);
  int lifted = 0, trapped = 0;
  for (int iter = 0; iter < n; ++iter) {
    Env env;
    Gen g{env.ty, r, env.res_a, env.res_b};
    std::vector<ValType> ts;
    for (size_t i = 0, n = 1 + pick(r, 3); i < n; ++i)
      ts.push_back(g.type(static_cast<int>(pick(r, 5))));
    Layouts ls(env.ty.file);
    // Memory: random bytes, with small words (plausible pointers/lengths).
    size_t size = pick(r, 600);
    Heap heap(size);
    for (size_t i = 0; i < size; ++i) heap.memory[i] = static_cast<uint8_t>(r());
    for (size_t i = 0; i + 4 <= size; i += 4)
      if (coin(r, 2)) {
        uint32_t w = random_word(r, size);
        std::memcpy(&heap.memory[i], &w, 4);
      }
    for (int i = 0; i < 4; ++i) {
      HandleElem h;
      h.rt = coin(r, 3) ? &env.rt_b : &env.rt_a;
      h.rep = static_cast<uint32_t>(r());
      h.own = coin(r, 2);
      env.inst.handles.add(h);
    }
    AbiOptions o = heap.options(kEncodings[pick(r, 3)]);
    o.lift_budget = 1 << 20;
    CanonContext cx = env.context(ls, o);
    setup(cx, env);
    std::vector<CoreValType> flat;
    size_t n_flat = ls.tuple_flat_count(ts);
    if (n_flat > kMaxFlatParams)
      flat = {CoreValType::I32};
    else
      for (ValType t : ts) ls.flatten(t, flat, kMaxFlatParams);
    std::vector<engine::Value> core;
    for (CoreValType t : flat) {
      uint64_t x = coin(r, 3) ? r() : random_word(r, size);
      core.push_back(core_value(t, N(static_cast<unsigned long long>(x))));
    }
    FlatReader in(core, flat);
    std::vector<Val> vals;
    bool ok = lift_flat_values(cx, kMaxFlatParams, in, ts, vals);
    if (!ok) {
      expect_clean(cx);
      ++trapped;
    } else {
      ASSERT_TRUE(cx.error.ok());
      ++lifted;
      // What lifted lowers and lifts back the same, in any encoding.
      Heap out(16 * size + 4096);
      AbiOptions o2 = out.options(kEncodings[pick(r, 3)]);
      CanonContext cx2 = env.context(ls, o2);
      setup(cx2, env);
      FlatWriter w;
      ASSERT_TRUE(lower_flat_values(cx2, kMaxFlatParams, vals, ts, w)) << cx2.error.message;
      FlatReader in2(w.values, w.types);
      std::vector<Val> again;
      ASSERT_TRUE(lift_flat_values(cx2, kMaxFlatParams, in2, ts, again)) << cx2.error.message;
      ASSERT_EQ(again, vals);
    }
    // A load of one type at a random place.
    CanonContext cx3 = env.context(ls, o);
    setup(cx3, env);
    ValType t = ts[0];
    uint32_t a = ls.align(t), sz = ls.size(t);
    if (size >= sz) {
      uint32_t ptr = align_to(static_cast<uint32_t>(pick(r, size - sz + 1)), a);
      Val v;
      if (ptr + sz <= size && !load(cx3, ptr, t, v)) expect_clean(cx3);
    }
    if (HasFatalFailure()) return;
  }
  // The corpus exercises both outcomes.
  EXPECT_GT(lifted, n / 10);
  EXPECT_GT(trapped, n / 10);
}

// Structure-aware: valid encodings of random values, then a few bytes of
// memory or a core value mutated, lifted again (possibly in another
// encoding). Reaches deep strings, lists and handles the random bytes rarely
// form.
TEST(ComponentCanonFuzz, LiftMutatedValidEncodings) {
  Rng r = rng(0xFACADE);
  const int n = cases(20000) / 2;
  int lifted = 0, trapped = 0;
  for (int iter = 0; iter < n; ++iter) {
    Env env;
    Gen g{env.ty, r, env.res_a, env.res_b};
    std::vector<ValType> ts;
    for (size_t i = 0, n = 1 + pick(r, 3); i < n; ++i)
      ts.push_back(g.type(static_cast<int>(1 + pick(r, 4))));
    Layouts ls(env.ty.file);
    std::vector<Val> vs;
    for (ValType t : ts) vs.push_back(value(ls, r, t));
    Heap heap(8 * 1024);
    AbiOptions o = heap.options(kEncodings[pick(r, 3)]);
    FlatWriter w;
    {
      CanonContext cx = env.context(ls, o);
      setup(cx, env);
      ASSERT_TRUE(lower_flat_values(cx, kMaxFlatParams, vs, ts, w)) << cx.error.message;
    }
    size_t used = heap.last_alloc;
    for (size_t m = 0, n = 1 + pick(r, 4); m < n; ++m) {
      if (coin(r, 4) && !w.values.empty()) {
        size_t k = pick(r, w.values.size());
        w.values[k] =
            core_value(w.types[k],
                       N(static_cast<unsigned long long>(coin(r, 2) ? r() : random_word(r, used))));
      } else if (used > 0) {
        size_t at = pick(r, used);
        heap.memory[at] =
            coin(r, 2) ? static_cast<uint8_t>(r()) : heap.memory[at] ^ (1u << pick(r, 8));
      }
    }
    o.encoding = kEncodings[pick(r, 3)];
    CanonContext cx = env.context(ls, o);
    setup(cx, env);
    FlatReader in(w.values, w.types);
    std::vector<Val> got;
    if (!lift_flat_values(cx, kMaxFlatParams, in, ts, got)) {
      expect_clean(cx);
      ++trapped;
      continue;
    }
    ++lifted;
    FlatWriter w2;
    ASSERT_TRUE(lower_flat_values(cx, kMaxFlatParams, got, ts, w2)) << cx.error.message;
    FlatReader in2(w2.values, w2.types);
    std::vector<Val> again;
    ASSERT_TRUE(lift_flat_values(cx, kMaxFlatParams, in2, ts, again)) << cx.error.message;
    ASSERT_EQ(again, got);
  }
  EXPECT_GT(lifted, n / 10);
  EXPECT_GT(trapped, n / 10);
}

TEST(ComponentCanonFuzz, LowerThenLiftRoundTrips) {
  Rng r = rng(0xBEEF);
  for (int iter = 0, n = cases(20000) / 4; iter < n; ++iter) {
    Env env;
    Gen g{env.ty, r, env.res_a, env.res_b};
    std::vector<ValType> ts;
    for (size_t i = 0, n = 1 + pick(r, 4); i < n; ++i)
      ts.push_back(g.type(static_cast<int>(pick(r, 5))));
    Layouts ls(env.ty.file);
    std::vector<Val> vs;
    for (ValType t : ts) vs.push_back(value(ls, r, t));
    Heap heap(64 * 1024);
    heap.last_alloc = 8;
    AbiOptions o = heap.options(kEncodings[pick(r, 3)]);
    size_t max_flat = coin(r, 2) ? kMaxFlatParams : kMaxFlatResults;
    // Flat (spilling past max_flat).
    {
      CanonContext cx = env.context(ls, o);
      setup(cx, env);
      FlatWriter w;
      ASSERT_TRUE(lower_flat_values(cx, max_flat, vs, ts, w)) << cx.error.message;
      FlatReader in(w.values, w.types);
      std::vector<Val> got;
      ASSERT_TRUE(lift_flat_values(cx, max_flat, in, ts, got)) << cx.error.message;
      EXPECT_TRUE(in.done());
      ASSERT_EQ(got, vs);
    }
    // Through memory, as a tuple at an allocated place.
    {
      CanonContext cx = env.context(ls, o);
      setup(cx, env);
      uint32_t ptr = 0;
      ASSERT_TRUE(cx.allocate(ls.tuple_align(ts), ls.tuple_size(ts), ptr));
      ASSERT_TRUE(store_tuple(cx, vs, ts, ptr)) << cx.error.message;
      std::vector<Val> got;
      ASSERT_TRUE(load_tuple(cx, ptr, ts, got)) << cx.error.message;
      ASSERT_EQ(got, vs);
    }
  }
}

}  // namespace
}  // namespace spindle::component
