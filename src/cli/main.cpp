// spindle: a WebAssembly microservice host compatible with Fermyon Spin.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/build_command.h"
#include "cli/new_command.h"
#include "cli/parse.h"
#include "cli/registry_command.h"
#include "cli/run_command.h"
#include "cli/up_command.h"
#include "cli/watch_command.h"
#include "util/units.h"

using namespace spindle;

namespace {

// The flags `spindle up` and `spindle watch` share, as written.
struct UpFlags {
  cli::UpOptions opts;
  std::string backend = "native", max_memory, timeout, log_dir, memory_budget, shutdown_delay,
              log_format = "text";
  bool no_cache = false;
  CLI::Option* log_opt = nullptr;
  std::vector<std::string> from;  // -f, as often as given
};

void add_up_flags(CLI::App* cmd, UpFlags& f) {
  cli::UpOptions& up = f.opts;
  cmd->add_option("-f,--from", f.from,
                  "The manifest file, the folder holding spin.toml, or a registry reference "
                  "(default .); repeated or as HOST=SOURCE: several apps, each for its Host")
      ->type_name("[HOST=]SOURCE")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--listen", up.listen,
                  "Address to listen on (default 127.0.0.1:3000, or $SPIN_HTTP_LISTEN_ADDR)");
  cmd->add_option("-e,--env", up.env, "KEY=VALUE added to every component's environment")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--runtime-config-file", up.runtime_config_file,
                  "Runtime config: key-value stores and SQLite databases by label");
  cmd->add_option("--sqlite", up.capability_options["sqlite"],
                  "SQL run against the default database before serving (\"stmt\" or @file.sql)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("-k,--insecure", up.insecure, "Plain http to a registry (-f <reference>)");
  cmd->add_option("--cache-dir", up.cache_dir, "Registry cache folder (default ~/.cache/spindle)");
  cmd->add_option("--state-dir", up.state_dir, "State folder (default .spin beside the manifest)");
  f.log_opt =
      cmd->add_option("-L,--log-dir", f.log_dir, "Folder for component logs (\"\" turns them off)");
  cmd->add_option("--follow", up.follow, "Stream this component's output to the terminal")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("-q,--quiet", up.quiet, "No request log lines");
  cmd->add_option("--log-format", f.log_format,
                  "Log lines as text, or as one JSON object per line (for log collectors)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("-c,--component-id", up.components,
                  "Serve only this component (repeatable; default: all components)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--shutdown-delay", f.shutdown_delay,
                  "On SIGTERM/SIGINT, keep serving this long with the health endpoint "
                  "answering 503, so load balancers move away (default 0s, or "
                  "$SPINDLE_SHUTDOWN_DELAY); then requests in flight finish")
      ->envname("SPINDLE_SHUTDOWN_DELAY");
  cmd->add_flag("--disable-cache", f.no_cache, "Do not read or write the compile cache");
  cmd->add_option("--backend", f.backend, "Execution backend")
      ->check(CLI::IsMember({"native", "interp"}));
  cmd->add_option("--max-memory", f.max_memory,
                  "Per-instance memory limit (default 128MiB; memory.grow past it fails)");
  cmd->add_option("--timeout", f.timeout,
                  "Per-request wall-clock limit, answered with 504 (default 30s; 0: none)");
  cmd->add_option("--memory-budget", f.memory_budget,
                  "Memory of all instances in flight together (default: half the RAM, at most "
                  "4GiB; 0: none)");
  cmd->add_option("--workers", up.workers,
                  "Most threads running guests: one per core, more while guests loop or wait "
                  "(default 8 per core, at least 32)");
  cmd->add_option("--max-queued", up.max_queued,
                  "Requests waiting for a worker before 503 (default 64 per --workers)");
  // Spin's TLS flags (both or neither), and the metrics endpoint (off by default).
  CLI::Option* tls_cert =
      cmd->add_option("--tls-cert", up.tls_cert,
                      "The path to the certificate to use for https, if this is not set, normal "
                      "http will be used. The cert should be in PEM format")
          ->envname("SPIN_TLS_CERT");
  CLI::Option* tls_key =
      cmd->add_option("--tls-key", up.tls_key,
                      "The path to the certificate key to use for https, if this is not set, "
                      "normal http will be used. The key should be in PKCS#8 format")
          ->envname("SPIN_TLS_KEY");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  cmd->add_option("--metrics-listen", up.metrics_listen,
                  "Serve Prometheus metrics at http://ADDR/metrics, on this address only "
                  "(host:port; default: off)");
}

// Converts the written flags into f.opts; false (after a message) when one
// cannot be read.
bool finish_up_flags(UpFlags& f) {
  cli::UpOptions& up = f.opts;
  // One app (Spin's `up`), or several, each chosen by its Host.
  if (f.from.size() == 1 && f.from[0].find('=') == std::string::npos)
    up.from = f.from[0];
  else
    up.app_flags = f.from;
  up.backend = f.backend == "interp" ? engine::Backend::Interp : engine::Backend::Native;
  up.use_cache = !f.no_cache;
  if (f.log_opt->count() > 0) up.log_dir = f.log_dir;
  up.json_log = f.log_format == "json";
  if (!f.shutdown_delay.empty()) {
    auto d = util::parse_duration(f.shutdown_delay);
    if (!d) {
      std::fprintf(stderr, "spindle: --shutdown-delay: cannot read `%s`\n",
                   f.shutdown_delay.c_str());
      return false;
    }
    up.shutdown_delay = *d;
  }
  if (!f.max_memory.empty()) {
    auto m = util::parse_memory_size(f.max_memory);
    if (!m) {
      std::fprintf(stderr, "spindle: --max-memory: cannot read `%s`\n", f.max_memory.c_str());
      return false;
    }
    up.max_memory = *m;
  }
  if (!f.timeout.empty()) {
    auto d = util::parse_duration(f.timeout);
    if (!d) {
      std::fprintf(stderr, "spindle: --timeout: cannot read `%s`\n", f.timeout.c_str());
      return false;
    }
    up.timeout = *d;
  }
  if (!f.memory_budget.empty()) {
    auto m = util::parse_memory_size(f.memory_budget);
    if (!m) {
      std::fprintf(stderr, "spindle: --memory-budget: cannot read `%s`\n", f.memory_budget.c_str());
      return false;
    }
    up.memory_budget = *m;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"spindle: a WebAssembly microservice host compatible with Fermyon Spin"};
  app.set_version_flag("-V,--version", "spindle 0.1.0");
  app.require_subcommand(1);

  cli::RunOptions run;
  std::string backend = "native", max_memory, timeout;
  CLI::App* run_cmd =
      app.add_subcommand("run",
                         "Run a WASI command: a core module (preview 1) or a WASI 0.2 component "
                         "exporting wasi:cli/run (like `wasmtime run`)");
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

  UpFlags up;
  CLI::App* up_cmd = app.add_subcommand("up", "Serve a Spin application (spin.toml) over HTTP");
  add_up_flags(up_cmd, up);
  up_cmd->add_flag("--build", up.opts.build, "Run `spindle build` before serving");
  up_cmd->add_option("--apps", up.opts.apps_file,
                     "A host config file listing apps to serve side by side, each chosen by its "
                     "Host (docs/MULTI_APP.md)");

  UpFlags watch_up;
  cli::WatchOptions watch;
  std::string debounce = "100ms";
  CLI::App* watch_cmd =
      app.add_subcommand("watch", "Build and serve, rebuilding and reloading on changes");
  add_up_flags(watch_cmd, watch_up);
  watch_cmd->add_option("-d,--debounce", debounce, "Quiet time after a change before acting")
      ->capture_default_str();
  watch_cmd->add_flag("--skip-build", watch.skip_build,
                      "Do not build: reload when component sources or files change");

  cli::BuildOptions build;
  CLI::App* build_cmd = app.add_subcommand("build", "Run the components' build commands");
  build_cmd->add_option("-f,--from", build.from, "The manifest file, or the folder holding it")
      ->capture_default_str();
  build_cmd->add_option("-c,--component-id", build.components, "Build only this component")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  build_cmd->add_flag("-u,--up", up.opts.build, "Serve the application after building");

  bool accept_defaults = false;  // spindle never prompts: accepted for Spin users
  cli::NewOptions new_opts;
  CLI::App* new_cmd = app.add_subcommand("new", "Create a new application from a template");
  new_cmd->add_option("template", new_opts.template_name, "Template (spindle templates list)")
      ->required();
  new_cmd->add_option("name", new_opts.name, "Name of the application")->required();
  new_cmd->add_option("-o,--output", new_opts.output, "Folder to create (default: ./<name>)");
  new_cmd->add_option("-v,--value", new_opts.values, "KEY=VALUE for a template parameter")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  new_cmd->add_flag("-a,--accept-defaults", accept_defaults,
                    "Use default values (spindle never prompts)");

  cli::AddOptions add_opts;
  CLI::App* add_cmd =
      app.add_subcommand("add", "Add a component from a template to an existing application");
  add_cmd->add_option("template", add_opts.template_name, "Template (spindle templates list)")
      ->required();
  add_cmd->add_option("name", add_opts.name, "Name of the component")->required();
  add_cmd->add_option("-f,--from", add_opts.from, "The manifest file, or the folder holding it")
      ->capture_default_str();
  add_cmd->add_option("-v,--value", add_opts.values, "KEY=VALUE for a template parameter")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add_cmd->add_flag("-a,--accept-defaults", accept_defaults,
                    "Use default values (spindle never prompts)");

  CLI::App* templates_cmd = app.add_subcommand("templates", "Templates for spindle new / add");
  templates_cmd->require_subcommand(1);
  CLI::App* templates_list = templates_cmd->add_subcommand("list", "List the templates");

  // spindle registry push | pull | login (cli/registry_command.h)
  auto registry_cmds = cli::add_registry_commands(app);

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
      auto m = util::parse_memory_size(max_memory);
      if (!m) {
        std::fprintf(stderr, "spindle: --max-memory: cannot read `%s` (try 64MiB or 256pages)\n",
                     max_memory.c_str());
        return cli::kExitUsage;
      }
      run.max_memory = *m;
    }
    if (!timeout.empty()) {
      auto d = util::parse_duration(timeout);
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
    if (!finish_up_flags(up)) return cli::kExitUsage;
    return cli::up_command(up.opts);
  }
  if (watch_cmd->parsed()) {
    if (!finish_up_flags(watch_up)) return cli::kExitUsage;
    if (!watch_up.opts.app_flags.empty()) {
      std::fprintf(stderr, "spindle watch: serves one app; give -f once, without HOST=\n");
      return cli::kExitUsage;
    }
    auto d = util::parse_duration(debounce);
    if (!d) {
      std::fprintf(stderr, "spindle: --debounce: cannot read `%s`\n", debounce.c_str());
      return cli::kExitUsage;
    }
    watch.up = watch_up.opts;
    watch.debounce = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    return cli::watch_command(watch);
  }
  if (build_cmd->parsed()) {
    int rc = cli::build_command(build);
    if (rc != 0 || !up.opts.build) return rc;
    up.opts.from = build.from;
    up.opts.build = false;
    return cli::up_command(up.opts);
  }
  if (int rc = cli::run_registry_commands(*registry_cmds); rc >= 0) return rc;
  if (new_cmd->parsed()) return cli::new_command(new_opts);
  if (add_cmd->parsed()) return cli::add_command(add_opts);
  if (templates_list->parsed()) return cli::templates_list_command();
  return cli::kExitUsage;
}
