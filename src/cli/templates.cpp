#include "cli/templates.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "cli/data_dir.h"

namespace spindle::cli {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

// template.toml holds `key = "value"` lines (and # comments).
std::optional<Template> read_template(const fs::path& dir) {
  auto text = read_text(dir / "template.toml");
  if (!text) return std::nullopt;
  Template t;
  t.name = dir.filename().string();
  t.dir = dir;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    std::string key = trim(std::string_view(line).substr(0, eq));
    std::string value = trim(std::string_view(line).substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (key == "description") t.description = value;
    if (key == "trigger") t.trigger = value;
  }
  return t;
}

// Splits on '-', '_' and spaces, and before an upper-case letter that follows
// a lower-case one.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '-' || c == '_' || c == ' ') {
      if (!out.back().empty()) out.emplace_back();
      continue;
    }
    if (c >= 'A' && c <= 'Z' && i > 0 && s[i - 1] >= 'a' && s[i - 1] <= 'z' && !out.back().empty())
      out.emplace_back();
    out.back() += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

std::string join(const std::vector<std::string>& w, std::string_view sep, bool capitalise) {
  std::string out;
  for (const auto& x : w) {
    if (!out.empty()) out += sep;
    std::string y = x;
    if (capitalise && !y.empty() && y[0] >= 'a' && y[0] <= 'z') y[0] = static_cast<char>(y[0] - 32);
    out += y;
  }
  return out;
}

std::optional<std::string> apply_filter(const std::string& value, const std::string& filter) {
  if (filter.empty()) return value;
  if (filter == "snake_case") return join(words(value), "_", false);
  if (filter == "kebab_case") return join(words(value), "-", false);
  if (filter == "pascal_case") return join(words(value), "", true);
  return std::nullopt;
}

}  // namespace

std::vector<Template> list_templates() {
  std::vector<Template> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(templates_dir(), ec)) {
    if (auto t = read_template(entry.path())) out.push_back(std::move(*t));
  }
  std::sort(out.begin(), out.end(),
            [](const Template& a, const Template& b) { return a.name < b.name; });
  return out;
}

std::optional<Template> find_template(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') return std::nullopt;
  return read_template(templates_dir() / name);
}

std::optional<std::string> render(const std::string& text, const Values& values,
                                  std::string& error) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::string rendered;
    bool had_empty = false;
    size_t pos = 0;
    while (true) {
      size_t open = line.find("{{", pos);
      if (open == std::string::npos) break;
      size_t close = line.find("}}", open);
      if (close == std::string::npos) break;
      rendered += line.substr(pos, open - pos);
      std::string expr = line.substr(open + 2, close - open - 2);
      auto bar = expr.find('|');
      std::string name = trim(expr.substr(0, bar));
      std::string filter = bar == std::string::npos ? "" : trim(expr.substr(bar + 1));
      auto it = values.find(name);
      if (it == values.end()) {  // not a placeholder (C++ braces, say): kept as written
        rendered += "{{";
        pos = open + 2;
        continue;
      }
      std::optional<std::string> v = apply_filter(it->second, filter);
      if (!v) {
        error = "unknown filter `" + filter + "` in {{" + expr + "}}";
        return std::nullopt;
      }
      had_empty |= v->empty();
      rendered += *v;
      pos = close + 2;
    }
    rendered += line.substr(pos);
    std::string t = trim(rendered);
    if (had_empty && t.size() > 5 && t.compare(t.size() - 5, 5, " = \"\"") == 0) continue;
    out += rendered;
    out += '\n';
  }
  if (!text.empty() && text.back() != '\n' && !out.empty()) out.pop_back();
  return out;
}

bool copy_content(const Template& t, const fs::path& dest, const Values& values,
                  std::string& error) {
  fs::path root = t.dir / "content";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return true;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    fs::path rel = it->path().lexically_relative(root);
    fs::path target = dest / rel;
    if (it->is_directory(ec)) {
      fs::create_directories(target, ec);
      continue;
    }
    auto text = read_text(it->path());
    if (!text) {
      error = "cannot read " + it->path().string();
      return false;
    }
    auto rendered = render(*text, values, error);
    if (!rendered) {
      error = it->path().string() + ": " + error;
      return false;
    }
    fs::create_directories(target.parent_path(), ec);
    std::ofstream out(target, std::ios::binary);
    out << *rendered;
    if (!out) {
      error = "cannot write " + target.string();
      return false;
    }
  }
  if (ec) {
    error = "cannot read " + root.string() + ": " + ec.message();
    return false;
  }
  return true;
}

std::optional<std::string> component_entry(const Template& t, const Values& values,
                                           std::string& error) {
  auto text = read_text(t.dir / "component.toml");
  if (!text) {
    error = "template `" + t.name + "` has no component.toml";
    return std::nullopt;
  }
  return render(*text, values, error);
}

std::optional<std::string> to_manifest_v2(const std::string& v1_entry, std::string& error) {
  enum class Section { None, Component, Trigger, Build } at = Section::None;
  std::string id, component, trigger, build;
  bool redis = false;
  std::istringstream lines(v1_entry);
  for (std::string line; std::getline(lines, line);) {
    std::string t = trim(line);
    if (t == "[[component]]") {
      at = Section::Component;
    } else if (t == "[component.trigger]") {
      at = Section::Trigger;
    } else if (t == "[component.build]") {
      at = Section::Build;
    } else if (t.empty()) {
      continue;
    } else if (at == Section::Component && t.rfind("id = ", 0) == 0) {
      id = t.substr(5);
      if (id.size() >= 2 && id.front() == '"') id = id.substr(1, id.size() - 2);
    } else if (at == Section::Component) {
      component += line + "\n";
    } else if (at == Section::Trigger) {
      redis |= t.rfind("channel", 0) == 0;
      trigger += line + "\n";
    } else if (at == Section::Build) {
      build += line + "\n";
    }
  }
  if (id.empty()) {
    error = "the template's component.toml has no `id`";
    return std::nullopt;
  }
  std::string out = redis ? "[[trigger.redis]]\n" : "[[trigger.http]]\n";
  out += trigger + "component = \"" + id + "\"\n\n";
  out += "[component." + id + "]\n" + component;
  if (!build.empty()) out += "[component." + id + ".build]\n" + build;
  return out;
}

}  // namespace spindle::cli
