// The App model's helpers, and its readable dump (secrets redacted).
#include <sstream>

#include "manifest/manifest.h"

namespace spindle::manifest {

std::map<std::string, std::string> Component::environment_map() const {
  std::map<std::string, std::string> out;
  for (const Setting& s : environment) out[s.name] = s.value;
  return out;
}

std::map<std::string, std::string> Component::variables_map() const {
  std::map<std::string, std::string> out;
  for (const Setting& s : variables) out[s.name] = s.value;
  return out;
}

const Component* App::component(std::string_view id) const {
  for (const Component& c : components) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

const Variable* App::variable(std::string_view name) const {
  for (const Variable& v : variables) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

std::vector<const HttpTrigger*> App::http_triggers() const {
  std::vector<const HttpTrigger*> out;
  for (const Component& c : components) {
    for (const HttpTrigger& h : c.http) out.push_back(&h);
  }
  return out;
}

Diagnostic App::diagnostic(Location where, std::string message, std::string expected,
                           std::string hint) const {
  return {Diagnostic::Severity::Error, manifest_path,       where,
          std::move(message),          std::move(expected), std::move(hint)};
}

namespace {

const char* from_name(Variable::From f) {
  switch (f) {
    case Variable::From::Provider:
      return "variables provider";
    case Variable::From::Env:
      return "env";
    case Variable::From::LegacyEnv:
      return "legacy env";
    case Variable::From::DotEnv:
      return ".env";
    case Variable::From::Default:
      return "default";
    case Variable::From::None:
      break;
  }
  return "none";
}

void settings(std::ostringstream& o, const char* title, const std::vector<Setting>& list) {
  if (list.empty()) return;
  o << "    " << title << ":\n";
  for (const Setting& s : list) {
    o << "      " << (s.name.empty() ? "" : s.name + " = ") << '"'
      << (s.secret ? "<secret>" : s.value) << '"';
    if (s.raw != s.value) o << "  (from \"" << s.raw << "\")";
    o << "\n";
  }
}

}  // namespace

std::string to_string(const App& app) {
  std::ostringstream o;
  o << "app " << app.name << (app.version.empty() ? "" : " " + app.version) << " (manifest v"
    << (app.manifest_version == ManifestVersion::V1 ? 1 : 2) << ", " << app.manifest_path.string()
    << ")\n";
  if (!app.description.empty()) o << "  description: " << app.description << "\n";
  for (const std::string& a : app.authors) o << "  author: " << a << "\n";
  if (app.http) o << "  http base: " << app.http->base << "\n";
  if (app.redis) o << "  redis address: " << app.redis->address << "\n";
  for (const Variable& v : app.variables) {
    o << "  variable " << v.name << (v.required ? " required" : "") << (v.secret ? " secret" : "")
      << " = ";
    if (!v.value) {
      o << "(no value)";
    } else {
      o << '"' << (v.secret ? "<secret>" : *v.value) << "\" [" << from_name(v.from) << "]";
    }
    o << "\n";
  }
  for (const Component& c : app.components) {
    o << "  component " << c.id << "\n";
    if (c.source.kind == Source::Kind::File) {
      o << "    source: " << c.source.path.string() << "\n";
    } else {
      o << "    source: " << c.source.url << " (" << c.source.digest << ")\n";
    }
    for (const HttpTrigger& h : c.http) {
      o << "    http " << h.id << ": "
        << (h.route.is_private ? std::string("(private)") : h.route.full)
        << (h.executor.kind == Executor::Kind::Wagi
                ? " wagi " + h.executor.entrypoint + " \"" + h.executor.argv + "\""
                : std::string(" spin"))
        << "\n";
    }
    for (const RedisTrigger& r : c.redis) {
      o << "    redis " << r.id << ": " << r.channel << " @ " << r.address << "\n";
    }
    for (const CronTrigger& t : c.cron) o << "    cron " << t.id << ": " << t.expression << "\n";
    for (const FileMount& f : c.files)
      o << "    file " << f.guest << " <- " << f.host.string() << "\n";
    settings(o, "environment", c.environment);
    settings(o, "variables", c.variables);
    for (const std::string& h : c.outbound_hosts) o << "    outbound " << h << "\n";
    for (const std::string& k : c.key_value_stores) o << "    key-value " << k << "\n";
    for (const std::string& s : c.sqlite_databases) o << "    sqlite " << s << "\n";
    if (c.build) {
      for (const std::string& cmd : c.build->commands) o << "    build: " << cmd << "\n";
    }
  }
  return o.str();
}

}  // namespace spindle::manifest
