// Reading the runtime config file: its own small toml++ reader (the manifest's
// is in read_toml.cpp).
#include "manifest/runtime_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "manifest/internal.h"

namespace spindle::manifest {

namespace {

Location loc(const toml::source_region& s) { return {s.begin.line, s.begin.column}; }
std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }

class Reader {
 public:
  Reader(RuntimeConfig& cfg, detail::Reporter& rep) : cfg_(cfg), rep_(rep) {}

  void read(const toml::table& root) {
    const std::vector<std::string> known = {"key_value_store", "sqlite_database"};
    for (auto&& [k, v] : root) {
      if (k.str() == "key_value_store") {
        stores(v, "key_value_store", {"spin", "redis"}, cfg_.key_value_stores);
      } else if (k.str() == "sqlite_database") {
        stores(v, "sqlite_database", {"spin"}, cfg_.sqlite_databases);
      } else {
        std::string hint = detail::did_you_mean(k.str(), known);
        rep_.error(
            loc(k.source()), "unknown section " + tick(k.str()) + " in the runtime config",
            "one of " + detail::one_of(known),
            hint.empty() ? "spindle supports key-value stores and SQLite databases here" : hint);
      }
    }
  }

 private:
  void stores(const toml::node& n, std::string_view section, const std::vector<std::string>& types,
              std::map<std::string, StoreConfig>& out) {
    const toml::table* t = n.as_table();
    if (!t) {
      rep_.error(loc(n.source()), tick(section) + " is not a table",
                 "[" + std::string(section) + ".<label>] tables");
      return;
    }
    for (auto&& [label, body] : *t) {
      std::string ctx = "[" + std::string(section) + "." + std::string(label.str()) + "]";
      const toml::table* s = body.as_table();
      if (!s) {
        rep_.error(loc(body.source()), ctx + " is not a table", "a table with `type`");
        continue;
      }
      if (!detail::is_label(label.str()))
        rep_.error(loc(label.source()), "store label " + tick(label.str()) + " is not valid",
                   "a kebab-case or snake_case label");
      StoreConfig sc;
      sc.label = std::string(label.str());
      sc.location = loc(s->source());
      for (auto&& [k, v] : *s) {
        const std::string key(k.str());
        if (key != "type" && key != "path" && key != "url") {
          rep_.error(loc(k.source()), "unknown field " + tick(key) + " in " + ctx,
                     "`type`, `path` or `url`", "remove it");
          continue;
        }
        const auto* str = v.as_string();
        if (!str) {
          rep_.error(loc(v.source()), tick(key) + " in " + ctx + " is not a string", "a string");
          continue;
        }
        if (key == "type") sc.type = str->get();
        if (key == "path") sc.path = (cfg_.file.parent_path() / str->get()).lexically_normal();
        if (key == "url") sc.url = str->get();
      }
      if (sc.type.empty()) {
        rep_.error(sc.location, "`type` is missing in " + ctx, "one of " + detail::one_of(types),
                   "add `type = \"" + types.front() + "\"`");
        continue;
      }
      if (std::find(types.begin(), types.end(), sc.type) == types.end()) {
        rep_.error(loc(s->get("type")->source()),
                   "store type " + tick(sc.type) + " in " + ctx + " is not supported",
                   "one of " + detail::one_of(types));
        continue;
      }
      if (sc.type == "redis" && sc.url.empty()) {
        rep_.error(sc.location, "`url` is missing in " + ctx, "`url = \"redis://host:port\"`");
        continue;
      }
      out.emplace(sc.label, std::move(sc));
    }
  }

  RuntimeConfig& cfg_;
  detail::Reporter& rep_;
};

}  // namespace

std::string RuntimeConfigResult::report() const {
  std::string out;
  for (const auto& d : errors) out += d.to_string() + "\n";
  return out;
}

RuntimeConfigResult load_runtime_config(const std::filesystem::path& file) {
  RuntimeConfigResult result;
  RuntimeConfig cfg;
  std::error_code ec;
  cfg.file = std::filesystem::absolute(file, ec).lexically_normal();
  detail::Reporter rep(cfg.file);
  std::ifstream in(cfg.file, std::ios::binary);
  if (!in) {
    rep.error({}, "cannot read the runtime config file " + cfg.file.string());
    result.errors = std::move(rep.errors);
    return result;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    toml::table root = toml::parse(ss.str(), cfg.file.string());
    Reader(cfg, rep).read(root);
  } catch (const toml::parse_error& e) {
    rep.error(loc(e.source()), std::string(e.description()), "valid TOML");
  }
  if (rep.errors.empty()) result.config = std::move(cfg);
  result.errors = std::move(rep.errors);
  return result;
}

}  // namespace spindle::manifest
