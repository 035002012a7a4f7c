#include "cli/new_command.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/templates.h"
#include "manifest/manifest.h"

namespace spindle::cli {

namespace fs = std::filesystem;

namespace {

bool valid_name(const std::string& n) {
  if (n.empty() || !std::isalpha(static_cast<unsigned char>(n[0]))) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

std::optional<Template> template_or_report(const std::string& name, const char* cmd) {
  auto t = find_template(name);
  if (!t) {
    std::string known;
    for (const auto& x : list_templates()) known += (known.empty() ? "" : ", ") + x.name;
    std::fprintf(stderr, "spindle %s: no template named `%s` (templates: %s)\n", cmd, name.c_str(),
                 known.c_str());
  }
  return t;
}

// Placeholder values: the defaults, then KEY=VALUE from the command line.
std::optional<Values> make_values(const std::string& name, bool adding,
                                  const std::vector<std::string>& given, const char* cmd) {
  Values v;
  v["project-name"] = name;
  v["project-description"] = "";
  v["http-route"] = adding ? "/" + name + "/..." : "/...";
  v["redis-channel"] = "messages";
  v["output-path"] = adding ? name + "/" : "";
  v["workdir"] = adding ? name : "";
  for (const std::string& kv : given) {
    auto eq = kv.find('=');
    std::string key = kv.substr(0, eq);
    if (eq == std::string::npos || !v.count(key) || key == "output-path" || key == "workdir") {
      std::fprintf(stderr,
                   "spindle %s: --value `%s`: expected KEY=VALUE with KEY one of "
                   "project-description, http-route, redis-channel\n",
                   cmd, kv.c_str());
      return std::nullopt;
    }
    v[key] = kv.substr(eq + 1);
  }
  return v;
}

bool empty_or_missing(const fs::path& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) || (fs::is_directory(dir, ec) && fs::is_empty(dir, ec));
}

std::string app_header(const Template& t) {
  std::string trigger = t.trigger == "redis"
                            ? "trigger = { type = \"redis\", address = \"redis://127.0.0.1:6379\" }"
                            : "trigger = { type = \"http\", base = \"/\" }";
  return "spin_manifest_version = \"1\"\n"
         "name = \"{{project-name}}\"\n"
         "version = \"0.1.0\"\n"
         "description = \"{{project-description}}\"\n" +
         trigger + "\n\n";
}

manifest::Result check(const fs::path& manifest_path) {
  manifest::Options mo;
  mo.check_sources = false;  // not built yet
  mo.require_variables = false;
  return manifest::load(manifest_path, mo);
}

}  // namespace

int new_command(const NewOptions& o) {
  if (!valid_name(o.name)) {
    std::fprintf(stderr,
                 "spindle new: `%s` is not a valid name (letters, digits, '-' and '_', starting "
                 "with a letter)\n",
                 o.name.c_str());
    return 2;
  }
  auto t = template_or_report(o.template_name, "new");
  if (!t) return 1;
  auto values = make_values(o.name, false, o.values, "new");
  if (!values) return 2;
  fs::path dest = o.output.empty() ? fs::path(o.name) : fs::path(o.output);
  if (!empty_or_missing(dest)) {
    std::fprintf(stderr, "spindle new: %s already exists and is not empty\n", dest.c_str());
    return 1;
  }
  std::error_code ec;
  bool created = !fs::exists(dest, ec);
  fs::create_directories(dest, ec);
  std::string error;
  auto fail = [&](const std::string& msg) {
    std::fprintf(stderr, "spindle new: %s\n", msg.c_str());
    if (created) fs::remove_all(dest, ec);
    return 1;
  };
  if (!copy_content(*t, dest, *values, error)) return fail(error);
  auto header = render(app_header(*t), *values, error);
  auto entry = component_entry(*t, *values, error);
  if (!header || !entry) return fail(error);
  std::ofstream(dest / "spin.toml") << *header << *entry;
  manifest::Result r = check(dest / "spin.toml");
  if (!r.ok()) return fail("template `" + t->name + "` made a bad manifest:\n" + r.report());
  std::printf("Created `%s` from template %s in %s\n", o.name.c_str(), t->name.c_str(),
              dest.c_str());
  std::printf("Next: cd %s && spindle build && spindle up\n", dest.c_str());
  return 0;
}

int add_command(const AddOptions& o) {
  if (!valid_name(o.name)) {
    std::fprintf(stderr, "spindle add: `%s` is not a valid component name\n", o.name.c_str());
    return 2;
  }
  auto t = template_or_report(o.template_name, "add");
  if (!t) return 1;
  auto values = make_values(o.name, true, o.values, "add");
  if (!values) return 2;
  manifest::Result before = check(o.from);
  if (!before.ok()) {
    std::fprintf(stderr, "%s", before.report().c_str());
    return 1;
  }
  const manifest::App& app = *before.app;
  const bool v2 = app.manifest_version == manifest::ManifestVersion::V2;
  bool http_app = app.http.has_value();
  // A v1 app has one trigger type; a v2 app may mix them (a Redis component
  // needs [application.trigger.redis], which the check below reports).
  if (!v2 && (t->trigger == "http") != http_app) {
    std::fprintf(stderr, "spindle add: template %s makes a %s component; %s has a %s trigger\n",
                 t->name.c_str(), t->trigger.c_str(), app.manifest_path.c_str(),
                 http_app ? "http" : "redis");
    return 1;
  }
  fs::path dest = app.dir / o.name;
  if (!empty_or_missing(dest)) {
    std::fprintf(stderr, "spindle add: %s already exists and is not empty\n", dest.c_str());
    return 1;
  }
  std::string error;
  auto entry = component_entry(*t, *values, error);
  if (entry && v2) entry = to_manifest_v2(*entry, error);
  if (!entry) {
    std::fprintf(stderr, "spindle add: %s\n", error.c_str());
    return 1;
  }
  std::ifstream in(app.manifest_path, std::ios::binary);
  std::stringstream old;
  old << in.rdbuf();
  in.close();
  std::error_code ec;
  fs::create_directories(dest, ec);
  auto restore = [&](const std::string& msg) {
    std::ofstream(app.manifest_path, std::ios::binary | std::ios::trunc) << old.str();
    fs::remove_all(dest, ec);
    std::fprintf(stderr, "spindle add: %s\n%s unchanged\n", msg.c_str(), app.manifest_path.c_str());
    return 1;
  };
  if (!copy_content(*t, dest, *values, error)) return restore(error);
  std::string text = old.str();
  if (!text.empty() && text.back() != '\n') text += '\n';
  std::ofstream(app.manifest_path, std::ios::binary | std::ios::trunc) << text << "\n" << *entry;
  manifest::Result after = check(app.manifest_path);
  if (!after.ok()) return restore("the new component does not fit:\n" + after.report());
  std::printf("Added component `%s` from template %s in %s\n", o.name.c_str(), t->name.c_str(),
              dest.c_str());
  return 0;
}

int templates_list_command() {
  auto all = list_templates();
  if (all.empty()) {
    std::fprintf(stderr, "spindle templates: no templates found\n");
    return 1;
  }
  size_t width = 4;
  for (const auto& t : all) width = std::max(width, t.name.size());
  std::printf("%-*s  %s\n", static_cast<int>(width), "Name", "Description");
  for (const auto& t : all)
    std::printf("%-*s  %s\n", static_cast<int>(width), t.name.c_str(), t.description.c_str());
  return 0;
}

}  // namespace spindle::cli
