// The application manifest: spin.toml (Spin manifest v1 and v2) read into one
// immutable model, App. Everything above the manifest (engine, executors,
// triggers, host capabilities, CLI) sees only this model, never TOML.
//
//   load(path, options) ─▶ Result { app (shared_ptr<const App>) | errors }
//
// v1 (`spin_manifest_version = "1"`, or the older `spin_version = "1"`) and
// v2 (`spin_manifest_version = 2`) are normalised into the same shape: each
// Component carries the triggers that name it (http route + executor, redis
// channel, cron expression), with paths resolved against the manifest's folder, `files`
// expanded into concrete (host file → guest path) pairs, and `{{ variable }}`
// templates resolved. Errors say file:line:column, what is wrong, what was
// expected and, where possible, how to fix it; all of them are reported, not
// just the first.
//
// Secrets: a variable declared `secret = true` never appears in a Diagnostic
// or in to_string(App); Setting::secret marks the values that carry one.
//
// Not done here: downloading `source = { url, digest }` (kept as data), and
// matching requests to routes (the router builds on Route).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spindle::manifest {

// A position in the manifest, 1-based; line 0 means "unknown / whole file".
struct Location {
  uint32_t line = 0;
  uint32_t column = 0;
  friend bool operator==(const Location&, const Location&) = default;
};

// One problem found in a manifest. to_string() gives
//   <file>:<line>:<column>: error: <message> (expected <expected>)
//     hint: <hint>
// with the "(expected …)" part and the hint line present only when set.
struct Diagnostic {
  enum class Severity { Error, Warning };
  Severity severity = Severity::Error;
  std::filesystem::path file;
  Location where;
  std::string message;
  std::string expected;
  std::string hint;
  std::string to_string() const;
};

enum class ManifestVersion { V1, V2 };

// [variables] name = { default = "…" } | { required = true, secret = true }
struct Variable {
  // Where the value came from, in resolution order.
  enum class From { None, Provider, Env, LegacyEnv, DotEnv, Default };
  std::string name;  // lower_snake_case
  std::optional<std::string> default_value;
  bool required = false;
  bool secret = false;
  std::optional<std::string> value;  // resolved at load (nullopt: none found)
  From from = From::None;
  Location location;  // the variable's key in [variables]
};

// A string that may hold `{{ variable }}` templates: an `environment` entry,
// a component variable (v1 `[component.config]`, v2 `variables`), or an
// allowed host. `value` has the templates resolved (if a referenced
// variable has no value, the template is left as written and load() reports it).
struct Setting {
  std::string name;                     // the key; empty for list entries (hosts)
  std::string raw;                      // as written
  std::string value;                    // resolved
  bool secret = false;                  // the value contains a secret variable's value
  std::vector<std::string> references;  // variable names used by templates
  Location location;                    // the string value in the manifest
};

// `source = "path.wasm"` or `source = { url = "…", digest = "sha256:…" }`.
struct Source {
  enum class Kind { File, Remote };
  Kind kind = Kind::File;
  std::string written;         // File: the path as written
  std::filesystem::path path;  // File: absolute, lexically normal
  std::string url;             // Remote
  std::string digest;          // Remote: "sha256:<64 hex>"
  Location location;
};

// One `files` entry as declared: a glob / path string, or { source, destination }.
struct FilesEntry {
  bool placement = false;      // true: { source, destination }
  std::string pattern;         // glob string, or placement source as written
  std::filesystem::path host;  // placement: absolute source (file or folder)
  std::string destination;     // placement: absolute guest path
  Location location;
};

// One concrete file made visible to the guest (read-only).
struct FileMount {
  std::filesystem::path host;  // absolute, lexically normal
  std::string guest;           // absolute guest path, '/'-separated
  friend bool operator==(const FileMount&, const FileMount&) = default;
};

// [component.build]
struct Build {
  std::vector<std::string> commands;             // `command` (a string or a list)
  std::optional<std::filesystem::path> workdir;  // absolute
  std::string workdir_written;
  std::vector<std::string> watch;  // globs, relative to workdir (or manifest folder)
};

// An HTTP route, normalised with the application base:
//   base "/" + route "/likes"   → full "/likes",     prefix "/likes", wildcard false
//   base "/" + route "/..."     → full "/...",       prefix "",       wildcard true
//   base "/api" + route "/x/..." → full "/api/x/...", prefix "/api/x", wildcard true
// A wildcard route matches `prefix` itself and everything under `prefix + "/"`.
// `:name` segments stay in `full`/`prefix` as written and are listed in params.
struct Route {
  std::string raw;                  // as written (empty when private)
  bool is_private = false;          // route = { private = true }: no public route
  std::string base;                 // the application base, normalised ("/" or "/a/b")
  std::string full;                 // base + raw, normalised; empty when private
  std::string prefix;               // full without the "/..." suffix
  bool wildcard = false;            // raw ends in "/..."
  std::vector<std::string> params;  // names of `:name` segments, in order
  Location location;
};

// How a component handles an HTTP request.
struct Executor {
  enum class Kind { Spin, Wagi };
  Kind kind = Kind::Spin;             // `{ type = "spin" }` and `{ type = "http" }` both mean Spin
  std::string entrypoint = "_start";  // wagi
  std::string argv = "${SCRIPT_NAME} ${ARGS}";  // wagi
  Location location;
};

struct HttpTrigger {
  std::string id;         // trigger id (v1: "trigger-<component>")
  std::string component;  // component id
  Route route;
  Executor executor;
  Location location;
};

struct RedisTrigger {
  std::string id;
  std::string component;
  std::string channel;
  std::string address;  // the trigger's own, else the application's
  Location location;
};

// `[[trigger.cron]]` (Fermyon's spin-trigger-cron plugin), or v1
// `trigger = { type = "cron" }` with `[component.trigger] cron_expression`:
// the component runs on a schedule. The expression is kept as written; the
// cron trigger parses it (trigger/cron/schedule.h) and reports a bad one at
// `expression_location`.
struct CronTrigger {
  std::string id;          // trigger id (v1: "trigger-<component>")
  std::string component;   // component id
  std::string expression;  // `cron_expression`, as written
  Location location;       // the trigger's table
  Location expression_location;
};

// A TOML value handed on without TOML: the runtime config's sections and the
// manifest keys a capability owns reach their capability as this tree, with
// where each value was written (so the capability's errors carry
// file:line:column like the manifest's).
struct ConfigValue {
  enum class Kind { String, Integer, Float, Boolean, Array, Table, Other };
  Kind kind = Kind::Other;
  std::string string;  // String; Other: the value as written (dates, times)
  int64_t integer = 0;
  double number = 0;
  bool boolean = false;
  std::vector<ConfigValue> array;
  std::vector<std::pair<std::string, ConfigValue>> table;  // in file order
  Location location;                                       // the value
  std::vector<Location> key_locations;                     // Table: each key's

  bool is_string() const { return kind == Kind::String; }
  bool is_table() const { return kind == Kind::Table; }
  // A table's value for `key`, or null.
  const ConfigValue* get(std::string_view key) const;
  // "a string", "a table", ... (for "expected" texts).
  std::string_view kind_name() const;
};

// Per-request limits of a component's guests, from `[application.tool.spindle]`
// (every component) and `[component.<id>.tool.spindle]` (manifest v2; Spin
// ignores `tool` tables, so the manifest still runs on Spin):
//   timeout = "30s"          wall-clock time per request (passed: 504)
//   max_memory = "128MiB"    linear memory per instance (memory.grow past it: -1)
// Unset fields fall back to the app's, then to `spindle up` flags/defaults.
struct Limits {
  std::optional<std::chrono::nanoseconds> timeout;
  std::optional<uint64_t> max_memory;
  Location location;  // the `tool.spindle` table
};

struct Component {
  std::string id;  // kebab-case (v1 ids are normalised as Spin does: '_'→'-', lowercase)
  std::string description;
  Source source;
  std::vector<FilesEntry> files_declared;
  std::vector<std::string> exclude_files;
  std::vector<FileMount> files;  // expanded, excludes removed, sorted by guest path
  std::vector<Setting> environment;
  std::vector<Setting> variables;               // v1 [component.config] / v2 `variables`
  std::vector<Setting> allowed_http_hosts;      // as written (v1 style), resolved
  std::vector<Setting> allowed_outbound_hosts;  // as written (v2 style), resolved
  // The effective outbound allow-list in v2 syntax (`scheme://host[:port]`),
  // as Spin computes it: allowed_outbound_hosts + converted allowed_http_hosts
  // (+ redis/mysql/postgres "*:*" for v1 components without allowed_outbound_hosts).
  std::vector<std::string> outbound_hosts;
  std::vector<std::string> key_value_stores;
  std::vector<std::string> sqlite_databases;
  std::optional<Build> build;
  std::vector<HttpTrigger> http;  // v1: at most one; v2: every [[trigger.http]] naming it
  std::vector<RedisTrigger> redis;
  std::vector<CronTrigger> cron;
  Limits limits;  // [component.<id>.tool.spindle]
  // The keys capabilities own beyond Spin's fields (Options::capability_keys),
  // as written, for their capability to read and validate.
  std::map<std::string, ConfigValue> capability_keys;
  Location location;  // the component's table
  // Where each field was written ("source", "files", "environment.KEY", …),
  // so later stages can report their own errors at the right place.
  std::map<std::string, Location> field_locations;

  std::map<std::string, std::string> environment_map() const;
  std::map<std::string, std::string> variables_map() const;
};

struct App {
  std::filesystem::path manifest_path;  // absolute
  std::filesystem::path dir;            // the manifest's folder, absolute
  ManifestVersion manifest_version = ManifestVersion::V1;
  std::string name;
  std::string version;
  std::string description;
  std::vector<std::string> authors;
  struct HttpConfig {
    std::string base = "/";  // normalised: "/" or "/a/b"
  };
  struct RedisConfig {
    std::string address;
  };
  std::optional<HttpConfig> http;     // present when the app has an http trigger
  std::optional<RedisConfig> redis;   // present when the app has a redis trigger
  Limits limits;                      // [application.tool.spindle]
  std::vector<Variable> variables;    // in declaration order
  std::vector<Component> components;  // in declaration order

  const Component* component(std::string_view id) const;
  const Variable* variable(std::string_view name) const;
  // Every http trigger of every component, in declaration order.
  std::vector<const HttpTrigger*> http_triggers() const;
  // An error located in this manifest, for later stages' validation.
  Diagnostic diagnostic(Location where, std::string message, std::string expected = {},
                        std::string hint = {}) const;
};

// A readable dump of the model (for `spindle doctor`, logs and tests).
// Secret values are shown as "<secret>".
std::string to_string(const App& app);

// A variables provider of the runtime config (`[[variables_provider]]`, or
// Spin 1's `[[config_provider]]`), asked in file order before the default
// environment provider (SPIN_VARIABLE_*, .env) and the variable's default.
struct VariableProvider {
  enum class Kind { Env, Static };
  Kind kind = Kind::Env;
  std::string prefix = "SPIN_VARIABLE";         // env: <PREFIX>_<NAME>
  std::optional<std::filesystem::path> dotenv;  // env: also this .env file
  std::map<std::string, std::string> values;    // static: by variable name
  std::string describe;                         // "variables_provider #1 (env)"
};

struct Options {
  // The runtime config's variables providers (variable_providers()).
  std::vector<VariableProvider> providers;
  // Environment used for SPIN_VARIABLE_* / SPIN_CONFIG_*; nullopt means the
  // process environment.
  std::optional<std::map<std::string, std::string>> env;
  // The .env file; nullopt means ".env" beside the manifest (absent is fine).
  std::optional<std::filesystem::path> dotenv;
  bool check_sources = true;      // a missing `source` file is an error
  bool require_variables = true;  // a required variable without a value is an error
  bool expand_files = true;       // expand `files` into FileMounts
  // `spindle up --component-id`: serve only these components (each must
  // exist) with their triggers, as Spin's selective deployment; empty: all.
  std::vector<std::string> components;
  // Component keys that capabilities own (host::component_keys()): accepted
  // in component tables and kept in Component::capability_keys.
  std::vector<std::string> capability_keys;
  // Several apps on one host (spindle up --apps, `path_prefix`): a path
  // ("/blog", normalised) put before the app's HTTP base, so every route
  // and spin-base-path starts with it; empty: none.
  std::string base_prefix;
};

struct Result {
  std::shared_ptr<const App> app;  // null when there are errors
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
  bool ok() const { return app != nullptr && errors.empty(); }
  // Every error (then warning) to_string(), one after another.
  std::string report() const;
};

// Every regular file under `root` whose path relative to `root` matches the
// glob `pattern` (`*`, `?`, `[…]` within a segment, `**` across segments).
std::vector<std::filesystem::path> glob_files(const std::filesystem::path& root,
                                              std::string_view pattern);

// "`a`, `b` or `c`" (for "expected" texts).
std::string one_of(const std::vector<std::string>& candidates);

// The label rules of key_value_stores / sqlite_databases (and their runtime
// config tables): kebab-case or snake_case.
bool is_label(std::string_view label);

// Reads `spin.toml` (a folder means `<folder>/spin.toml`), validates it and
// builds the App. Never throws for bad input: problems are in Result::errors.
Result load(const std::filesystem::path& manifest_or_dir, const Options& options = {});

}  // namespace spindle::manifest
