// Shared by the WASI 0.2 host tests: C programs compiled with clang-19 and
// wrapped by `jco new --wasi-command` (jco's preview1 adapter turns their
// preview 1 calls into WASI 0.2 calls), run on the interpreter through
// wasi::p2::link with captured stdio; and direct calls of the host
// functions for what a C program cannot reach.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "engine/component/link_component.h"
#include "test_util.h"
#include "wasi/p2/context.h"
#include "wasi/p2/host.h"
#include "wasi/wasi.h"

namespace spindle::wasi::p2::test {

namespace fs = std::filesystem;
using component::Val;

inline const fs::path kJco = fs::path(SPINDLE_COMPONENTS_DIR) / "node_modules/.bin/jco";

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

inline bool sh(const std::string& cmd, const fs::path& log) {
  return std::system((cmd + " >" + log.string() + " 2>&1").c_str()) == 0;
}

struct Ran {
  std::string out, err;
  engine::Outcome outcome;  // of the run call (Exit for wasi:cli/exit)
  int status = -1;          // what `spindle run` would exit with
};

class WasiP2 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kJco)) GTEST_SKIP() << "jco is not installed (run scripts/setup)";
    dir_ = spindle::test::temp_dir("wasi_p2");
    engine::EngineOptions o;
    o.backend = engine::Backend::Interp;
    engine_ = engine::Engine::create(o);
  }

  // `source` (C) as a WASI 0.2 command component.
  std::vector<uint8_t> command(const std::string& name, const std::string& source) {
    fs::path c = dir_ / (name + ".c"), core = dir_ / (name + ".core.wasm"),
             comp = dir_ / (name + ".wasm");
    std::ofstream(c) << source;
    EXPECT_TRUE(sh(std::string(SPINDLE_WASM_CC) + " --target=wasm32-wasi -O1 " + c.string() +
                       " -o " + core.string(),
                   dir_ / "cc.log"))
        << read_text(dir_ / "cc.log");
    EXPECT_TRUE(sh(kJco.string() + " new " + core.string() + " --wasi-command -o " + comp.string(),
                   dir_ / "jco.log"))
        << read_text(dir_ / "jco.log");
    std::string b = read_text(comp);
    return {b.begin(), b.end()};
  }

  // Runs a command component's wasi:cli/run with captured stdio.
  Ran run(std::vector<uint8_t> bytes, wasi::Config config, std::string stdin_data = {},
          std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt) {
    Ran out;
    config.stdio = wasi::Stdio::Capture;
    if (config.args.empty()) config.args.push_back("prog");
    std::string error;
    auto env = wasi::make_environment(config, error);
    EXPECT_TRUE(env) << error;
    if (!env) return out;
    wasi::Context p1(env);
    p1.set_stdin(std::move(stdin_data));
    Context p2(p1);
    engine::InstanceData data;
    data.wasi = &p1;
    data.wasi_p2 = &p2;
    data.deadline = deadline;
    engine::InstanceOptions io;
    io.data = &data;
    io.deadline = deadline;
    auto plan = component::LinkPlan::create(*engine_, std::move(bytes), "t.wasm", error);
    EXPECT_TRUE(plan) << error;
    if (!plan) return out;
    component::HostImports host;
    link(host);
    std::string run_fn;
    for (const component::Export& e : plan->file().root().exports)
      if (e.name.starts_with("wasi:cli/run@")) run_fn = e.name + "#run";
    EXPECT_FALSE(run_fn.empty());
    {
      auto linked = component::LinkedComponent::instantiate(*plan, host, error, &out.outcome, io);
      EXPECT_TRUE(linked) << error << engine::describe(out.outcome);
      if (!linked) return out;
      std::vector<Val> results;
      out.outcome = linked->call(run_fn, {}, results);
      if (out.outcome.ok())
        out.status = !results.empty() && results[0].is_ok() ? 0 : 1;
      else if (out.outcome.trap == engine::TrapKind::Exit)
        out.status = static_cast<int>(out.outcome.exit_code);
      else
        out.status = 134;
    }
    out.out = p1.stdout_buffer();
    out.err = p1.stderr_buffer();
    return out;
  }

  fs::path dir_;
  std::unique_ptr<engine::Engine> engine_;
};

// Direct calls of the host functions, as a component's lowered imports
// make them, with a Context of their own.
class HostCalls {
 public:
  explicit HostCalls(wasi::Config config = {}) {
    config.stdio = wasi::Stdio::Capture;
    std::string error;
    env_ = wasi::make_environment(config, error);
    EXPECT_TRUE(env_) << error;
    p1_ = std::make_unique<wasi::Context>(env_);
    p2_ = std::make_unique<Context>(*p1_);
    data.wasi = p1_.get();
    data.wasi_p2 = p2_.get();
    link(host_);
  }
  // `iface#member` at 0.2.0; `results` gets the result (if any).
  engine::Outcome call(const std::string& iface, const std::string& member, std::vector<Val> args,
                       std::vector<Val>& results) {
    results.clear();
    auto it = host_.funcs.find(iface + "@0.2.0#" + member);
    EXPECT_NE(it, host_.funcs.end()) << iface << "#" << member;
    if (it == host_.funcs.end()) return engine::Outcome::trapped(engine::TrapKind::HostError, "?");
    return it->second(&data, args, results);
  }
  // Calls and expects success with one result.
  Val ok(const std::string& iface, const std::string& member, std::vector<Val> args) {
    std::vector<Val> r;
    auto o = call(iface, member, std::move(args), r);
    EXPECT_TRUE(o.ok()) << member << ": " << engine::describe(o);
    return r.empty() ? Val() : r[0];
  }
  wasi::Context& p1() { return *p1_; }
  Context& p2() { return *p2_; }
  const component::HostImports& host() const { return host_; }
  engine::InstanceData data;

 private:
  std::shared_ptr<const wasi::Environment> env_;
  std::unique_ptr<wasi::Context> p1_;
  std::unique_ptr<Context> p2_;
  component::HostImports host_;
};

}  // namespace spindle::wasi::p2::test
