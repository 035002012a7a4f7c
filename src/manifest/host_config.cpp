#include "manifest/host_config.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "manifest/internal.h"
#include "util/units.h"

namespace spindle::manifest {

namespace fs = std::filesystem;

namespace {

std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }

const std::vector<std::string> kDefaultsKeys = {"idle_unload", "max_concurrency"};
const std::vector<std::string> kAppKeys = {
    "name", "hosts",   "path_prefix", "from",        "state_dir",      "runtime_config_file",
    "env",  "timeout", "max_memory",  "idle_unload", "max_concurrency"};

// A host as a Host header may name it: letters, digits, '-', '.', or an
// IPv6 literal in brackets; "*" alone.
bool valid_host(const std::string& h) {
  if (h == "*") return true;
  if (h.empty()) return false;
  if (h.front() == '[') return h.back() == ']' && h.size() > 2;
  return std::all_of(h.begin(), h.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

// `from` made absolute against `dir` when it is a path: one that exists, or
// does not start with a registry; a reference is kept as written (the
// caller pulls it).
std::string source(const fs::path& dir, const std::string& from) {
  if (from.empty()) return from;
  std::error_code ec;
  // A reference starts with a registry ("ghcr.io/…", "127.0.0.1:5000/…").
  auto slash = from.find('/');
  std::string first = from.substr(0, slash);
  bool registry = slash != std::string::npos && first != "." && first != ".." &&
                  (first.find_first_of(".:") != std::string::npos || first == "localhost");
  bool path_like = !registry || from.ends_with(".toml") || fs::exists(dir / from, ec);
  return path_like ? (dir / from).lexically_normal().string() : from;
}

// Reads one entry's fields (or the file's defaults, `top`) into `e`.
class EntryReader {
 public:
  EntryReader(detail::Reporter& rep, const fs::path& dir) : rep_(rep), dir_(dir) {}

  void read(const ConfigValue& t, AppEntry& e, bool top) {
    const auto& keys = top ? kDefaultsKeys : kAppKeys;
    for (size_t i = 0; i < t.table.size(); ++i) {
      const auto& [k, v] = t.table[i];
      if (top && k == "app") continue;
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
        std::string hint = detail::did_you_mean(k, keys);
        rep_.error(t.key_locations[i],
                   "unknown key " + tick(k) + (top ? " in the host config" : " in [[app]]"),
                   "one of " + detail::one_of(keys) + (top ? " or [[app]] tables" : ""), hint);
        continue;
      }
      field(k, v, e);
    }
  }

 private:
  bool string(const ConfigValue& v, const std::string& key, std::string& out) {
    if (!v.is_string()) {
      rep_.error(v.location, tick(key) + " is " + std::string(v.kind_name()), "a string");
      return false;
    }
    out = v.string;
    return true;
  }
  bool strings(const ConfigValue& v, const std::string& key, std::vector<std::string>& out) {
    if (v.is_string()) {
      out = {v.string};
      return true;
    }
    bool ok = v.kind == ConfigValue::Kind::Array;
    for (const auto& e : v.array) ok &= e.is_string();
    if (!ok) {
      rep_.error(v.location, tick(key) + " is " + std::string(v.kind_name()),
                 "a string or an array of strings");
      return false;
    }
    out.clear();
    for (const auto& e : v.array) out.push_back(e.string);
    return true;
  }
  std::string path(const std::string& p) const {
    return p.empty() ? p : (dir_ / p).lexically_normal().string();
  }

  void field(const std::string& k, const ConfigValue& v, AppEntry& e) {
    std::string s;
    if (k == "name") {
      string(v, k, e.name);
    } else if (k == "hosts") {
      if (!strings(v, k, e.hosts)) return;
      for (std::string& h : e.hosts) {
        std::string n = normalise_host(h);
        if (!valid_host(n))
          rep_.error(v.location, "invalid host " + tick(h),
                     "a host name like `site.example.com` (a port is ignored), or \"*\"");
        h = n;
      }
    } else if (k == "path_prefix") {
      if (!string(v, k, s)) return;
      auto norm = detail::normalise_base(s);
      if (!norm)
        rep_.error(v.location, "invalid path_prefix " + tick(s),
                   "a path like `/blog` (no `...`, no `//`)");
      else
        e.path_prefix = *norm == "/" ? "" : *norm;
    } else if (k == "from") {
      if (!string(v, k, s)) return;
      e.from = source(dir_, s);
    } else if (k == "state_dir") {
      if (string(v, k, s)) e.state_dir = path(s);
    } else if (k == "runtime_config_file") {
      if (string(v, k, s)) e.runtime_config_file = path(s);
    } else if (k == "env") {
      if (!strings(v, k, e.env)) return;
      for (const auto& kv : e.env)
        if (kv.find('=') == std::string::npos || kv.front() == '=')
          rep_.error(v.location, "invalid env entry " + tick(kv), "KEY=VALUE");
    } else if (k == "timeout" || k == "idle_unload") {
      if (!string(v, k, s)) return;
      auto d = util::parse_duration(s);
      if (!d)
        rep_.error(v.location, "invalid duration " + tick(s) + " for " + tick(k),
                   "a duration like \"500ms\", \"30s\" or \"10m\"");
      else
        (k == "timeout" ? e.timeout : e.idle_unload) = *d;
    } else if (k == "max_memory") {
      if (!string(v, k, s)) return;
      auto m = util::parse_memory_size(s);
      if (!m)
        rep_.error(v.location, "invalid size " + tick(s) + " for `max_memory`",
                   "a size like \"64MiB\"");
      else
        e.max_memory = *m;
    } else if (k == "max_concurrency") {
      if (v.kind != ConfigValue::Kind::Integer || v.integer < 1 || v.integer > 100000)
        rep_.error(v.location, "invalid `max_concurrency`", "an integer from 1 to 100000");
      else
        e.max_concurrency = static_cast<unsigned>(v.integer);
    }
  }

  detail::Reporter& rep_;
  fs::path dir_;
};

}  // namespace

bool AppEntry::same_app(const AppEntry& o) const {
  return std::tie(name, hosts, path_prefix, from, state_dir, runtime_config_file, env, timeout,
                  max_memory, idle_unload, max_concurrency) ==
         std::tie(o.name, o.hosts, o.path_prefix, o.from, o.state_dir, o.runtime_config_file, o.env,
                  o.timeout, o.max_memory, o.idle_unload, o.max_concurrency);
}

std::string normalise_host(std::string_view host) {
  std::string h(host);
  for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    return close == std::string::npos ? h : h.substr(0, close + 1);
  }
  if (auto colon = h.find(':'); colon != std::string::npos) h.erase(colon);
  if (!h.empty() && h.back() == '.') h.pop_back();  // "example.com." is example.com
  return h;
}

std::string HostConfigResult::report() const {
  std::string out;
  for (const auto& d : errors) out += d.to_string() + "\n";
  return out;
}

std::vector<Diagnostic> check_app_entries(const std::vector<AppEntry>& apps, const fs::path& file) {
  detail::Reporter rep(file);
  std::map<std::pair<std::string, std::string>, const AppEntry*> claimed;  // (host, prefix)
  std::map<std::string, const AppEntry*> names;
  for (const AppEntry& e : apps) {
    if (e.from.empty())
      rep.error(e.location, "app " + tick(e.name) + " has no `from`",
                "`from = \"<manifest, its folder, or a registry reference>\"`");
    if (e.hosts.empty())
      rep.error(e.location, "app " + tick(e.name) + " has no `hosts`",
                "`hosts = [\"site.example.com\"]` (or \"*\" for any other host)");
    for (const std::string& h : e.hosts) {
      auto [it, fresh] = claimed.try_emplace({h, e.path_prefix}, &e);
      if (!fresh)
        rep.error(e.location,
                  "host " + tick(h) +
                      (e.path_prefix.empty() ? "" : " with path_prefix " + tick(e.path_prefix)) +
                      " is claimed by app " + tick(it->second->name) + " already",
                  "each host (and path_prefix) served by one app",
                  "app " + tick(it->second->name) + " is at " + rep.at(it->second->location) +
                      "; give one of them another host or a path_prefix");
    }
    auto [it, fresh] = names.try_emplace(e.name, &e);
    if (!fresh)
      rep.error(e.location, "the app name " + tick(e.name) + " is used twice",
                "each app's name to be unique", "the first is at " + rep.at(it->second->location));
  }
  return std::move(rep.errors);
}

HostConfigResult load_host_config(const fs::path& file) {
  HostConfigResult result;
  HostConfig cfg;
  std::error_code ec;
  cfg.file = fs::absolute(file, ec).lexically_normal();
  detail::Reporter rep(cfg.file);
  EntryReader reader(rep, cfg.file.parent_path());
  if (auto root = detail::read_toml_file(cfg.file, rep, "the host config file")) {
    AppEntry defaults;
    reader.read(*root, defaults, true);
    cfg.idle_unload = defaults.idle_unload;
    cfg.max_concurrency = defaults.max_concurrency;
    const ConfigValue* apps = root->get("app");
    if (apps && apps->kind != ConfigValue::Kind::Array) {
      rep.error(apps->location, "`app` is " + std::string(apps->kind_name()),
                "[[app]] tables, one per app");
    } else if (apps) {
      for (const ConfigValue& t : apps->array) {
        if (!t.is_table()) {
          rep.error(t.location, "an `app` entry is " + std::string(t.kind_name()),
                    "an [[app]] table");
          continue;
        }
        AppEntry e;
        e.location = t.location;
        reader.read(t, e, false);
        if (e.name.empty() && !e.hosts.empty()) e.name = e.hosts.front();
        cfg.apps.push_back(std::move(e));
      }
    }
    if (rep.errors.empty())
      for (Diagnostic& d : check_app_entries(cfg.apps, cfg.file)) rep.errors.push_back(d);
  }
  auto by_position = [](const Diagnostic& a, const Diagnostic& b) {
    return std::tuple(a.where.line, a.where.column) < std::tuple(b.where.line, b.where.column);
  };
  std::stable_sort(rep.errors.begin(), rep.errors.end(), by_position);
  if (rep.errors.empty()) result.config = std::move(cfg);
  result.errors = std::move(rep.errors);
  return result;
}

bool parse_app_flag(const std::string& arg, AppEntry& out, std::string& error) {
  out = AppEntry{};
  std::string source = arg;
  auto eq = arg.find('=');
  // "HOSTS=SOURCE" when what is before '=' can only be hosts (a path with
  // '=' in it has a '/' before it, or is not a host list).
  if (eq != std::string::npos && eq > 0 && arg.find('/') > eq) {
    std::string hosts = arg.substr(0, eq);
    source = arg.substr(eq + 1);
    for (size_t start = 0; start <= hosts.size();) {
      size_t comma = std::min(hosts.find(',', start), hosts.size());
      std::string h = normalise_host(std::string_view(hosts).substr(start, comma - start));
      if (!valid_host(h)) {
        error = "invalid host `" + hosts.substr(start, comma - start) + "` in -f " + arg +
                " (expected -f HOST[,HOST...]=SOURCE)";
        return false;
      }
      out.hosts.push_back(h);
      start = comma + 1;
    }
    out.name = out.hosts.front();
  }
  std::error_code ec;
  out.from = manifest::source(fs::current_path(ec), source);
  return true;
}

}  // namespace spindle::manifest
