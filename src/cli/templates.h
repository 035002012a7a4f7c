// Templates for `spindle new` and `spindle add`. Each lives in
// <data>/templates/<name>/:
//   template.toml    `description = "..."` and `trigger = "http" | "redis"`
//   component.toml   the component's manifest entry (manifest v1)
//   content/         the component's files
// Text in all of them may use {{project-name}} (also `| snake_case`,
// `| kebab_case`, `| pascal_case`), {{project-description}}, {{http-route}},
// {{redis-channel}}, {{output-path}} ("" or "<dir>/") and {{workdir}}.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace spindle::cli {

struct Template {
  std::string name;
  std::string description;
  std::string trigger = "http";
  std::filesystem::path dir;
};

std::vector<Template> list_templates();  // sorted by name
std::optional<Template> find_template(const std::string& name);

using Values = std::map<std::string, std::string>;

// `text` with every {{placeholder}} replaced. A line that becomes
// `key = ""` only because its placeholder was empty is dropped. Unknown
// names are left as written (C++ braces); an unknown filter is an error.
std::optional<std::string> render(const std::string& text, const Values& values,
                                  std::string& error);

// Copies the template's content/ into `dest` (rendered), creating folders.
bool copy_content(const Template& t, const std::filesystem::path& dest, const Values& values,
                  std::string& error);

// The template's component.toml, rendered.
std::optional<std::string> component_entry(const Template& t, const Values& values,
                                           std::string& error);

// A rendered component.toml (manifest v1: [[component]] with id,
// [component.trigger], [component.build]) rewritten for manifest v2:
// [[trigger.http]] (or [[trigger.redis]]) naming the component, then
// [component.<id>] and [component.<id>.build].
std::optional<std::string> to_manifest_v2(const std::string& v1_entry, std::string& error);

}  // namespace spindle::cli
