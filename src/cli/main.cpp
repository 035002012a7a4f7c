// spindle: a WebAssembly microservice host compatible with Fermyon Spin.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/parse.h"
#include "cli/run_command.h"
#include "cli/up_command.h"

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

  cli::UpOptions up;
  std::string up_backend = "native", up_max_memory, up_timeout, up_log_dir;
  bool up_no_cache = false;
  CLI::App* up_cmd = app.add_subcommand("up", "Serve a Spin application (spin.toml) over HTTP");
  up_cmd->add_option("-f,--from", up.from, "The manifest file, or the folder holding spin.toml")
      ->capture_default_str();
  up_cmd->add_option("--listen", up.listen,
                     "Address to listen on (default 127.0.0.1:3000, or $SPIN_HTTP_LISTEN_ADDR)");
  up_cmd->add_option("-e,--env", up.env, "KEY=VALUE added to every component's environment")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  up_cmd->add_option("--state-dir", up.state_dir,
                     "State folder (default .spin beside the manifest)");
  auto* log_opt = up_cmd->add_option("-L,--log-dir", up_log_dir,
                                     "Folder for component logs (\"\" turns them off)");
  up_cmd->add_option("--follow", up.follow, "Stream this component's output to the terminal")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  up_cmd->add_flag("-q,--quiet", up.quiet, "No request log lines");
  up_cmd->add_flag("--disable-cache", up_no_cache, "Do not read or write the compile cache");
  up_cmd->add_option("--backend", up_backend, "Execution backend")
      ->check(CLI::IsMember({"native", "interp"}));
  up_cmd->add_option("--max-memory", up_max_memory, "Per-instance memory limit (64MiB, 256pages)");
  up_cmd->add_option("--timeout", up_timeout, "Per-request wall-clock limit (answered with 504)");

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
  if (up_cmd->parsed()) {
    up.backend = up_backend == "interp" ? engine::Backend::Interp : engine::Backend::Native;
    up.use_cache = !up_no_cache;
    if (log_opt->count() > 0) up.log_dir = up_log_dir;
    if (!up_max_memory.empty()) {
      auto m = cli::parse_memory_size(up_max_memory);
      if (!m) {
        std::fprintf(stderr, "spindle: --max-memory: cannot read `%s`\n", up_max_memory.c_str());
        return cli::kExitUsage;
      }
      up.max_memory = *m;
    }
    if (!up_timeout.empty()) {
      auto d = cli::parse_duration(up_timeout);
      if (!d) {
        std::fprintf(stderr, "spindle: --timeout: cannot read `%s`\n", up_timeout.c_str());
        return cli::kExitUsage;
      }
      up.timeout = *d;
    }
    return cli::up_command(up);
  }
  return cli::kExitUsage;
}
