// Canonical definitions (Binary.md "Canonical Definitions", CanonicalABI.md
// "Canonical Definitions"): lift, lower and the resource built-ins, with
// their options and types checked. The async, stream, future, error-context
// and thread built-ins of newer revisions are rejected as unsupported.
#include "engine/component/loader_impl.h"

namespace spindle::component::detail {
namespace {

const char* builtin_name(uint8_t op) {
  switch (op) {
    case 0x05:
      return "task.cancel";
    case 0x06:
      return "subtask.cancel";
    case 0x09:
      return "task.return";
    case 0x0a:
      return "context.get";
    case 0x0b:
      return "context.set";
    case 0x0c:
      return "thread.yield";
    case 0x0d:
      return "subtask.drop";
    case 0x0e:
      return "stream.new";
    case 0x0f:
      return "stream.read";
    case 0x10:
      return "stream.write";
    case 0x11:
      return "stream.cancel-read";
    case 0x12:
      return "stream.cancel-write";
    case 0x13:
      return "stream.drop-readable";
    case 0x14:
      return "stream.drop-writable";
    case 0x15:
      return "future.new";
    case 0x16:
      return "future.read";
    case 0x17:
      return "future.write";
    case 0x18:
      return "future.cancel-read";
    case 0x19:
      return "future.cancel-write";
    case 0x1a:
      return "future.drop-readable";
    case 0x1b:
      return "future.drop-writable";
    case 0x1c:
      return "error-context.new";
    case 0x1d:
      return "error-context.debug-message";
    case 0x1e:
      return "error-context.drop";
    case 0x1f:
      return "waitable-set.new";
    case 0x20:
      return "waitable-set.wait";
    case 0x21:
      return "waitable-set.poll";
    case 0x22:
      return "waitable-set.drop";
    case 0x23:
      return "waitable.join";
    case 0x24:
      return "backpressure.inc";
    case 0x25:
      return "backpressure.dec";
    case 0x26:
      return "thread.index";
    case 0x27:
      return "thread.new-indirect";
    case 0x28:
      return "thread.resume-later";
    case 0x29:
      return "thread.suspend";
    case 0x2a:
      return "thread.suspend-then-resume";
    case 0x2b:
      return "thread.yield-then-resume";
    case 0x2c:
      return "thread.suspend-then-promote";
    case 0x2d:
      return "thread.yield-then-promote";
    case 0x40:
      return "thread.spawn-ref";
    case 0x41:
      return "thread.spawn-indirect";
    case 0x42:
      return "thread.available-parallelism";
    case 0x07:
      return "resource.drop async";
    case 0x08:
      return "backpressure.set";
    default:
      return nullptr;
  }
}

}  // namespace

void Loader::canon(Reader& r, Scope& s) {
  Component& c = *s.component;
  uint64_t at = r.offset();
  uint8_t op = r.u8();
  CanonDef d;
  const CoreFuncType i32_to_i32{{CoreValType::I32}, {CoreValType::I32}};
  auto new_core_func = [&](CoreFuncType t) {
    CoreExtern e;
    e.sort = CoreSort::Func;
    e.func = std::move(t);
    e.func_known = true;
    c.spaces.core_funcs.push_back(
        CoreItem{Origin::Canon, static_cast<uint32_t>(c.canons.size()), e});
    d.index = static_cast<uint32_t>(c.spaces.core_funcs.size() - 1);
  };
  auto core_func_of = [&](uint64_t fat, uint32_t idx, const CoreFuncType& want, const char* role) {
    const CoreItem& f = core_item(r, fat, s, CoreSort::Func, idx);
    if (f.type.func_known && f.type.func != want)
      r.fail_at(fat, std::string(role) + " core function " + std::to_string(idx) + " has type " +
                         to_string(f.type.func) + ", expected " + to_string(want));
  };

  if (op == 0x00 || op == 0x01) {  // lift, lower
    d.kind = op == 0x00 ? CanonKind::Lift : CanonKind::Lower;
    uint64_t sat = r.offset();
    if (r.u8() != 0x00)
      r.fail_at(sat, std::string("canon ") + to_string(d.kind) + " expects the func sort (0x00)");
    uint64_t fat = r.offset();
    d.func = r.u32();
    if (d.kind == CanonKind::Lift)
      core_item(r, fat, s, CoreSort::Func, d.func);
    else
      d.type = item(r, fat, s, Sort::Func, d.func).type.type;

    // options
    bool seen_enc = false;
    uint32_t n = r.count();
    for (uint32_t i = 0; i < n; ++i) {
      uint64_t oat = r.offset();
      uint8_t o = r.u8();
      auto once = [&](uint32_t& slot, const char* what) {
        if (slot != kNone) r.fail_at(oat, std::string("duplicate ") + what + " option");
        slot = r.u32();
      };
      switch (o) {
        case 0x00:
        case 0x01:
        case 0x02:
          if (seen_enc) r.fail_at(oat, "duplicate or conflicting string-encoding option");
          seen_enc = true;
          d.options.encoding = static_cast<StringEncoding>(o);
          break;
        case 0x03: {
          uint64_t mat = r.offset();
          once(d.options.memory, "memory");
          const CoreItem& m = core_item(r, mat, s, CoreSort::Memory, d.options.memory);
          if (m.type.memory64) r.fail_at(mat, "unsupported: 64-bit memories in canonical options");
          break;
        }
        case 0x04: {
          uint64_t rat = r.offset();
          once(d.options.realloc, "realloc");
          core_func_of(rat, d.options.realloc,
                       {{CoreValType::I32, CoreValType::I32, CoreValType::I32, CoreValType::I32},
                        {CoreValType::I32}},
                       "realloc");
          break;
        }
        case 0x05: {
          uint64_t pat = r.offset();
          once(d.options.post_return, "post-return");
          core_item(r, pat, s, CoreSort::Func, d.options.post_return);
          if (d.kind != CanonKind::Lift)
            r.fail_at(oat, "post-return is only allowed on canon lift");
          break;
        }
        case 0x06:
          r.fail_at(oat, "unsupported: the async canonical option (WASI 0.3)");
        case 0x07:
          r.fail_at(oat, "unsupported: the callback canonical option (WASI 0.3)");
        default:
          r.fail_at(oat, "invalid canonical option " + hex(o));
      }
    }
    if (d.options.realloc != kNone && d.options.memory == kNone)
      r.fail_at(at,
                "canon " + std::string(to_string(d.kind)) + ": realloc requires a memory option");

    if (d.kind == CanonKind::Lift) {
      uint64_t tat = r.offset();
      uint32_t ti = r.u32();
      d.type = type_at(r, tat, s, ti);
      if (def(d.type).kind != TypeKind::Func)
        r.fail_at(tat, "canon lift needs a func type, type index " + std::to_string(ti) + " is a " +
                           to_string(def(d.type).kind));
    }
    const TypeDef ft = def(d.type);  // copy: the arena may grow below
    bool lift = d.kind == CanonKind::Lift;
    // Which side writes into linear memory: lift lowers params into the
    // callee and lifts results out; lower does the opposite.
    bool params_list = false;
    for (const Field& p : ft.fields) params_list |= has_list_or_string(file_, p.type);
    bool result_list = ft.result && has_list_or_string(file_, *ft.result);
    bool p_spill = params_spill(file_, ft), r_spill = results_spill(file_, ft);
    bool need_realloc = lift ? (params_list || p_spill) : result_list;
    bool need_memory = need_realloc || params_list || result_list || p_spill || r_spill;
    std::string what =
        std::string("canon ") + to_string(d.kind) + " of function " + std::to_string(d.func);
    if (need_memory && d.options.memory == kNone)
      r.fail_at(at, what +
                        ": its type passes lists, strings or spilled values through memory; "
                        "a memory option is required");
    if (need_realloc && d.options.realloc == kNone)
      r.fail_at(at, what + ": its type needs a realloc option to allocate " +
                        (lift ? "parameters" : "results") + " in the callee's memory");

    CoreFuncType flat = flatten_func(file_, ft, lift);
    if (lift) {
      core_func_of(fat, d.func, flat, "lifted");
      if (d.options.post_return != kNone)
        core_func_of(at, d.options.post_return, CoreFuncType{flat.results, {}}, "post-return");
      c.spaces.funcs.push_back(Item{Origin::Canon, static_cast<uint32_t>(c.canons.size()),
                                    ExternType{Sort::Func, d.type, {}, false}});
      d.index = static_cast<uint32_t>(c.spaces.funcs.size() - 1);
    } else {
      new_core_func(std::move(flat));
    }
  } else if (op >= 0x02 && op <= 0x04) {  // resource.new / drop / rep
    d.kind = op == 0x02 ? CanonKind::ResourceNew
                        : (op == 0x03 ? CanonKind::ResourceDrop : CanonKind::ResourceRep);
    uint64_t tat = r.offset();
    uint32_t ti = r.u32();
    d.type = type_at(r, tat, s, ti);
    const TypeDef& res = def(d.type);
    if (res.kind != TypeKind::Resource)
      r.fail_at(tat, std::string("canon ") + to_string(d.kind) +
                         " needs a resource type, type index " + std::to_string(ti) + " is a " +
                         to_string(res.kind));
    if (d.kind != CanonKind::ResourceDrop && (res.abstract || res.owner != c.id))
      r.fail_at(tat, std::string("canon ") + to_string(d.kind) +
                         " needs a resource defined in "
                         "this component, type index " +
                         std::to_string(ti) + " is imported");
    new_core_func(d.kind == CanonKind::ResourceDrop ? CoreFuncType{{CoreValType::I32}, {}}
                                                    : i32_to_i32);
  } else if (const char* name = builtin_name(op)) {
    r.fail_at(at, std::string("unsupported: canon ") + name +
                      " (async, streams, futures, "
                      "error-context and threads of WASI 0.3 are not implemented)");
  } else {
    r.fail_at(at, "invalid canon opcode " + hex(op));
  }
  c.order.push_back({DefKind::Canon, static_cast<uint32_t>(c.canons.size())});
  c.canons.push_back(std::move(d));
}

}  // namespace spindle::component::detail
