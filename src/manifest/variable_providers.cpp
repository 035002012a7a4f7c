// The runtime config's variables providers, as Spin reads them:
//
//   [[variables_provider]]        # Spin 1: [[config_provider]]
//   type = "env"
//   prefix = "MYAPP"              # MYAPP_<NAME>; default SPIN_VARIABLE
//   dotenv_path = "vars.env"      # relative to the runtime config file
//
//   [[variables_provider]]
//   type = "static"
//   values = { greeting = "hi" }
//
// Spin's `vault` and `azure_key_vault` types need those services, which
// spindle cannot reach or test here: they are refused with that reason.
#include <algorithm>

#include "manifest/runtime_config.h"

namespace spindle::manifest {

namespace {

std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }

}  // namespace

bool variable_providers(const RuntimeConfig& rc, std::vector<VariableProvider>& out,
                        std::string& error) {
  std::vector<std::string> errors;
  auto fail = [&](Location at, std::string msg, std::string expected, std::string hint = {}) {
    errors.push_back(rc.error_at(at, std::move(msg), std::move(expected), std::move(hint)));
  };
  for (const char* name : {"variables_provider", "config_provider"}) {
    const ConfigValue* sec = rc.section(name);
    if (!sec) continue;
    if (sec->kind != ConfigValue::Kind::Array) {
      fail(sec->location, tick(name) + " is not an array of tables",
           "[[" + std::string(name) + "]] tables");
      continue;
    }
    for (size_t i = 0; i < sec->array.size(); ++i) {
      const ConfigValue& t = sec->array[i];
      std::string ctx = "[[" + std::string(name) + "]] #" + std::to_string(i + 1);
      if (!t.is_table()) {
        fail(t.location, ctx + " is not a table", "a table with `type`");
        continue;
      }
      VariableProvider p;
      const ConfigValue* type = t.get("type");
      if (!type || !type->is_string()) {
        fail(type ? type->location : t.location, ctx + " has no `type` string",
             "`type = \"env\"` or `type = \"static\"`");
        continue;
      }
      std::vector<std::string> fields;
      if (type->string == "env") {
        fields = {"type", "prefix", "dotenv_path"};
      } else if (type->string == "static") {
        p.kind = VariableProvider::Kind::Static;
        fields = {"type", "values"};
      } else if (type->string == "vault" || type->string == "azure_key_vault") {
        fail(type->location,
             "variables provider type " + tick(type->string) + " is not supported by spindle",
             "`env` or `static`",
             "put the values in the environment (an `env` provider) or in a `static` provider");
        continue;
      } else {
        fail(type->location, "unknown variables provider type " + tick(type->string),
             "`env` or `static`");
        continue;
      }
      p.describe = ctx + " (" + type->string + ")";
      for (size_t j = 0; j < t.table.size(); ++j) {
        const auto& [key, v] = t.table[j];
        if (std::find(fields.begin(), fields.end(), key) == fields.end()) {
          std::string expected;
          for (const std::string& f : fields) expected += (expected.empty() ? "" : ", ") + tick(f);
          fail(t.key_locations[j], "unknown field " + tick(key) + " in " + ctx, expected,
               "remove it");
          continue;
        }
        if (key == "prefix" || key == "dotenv_path") {
          if (!v.is_string()) {
            fail(v.location, tick(key) + " in " + ctx + " is not a string", "a string");
            continue;
          }
          if (key == "prefix") p.prefix = v.string;
          if (key == "dotenv_path") p.dotenv = rc.resolve(v.string);
        } else if (key == "values") {
          if (!v.is_table()) {
            fail(v.location, "`values` in " + ctx + " is not a table", "{ name = \"value\", … }");
            continue;
          }
          for (const auto& [var, value] : v.table) {
            if (!value.is_string()) {
              fail(value.location, "value of " + tick(var) + " in " + ctx + " is not a string",
                   "a string");
              continue;
            }
            p.values[var] = value.string;
          }
        }
      }
      out.push_back(std::move(p));
    }
  }
  if (errors.empty()) return true;
  error.clear();
  for (const std::string& e : errors) error += (error.empty() ? "" : "\n") + e;
  return false;
}

}  // namespace spindle::manifest
