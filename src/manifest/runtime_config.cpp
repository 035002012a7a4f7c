// Reading the runtime config file: its own small toml++ reader (the manifest's
// is in read_toml.cpp), and the TOML → ConfigValue conversion both use.
#include "manifest/runtime_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "manifest/internal.h"
#include "manifest/toml_value.h"

namespace spindle::manifest {

namespace {

Location loc(const toml::source_region& s) { return {s.begin.line, s.begin.column}; }
std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }

}  // namespace

ConfigValue detail::to_config_value(const toml::node& n) {
  ConfigValue v;
  v.location = loc(n.source());
  if (const auto* s = n.as_string()) {
    v.kind = ConfigValue::Kind::String;
    v.string = s->get();
  } else if (const auto* i = n.as_integer()) {
    v.kind = ConfigValue::Kind::Integer;
    v.integer = i->get();
  } else if (const auto* f = n.as_floating_point()) {
    v.kind = ConfigValue::Kind::Float;
    v.number = f->get();
  } else if (const auto* b = n.as_boolean()) {
    v.kind = ConfigValue::Kind::Boolean;
    v.boolean = b->get();
  } else if (const auto* a = n.as_array()) {
    v.kind = ConfigValue::Kind::Array;
    for (const auto& e : *a) v.array.push_back(to_config_value(e));
  } else if (const auto* t = n.as_table()) {
    v.kind = ConfigValue::Kind::Table;
    for (auto&& [k, e] : *t) {
      v.table.emplace_back(std::string(k.str()), to_config_value(e));
      v.key_locations.push_back(loc(k.source()));
    }
  } else {
    n.visit([&](const auto& x) {
      std::ostringstream os;
      os << x;
      v.string = os.str();
    });
  }
  return v;
}

const ConfigValue* ConfigValue::get(std::string_view key) const {
  for (const auto& [k, v] : table)
    if (k == key) return &v;
  return nullptr;
}

std::string_view ConfigValue::kind_name() const {
  switch (kind) {
    case Kind::String:
      return "a string";
    case Kind::Integer:
      return "an integer";
    case Kind::Float:
      return "a number";
    case Kind::Boolean:
      return "a boolean";
    case Kind::Array:
      return "an array";
    case Kind::Table:
      return "a table";
    default:
      return "a date or time";
  }
}

const ConfigValue* RuntimeConfig::section(const std::string& name) const {
  auto it = sections.find(name);
  return it == sections.end() ? nullptr : &it->second;
}

std::string RuntimeConfig::error_at(Location where, std::string message, std::string expected,
                                    std::string hint) const {
  Diagnostic d;
  d.file = file;
  d.where = where;
  d.message = std::move(message);
  d.expected = std::move(expected);
  d.hint = std::move(hint);
  return d.to_string();
}

std::filesystem::path RuntimeConfig::resolve(const std::string& path) const {
  return (file.parent_path() / path).lexically_normal();
}

std::string RuntimeConfigResult::report() const {
  std::string out;
  for (const auto& d : errors) out += d.to_string() + "\n";
  return out;
}

std::optional<ConfigValue> detail::read_toml_file(const std::filesystem::path& file, Reporter& rep,
                                                  std::string_view what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    rep.error({}, "cannot read " + std::string(what) + " " + file.string());
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return to_config_value(toml::parse(ss.str(), file.string()));
  } catch (const toml::parse_error& e) {
    rep.error(loc(e.source()), std::string(e.description()), "valid TOML");
    return std::nullopt;
  }
}

RuntimeConfigResult load_runtime_config(const std::filesystem::path& file,
                                        const std::vector<std::string>& known_sections) {
  RuntimeConfigResult result;
  RuntimeConfig cfg;
  std::error_code ec;
  cfg.file = std::filesystem::absolute(file, ec).lexically_normal();
  detail::Reporter rep(cfg.file);
  if (auto root = detail::read_toml_file(cfg.file, rep, "the runtime config file")) {
    for (size_t i = 0; i < root->table.size(); ++i) {
      auto& [name, v] = root->table[i];
      if (std::find(known_sections.begin(), known_sections.end(), name) == known_sections.end()) {
        std::string hint = detail::did_you_mean(name, known_sections);
        rep.error(
            root->key_locations[i], "unknown section " + tick(name) + " in the runtime config",
            "one of " + detail::one_of(known_sections),
            hint.empty() ? "spindle supports key-value stores and SQLite databases here" : hint);
        continue;
      }
      cfg.sections.emplace(name, std::move(v));
    }
  }
  if (rep.errors.empty()) result.config = std::move(cfg);
  result.errors = std::move(rep.errors);
  return result;
}

}  // namespace spindle::manifest
