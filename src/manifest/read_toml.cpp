// Reading spin.toml (v1 and v2) into the App model. The only translation
// unit that includes toml++: it checks the structure (known fields, types,
// required fields, ids) and records where everything was written; the
// semantic checks (routes, variables, hosts, files) run afterwards over the
// model.
#include <toml++/toml.h>

#include <algorithm>
#include <set>

#include "manifest/internal.h"
#include "manifest/toml_value.h"
#include "util/units.h"

namespace spindle::manifest::detail {
namespace {

Location loc(const toml::source_region& s) { return {s.begin.line, s.begin.column}; }
Location loc(const toml::node& n) { return loc(n.source()); }
Location loc(const toml::key& k) { return loc(k.source()); }

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date/time";
  }
}

std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }

// A table's entries in the order they were written (toml++ keeps them sorted).
std::vector<std::pair<const toml::key*, const toml::node*>> ordered(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> out;
  for (auto&& [k, v] : t) out.emplace_back(&k, &v);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    Location la = loc(*a.first), lb = loc(*b.first);
    return std::pair(la.line, la.column) < std::pair(lb.line, lb.column);
  });
  return out;
}

// A field Spin knows that spindle does not implement: refused with a reason.
struct Refused {
  std::string_view name;
  std::string_view reason;
  std::string_view hint;
};

const std::vector<Refused> kRefusedComponentFields = {
    {"ai_models", "AI inferencing (Serverless AI) is not available", "remove `ai_models`"},
    {"dependencies",
     "component dependencies (WebAssembly component composition) need the "
     "component model, and spindle runs core modules",
     "remove `dependencies`"},
    {"dependencies_inherit_configuration", "component dependencies are not supported",
     "remove `dependencies_inherit_configuration`"},
};

// A trigger waiting for its component reference to be resolved.
template <class T>
struct Pending {
  std::string ref;
  Location ref_loc;
  T trigger;
};

class Reader {
 public:
  Reader(App& app, Reporter& rep, const std::vector<std::string>& capability_keys)
      : app_(app), rep_(rep), capability_keys_(capability_keys) {}
  void v1(const toml::table& root);
  void v2(const toml::table& root);

 private:
  void check_fields(const toml::table& t, std::string_view context,
                    const std::vector<std::string>& known,
                    const std::vector<Refused>& refused = {});
  const toml::node* field(const toml::table& t, std::string_view key, std::string_view context,
                          bool required = false, std::string_view example = {});
  void wrong_type(const toml::node& n, std::string_view key, std::string_view context,
                  std::string_view expected);
  std::optional<std::string> string(const toml::table& t, std::string_view key,
                                    std::string_view context, bool required = false,
                                    std::string_view example = {});
  std::optional<bool> boolean(const toml::table& t, std::string_view key, std::string_view context);
  std::vector<std::string> strings(const toml::table& t, std::string_view key,
                                   std::string_view context, Component* c = nullptr);
  std::vector<Setting> settings_map(const toml::table& t, std::string_view key,
                                    std::string_view context, bool snake_keys, Component& c);
  std::vector<Setting> settings_list(const toml::table& t, std::string_view key,
                                     std::string_view context, Component& c);
  void variables(const toml::table& root);
  Limits limits(const toml::table& t, std::string_view context);
  void component_body(const toml::table& t, Component& c, std::string_view context, bool v1);
  Source source(const toml::node& n, std::string_view context);
  std::vector<FilesEntry> files(const toml::node& n, std::string_view context);
  std::optional<Build> build(const toml::node& n, std::string_view context);
  Executor executor(const toml::node& n, std::string_view context);
  Route route(const toml::node& n, std::string_view context);
  std::vector<std::string> labels(const toml::table& t, std::string_view key,
                                  std::string_view context, Component& c);
  void http_trigger_v2(const toml::table& t, size_t index, std::vector<Pending<HttpTrigger>>& out,
                       std::vector<Component>& inline_components);
  // `component`: an id, or an inline table (kept in `inline_components`
  // under a placeholder id until trigger ids are known).
  void component_ref(const toml::table& t, std::string_view context, size_t index,
                     std::vector<Component>& inline_components, std::string& ref,
                     Location& ref_loc);
  void cron_expression(const toml::table& t, std::string_view context, CronTrigger& out);

  // Spin's component fields plus the keys capabilities own.
  std::vector<std::string> component_fields(std::vector<std::string> spin) const {
    spin.insert(spin.end(), capability_keys_.begin(), capability_keys_.end());
    return spin;
  }

  App& app_;
  Reporter& rep_;
  const std::vector<std::string>& capability_keys_;
};

void Reader::check_fields(const toml::table& t, std::string_view context,
                          const std::vector<std::string>& known,
                          const std::vector<Refused>& refused) {
  for (auto [k, v] : ordered(t)) {
    std::string_view name = k->str();
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    auto r = std::find_if(refused.begin(), refused.end(),
                          [&](const Refused& x) { return x.name == name; });
    if (r != refused.end()) {
      rep_.error(loc(*k),
                 tick(name) + " in " + std::string(context) +
                     " is not supported by spindle: " + std::string(r->reason),
                 {}, std::string(r->hint));
      continue;
    }
    std::string hint = did_you_mean(name, known);
    rep_.error(loc(*k), "unknown field " + tick(name) + " in " + std::string(context),
               "one of " + one_of(known), hint.empty() ? "remove it" : hint);
  }
}

const toml::node* Reader::field(const toml::table& t, std::string_view key,
                                std::string_view context, bool required, std::string_view example) {
  const toml::node* n = t.get(key);
  if (!n && required) {
    rep_.error(loc(t), tick(key) + " is missing in " + std::string(context),
               example.empty() ? std::string{} : tick(example),
               example.empty() ? std::string{} : "add " + tick(example));
  }
  return n;
}

void Reader::wrong_type(const toml::node& n, std::string_view key, std::string_view context,
                        std::string_view expected) {
  rep_.error(loc(n), tick(key) + " in " + std::string(context) + " is " + type_name(n),
             std::string(expected));
}

std::optional<std::string> Reader::string(const toml::table& t, std::string_view key,
                                          std::string_view context, bool required,
                                          std::string_view example) {
  const toml::node* n = field(t, key, context, required, example);
  if (!n) return std::nullopt;
  if (const auto* s = n->as_string()) return s->get();
  wrong_type(*n, key, context, "a string");
  return std::nullopt;
}

std::optional<bool> Reader::boolean(const toml::table& t, std::string_view key,
                                    std::string_view context) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (const auto* b = n->as_boolean()) return b->get();
  wrong_type(*n, key, context, "`true` or `false`");
  return std::nullopt;
}

std::vector<std::string> Reader::strings(const toml::table& t, std::string_view key,
                                         std::string_view context, Component* c) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  const auto* arr = n->as_array();
  if (!arr) {
    wrong_type(*n, key, context, "an array of strings");
    return out;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& el = *arr->get(i);
    if (const auto* s = el.as_string()) {
      out.push_back(s->get());
      if (c) c->field_locations[std::string(key) + "[" + std::to_string(i) + "]"] = loc(el);
    } else {
      rep_.error(
          loc(el),
          "an entry of " + tick(key) + " in " + std::string(context) + " is " + type_name(el),
          "a string");
    }
  }
  return out;
}

std::vector<Setting> Reader::settings_map(const toml::table& t, std::string_view key,
                                          std::string_view context, bool snake_keys, Component& c) {
  std::vector<Setting> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  const auto* tbl = n->as_table();
  if (!tbl) {
    wrong_type(*n, key, context, "a table of strings, like `{ NAME = \"value\" }`");
    return out;
  }
  for (auto [k, v] : ordered(*tbl)) {
    std::string name(k->str());
    if (snake_keys) {
      if (auto problem = id_problem(name, '_', true)) {
        rep_.error(loc(*k),
                   "invalid name " + tick(name) + " in " + tick(key) + " of " +
                       std::string(context) + ": " + *problem,
                   "a lower_snake_case name");
      }
    }
    const auto* s = v->as_string();
    if (!s) {
      rep_.error(loc(*v),
                 tick(std::string(key) + "." + name) + " in " + std::string(context) + " is " +
                     type_name(*v),
                 "a string");
      continue;
    }
    Setting setting;
    setting.name = name;
    setting.raw = s->get();
    setting.value = setting.raw;
    setting.location = loc(*v);
    c.field_locations[std::string(key) + "." + name] = setting.location;
    out.push_back(std::move(setting));
  }
  return out;
}

std::vector<Setting> Reader::settings_list(const toml::table& t, std::string_view key,
                                           std::string_view context, Component& c) {
  std::vector<Setting> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  const auto* arr = n->as_array();
  if (!arr) {
    wrong_type(*n, key, context, "an array of strings");
    return out;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& el = *arr->get(i);
    const auto* s = el.as_string();
    if (!s) {
      rep_.error(
          loc(el),
          "an entry of " + tick(key) + " in " + std::string(context) + " is " + type_name(el),
          "a string");
      continue;
    }
    Setting setting;
    setting.raw = s->get();
    setting.value = setting.raw;
    setting.location = loc(el);
    c.field_locations[std::string(key) + "[" + std::to_string(i) + "]"] = setting.location;
    out.push_back(std::move(setting));
  }
  return out;
}

std::vector<std::string> Reader::labels(const toml::table& t, std::string_view key,
                                        std::string_view context, Component& c) {
  auto out = strings(t, key, context, &c);
  for (size_t i = 0; i < out.size(); ++i) {
    if (!is_label(out[i])) {
      rep_.error(
          c.field_locations[std::string(key) + "[" + std::to_string(i) + "]"],
          "invalid label " + tick(out[i]) + " in " + tick(key) + " of " + std::string(context),
          "a kebab-case or snake_case name, like `default`");
    }
  }
  return out;
}

void Reader::variables(const toml::table& root) {
  const toml::node* n = root.get("variables");
  if (!n) return;
  const auto* tbl = n->as_table();
  if (!tbl) {
    wrong_type(*n, "variables", "the manifest", "a table: `[variables]`");
    return;
  }
  for (auto [k, v] : ordered(*tbl)) {
    Variable var;
    var.name = std::string(k->str());
    var.location = loc(*k);
    std::string context = "[variables] " + tick(var.name);
    if (auto problem = id_problem(var.name, '_', true)) {
      rep_.error(var.location, "invalid variable name " + tick(var.name) + ": " + *problem,
                 "a lower_snake_case name, like `api_key`");
    }
    const auto* vt = v->as_table();
    if (!vt) {
      rep_.error(loc(*v), "variable " + tick(var.name) + " is " + type_name(*v),
                 "a table: `{ default = \"value\" }` or `{ required = true }`");
      continue;
    }
    check_fields(*vt, context, {"default", "required", "secret"});
    var.default_value = string(*vt, "default", context);
    var.required = boolean(*vt, "required", context).value_or(false);
    var.secret = boolean(*vt, "secret", context).value_or(false);
    if (var.required && var.default_value) {
      rep_.error(var.location, "variable " + tick(var.name) + " is both required and has a default",
                 "either `required = true` or `default = \"…\"`",
                 "remove `required = true`, or remove the default");
    } else if (!var.required && !var.default_value && !vt->contains("default")) {
      rep_.error(var.location, "variable " + tick(var.name) + " has no default and is not required",
                 "`default = \"…\"` or `required = true`",
                 "add `default = \"…\"`, or `required = true` to make a value mandatory");
    }
    if (std::any_of(app_.variables.begin(), app_.variables.end(),
                    [&](const Variable& x) { return x.name == var.name; })) {
      rep_.error(var.location, "duplicate variable " + tick(var.name));
    }
    app_.variables.push_back(std::move(var));
  }
}

Source Reader::source(const toml::node& n, std::string_view context) {
  Source src;
  src.location = loc(n);
  if (const auto* s = n.as_string()) {
    src.kind = Source::Kind::File;
    src.written = s->get();
    if (src.written.empty()) {
      rep_.error(src.location, "`source` in " + std::string(context) + " is empty",
                 "a path to a .wasm file, relative to the manifest's folder");
    } else {
      src.path = (app_.dir / src.written).lexically_normal();
    }
    return src;
  }
  const auto* t = n.as_table();
  if (!t) {
    wrong_type(n, "source", context, "a path string, or `{ url = \"…\", digest = \"sha256:…\" }`");
    return src;
  }
  std::string sctx = "`source` of " + std::string(context);
  if (t->contains("registry") || t->contains("package") || t->contains("version")) {
    rep_.error(src.location, sctx + " names a registry package, which spindle does not support",
               "a path string, or `{ url = \"…\", digest = \"sha256:…\" }`",
               "download the component and point `source` at the .wasm file");
    return src;
  }
  check_fields(*t, sctx, {"url", "digest"});
  src.kind = Source::Kind::Remote;
  src.url = string(*t, "url", sctx, true, "url = \"https://…/component.wasm\"").value_or("");
  src.digest = string(*t, "digest", sctx, true, "digest = \"sha256:…\"").value_or("");
  if (!src.url.empty() && src.url.rfind("https://", 0) != 0 && src.url.rfind("http://", 0) != 0) {
    rep_.error(loc(*t->get("url")), "`url` in " + sctx + " is not an http(s) URL", "`https://…`");
  }
  if (!src.digest.empty()) {
    std::string_view d = src.digest;
    bool ok = d.rfind("sha256:", 0) == 0 && d.size() == 7 + 64 &&
              std::all_of(d.begin() + 7, d.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
              });
    if (!ok) {
      rep_.error(loc(*t->get("digest")), "`digest` in " + sctx + " is not a SHA-256 digest",
                 "`sha256:` followed by 64 lowercase hex digits",
                 "compute it with `sha256sum component.wasm`");
    }
  }
  return src;
}

std::vector<FilesEntry> Reader::files(const toml::node& n, std::string_view context) {
  std::vector<FilesEntry> out;
  const auto* arr = n.as_array();
  if (!arr) {
    wrong_type(n, "files", context,
               "an array of glob strings and `{ source = \"…\", destination = \"/…\" }` tables");
    return out;
  }
  for (const toml::node& el : *arr) {
    FilesEntry e;
    e.location = loc(el);
    if (const auto* s = el.as_string()) {
      e.pattern = s->get();
      if (e.pattern.empty()) {
        rep_.error(e.location, "empty entry in `files` of " + std::string(context),
                   "a glob like `static/**/*`");
        continue;
      }
    } else if (const auto* t = el.as_table()) {
      std::string fctx = "a `files` entry of " + std::string(context);
      check_fields(*t, fctx, {"source", "destination"});
      auto src = string(*t, "source", fctx, true, "source = \"folder/\"");
      auto dst = string(*t, "destination", fctx, true, "destination = \"/\"");
      if (!src || !dst) continue;
      e.placement = true;
      e.pattern = *src;
      e.destination = *dst;
      if (e.destination.empty() || e.destination[0] != '/') {
        rep_.error(loc(*t->get("destination")),
                   "`destination` " + tick(e.destination) + " in " + fctx + " is not absolute",
                   "a guest path starting with `/`", "write `/" + e.destination + "`");
        continue;
      }
    } else {
      rep_.error(e.location,
                 "an entry of `files` in " + std::string(context) + " is " + type_name(el),
                 "a glob string or `{ source = \"…\", destination = \"/…\" }`");
      continue;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<Build> Reader::build(const toml::node& n, std::string_view context) {
  const auto* t = n.as_table();
  std::string bctx = "[build] of " + std::string(context);
  if (!t) {
    wrong_type(n, "build", context, "a table with `command`");
    return std::nullopt;
  }
  check_fields(*t, bctx, {"command", "workdir", "watch"});
  Build b;
  if (const toml::node* c = field(*t, "command", bctx, true, "command = \"…\"")) {
    if (const auto* s = c->as_string()) {
      b.commands.push_back(s->get());
    } else if (c->as_array()) {
      b.commands = strings(*t, "command", bctx);
    } else {
      wrong_type(*c, "command", bctx, "a string or an array of strings");
    }
  }
  if (auto w = string(*t, "workdir", bctx)) {
    b.workdir_written = *w;
    b.workdir = (app_.dir / *w).lexically_normal();
  }
  b.watch = strings(*t, "watch", bctx);
  return b;
}

Executor Reader::executor(const toml::node& n, std::string_view context) {
  Executor ex;
  ex.location = loc(n);
  const auto* t = n.as_table();
  if (!t) {
    wrong_type(n, "executor", context,
               "a table: `{ type = \"spin\" }`, `{ type = \"http\" }` or `{ type = \"wagi\" }`");
    return ex;
  }
  std::string ectx = "`executor` of " + std::string(context);
  auto type = string(*t, "type", ectx, true, "type = \"spin\"");
  if (!type) return ex;
  if (*type == "spin" || *type == "http") {
    check_fields(*t, ectx, {"type"});
    ex.kind = Executor::Kind::Spin;
  } else if (*type == "wagi") {
    check_fields(*t, ectx, {"type", "entrypoint", "argv"});
    ex.kind = Executor::Kind::Wagi;
    if (auto e = string(*t, "entrypoint", ectx)) ex.entrypoint = *e;
    if (auto a = string(*t, "argv", ectx)) ex.argv = *a;
  } else {
    std::string hint = did_you_mean(*type, {"spin", "http", "wagi"});
    rep_.error(loc(*t->get("type")), "unknown executor type " + tick(*type) + " in " + ectx,
               "`spin`, `http` or `wagi`", hint);
  }
  return ex;
}

Route Reader::route(const toml::node& n, std::string_view context) {
  Route r;
  r.location = loc(n);
  if (const auto* s = n.as_string()) {
    r.raw = s->get();
    return r;
  }
  if (const auto* t = n.as_table()) {
    std::string rctx = "`route` of " + std::string(context);
    check_fields(*t, rctx, {"private"});
    auto priv = boolean(*t, "private", rctx);
    if (priv.value_or(false)) {
      r.is_private = true;
    } else {
      rep_.error(r.location, "`route` table in " + std::string(context) + " is not private",
                 "`{ private = true }`, or a route string like `\"/path\"`");
    }
    return r;
  }
  wrong_type(n, "route", context, "a route string like `\"/path/...\"`, or `{ private = true }`");
  return r;
}

Limits Reader::limits(const toml::table& t, std::string_view context) {
  Limits out;
  const toml::node* tool = t.get("tool");
  if (!tool) return out;
  const auto* tt = tool->as_table();
  if (!tt) {
    wrong_type(*tool, "tool", context, "a table of tool settings: `[...tool.spindle]`");
    return out;
  }
  const toml::node* sn = tt->get("spindle");
  if (!sn) return out;  // other tools' tables are theirs
  std::string sctx = std::string(context) + " tool.spindle";
  const auto* st = sn->as_table();
  if (!st) {
    wrong_type(*sn, "spindle", sctx, "a table: `timeout = \"30s\"`, `max_memory = \"128MiB\"`");
    return out;
  }
  out.location = loc(*sn);
  check_fields(*st, sctx, {"timeout", "max_memory"});
  if (auto v = string(*st, "timeout", sctx)) {
    out.timeout = util::parse_duration(*v);
    if (!out.timeout || out.timeout->count() <= 0)
      rep_.error(loc(*st->get("timeout")), "invalid `timeout` " + tick(*v),
                 "a duration like \"30s\", \"500ms\" or \"2m\"");
  }
  if (auto v = string(*st, "max_memory", sctx)) {
    out.max_memory = util::parse_memory_size(*v);
    if (!out.max_memory || *out.max_memory < 65536)
      rep_.error(loc(*st->get("max_memory")), "invalid `max_memory` " + tick(*v),
                 "a size of at least one page, like \"128MiB\" or \"1GiB\"");
  }
  return out;
}

void Reader::component_body(const toml::table& t, Component& c, std::string_view context, bool v1) {
  c.location = loc(t);
  if (!v1) c.limits = limits(t, context);
  for (const std::string& key : capability_keys_)
    if (const toml::node* n = t.get(key)) c.capability_keys.emplace(key, to_config_value(*n));
  if (const toml::node* s = field(t, "source", context, true, "source = \"component.wasm\"")) {
    c.source = source(*s, context);
    c.field_locations["source"] = loc(*s);
  }
  c.description = string(t, "description", context).value_or("");
  c.variables = settings_map(t, v1 ? "config" : "variables", context, true, c);
  c.environment = settings_map(t, "environment", context, false, c);
  if (const toml::node* f = t.get("files")) {
    c.files_declared = files(*f, context);
    c.field_locations["files"] = loc(*f);
  }
  c.exclude_files = strings(t, "exclude_files", context, &c);
  c.allowed_http_hosts = settings_list(t, "allowed_http_hosts", context, c);
  c.allowed_outbound_hosts = settings_list(t, "allowed_outbound_hosts", context, c);
  c.key_value_stores = labels(t, "key_value_stores", context, c);
  c.sqlite_databases = labels(t, "sqlite_databases", context, c);
  if (const toml::node* b = t.get("build")) {
    c.build = build(*b, context);
    c.field_locations["build"] = loc(*b);
  }
  for (const char* f :
       {"environment", "allowed_http_hosts", "allowed_outbound_hosts", "key_value_stores",
        "sqlite_databases", "exclude_files", "config", "variables", "description"}) {
    if (const toml::node* n = t.get(f)) c.field_locations[f] = loc(*n);
  }
  if (!v1 && !c.allowed_http_hosts.empty()) {
    rep_.warning(c.field_locations["allowed_http_hosts"],
                 "`allowed_http_hosts` in " + std::string(context) + " is deprecated",
                 "`allowed_outbound_hosts`",
                 "replace it with `allowed_outbound_hosts = [\"https://host\"]`");
  }
}

// ---- v1 ---------------------------------------------------------------

void Reader::v1(const toml::table& root) {
  app_.manifest_version = ManifestVersion::V1;
  check_fields(root, "the manifest",
               {"spin_manifest_version", "spin_version", "name", "version", "description",
                "authors", "trigger", "variables", "component"});
  app_.name = string(root, "name", "the manifest", true, "name = \"my-app\"").value_or("");
  app_.version = string(root, "version", "the manifest").value_or("");
  app_.description = string(root, "description", "the manifest").value_or("");
  app_.authors = strings(root, "authors", "the manifest");

  std::string trigger_type;
  if (const toml::node* tn = field(root, "trigger", "the manifest", true,
                                   "trigger = { type = \"http\", base = \"/\" }")) {
    if (const auto* t = tn->as_table()) {
      auto type = string(*t, "type", "`trigger`", true, "type = \"http\"");
      if (type == "http") {
        trigger_type = "http";
        check_fields(*t, "`trigger`", {"type", "base"});
        App::HttpConfig http;
        if (auto base = string(*t, "base", "`trigger`")) {
          if (auto norm = normalise_base(*base)) {
            http.base = *norm;
          } else {
            rep_.error(loc(*t->get("base")), "invalid `base` " + tick(*base) + " in `trigger`",
                       "a path starting with `/`, like `/` or `/api`");
          }
        }
        app_.http = http;
      } else if (type == "redis") {
        trigger_type = "redis";
        check_fields(*t, "`trigger`", {"type", "address"});
        app_.redis = App::RedisConfig{
            string(*t, "address", "`trigger`", true, "address = \"redis://localhost:6379\"")
                .value_or("")};
      } else if (type == "cron") {
        // The cron plugin has no app-level settings.
        trigger_type = "cron";
        check_fields(*t, "`trigger`", {"type"});
      } else if (type) {
        std::string hint = did_you_mean(*type, {"http", "redis", "cron"});
        rep_.error(loc(*t->get("type")), "unsupported trigger type " + tick(*type),
                   "`http`, `redis` or `cron`", hint);
      }
    } else {
      wrong_type(*tn, "trigger", "the manifest",
                 "a table like `{ type = \"http\", base = \"/\" }`");
    }
  }

  variables(root);

  const toml::node* cn = root.get("component");
  if (!cn) return;
  const auto* arr = cn->as_array();
  if (!arr) {
    wrong_type(*cn, "component", "the manifest", "an array of tables: `[[component]]`");
    return;
  }
  for (const toml::node& el : *arr) {
    const auto* t = el.as_table();
    if (!t) {
      rep_.error(loc(el), "a `component` entry is " + type_name(el), "a `[[component]]` table");
      continue;
    }
    Component c;
    std::string context = "[[component]]";
    if (auto id = string(*t, "id", context, true, "id = \"my-component\"")) {
      // Spin accepts v1 ids with underscores and mixed case, and normalises them.
      std::string norm;
      for (char ch : *id) {
        norm += ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
      c.id = norm;
      c.field_locations["id"] = loc(*t->get("id"));
      context += " " + tick(*id);
      if (auto problem = id_problem(norm, '-', false)) {
        rep_.error(loc(*t->get("id")), "invalid component id " + tick(*id) + ": " + *problem,
                   "a kebab-case id like `my-component`");
      }
    }
    std::vector<std::string> known = {"id",
                                      "source",
                                      "trigger",
                                      "description",
                                      "config",
                                      "environment",
                                      "files",
                                      "exclude_files",
                                      "allowed_http_hosts",
                                      "allowed_outbound_hosts",
                                      "key_value_stores",
                                      "sqlite_databases",
                                      "build"};
    check_fields(*t, context, component_fields(known), kRefusedComponentFields);
    component_body(*t, c, context, true);

    if (const toml::node* tn =
            field(*t, "trigger", context, true,
                  trigger_type == "redis"  ? "[component.trigger] channel = \"…\""
                  : trigger_type == "cron" ? "[component.trigger] cron_expression = \"…\""
                                           : "[component.trigger] route = \"/…\"")) {
      c.field_locations["trigger"] = loc(*tn);
      const auto* tt = tn->as_table();
      std::string tctx = "[component.trigger] of " + context;
      if (!tt) {
        wrong_type(*tn, "trigger", context, "a table");
      } else if (trigger_type == "http") {
        check_fields(*tt, tctx, {"route", "executor"});
        HttpTrigger h;
        h.id = "trigger-" + c.id;
        h.component = c.id;
        h.location = loc(*tt);
        if (const toml::node* r = field(*tt, "route", tctx, true, "route = \"/…\"")) {
          h.route = route(*r, tctx);
          c.field_locations["route"] = h.route.location;
        } else {
          h.route.location = h.location;
        }
        if (const toml::node* e = tt->get("executor")) {
          h.executor = executor(*e, tctx);
          c.field_locations["executor"] = h.executor.location;
        }
        c.http.push_back(std::move(h));
      } else if (trigger_type == "redis") {
        check_fields(*tt, tctx, {"channel"});
        RedisTrigger r;
        r.id = "trigger-" + c.id;
        r.component = c.id;
        r.location = loc(*tt);
        r.channel = string(*tt, "channel", tctx, true, "channel = \"messages\"").value_or("");
        r.address = app_.redis ? app_.redis->address : "";
        c.redis.push_back(std::move(r));
      } else if (trigger_type == "cron") {
        check_fields(*tt, tctx, {"cron_expression"});
        CronTrigger ct;
        ct.id = "trigger-" + c.id;
        ct.component = c.id;
        ct.location = loc(*tt);
        cron_expression(*tt, tctx, ct);
        c.cron.push_back(std::move(ct));
      }
    }
    app_.components.push_back(std::move(c));
  }
}

// ---- v2 ---------------------------------------------------------------

void Reader::http_trigger_v2(const toml::table& t, size_t index,
                             std::vector<Pending<HttpTrigger>>& out,
                             std::vector<Component>& inline_components) {
  std::string context = "[[trigger.http]]";
  check_fields(t, context, {"id", "component", "route", "executor"},
               {{"components", "component dependencies are not supported",
                 "use `component` with one component id"}});
  HttpTrigger h;
  h.location = loc(t);
  h.id = string(t, "id", context).value_or("");
  if (const toml::node* r = field(t, "route", context, true, "route = \"/…\"")) {
    h.route = route(*r, context);
  } else {
    h.route.location = h.location;
  }
  if (const toml::node* e = t.get("executor")) h.executor = executor(*e, context);
  std::string ref;
  Location ref_loc = h.location;
  component_ref(t, context, index, inline_components, ref, ref_loc);
  h.component = ref;
  out.push_back({ref, ref_loc, std::move(h)});
}

void Reader::component_ref(const toml::table& t, std::string_view context, size_t index,
                           std::vector<Component>& inline_components, std::string& ref,
                           Location& ref_loc) {
  if (const toml::node* c = field(t, "component", context, true, "component = \"my-component\"")) {
    if (const auto* s = c->as_string()) {
      ref = s->get();
    } else if (const auto* ct = c->as_table()) {
      // Inline component: named as Spin names it once the trigger has an id.
      Component comp;
      std::string ictx = "the inline component of " + std::string(context);
      check_fields(
          *ct, ictx,
          component_fields({"source", "description", "variables", "environment", "files",
                            "exclude_files", "allowed_http_hosts", "allowed_outbound_hosts",
                            "key_value_stores", "sqlite_databases", "build", "tool"}),
          kRefusedComponentFields);
      component_body(*ct, comp, ictx, false);
      comp.id = "\x01" + std::to_string(index);  // placeholder until trigger ids are known
      ref = comp.id;
      inline_components.push_back(std::move(comp));
    } else {
      wrong_type(*c, "component", context, "a component id, or an inline `{ source = … }` table");
    }
    ref_loc = loc(*c);
  }
}

void Reader::cron_expression(const toml::table& t, std::string_view context, CronTrigger& out) {
  out.expression_location = out.location;
  if (auto e = string(t, "cron_expression", context, true,
                      "cron_expression = \"*/10 * * * * *\" (sec min hour day month weekday)")) {
    out.expression = *e;
    out.expression_location = loc(*t.get("cron_expression"));
  }
}

void Reader::v2(const toml::table& root) {
  app_.manifest_version = ManifestVersion::V2;
  check_fields(root, "the manifest",
               {"spin_manifest_version", "application", "variables", "trigger", "component"});
  if (const toml::node* an =
          field(root, "application", "the manifest", true, "[application] name = \"my-app\"")) {
    if (const auto* a = an->as_table()) {
      std::string actx = "[application]";
      check_fields(*a, actx, {"name", "version", "description", "authors", "trigger", "tool"},
                   {{"targets", "deployment targets (WIT world checks) are not supported",
                     "remove `targets`"}});
      app_.name = string(*a, "name", actx, true, "name = \"my-app\"").value_or("");
      app_.version = string(*a, "version", actx).value_or("");
      app_.description = string(*a, "description", actx).value_or("");
      app_.authors = strings(*a, "authors", actx);
      app_.limits = limits(*a, actx);
      if (const toml::node* tn = a->get("trigger")) {
        if (const auto* tt = tn->as_table()) {
          for (auto [k, v] : ordered(*tt)) {
            std::string type(k->str());
            std::string gctx = "[application.trigger." + type + "]";
            const auto* gt = v->as_table();
            if (type != "http" && type != "redis" && type != "cron") {
              rep_.error(loc(*k), "unsupported trigger type " + tick(type),
                         "`http`, `redis` or `cron`",
                         did_you_mean(type, {"http", "redis", "cron"}));
              continue;
            }
            if (!gt) {
              wrong_type(*v, type, "[application.trigger]", "a table");
              continue;
            }
            if (type == "http") {
              check_fields(*gt, gctx, {"base"});
              App::HttpConfig http;
              if (auto base = string(*gt, "base", gctx)) {
                if (auto norm = normalise_base(*base)) {
                  http.base = *norm;
                } else {
                  rep_.error(loc(*gt->get("base")), "invalid `base` " + tick(*base),
                             "a path starting with `/`, like `/` or `/api`");
                }
              }
              app_.http = http;
            } else if (type == "cron") {
              for (auto [key, value] : ordered(*gt))  // the cron plugin has none
                rep_.error(loc(*key),
                           "unknown field " + tick(key->str()) + " in " + gctx +
                               ": the cron trigger has no application settings",
                           {}, "remove it");
            } else {
              check_fields(*gt, gctx, {"address"});
              app_.redis = App::RedisConfig{string(*gt, "address", gctx).value_or("")};
            }
          }
        } else {
          wrong_type(*tn, "trigger", actx, "a table");
        }
      }
    } else {
      wrong_type(*an, "application", "the manifest", "a table: `[application]`");
    }
  }

  variables(root);

  // Components, in the order they were written.
  if (const toml::node* cn = root.get("component")) {
    if (const auto* ct = cn->as_table()) {
      for (auto [k, v] : ordered(*ct)) {
        Component c;
        c.id = std::string(k->str());
        std::string context = "[component." + c.id + "]";
        c.field_locations["id"] = loc(*k);
        if (auto problem = id_problem(c.id, '-', false)) {
          rep_.error(loc(*k), "invalid component id " + tick(c.id) + ": " + *problem,
                     "a kebab-case id like `my-component`");
        }
        const auto* t = v->as_table();
        if (!t) {
          wrong_type(*v, c.id, "[component]", "a table: `[component." + c.id + "]`");
          continue;
        }
        check_fields(
            *t, context,
            component_fields({"source", "description", "variables", "environment", "files",
                              "exclude_files", "allowed_http_hosts", "allowed_outbound_hosts",
                              "key_value_stores", "sqlite_databases", "build", "tool"}),
            kRefusedComponentFields);
        component_body(*t, c, context, false);
        c.location = loc(*k);
        app_.components.push_back(std::move(c));
      }
    } else {
      wrong_type(*cn, "component", "the manifest", "tables: `[component.<id>]`");
    }
  }

  // Triggers.
  std::vector<Pending<HttpTrigger>> http;
  std::vector<Pending<RedisTrigger>> redis;
  std::vector<Pending<CronTrigger>> cron;
  std::vector<Component> inline_components;
  const toml::node* tn = field(root, "trigger", "the manifest", true,
                               "[[trigger.http]] route = \"/…\" component = \"…\"");
  if (tn && !tn->as_table()) wrong_type(*tn, "trigger", "the manifest", "`[[trigger.<type>]]`");
  if (tn && tn->as_table()) {
    for (auto [k, v] : ordered(*tn->as_table())) {
      std::string type(k->str());
      if (type != "http" && type != "redis" && type != "cron") {
        rep_.error(loc(*k), "unsupported trigger type " + tick(type), "`http`, `redis` or `cron`",
                   did_you_mean(type, {"http", "redis", "cron"}));
        continue;
      }
      const auto* arr = v->as_array();
      if (!arr) {
        wrong_type(*v, type, "[trigger]", "an array of tables: `[[trigger." + type + "]]`");
        continue;
      }
      for (const toml::node& el : *arr) {
        const auto* t = el.as_table();
        if (!t) {
          rep_.error(loc(el), "a `trigger." + type + "` entry is " + type_name(el),
                     "a `[[trigger." + type + "]]` table");
          continue;
        }
        if (type == "http") {
          if (!app_.http) app_.http = App::HttpConfig{};
          http_trigger_v2(*t, http.size() + redis.size() + cron.size(), http, inline_components);
        } else if (type == "cron") {
          std::string context = "[[trigger.cron]]";
          check_fields(*t, context, {"id", "component", "cron_expression"});
          CronTrigger ct;
          ct.location = loc(*t);
          ct.id = string(*t, "id", context).value_or("");
          cron_expression(*t, context, ct);
          std::string ref;
          Location ref_loc = ct.location;
          component_ref(*t, context, http.size() + redis.size() + cron.size(), inline_components,
                        ref, ref_loc);
          ct.component = ref;
          cron.push_back({ref, ref_loc, std::move(ct)});
        } else {
          std::string context = "[[trigger.redis]]";
          check_fields(*t, context, {"id", "component", "channel", "address"});
          RedisTrigger r;
          r.location = loc(*t);
          r.id = string(*t, "id", context).value_or("");
          r.channel = string(*t, "channel", context, true, "channel = \"messages\"").value_or("");
          r.address = string(*t, "address", context).value_or("");
          auto ref = string(*t, "component", context, true, "component = \"my-component\"");
          r.component = ref.value_or("");
          Location ref_loc = t->get("component") ? loc(*t->get("component")) : r.location;
          if (!app_.redis) app_.redis = App::RedisConfig{};
          redis.push_back({r.component, ref_loc, std::move(r)});
        }
      }
    }
  }

  // Trigger ids, as Spin assigns them: "<component>-<type>-trigger", else
  // "<type>-trigger<n>".
  std::set<std::string> ids;
  for (auto& p : http) ids.insert(p.trigger.id);
  for (auto& p : redis) ids.insert(p.trigger.id);
  for (auto& p : cron) ids.insert(p.trigger.id);
  auto assign = [&](std::string& id, const std::string& ref, const std::string& type,
                    int& counter) {
    if (!id.empty()) return;
    if (!ref.empty() && ref[0] != '\x01') {
      std::string natural = ref + "-" + type + "-trigger";
      if (ids.insert(natural).second) {
        id = natural;
        return;
      }
    }
    while (!ids.insert(type + "-trigger" + std::to_string(counter)).second) ++counter;
    id = type + "-trigger" + std::to_string(counter);
  };
  int hc = 1, rc = 1, cc = 1;
  for (auto& p : http) assign(p.trigger.id, p.ref, "http", hc);
  for (auto& p : redis) assign(p.trigger.id, p.ref, "redis", rc);
  for (auto& p : cron) assign(p.trigger.id, p.ref, "cron", cc);

  // Inline components become top-level ones named "<trigger-id>-component".
  std::set<std::string> taken;
  for (const auto& c : app_.components) taken.insert(c.id);
  int counter = 1;
  auto name_inline = [&](std::string& ref, const std::string& trigger_id, std::string& component) {
    if (ref.empty() || ref[0] != '\x01') return;
    auto it = std::find_if(inline_components.begin(), inline_components.end(),
                           [&](const Component& c) { return c.id == ref; });
    std::string id = trigger_id + "-component";
    if (id_problem(id, '-', false) || taken.count(id)) {
      while (taken.count("inline-component" + std::to_string(counter))) ++counter;
      id = "inline-component" + std::to_string(counter);
    }
    taken.insert(id);
    it->id = id;
    ref = id;
    component = id;
    app_.components.push_back(std::move(*it));
  };
  for (auto& [ref, ref_loc, h] : http) name_inline(ref, h.id, h.component);
  for (auto& [ref, ref_loc, t] : cron) name_inline(ref, t.id, t.component);

  // Attach the triggers to their components.
  std::vector<std::string> component_ids;
  for (const auto& c : app_.components) component_ids.push_back(c.id);
  auto attach = [&](const std::string& ref, Location where, auto&& add) {
    if (ref.empty()) return;
    for (auto& c : app_.components) {
      if (c.id == ref) {
        add(c);
        return;
      }
    }
    std::string hint = did_you_mean(ref, component_ids);
    rep_.error(where, "trigger names component " + tick(ref) + ", which is not defined",
               component_ids.empty() ? "a `[component." + ref + "]` table"
                                     : "one of " + one_of(component_ids),
               hint.empty() ? "add a `[component." + ref + "]` table" : hint);
  };
  for (auto& [ref, ref_loc, h] : http) {
    attach(ref, ref_loc, [&](Component& c) { c.http.push_back(h); });
  }
  for (auto& [ref, ref_loc, r] : redis) {
    if (r.address.empty() && app_.redis) r.address = app_.redis->address;
    if (r.address.empty()) {
      rep_.error(r.location, "no Redis address for [[trigger.redis]] " + tick(r.channel),
                 "`address = \"redis://…\"` here or in [application.trigger.redis]");
    }
    attach(ref, ref_loc, [&](Component& c) { c.redis.push_back(r); });
  }
  for (auto& [ref, ref_loc, t] : cron) {
    attach(ref, ref_loc, [&](Component& c) { c.cron.push_back(t); });
  }
}

}  // namespace

bool read_toml(std::string_view text, App& app, Reporter& rep,
               const std::vector<std::string>& capability_keys) {
  toml::table root;
  try {
    root = toml::parse(text, app.manifest_path.string());
  } catch (const toml::parse_error& e) {
    rep.error(loc(e.source()), "invalid TOML: " + std::string(e.description()));
    return false;
  }
  Reader reader(app, rep, capability_keys);
  const toml::node* mv = root.get("spin_manifest_version");
  const toml::node* sv = root.get("spin_version");
  const char* expected = "`spin_manifest_version = 2` or `spin_manifest_version = \"1\"`";
  if (mv && sv) {
    rep.error(loc(*sv), "both `spin_manifest_version` and `spin_version` are set", expected,
              "remove `spin_version`");
    return false;
  }
  const toml::node* v = mv ? mv : sv;
  if (!v) {
    rep.error({1, 1}, "missing `spin_manifest_version`", expected,
              "add `spin_manifest_version = 2` as the first line");
    return false;
  }
  if (const auto* s = v->as_string(); s && s->get() == "1") {
    reader.v1(root);
    return true;
  }
  if (const auto* i = v->as_integer(); i && i->get() == 2 && mv) {
    reader.v2(root);
    return true;
  }
  std::string shown = v->as_string()    ? "\"" + v->as_string()->get() + "\""
                      : v->as_integer() ? std::to_string(v->as_integer()->get())
                                        : type_name(*v);
  std::string hint;
  if (v->as_integer() && v->as_integer()->get() == 1) hint = "write `\"1\"` (a string) for v1";
  if (v->as_string() && v->as_string()->get() == "2") hint = "write `2` (an integer) for v2";
  rep.error(loc(*v), "unsupported manifest version " + shown, expected, hint);
  return false;
}

}  // namespace spindle::manifest::detail
