#include "engine/native/split.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace spindle::engine::native {
namespace {

constexpr std::string_view kStatic = "static ";
constexpr std::string_view kHidden = "#pragma GCC visibility push(hidden)\n";
constexpr std::string_view kPop = "#pragma GCC visibility pop\n";

struct Line {
  size_t begin, end;  // [begin, end) without the newline
};

// One top-level statement starting with `static ` that names a w2c_
// function: a declaration (`...);`) or a definition (`...) {` ... `}`).
struct Func {
  std::string_view name;
  size_t first, last;  // line indexes, inclusive
  bool definition;
};

std::vector<Line> lines_of(std::string_view c) {
  std::vector<Line> out;
  size_t pos = 0;
  while (pos < c.size()) {
    size_t nl = c.find('\n', pos);
    if (nl == std::string_view::npos) nl = c.size();
    out.push_back({pos, nl});
    pos = nl + 1;
  }
  return out;
}

// The function name of a `static <type> w2c_<name>(` line, or "".
std::string_view func_name(std::string_view line) {
  if (!line.starts_with(kStatic)) return {};
  size_t paren = line.find('(');
  if (paren == std::string_view::npos) return {};
  size_t start = line.find_last_of(" *", paren);
  if (start == std::string_view::npos) return {};
  std::string_view name = line.substr(start + 1, paren - start - 1);
  return name.starts_with("w2c_") ? name : std::string_view();
}

}  // namespace

size_t drop_empty_data_loads(std::string& c) {
  size_t in = 0, out = 0, dropped = 0;
  while (in < c.size()) {
    size_t nl = c.find('\n', in);
    size_t end = nl == std::string::npos ? c.size() : nl + 1;
    std::string_view line(c.data() + in, end - in);
    bool empty_load = line.starts_with("  LOAD_DATA(") && line.ends_with(", 0u, NULL, 0);\n");
    if (empty_load) {
      ++dropped;
    } else {
      if (out != in) std::memmove(c.data() + out, c.data() + in, end - in);
      out += end - in;
    }
    in = end;
  }
  c.resize(out);
  return dropped;
}

bool split_c(std::string_view c, size_t part_bytes, SplitSource& out) {
  out = {};
  std::vector<Line> lines = lines_of(c);
  auto text = [&](size_t i) { return c.substr(lines[i].begin, lines[i].end - lines[i].begin); };

  size_t func_types = lines.size();
  std::vector<Func> funcs;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view t = text(i);
    if (func_types == lines.size() && t.starts_with("static u32 func_types[")) func_types = i;
    std::string_view name = func_name(t);
    if (name.empty()) continue;
    Func f{name, i, i, false};
    while (f.last + 1 < lines.size() && !text(f.last).ends_with(";") &&
           !text(f.last).ends_with("{"))
      ++f.last;
    f.definition = text(f.last).ends_with("{");
    if (f.definition) {
      while (f.last + 1 < lines.size() && text(f.last) != "}") ++f.last;
      if (text(f.last) != "}") return false;
    }
    funcs.push_back(f);
    i = f.last;
  }

  // Declarations first, then the definitions in one run separated only by
  // blank lines, each of a declared function.
  std::unordered_set<std::string_view> declared;
  size_t k = 0;
  for (; k < funcs.size() && !funcs[k].definition; ++k) declared.insert(funcs[k].name);
  const size_t first_def = k;
  if (first_def == funcs.size() || funcs.size() - first_def < 2) return false;
  for (size_t j = first_def; j < funcs.size(); ++j) {
    if (!funcs[j].definition || !declared.count(funcs[j].name)) return false;
    if (j > first_def)
      for (size_t l = funcs[j - 1].last + 1; l < funcs[j].first; ++l)
        if (!text(l).empty()) return false;
  }
  if (funcs.size() - first_def != declared.size()) return false;
  const size_t body_begin = funcs[first_def].first;
  const size_t body_end = funcs.back().last + 1;
  if (func_types > body_begin) func_types = lines.size();

  // The prefix, once for the main part and once for the others.
  std::string main_prefix, part_prefix;
  size_t hidden_at = func_types < lines.size() ? func_types : funcs[0].first;
  for (size_t j = 0, next_decl = 0; j < body_begin; ++j) {
    std::string_view t = text(j);
    if (j == hidden_at) {
      main_prefix += kHidden;
      part_prefix += kHidden;
    }
    if (j == func_types) {
      main_prefix.append(t.substr(kStatic.size())).append("\n");
      part_prefix.append("extern ").append(t.substr(kStatic.size())).append("\n");
      continue;
    }
    if (next_decl < first_def && j == funcs[next_decl].first) {
      t.remove_prefix(kStatic.size());
      ++next_decl;
    }
    main_prefix.append(t).append("\n");
    part_prefix.append(t).append("\n");
  }

  // Definitions in runs of about equal size.
  size_t total = lines[body_end - 1].end - lines[body_begin].begin;
  size_t n = std::max<size_t>(2, (total + part_bytes - 1) / std::max<size_t>(part_bytes, 1));
  n = std::min(n, funcs.size() - first_def);
  const size_t target = total / n + 1;
  std::string part = part_prefix;
  size_t in_part = 0;
  for (size_t j = first_def; j < funcs.size(); ++j) {
    const Func& f = funcs[j];
    std::string_view body = c.substr(lines[f.first].begin + kStatic.size(),
                                     lines[f.last].end - lines[f.first].begin - kStatic.size());
    if (in_part > 0 && in_part + body.size() / 2 > target && out.parts.size() + 1 < n) {
      out.parts.push_back(std::move(part));
      part = part_prefix;
      in_part = 0;
    }
    part.append(body).append("\n\n");
    in_part += body.size();
  }
  out.parts.push_back(std::move(part));

  out.main = std::move(main_prefix);
  if (body_end < lines.size()) out.main.append(c.substr(lines[body_end].begin));
  if (!out.main.ends_with("\n")) out.main += "\n";
  out.main += kPop;  // what is appended (spindle's glue) declares host symbols
  return true;
}

}  // namespace spindle::engine::native
