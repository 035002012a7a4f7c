#include "host/stores.h"

namespace spindle::host {

namespace {
std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }
}  // namespace

bool read_store_section(const manifest::RuntimeConfig& rc, const std::string& section,
                        const std::vector<std::string>& types,
                        std::map<std::string, StoreConfig>& out, std::string& error) {
  const manifest::ConfigValue* sec = rc.section(section);
  if (!sec) return true;
  std::vector<std::string> errors;
  auto fail = [&](manifest::Location at, std::string msg, std::string expected,
                  std::string hint = {}) {
    errors.push_back(rc.error_at(at, std::move(msg), std::move(expected), std::move(hint)));
  };
  if (!sec->is_table()) {
    fail(sec->location, tick(section) + " is not a table", "[" + section + ".<label>] tables");
  } else {
    for (size_t i = 0; i < sec->table.size(); ++i) {
      const auto& [label, body] = sec->table[i];
      std::string ctx = "[" + section + "." + label + "]";
      if (!body.is_table()) {
        fail(body.location, ctx + " is not a table", "a table with `type`");
        continue;
      }
      if (!manifest::is_label(label))
        fail(sec->key_locations[i], "store label " + tick(label) + " is not valid",
             "a kebab-case or snake_case label");
      StoreConfig sc;
      sc.label = label;
      sc.location = body.location;
      const manifest::ConfigValue* type_value = nullptr;
      for (size_t j = 0; j < body.table.size(); ++j) {
        const auto& [key, v] = body.table[j];
        if (key != "type" && key != "path" && key != "url") {
          fail(body.key_locations[j], "unknown field " + tick(key) + " in " + ctx,
               "`type`, `path` or `url`", "remove it");
          continue;
        }
        if (!v.is_string()) {
          fail(v.location, tick(key) + " in " + ctx + " is not a string", "a string");
          continue;
        }
        if (key == "type") {
          sc.type = v.string;
          type_value = &v;
        }
        if (key == "path") sc.path = rc.resolve(v.string);
        if (key == "url") sc.url = v.string;
      }
      if (sc.type.empty()) {
        fail(sc.location, "`type` is missing in " + ctx, "one of " + manifest::one_of(types),
             "add `type = \"" + types.front() + "\"`");
        continue;
      }
      if (std::find(types.begin(), types.end(), sc.type) == types.end()) {
        fail(type_value->location,
             "store type " + tick(sc.type) + " in " + ctx + " is not supported",
             "one of " + manifest::one_of(types));
        continue;
      }
      if (sc.type == "redis" && sc.url.empty()) {
        fail(sc.location, "`url` is missing in " + ctx, "`url = \"redis://host:port\"`");
        continue;
      }
      out.emplace(sc.label, std::move(sc));
    }
  }
  for (const auto& e : errors) error += (error.empty() ? "" : "\n") + e;
  return errors.empty();
}

std::optional<StoreConfig> resolve_label(const std::map<std::string, StoreConfig>& section,
                                         const std::string& label, const std::string& default_path,
                                         std::string_view what, std::string_view section_name,
                                         std::string& error) {
  if (auto it = section.find(label); it != section.end()) return it->second;
  if (label == "default") {
    StoreConfig sc;
    sc.label = label;
    sc.type = "spin";
    sc.path = default_path;
    return sc;
  }
  error = std::string(what) + " `" + label +
          "` is not defined: only `default` exists without a runtime config "
          "(--runtime-config-file with [" +
          std::string(section_name) + "." + label + "])";
  return std::nullopt;
}

}  // namespace spindle::host
