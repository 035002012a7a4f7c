// `spindle registry push | pull | login`, with Spin's flags
// (src/commands/registry.rs): push [-f <manifest>] [-k] [--build]
// [--cache-dir <dir>] [--annotation k=v]... <reference>; pull [-k]
// [--cache-dir <dir>] <reference>; login [-u <user>] [-p <password> |
// --password-stdin] <server>.
#pragma once

#include <memory>

namespace CLI {
class App;
}

namespace spindle::cli {

struct RegistryCommands;

// Adds the `registry` command and its subcommands to `app`.
std::shared_ptr<RegistryCommands> add_registry_commands(CLI::App& app);

// The exit code of the registry subcommand that was given; -1 when none was.
int run_registry_commands(RegistryCommands& r);

}  // namespace spindle::cli
