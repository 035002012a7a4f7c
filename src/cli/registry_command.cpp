#include "cli/registry_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <iterator>

#include "cli/build_command.h"
#include "cli/run_command.h"
#include "host/capability.h"
#include "manifest/manifest.h"
#include "registry/registry.h"

namespace spindle::cli {

struct RegistryCommands {
  CLI::App* push = nullptr;
  CLI::App* pull = nullptr;
  CLI::App* login = nullptr;
  std::string from = ".";
  std::string reference;
  std::string server;
  std::string username;
  std::string password;
  bool password_stdin = false;
  bool build = false;
  std::vector<std::string> annotations;
  registry::Options opts;
  std::string cache_dir;
};

namespace {

int push(RegistryCommands& r) {
  for (const auto& a : r.annotations) {
    size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "spindle registry push: --annotation `%s` is not key=value\n",
                   a.c_str());
      return kExitUsage;
    }
    r.opts.annotations[a.substr(0, eq)] = a.substr(eq + 1);
  }
  std::string error;
  if (!registry::parse_reference(r.reference, error)) {
    std::fprintf(stderr, "spindle registry push: cannot parse reference `%s`: %s\n",
                 r.reference.c_str(), error.c_str());
    return kExitUsage;
  }
  if (r.build && !build_app(r.from, {})) return 1;
  manifest::Options mo;
  mo.require_variables = false;  // values are the deployment's business, not the artifact's
  mo.capability_keys = host::component_keys();
  manifest::Result loaded = manifest::load(r.from, mo);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s", loaded.report().c_str());
    return 1;
  }
  std::string digest;
  if (!registry::push(*loaded.app, r.reference, r.opts, digest, error)) {
    std::fprintf(stderr, "spindle registry push: %s\n", error.c_str());
    return 1;
  }
  std::printf("Pushed with digest %s\n", digest.c_str());
  return 0;
}

int pull(RegistryCommands& r) {
  registry::Pulled pulled;
  std::string error;
  if (!registry::pull(r.reference, r.opts, pulled, error)) {
    std::fprintf(stderr, "spindle registry pull: %s\n", error.c_str());
    return 1;
  }
  std::printf("Pulled %s with digest %s\n", pulled.ref.to_string().c_str(), pulled.digest.c_str());
  return 0;
}

int login(RegistryCommands& r) {
  if (r.password_stdin) {
    r.password.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    while (!r.password.empty() && (r.password.back() == '\n' || r.password.back() == '\r'))
      r.password.pop_back();
  } else if (r.password.empty() && isatty(0)) {
    char* p = getpass("Password: ");
    r.password = p ? p : "";
  }
  if (r.username.empty()) {
    std::fprintf(stderr, "spindle registry login: --username is required\n");
    return kExitUsage;
  }
  if (r.password.empty()) {
    std::fprintf(stderr,
                 "spindle registry login: a password is required (--password or "
                 "--password-stdin)\n");
    return kExitUsage;
  }
  std::string error;
  if (!registry::login(r.server, {r.username, r.password}, r.opts.insecure, error)) {
    std::fprintf(stderr, "spindle registry login: %s\n", error.c_str());
    return 1;
  }
  std::printf("Successfully logged in as %s to registry %s\n", r.username.c_str(),
              r.server.c_str());
  return 0;
}

}  // namespace

std::shared_ptr<RegistryCommands> add_registry_commands(CLI::App& app) {
  auto r = std::make_shared<RegistryCommands>();
  CLI::App* reg = app.add_subcommand("registry", "Push and pull applications to OCI registries");
  reg->require_subcommand(1);
  const char* ref_help = "Registry reference, like ghcr.io/user/app:1.0 or 127.0.0.1:5000/app:v1";
  const char* insecure_help = "Plain http to the registry (loopback registries always use it)";
  const char* cache_help = "Cache folder for pulled applications (default ~/.cache/spindle)";

  r->push = reg->add_subcommand("push", "Push a Spin application to a registry");
  r->push->add_option("-f,--from", r->from, "The manifest file, or the folder holding spin.toml")
      ->capture_default_str();
  r->push->add_flag("-k,--insecure", r->opts.insecure, insecure_help);
  r->push->add_flag("--build", r->build, "Run `spindle build` before pushing");
  r->push->add_option("--cache-dir", r->cache_dir, cache_help);
  r->push->add_option("--annotation", r->annotations, "Manifest annotation key=value (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  r->push->add_option("reference", r->reference, ref_help)->required();

  r->pull = reg->add_subcommand("pull", "Pull a Spin application from a registry into the cache");
  r->pull->add_flag("-k,--insecure", r->opts.insecure, insecure_help);
  r->pull->add_option("--cache-dir", r->cache_dir, cache_help);
  r->pull->add_option("reference", r->reference, ref_help)->required();

  r->login = reg->add_subcommand("login", "Log in to a registry (credentials shared with Spin)");
  r->login->add_option("-u,--username", r->username, "Username for the registry");
  auto* pw = r->login->add_option("-p,--password", r->password, "Password for the registry");
  r->login->add_flag("--password-stdin", r->password_stdin, "Read the password from stdin")
      ->excludes(pw);
  r->login->add_flag("-k,--insecure", r->opts.insecure, insecure_help);
  r->login->add_option("server", r->server, "Registry server, like ghcr.io or 127.0.0.1:5000")
      ->required();
  return r;
}

int run_registry_commands(RegistryCommands& r) {
  r.opts.cache_dir = r.cache_dir;
  if (r.push->parsed()) return push(r);
  if (r.pull->parsed()) return pull(r);
  if (r.login->parsed()) return login(r);
  return -1;
}

}  // namespace spindle::cli
