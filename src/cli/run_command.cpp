#include "cli/run_command.h"

#include <cstdio>
#include <cstring>

#include "cli/parse.h"
#include "wasi/wasi.h"

namespace spindle::cli {

using namespace spindle::engine;

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
  LoadResult loaded = engine->load(*bytes, o.module);
  if (!loaded.ok()) {
    std::fprintf(stderr, "spindle: %s\n", loaded.error.c_str());
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
  Linker linker;
  wasi::link(linker);
  wasi::Context context(environment);

  engine::InstanceData data;
  data.wasi = &context;
  InstanceOptions io;
  io.data = &data;
  io.max_memory_bytes = o.max_memory;
  if (o.timeout.count() > 0) {
    // One deadline for the whole run: every guest call and every WASI wait.
    io.deadline = std::chrono::steady_clock::now() + o.timeout;
    data.deadline = io.deadline;
  }
  InstantiateResult inst = loaded.module->instantiate(linker, io);
  Outcome outcome;
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

}  // namespace spindle::cli
