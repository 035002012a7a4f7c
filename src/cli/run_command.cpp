#include "cli/run_command.h"

#include <cstdio>
#include <cstring>
#include <functional>

#include "cli/parse.h"
#include "engine/component/link_component.h"
#include "engine/component/loader.h"
#include "wasi/p2/context.h"
#include "wasi/p2/host.h"
#include "wasi/wasi.h"

namespace spindle::cli {

using namespace spindle::engine;

namespace {

// The process exit status for how the guest ended (core module or component).
int exit_status(const RunOptions& o, const Outcome& outcome) {
  std::fflush(stdout);
  if (outcome.ok()) return 0;
  if (outcome.trap == TrapKind::Exit) {
    if (outcome.exit_code > 125) {
      std::fprintf(stderr, "spindle: guest exited with code %u; exiting with %d\n",
                   outcome.exit_code, kExitGuestCodeHigh);
      return kExitGuestCodeHigh;
    }
    return static_cast<int>(outcome.exit_code);
  }
  std::fprintf(stderr, "spindle: %s: guest trapped: %s\n", o.module.c_str(),
               engine::describe(outcome).c_str());
  return kExitTrap;
}

// A WASI 0.2 command component: links it with the WASI 0.2 host and calls
// its wasi:cli/run export. False (with `status`) when it cannot run;
// otherwise `outcome` is how it ended (`run` returning err: exit code 1).
bool run_component(const RunOptions& o, Engine& engine, std::vector<uint8_t> bytes,
                   wasi::Context& context, const InstanceOptions& io,
                   const std::function<void()>& start_clock, Outcome& outcome, int& status) {
  status = kExitCannotRun;
  std::string error;
  auto plan = component::LinkPlan::create(engine, std::move(bytes), o.module, error);
  if (!plan) {
    std::fprintf(stderr, "spindle: %s\n", error.c_str());
    return false;
  }
  std::string run;
  for (const component::Export& e : plan->file().root().exports)
    if (e.name.starts_with("wasi:cli/run@0.2.")) run = e.name + "#run";
  if (run.empty()) {
    std::fprintf(stderr,
                 "spindle: %s: the component exports no `wasi:cli/run@0.2.x` (not a WASI "
                 "command)\n",
                 o.module.c_str());
    return false;
  }
  component::HostImports host;
  wasi::p2::link(host);
  wasi::p2::Context p2(context);
  io.data->wasi_p2 = &p2;
  start_clock();
  auto linked = component::LinkedComponent::instantiate(*plan, host, error, &outcome, io);
  if (!linked) {
    if (!error.empty()) {
      std::fprintf(stderr, "spindle: %s: %s\n", o.module.c_str(), error.c_str());
      return false;
    }
    return true;  // a trap at instantiation: `outcome`
  }
  std::vector<component::Val> results;
  outcome = linked->call(run, {}, results);
  if (outcome.ok() && (results.empty() || !results[0].is_ok())) outcome = Outcome::exited(1);
  // The guest's handles end with the instance, before its Context.
  linked.reset();
  io.data->wasi_p2 = nullptr;
  return true;
}

}  // namespace

int run_command(const RunOptions& o) {
  auto bytes = read_file(o.module);
  if (!bytes) {
    std::fprintf(stderr, "spindle: cannot read %s: %s\n", o.module.c_str(), std::strerror(errno));
    return kExitCannotRun;
  }
  EngineOptions eo;
  eo.backend = o.backend;
  eo.use_cache = o.use_cache;
  eo.progress = true;
  auto engine = Engine::create(eo);
  if (!engine) {
    std::fprintf(stderr, "spindle: the %s backend is not available\n", to_string(o.backend).data());
    return kExitCannotRun;
  }
  wasi::Config config;
  config.args.push_back(o.module);
  config.args.insert(config.args.end(), o.args.begin(), o.args.end());
  config.env = o.env;
  for (const auto& d : o.dirs) {
    DirSpec s = parse_dir(d);
    config.preopens.push_back({s.host, s.guest, false});
  }
  for (const auto& d : o.dirs_ro) {
    DirSpec s = parse_dir(d);
    config.preopens.push_back({s.host, s.guest, true});
  }
  config.stdio = wasi::Stdio::Inherit;
  std::string error;
  auto environment = wasi::make_environment(config, error);
  if (!environment) {
    std::fprintf(stderr, "spindle: %s\n", error.c_str());
    return kExitCannotRun;
  }
  wasi::Context context(environment);
  engine::InstanceData data;
  data.wasi = &context;
  InstanceOptions io;
  io.data = &data;
  io.max_memory_bytes = o.max_memory;
  // One deadline for the whole run, from instantiation on (compiling does not
  // count): every guest call and every WASI wait.
  auto start_clock = [&] {
    if (o.timeout.count() <= 0) return;
    io.deadline = std::chrono::steady_clock::now() + o.timeout;
    data.deadline = io.deadline;
  };

  Outcome outcome;
  if (component::is_component(*bytes)) {
    int status = 0;
    if (!run_component(o, *engine, std::move(*bytes), context, io, start_clock, outcome, status))
      return status;
    return exit_status(o, outcome);
  }
  LoadResult loaded = engine->load(*bytes, o.module);
  if (!loaded.ok()) {
    std::fprintf(stderr, "spindle: %s\n", loaded.error.c_str());
    return kExitCannotRun;
  }
  Linker linker;
  wasi::link(linker);
  start_clock();
  InstantiateResult inst = loaded.module->instantiate(linker, io);
  if (!inst.ok() && !inst.link_error.empty()) {
    std::fprintf(stderr, "spindle: %s: %s\n", o.module.c_str(), inst.link_error.c_str());
    return kExitCannotRun;
  }
  if (!inst.ok()) {
    outcome = inst.outcome;
  } else {
    ExternPtr start = inst.instance->get_export("_start");
    if (!start || start->type().kind != ExternKind::Func || !start->type().func.params.empty() ||
        !start->type().func.results.empty()) {
      std::fprintf(stderr, "spindle: %s: no `_start` function to run (not a WASI command)\n",
                   o.module.c_str());
      return kExitCannotRun;
    }
    outcome = start->call({}, {});
  }
  return exit_status(o, outcome);
}

}  // namespace spindle::cli
