// Application variables: where each value comes from (SPIN_VARIABLE_<NAME>,
// legacy SPIN_CONFIG_<NAME>, a .env file beside the manifest, the default),
// and `{{ name }}` templates resolved in environment, component variables
// and allowed hosts. Values of secret variables never reach a message.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

#include "manifest/internal.h"

extern char** environ;

namespace spindle::manifest::detail {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::map<std::string, std::string> process_env() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// KEY=VALUE lines; `#` comments; optional `export `; values optionally in
// single quotes (literal) or double quotes (\n \t \" \\ escapes).
std::map<std::string, std::string> read_dotenv(const std::filesystem::path& path, Reporter& rep) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line;
  uint32_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string_view l = trim(line);
    if (l.empty() || l[0] == '#') continue;
    if (l.rfind("export ", 0) == 0) l = trim(l.substr(7));
    size_t eq = l.find('=');
    std::string_view key = eq == std::string_view::npos ? l : trim(l.substr(0, eq));
    if (eq == std::string_view::npos || key.empty()) {
      Diagnostic d{Diagnostic::Severity::Warning,           path,          {n, 1},
                   "ignoring a line that is not KEY=VALUE", "`KEY=VALUE`", ""};
      rep.warnings.push_back(d);
      continue;
    }
    std::string_view v = trim(l.substr(eq + 1));
    std::string value;
    if (!v.empty() && (v[0] == '"' || v[0] == '\'')) {
      char q = v[0];
      size_t i = 1;
      for (; i < v.size() && v[i] != q; ++i) {
        if (q == '"' && v[i] == '\\' && i + 1 < v.size()) {
          char e = v[++i];
          value += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        } else {
          value += v[i];
        }
      }
    } else {
      size_t hash = v.find(" #");
      value = std::string(trim(v.substr(0, hash)));
    }
    out[std::string(key)] = value;
  }
  return out;
}

// The first value the runtime config's providers have for `name`;
// `dotenvs[i]` is provider i's .env file, read once for every variable.
std::optional<std::string> from_providers(
    const std::vector<VariableProvider>& providers,
    const std::vector<std::map<std::string, std::string>>& dotenvs,
    const std::map<std::string, std::string>& env, const std::string& name) {
  for (size_t i = 0; i < providers.size(); ++i) {
    const VariableProvider& p = providers[i];
    if (p.kind == VariableProvider::Kind::Static) {
      if (auto it = p.values.find(name); it != p.values.end()) return it->second;
      continue;
    }
    std::string key = p.prefix + "_" + upper(name);
    if (auto it = env.find(key); it != env.end()) return it->second;
    if (auto it = dotenvs[i].find(key); it != dotenvs[i].end()) return it->second;
  }
  return std::nullopt;
}

// "`environment.KEY` of component `x`" and friends.
std::string describe(const Component& c, std::string_view field, const Setting& s) {
  std::string what = s.name.empty() ? std::string(field) : std::string(field) + "." + s.name;
  return "`" + what + "` of component `" + c.id + "`";
}

}  // namespace

void resolve_variables(App& app, const Options& options, const SourceText& src, Reporter& rep) {
  std::map<std::string, std::string> env = options.env ? *options.env : process_env();
  std::filesystem::path dotenv_path = options.dotenv ? *options.dotenv : app.dir / ".env";
  std::map<std::string, std::string> dotenv = read_dotenv(dotenv_path, rep);
  std::vector<std::map<std::string, std::string>> provider_dotenvs;
  for (const VariableProvider& p : options.providers)
    provider_dotenvs.push_back(p.dotenv ? read_dotenv(*p.dotenv, rep)
                                        : std::map<std::string, std::string>{});

  for (Variable& v : app.variables) {
    std::string key = "SPIN_VARIABLE_" + upper(v.name);
    std::string legacy = "SPIN_CONFIG_" + upper(v.name);
    if (auto value = from_providers(options.providers, provider_dotenvs, env, v.name)) {
      v.value = std::move(value);
      v.from = Variable::From::Provider;
    } else if (auto it = env.find(key); it != env.end()) {
      v.value = it->second;
      v.from = Variable::From::Env;
    } else if (auto it2 = env.find(legacy); it2 != env.end()) {
      v.value = it2->second;
      v.from = Variable::From::LegacyEnv;
    } else if (auto it3 = dotenv.find(key); it3 != dotenv.end()) {
      v.value = it3->second;
      v.from = Variable::From::DotEnv;
    } else if (auto it4 = dotenv.find(legacy); it4 != dotenv.end()) {
      v.value = it4->second;
      v.from = Variable::From::DotEnv;
    } else if (v.default_value) {
      v.value = v.default_value;
      v.from = Variable::From::Default;
    }
    if (!v.value && v.required && options.require_variables) {
      std::string hint = "set it with `export " + key + "=…` or add the line `" + key + "=…` to " +
                         dotenv_path.string();
      if (dotenv.count(upper(v.name))) {
        hint = dotenv_path.string() + " has `" + upper(v.name) + "=…`; name it `" + key + "`";
      }
      rep.error(v.location, "required variable `" + v.name + "` has no value",
                "a value in the environment variable " + key + " (or " + legacy +
                    "), or in .env beside the manifest",
                hint);
    }
  }

  std::vector<std::string> declared;
  for (const Variable& v : app.variables) declared.push_back(v.name);

  auto resolve = [&](const Component& c, std::string_view field, Setting& s) {
    std::string problem;
    size_t offset = 0;
    auto parts = parse_template(s.raw, problem, offset);
    if (!parts) {
      rep.error(src.inside(s.location, s.raw, offset),
                "bad template in " + describe(c, field, s) + ": " + problem,
                "`{{ variable_name }}`");
      return;
    }
    std::string value;
    for (const TemplatePart& p : *parts) {
      if (!p.is_variable) {
        value += p.text;
        continue;
      }
      s.references.push_back(p.text);
      const Variable* v = app.variable(p.text);
      if (!v) {
        std::string hint = did_you_mean(p.text, declared);
        if (hint.empty()) {
          hint = "declare it in [variables]: `" + p.text + " = { default = \"…\" }`";
        }
        rep.error(src.inside(s.location, s.raw, p.offset),
                  describe(c, field, s) + " uses the undeclared variable `" + p.text + "`",
                  declared.empty()
                      ? "a variable declared in [variables]"
                      : "one of the variables declared in [variables]: " + one_of(declared),
                  hint);
        value += s.raw.substr(p.offset, s.raw.find("}}", p.offset) + 2 - p.offset);
        continue;
      }
      if (v->secret) s.secret = true;
      if (v->value) {
        value += *v->value;
      } else {
        value += s.raw.substr(p.offset, s.raw.find("}}", p.offset) + 2 - p.offset);
      }
    }
    s.value = value;
  };

  for (Component& c : app.components) {
    for (Setting& s : c.environment) resolve(c, "environment", s);
    const char* vars = app.manifest_version == ManifestVersion::V1 ? "config" : "variables";
    for (Setting& s : c.variables) resolve(c, vars, s);
    for (Setting& s : c.allowed_http_hosts) resolve(c, "allowed_http_hosts", s);
    for (Setting& s : c.allowed_outbound_hosts) resolve(c, "allowed_outbound_hosts", s);
  }
}

}  // namespace spindle::manifest::detail
