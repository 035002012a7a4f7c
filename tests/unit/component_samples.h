// Valid component binaries built byte by byte, shared by the loader tests and
// the fuzz test.
#pragma once

#include "component_builder.h"

namespace cb {

// Module 0 of the samples: a memory and a realloc.
inline Bytes memory_module() {
  CoreModule m;
  uint32_t t = m.type({kI32, kI32, kI32, kI32}, {kI32});
  uint32_t f = m.func(t);
  m.memory(1);
  m.export_("memory", 0x02, 0);
  m.export_("realloc", 0x00, f);
  return m.bytes();
}

// Module 1: imports host.log (i32 i32) -> (); exports run (i32 i32) -> i32,
// dtor (i32) -> (), post (i32) -> ().
inline Bytes main_module() {
  CoreModule m;
  uint32_t t_log = m.type({kI32, kI32}, {});
  uint32_t t_run = m.type({kI32, kI32}, {kI32});
  uint32_t t_one = m.type({kI32}, {});
  m.import_func("host", "log", t_log);
  uint32_t run = m.func(t_run);
  uint32_t dtor = m.func(t_one);
  uint32_t post = m.func(t_one);
  m.export_("run", 0x00, run);
  m.export_("dtor", 0x00, dtor);
  m.export_("post", 0x00, post);
  return m.bytes();
}

// A nested component importing "f" (func (param "s" string) (result u32))
// and exporting it as "g".
inline Bytes nested_component() {
  Bytes ft = func_type({{"s", {kString}}}, Bytes{kU32});
  return comp({
      section(kType, vec({ft})),
      section(kImport, vec({cat({name("f"), {0x01}, typeidx(0)})})),
      section(kExport, vec({cat({name("g"), {0x01}, u32(0), {0x00}})})),
  });
}

// An instance type: (export "r" (type (sub resource)))
// (export "get" (func (param "self" (borrow r)) (result u32)))
inline Bytes env_instance_type() {
  Bytes decls = vec({
      cat({{0x04}, name("r"), {0x03, 0x01}}),                     // export r: sub resource (type 0)
      cat({{0x01}, {0x68}, u32(0)}),                              // type 1: borrow<r>
      cat({{0x01}, func_type({{"self", u32(1)}}, Bytes{kU32})}),  // type 2
      cat({{0x04}, name("[method]r.get"), {0x01}, u32(2)}),       // export [method]r.get
      cat({{0x01}, func_type({{"x", {kU32}}}, Bytes{kU32})}),     // type 3
      cat({{0x04}, name("get"), {0x01}, u32(3)}),
  });
  return cat({{0x42}, decls});
}

// Every section kind, valid. Index spaces when done:
//   types 0..15, funcs: 0 log (import), 1 get (alias), 2 run (lift), 3 g
//   (alias of instance 1), 4.. exports; core funcs: 0 realloc, 1 lowered
//   log, 2 run, 3 dtor, 4 post, 5 resource.new, 6 resource.drop, 7 rep.
inline Bytes kitchen_sink() {
  Bytes core_module_type = cat({{0x50},
                                vec({
                                    cat({{0x01}, {0x60}, vec({{kI32}}), vec({})}),
                                    cat({{0x00}, str("m"), str("f"), {0x00}, u32(0)}),
                                    cat({{0x03}, str("g"), {0x00}, u32(0)}),
                                })});
  Bytes component_type = cat({{0x41},
                              vec({
                                  cat({{0x01}, func_type({}, std::nullopt)}),
                                  cat({{0x03}, name("x"), {0x01}, u32(0)}),
                                  cat({{0x04}, name("y"), {0x01}, u32(0)}),
                              })});
  Bytes types = vec({
      func_type({{"msg", {kString}}}, std::nullopt),                              // 0
      func_type({{"s", {kString}}}, Bytes{kU32}),                                 // 1
      cat({{0x72}, vec({cat({str("a"), {kU32}}), cat({str("b"), {kString}})})}),  // 2 record
      cat({{0x71},
           vec({cat({str("none"), {0x00}, {0x00}}),
                cat({str("some"), {0x01, kU32}, {0x00}})})}),  // 3 variant
      cat({{0x70}, {kU8}}),                                    // 4 list<u8>
      cat({{0x6f}, vec({{kU32}, {kString}})}),                 // 5 tuple
      cat({{0x6e}, vec({str("read"), str("write")})}),         // 6 flags
      cat({{0x6d}, vec({str("a"), str("b")})}),                // 7 enum
      cat({{0x6b}, {kString}}),                                // 8 option<string>
      cat({{0x6a}, {0x01, kU32}, {0x01, kString}}),            // 9 result<u32,string>
      Bytes{kChar},                                            // 10 char
      env_instance_type(),                                     // 11
      component_type,                                          // 12
  });
  return comp({
      section(kCustom, cat({str("hello"), {1, 2, 3}})),
      section(kCoreModule, memory_module()),
      section(kCoreModule, main_module()),
      section(kCoreType, vec({cat({{0x60}, vec({{kI32}}), vec({})}), core_module_type})),
      section(kType, types),
      section(kImport, vec({
                           cat({name("log"), {0x01}, typeidx(0)}),
                           cat({name("wasi:cli/env@0.2.3"), {0x05}, typeidx(11)}),
                       })),
      section(kCoreInstance, vec({cat({{0x00}, u32(0), vec({})})})),
      section(kAlias, vec({
                          cat({{0x00, 0x02}, {0x01}, u32(0), str("memory")}),
                          cat({{0x00, 0x00}, {0x01}, u32(0), str("realloc")}),
                          cat({{0x01}, {0x00}, u32(0), str("get")}),
                      })),
      section(kCanon, vec({cat({{0x01, 0x00}, u32(0), vec({{0x00}, {0x03, 0x00}})})})),
      section(kCoreInstance, vec({
                                 cat({{0x01}, vec({cat({str("log"), {0x00}, u32(1)})})}),
                                 cat({{0x00}, u32(1), vec({cat({str("host"), {0x12}, u32(1)})})}),
                             })),
      section(kAlias, vec({
                          cat({{0x00, 0x00}, {0x01}, u32(2), str("run")}),
                          cat({{0x00, 0x00}, {0x01}, u32(2), str("dtor")}),
                          cat({{0x00, 0x00}, {0x01}, u32(2), str("post")}),
                      })),
      section(kType, vec({cat({{0x3f, kI32}, {0x01}, u32(3)})})),  // 13 resource
      section(
          kCanon,
          vec({
              cat({{0x00, 0x00}, u32(2), vec({{0x03, 0x00}, {0x04, 0x00}, {0x05, 0x04}}), u32(1)}),
              cat({{0x02}, u32(13)}),
              cat({{0x03}, u32(13)}),
              cat({{0x04}, u32(13)}),
          })),
      section(kComponent, nested_component()),
      section(
          kInstance,
          vec({
              cat({{0x00}, u32(0), vec({cat({str("f"), {0x01}, u32(2)})})}),
              cat({{0x01},
                   vec({cat({name("run"), {0x01}, u32(2)}), cat({name("r"), {0x03}, u32(13)})})}),
          })),
      section(kAlias, vec({
                          cat({{0x01}, {0x00}, u32(1), str("g")}),  // func 3
                          cat({{0x03}, {0x02}, u32(0), u32(1)}),    // outer type 1 -> type 14
                      })),
      section(kExport, vec({
                           cat({name("run"), {0x01}, u32(2), {0x00}}),
                           cat({name("g2"), {0x01}, u32(3), {0x01, 0x01}, u32(1)}),
                           cat({name("api"), {0x05}, u32(2), {0x00}}),
                       })),
  });
}

}  // namespace cb
