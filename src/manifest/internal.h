// Internal to src/manifest: the passes load() runs over a manifest, and the
// helpers they share. toml++ stays inside read_toml.cpp.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifest/manifest.h"

namespace spindle::manifest::detail {

// Collects diagnostics for one manifest file.
class Reporter {
 public:
  explicit Reporter(std::filesystem::path file) : file_(std::move(file)) {}
  void error(Location where, std::string message, std::string expected = {}, std::string hint = {});
  void warning(Location where, std::string message, std::string expected = {},
               std::string hint = {});
  // "file:line:column" (for "first defined at …" notes).
  std::string at(Location where) const;
  const std::filesystem::path& file() const { return file_; }
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;

 private:
  std::filesystem::path file_;
};

// The manifest text, for positions inside string values.
struct SourceText {
  std::vector<std::string> lines;
  explicit SourceText(std::string_view text);
  // The location of byte `offset` of `value`, a string whose opening quote is
  // at `start`. Falls back to `start` when the string is not written plainly
  // (escapes, multi-line strings, non-ASCII before the offset).
  Location inside(Location start, std::string_view value, size_t offset) const;
};

// ---- names.cpp ----
size_t edit_distance(std::string_view a, std::string_view b);
// "did you mean `x`?" when a candidate is close to `word`, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
// "`a`, `b` or `c`"
using manifest::one_of;
// Why `id` is not a valid Spin id (words of ASCII letters/digits separated by
// `delim`, each starting with a letter; lowercase only when `lower_only`),
// or nullopt when it is valid.
std::optional<std::string> id_problem(std::string_view id, char delim, bool lower_only);
using manifest::is_label;

// ---- read_toml.cpp ----
// Parses the TOML and reads every field into an App (paths resolved against
// app.dir). Returns false when the file could not be read as a manifest at
// all (syntax error, unknown version); field errors are reported and
// reading goes on.
// A whole TOML file as a table (a config file spindle reads: the runtime
// config, the host config); nullopt after reporting to `rep` when it cannot
// be read or parsed (`what` names it: "the runtime config file").
std::optional<ConfigValue> read_toml_file(const std::filesystem::path& file, Reporter& rep,
                                          std::string_view what);

bool read_toml(std::string_view text, App& app, Reporter& rep,
               const std::vector<std::string>& capability_keys);

// ---- templates.cpp ----
struct TemplatePart {
  bool is_variable = false;
  std::string text;   // literal text, or the variable name
  size_t offset = 0;  // byte offset in the raw string (of "{{" for variables)
};
// Splits `raw` into literal and `{{ name }}` parts. On a syntax error returns
// nullopt and sets `problem` and `offset`.
std::optional<std::vector<TemplatePart>> parse_template(std::string_view raw, std::string& problem,
                                                        size_t& offset);

// ---- variables.cpp ----
// Looks each variable's value up (env, legacy env, .env, default), resolves
// every template, and reports undeclared names and missing required values.
void resolve_variables(App& app, const Options& options, const SourceText& src, Reporter& rep);

// ---- routes.cpp ----
// Normalises "/", "/a/", "a" … into "/" or "/a"; nullopt when not a path.
std::optional<std::string> normalise_base(std::string_view base);
// Normalises every route against the base, reports bad routes and routes
// claimed twice.
void check_routes(App& app, Reporter& rep);

// ---- hosts.cpp ----
// Validates allowed_http_hosts / allowed_outbound_hosts (after templates are
// resolved) and computes Component::outbound_hosts.
void check_hosts(App& app, Reporter& rep);

// ---- files.cpp ----
// Shell-style glob over '/'-separated relative paths: `*`, `?`, `[…]` within
// one segment, `**` for any number of segments.
bool glob_match(std::string_view pattern, std::string_view path);
void check_sources(App& app, Reporter& rep);
void expand_files(App& app, Reporter& rep);

}  // namespace spindle::manifest::detail
