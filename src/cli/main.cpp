// spindle: a WebAssembly microservice host compatible with Fermyon Spin.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/parse.h"
#include "cli/run_command.h"

using namespace spindle;

int main(int argc, char** argv) {
  CLI::App app{"spindle: a WebAssembly microservice host compatible with Fermyon Spin"};
  app.set_version_flag("-V,--version", "spindle 0.1.0");
  app.require_subcommand(1);

  cli::RunOptions run;
  std::string backend = "native", max_memory, timeout;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a WASI command module (like `wasmtime run`)");
  run_cmd->add_option("--backend", backend, "Execution backend")
      ->check(CLI::IsMember({"native", "interp"}));
  run_cmd->add_option("--dir", run.dirs, "Preopen HOST[::GUEST] read-write")
      ->type_name("HOST[::GUEST]")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run_cmd->add_option("--dir-ro", run.dirs_ro, "Preopen HOST[::GUEST] read-only")
      ->type_name("HOST[::GUEST]")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run_cmd->add_option("--env", run.env, "Environment variable for the guest")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run_cmd->add_option("--max-memory", max_memory,
                      "Linear memory limit: bytes (64MiB, 1GiB, ...) or pages (256pages)");
  run_cmd->add_option("--timeout", timeout, "Wall-clock limit (500ms, 2s, 1m); traps the guest");
  bool disable_cache = false;
  run_cmd->add_flag("--disable-cache", disable_cache, "Do not read or write the compile cache");
  // Everything from the module on belongs to the guest, as with `wasmtime run`.
  run_cmd->prefix_command();
  run_cmd->footer("\nUsage: spindle run [OPTIONS] module.wasm [--] [ARGS...]");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : cli::kExitUsage;
  }

  if (run_cmd->parsed()) {
    std::vector<std::string> rest = run_cmd->remaining();
    if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
    if (rest.empty()) {
      std::fprintf(stderr, "spindle run: a module to run is required\n%s", run_cmd->help().c_str());
      return cli::kExitUsage;
    }
    run.module = rest.front();
    run.args.assign(rest.begin() + 1, rest.end());
    if (!run.args.empty() && run.args.front() == "--") run.args.erase(run.args.begin());
    run.backend = backend == "interp" ? engine::Backend::Interp : engine::Backend::Native;
    run.use_cache = !disable_cache;
    if (!max_memory.empty()) {
      auto m = cli::parse_memory_size(max_memory);
      if (!m) {
        std::fprintf(stderr, "spindle: --max-memory: cannot read `%s` (try 64MiB or 256pages)\n",
                     max_memory.c_str());
        return cli::kExitUsage;
      }
      run.max_memory = *m;
    }
    if (!timeout.empty()) {
      auto d = cli::parse_duration(timeout);
      if (!d) {
        std::fprintf(stderr, "spindle: --timeout: cannot read `%s` (try 500ms or 2s)\n",
                     timeout.c_str());
        return cli::kExitUsage;
      }
      run.timeout = *d;
    }
    return cli::run_command(run);
  }
  return cli::kExitUsage;
}
