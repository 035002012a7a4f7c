// Instantiating components real tools make (link_component.h) against WASI
// 0.2 stubs: clang-19 modules wrapped by `jco new` with jco's preview1
// adapters, and the Spin JS SDK hello component.
#include "build_js.h"
#include "component_link_util.h"

namespace spindle::component::link_test {
namespace {

// A clang-19 wasm32-wasi reactor with a WIT world embedded (through
// jco-transpile's componentEmbed) and wrapped by `jco new --wasi-reactor`
// (with jco's preview1 adapter): every WASI 0.2 import is resolved by stubs,
// and its export runs, printing through wasi:cli/stdout.
TEST_F(ComponentLink, WasiReactorRunsWithStubs) {
  fs::path c = dir_ / "guest.c", core = dir_ / "core.wasm", wit = dir_ / "w.wit",
           emb = dir_ / "emb.wasm", out = dir_ / "component.wasm", js = dir_ / "embed.mjs";
  std::ofstream(c) << R"(#include <stdio.h>
__attribute__((export_name("hello"))) int hello(int x) {
  printf("hi %d\n", x);
  fflush(stdout);
  return x + 1;
}
)";
  std::ofstream(wit)
      << "package test:reactor;\nworld guest { export hello: func(x: s32) -> s32; }\n";
  std::ofstream(js) << R"(import { readFileSync, writeFileSync } from 'node:fs';
const m = await import(process.argv[2] + '/node_modules/@bytecodealliance/jco-transpile/dist/wasm-tools.js');
writeFileSync(process.argv[5], await m.componentEmbed({ binary: readFileSync(process.argv[3]),
  witSource: readFileSync(process.argv[4], 'utf8'), world: 'guest' }));
)";
  ASSERT_TRUE(run(std::string(SPINDLE_WASM_CC) + " --target=wasm32-wasi -O1 -mexec-model=reactor " +
                      c.string() + " -o " + core.string(),
                  dir_ / "cc.log"))
      << slurp(dir_ / "cc.log");
  ASSERT_TRUE(run("node " + js.string() + " " + std::string(SPINDLE_COMPONENTS_DIR) + " " +
                      core.string() + " " + wit.string() + " " + emb.string(),
                  dir_ / "embed.log"))
      << slurp(dir_ / "embed.log");
  ASSERT_TRUE(run(kJco.string() + " new " + emb.string() + " --wasi-reactor -o " + out.string(),
                  dir_ / "jco.log"))
      << slurp(dir_ / "jco.log");
  auto p = plan(read_bytes(out));
  ASSERT_TRUE(p);
  Stubs stubs(p->layouts());
  HostImports host;
  stubs.install(host);
  auto linked = link(*p, host);
  ASSERT_TRUE(linked);
  EXPECT_TRUE(std::any_of(stubs.resolved.begin(), stubs.resolved.end(),
                          [](const std::string& k) { return k.starts_with("wasi:cli/stdout@"); }));
  EXPECT_TRUE(stubs.called->empty());  // nothing ran at instantiation
  ASSERT_TRUE(linked->has_export("hello"));
  std::vector<Val> r;
  Val args[] = {Val::s32(41)};
  auto o = linked->call("hello", args, r);
  std::string trace = stubs.trace();
  ASSERT_TRUE(o.ok()) << engine::describe(o) << "\ncalled:\n" << trace;
  EXPECT_EQ(r.at(0).as_s32(), 42);
  EXPECT_EQ(*stubs.written, "hi 41\n") << trace;
  RecordProperty("resolved_imports", std::to_string(stubs.resolved.size()));
  RecordProperty("called", trace);
  // per-instance cost (interpreter backend): a fresh instance per request
  auto t0 = std::chrono::steady_clock::now();
  constexpr int kRuns = 20;
  for (int i = 0; i < kRuns; ++i) ASSERT_TRUE(link(*p, host));
  auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count() /
      kRuns;
  RecordProperty("instantiate_us", std::to_string(us));
}

// A clang-19 command wrapped by `jco new --wasi-command` runs through
// wasi:cli/run with WASI stubs; its stdout reaches the stub stream.
TEST_F(ComponentLink, WasiCommandRuns) {
  fs::path c = dir_ / "main.c", core = dir_ / "cmd.wasm", out = dir_ / "cmd.component.wasm";
  std::ofstream(c)
      << "#include <stdio.h>\nint main(void) { puts(\"hello from main\"); return 0; }\n";
  ASSERT_TRUE(run(std::string(SPINDLE_WASM_CC) + " --target=wasm32-wasi -O1 " + c.string() +
                      " -o " + core.string(),
                  dir_ / "cc.log"))
      << slurp(dir_ / "cc.log");
  ASSERT_TRUE(run(kJco.string() + " new " + core.string() + " --wasi-command -o " + out.string(),
                  dir_ / "jco.log"))
      << slurp(dir_ / "jco.log");
  auto p = plan(read_bytes(out));
  ASSERT_TRUE(p);
  Stubs stubs(p->layouts());
  HostImports host;
  stubs.install(host);
  auto linked = link(*p, host);
  ASSERT_TRUE(linked);
  std::string run_fn;
  for (const Export& e : p->file().root().exports)
    if (e.name.starts_with("wasi:cli/run@")) run_fn = e.name + "#run";
  ASSERT_FALSE(run_fn.empty());
  std::vector<Val> r;
  auto o = linked->call(run_fn, {}, r);
  ASSERT_TRUE(o.ok()) << engine::describe(o) << "\n" << stubs.trace();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].is_ok());
  EXPECT_EQ(*stubs.written, "hello from main\n") << stubs.trace();
}

// The Spin JS SDK hello component (componentize-js, StarlingMonkey; built by
// tests/components/build-js.sh) links with every WASI 0.2 / wasi:http import
// stubbed, and exports wasi:http/incoming-handler.
TEST_F(ComponentLink, SpinJsHelloLinks) {
  fs::path out = SPINDLE_JS_COMPONENTS;
  bool skip = false;
  std::string error = test::build_js("hello", skip);
  if (skip) GTEST_SKIP() << error;
  ASSERT_EQ(error, "");
  auto p = plan(read_bytes(out / "hello.wasm"));
  ASSERT_TRUE(p);
  Stubs stubs(p->layouts());
  HostImports host;
  stubs.install(host);
  auto c = link(*p, host);
  ASSERT_TRUE(c);
  std::string handler;
  for (const Export& e : p->file().root().exports)
    if (e.name.starts_with("wasi:http/incoming-handler@")) handler = e.name + "#handle";
  ASSERT_FALSE(handler.empty());
  EXPECT_TRUE(c->has_export(handler));
  EXPECT_GT(stubs.resolved.size(), 20u);
  RecordProperty("resolved_imports", std::to_string(stubs.resolved.size()));
  // With stubs in place of wasi:http, handle() runs until a stub cannot
  // answer; it must come back as an Outcome either way.
  std::vector<Val> r;
  Val args[] = {Val::own(1), Val::own(2)};
  auto o = c->call(handler, args, r);
  RecordProperty("handle", engine::describe(o));
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(link(*p, host));
  RecordProperty("instantiate_us",
                 std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - t0)
                                    .count() /
                                5));
  RecordProperty("called", stubs.trace());
}

}  // namespace
}  // namespace spindle::component::link_test
