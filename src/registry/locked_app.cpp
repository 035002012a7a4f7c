#include "registry/locked_app.h"

#include <nlohmann/json.hpp>
#include <set>

#include "manifest/remote_source.h"
#include "registry/media_types.h"
#include "util/base64.h"

namespace spindle::registry {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A content reference: {"digest"} plus {"inline"} for small content.
json content_ref(const std::string& data, const std::string& digest) {
  json ref = {{"digest", digest}};
  if (data.size() <= kInlineMaxSize) ref["inline"] = util::base64_encode(data);
  return ref;
}

// One v1 `allowed_http_hosts` entry, as written, in `allowed_outbound_hosts`
// form (Spin: crates/manifest/src/compat.rs convert_allowed_http_to_allowed_hosts).
void convert_http_host(const std::string& v, std::vector<std::string>& out) {
  if (v == "insecure:allow-all") {
    out.insert(out.end(), {"http://*:*", "https://*:*", "http://self"});
  } else if (v == "self") {
    out.push_back("http://self");
  } else if (v.find("://") != std::string::npos) {
    std::string u = v;
    if (u.size() > 1 && u.back() == '/') u.pop_back();
    out.push_back(u);
  } else {
    out.push_back("http://" + v);
    out.push_back("https://" + v);
  }
}

std::vector<std::string> raw(const std::vector<manifest::Setting>& settings) {
  std::vector<std::string> out;
  for (const auto& s : settings) out.push_back(s.raw);
  return out;
}

json raw_map(const std::vector<manifest::Setting>& settings) {
  json m = json::object();
  for (const auto& s : settings) m[s.name] = s.raw;
  return m;
}

void add_layer(std::vector<Layer>& layers, std::string media_type, std::string data,
               const std::string& digest) {
  for (const auto& l : layers)
    if (l.digest == digest && l.media_type == media_type) return;
  layers.push_back({std::move(media_type), digest, std::move(data)});
}

// True when `p` is inside `dir` (both absolute, lexically normal).
bool inside(const fs::path& p, const fs::path& dir) {
  auto rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

// ---- TOML writing ----

// A TOML basic string: JSON's escapes are TOML's (\" \\ \n \t \uXXXX …),
// and TOML also wants DEL escaped.
std::string quote(std::string_view s) {
  std::string q = json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
  for (size_t i = q.find('\x7f'); i != std::string::npos; i = q.find('\x7f', i))
    q.replace(i, 1, "\\u007f");
  return q;
}

std::string toml_value(const json& v);

std::string toml_inline_table(const json& o) {
  std::string s = "{ ";
  bool first = true;
  for (auto it = o.begin(); it != o.end(); ++it) {
    if (!first) s += ", ";
    first = false;
    s += quote(it.key()) + " = " + toml_value(it.value());
  }
  return s + (first ? "}" : " }");
}

std::string toml_value(const json& v) {
  if (v.is_string()) return quote(v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return v.dump();
  if (v.is_array()) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + toml_value(v[i]);
    return s + "]";
  }
  if (v.is_object()) return toml_inline_table(v);
  return "\"\"";
}

// The path is relative and stays below its root (Spin's is_safe_to_join).
bool safe_relative(const std::string& p) {
  if (p.empty() || p.front() == '/') return false;
  for (const auto& part : fs::path(p))
    if (part == ".." || part == "." || part.empty()) return false;
  return true;
}

}  // namespace

bool lock_app(const manifest::App& app, const fs::path& cache_dir, std::string& locked_json,
              std::vector<Layer>& layers, std::string& error) {
  json metadata = json::object();
  if (!app.name.empty()) metadata["name"] = app.name;
  if (!app.version.empty()) metadata["version"] = app.version;
  if (!app.description.empty()) metadata["description"] = app.description;
  if (!app.authors.empty()) metadata["authors"] = app.authors;
  json globals = json::object();
  if (app.http) globals["http"] = {{"base", app.http->base}};
  if (app.redis) {
    globals["redis"] = json::object();
    if (!app.redis->address.empty()) globals["redis"]["address"] = app.redis->address;
  }
  metadata["triggers"] = globals;
  std::set<std::string> types;
  for (const auto& c : app.components) {
    if (!c.http.empty()) types.insert("http");
    if (!c.redis.empty()) types.insert("redis");
    if (!c.cron.empty()) types.insert("cron");
  }
  if (types.size() == 1) {  // Spin's single-trigger "trigger" = { type, ...globals }
    const std::string& type = *types.begin();
    json single = globals.contains(type) ? globals[type] : json::object();
    single["type"] = type;
    metadata["trigger"] = single;
  }

  json variables = json::object();
  for (const auto& v : app.variables) {
    json var = json::object();
    if (v.default_value) var["default"] = *v.default_value;
    if (v.secret) var["secret"] = true;
    variables[v.name] = var;
  }

  json triggers = json::array();
  json components = json::array();
  const fs::path state = app.dir / ".spin";
  for (const auto& c : app.components) {
    for (const auto& t : c.http) {
      json cfg = {{"component", c.id}};
      if (t.route.is_private)
        cfg["route"] = {{"private", true}};
      else
        cfg["route"] = t.route.raw;
      if (t.executor.kind == manifest::Executor::Kind::Wagi)
        cfg["executor"] = {
            {"type", "wagi"}, {"entrypoint", t.executor.entrypoint}, {"argv", t.executor.argv}};
      triggers.push_back({{"id", t.id}, {"trigger_type", "http"}, {"trigger_config", cfg}});
    }
    for (const auto& t : c.redis) {
      json cfg = {{"component", c.id}, {"channel", t.channel}};
      if (!t.address.empty() && (!app.redis || t.address != app.redis->address))
        cfg["address"] = t.address;
      triggers.push_back({{"id", t.id}, {"trigger_type", "redis"}, {"trigger_config", cfg}});
    }
    for (const auto& t : c.cron) {
      json cfg = {{"component", c.id}, {"cron_expression", t.expression}};
      triggers.push_back({{"id", t.id}, {"trigger_type", "cron"}, {"trigger_config", cfg}});
    }

    fs::path wasm_file = c.source.path;
    if (c.source.kind == manifest::Source::Kind::Remote &&
        !manifest::fetch_remote_source(c.source, cache_dir, wasm_file, error))
      return false;
    std::error_code ec;
    if (!fs::is_regular_file(wasm_file, ec)) {
      error = "component `" + c.id + "`: its source " + wasm_file.string() +
              " does not exist (run `spindle build` first)";
      return false;
    }
    std::string wasm = read_file(wasm_file);
    std::string wasm_digest = digest_of(wasm);
    json source = content_ref(wasm, wasm_digest);
    source["content_type"] = "application/wasm";
    add_layer(layers, kWasmMediaType, std::move(wasm), wasm_digest);

    json files = json::array();
    for (const auto& m : c.files) {
      if (inside(m.host, state)) continue;  // spindle's own state folder
      std::string data = read_file(m.host);
      std::string digest = digest_of(data);
      json f = content_ref(data, digest);
      f["path"] = m.guest.substr(m.guest.find_first_not_of('/'));
      files.push_back(f);
      // Inlined content has no layer (Spin's workaround for registries that
      // refuse very small blobs).
      if (data.size() > kInlineMaxSize) add_layer(layers, kDataMediaType, std::move(data), digest);
    }

    json meta = json::object();
    if (!c.description.empty()) meta["description"] = c.description;
    std::vector<std::string> hosts = raw(c.allowed_outbound_hosts);
    if (app.manifest_version == manifest::ManifestVersion::V1 &&
        !c.field_locations.count("allowed_outbound_hosts"))
      hosts.insert(hosts.begin(), {"redis://*:*", "mysql://*:*", "postgres://*:*"});
    for (const auto& h : c.allowed_http_hosts) convert_http_host(h.raw, hosts);
    if (!hosts.empty()) meta["allowed_outbound_hosts"] = hosts;
    if (!c.key_value_stores.empty()) meta["key_value_stores"] = c.key_value_stores;
    if (!c.sqlite_databases.empty()) meta["databases"] = c.sqlite_databases;

    json comp = {{"id", c.id}, {"source", source}};
    if (!meta.empty()) comp["metadata"] = meta;
    if (!c.environment.empty()) comp["env"] = raw_map(c.environment);
    if (!files.empty()) comp["files"] = files;
    if (!c.variables.empty()) comp["config"] = raw_map(c.variables);
    components.push_back(comp);
  }

  json locked = {{"spin_lock_version", 0}, {"metadata", metadata}};
  if (!variables.empty()) locked["variables"] = variables;
  locked["triggers"] = triggers;
  locked["components"] = components;
  locked_json = locked.dump();
  return true;
}

bool write_app(const std::string& locked_json, const Cache& cache, const fs::path& dir,
               fs::path& manifest_path, std::string& error) {
  json locked = json::parse(locked_json, nullptr, false);
  if (!locked.is_object() || !locked.contains("spin_lock_version") ||
      !locked["components"].is_array() || !locked["triggers"].is_array()) {
    error =
        "the application's config is not a Spin locked app (no spin_lock_version, "
        "triggers and components)";
    return false;
  }
  for (const auto& mu : locked.value("must_understand", json::array())) {
    error = "the application requires `" + mu.dump() + "`, which spindle does not support";
    return false;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  const json metadata = locked.value("metadata", json::object());
  const json globals = metadata.value("triggers", json::object());

  std::string t = "# Written by spindle from a registry app's locked config (spin.lock).\n";
  t += "spin_manifest_version = 2\n\n[application]\n";
  for (const char* key : {"name", "version", "description"})
    if (metadata.contains(key) && metadata[key].is_string())
      t += std::string(key) + " = " + quote(metadata[key].get<std::string>()) + "\n";
  if (metadata.contains("authors") && metadata["authors"].is_array())
    t += "authors = " + toml_value(metadata["authors"]) + "\n";
  if (t.find("\nname = ") == std::string::npos) t += "name = \"app\"\n";
  for (const char* type : {"http", "redis"}) {
    if (!globals.contains(type) || !globals[type].is_object() || globals[type].empty()) continue;
    t += std::string("\n[application.trigger.") + type + "]\n";
    for (auto it = globals[type].begin(); it != globals[type].end(); ++it)
      t += quote(it.key()) + " = " + toml_value(it.value()) + "\n";
  }

  const json variables = locked.value("variables", json::object());
  if (!variables.empty()) {
    t += "\n[variables]\n";
    for (auto it = variables.begin(); it != variables.end(); ++it) {
      json v = json::object();
      if (it.value().contains("default"))
        v["default"] = it.value()["default"];
      else
        v["required"] = true;
      if (it.value().value("secret", false)) v["secret"] = true;
      t += quote(it.key()) + " = " + toml_inline_table(v) + "\n";
    }
  }

  for (const auto& trig : locked["triggers"]) {
    std::string type = trig.value("trigger_type", "");
    if (type != "http" && type != "redis" && type != "cron") {
      error = "the application has a `" + type + "` trigger, which spindle does not support";
      return false;
    }
    t += "\n[[trigger." + type + "]]\n";
    if (trig.contains("id") && trig["id"].is_string())
      t += "id = " + quote(trig["id"].get<std::string>()) + "\n";
    const json cfg = trig.value("trigger_config", json::object());
    for (auto it = cfg.begin(); it != cfg.end(); ++it)
      t += quote(it.key()) + " = " + toml_value(it.value()) + "\n";
  }

  std::set<std::string> ids;
  for (const auto& c : locked["components"]) {
    std::string id = c.value("id", "");
    if (id.empty() || id.find_first_of("/\\.") != std::string::npos || !ids.insert(id).second) {
      error = "the application has a component with a bad or repeated id `" + id + "`";
      return false;
    }
    const json source = c.value("source", json::object());
    std::string digest = source.value("digest", "");
    std::string content;
    fs::path wasm;
    if (!digest.empty() && cache.find(digest, content, wasm)) {
      // the checked cache file
    } else if (source.contains("inline") && source["inline"].is_string()) {
      auto bytes = util::base64_decode(source["inline"].get<std::string>());
      if (!bytes || (!digest.empty() && digest_of(*bytes) != digest)) {
        error = "component `" + id + "`: its inline wasm does not match its digest " + digest;
        return false;
      }
      wasm = dir / "wasm" / (id + ".wasm");
      if (!write_file_atomic(wasm, *bytes, error)) return false;
    } else {
      error = "component `" + id + "`: its wasm " + (digest.empty() ? "(no digest)" : digest) +
              " is not in the cache " + cache.root().string() + " (pull again)";
      return false;
    }

    t += "\n[component." + quote(id) + "]\n";
    t += "source = " + quote(wasm.string()) + "\n";
    const json meta = c.value("metadata", json::object());
    if (meta.contains("description") && meta["description"].is_string())
      t += "description = " + quote(meta["description"].get<std::string>()) + "\n";
    for (auto [from, to] : {std::pair{"allowed_outbound_hosts", "allowed_outbound_hosts"},
                            {"key_value_stores", "key_value_stores"},
                            {"databases", "sqlite_databases"}})
      if (meta.contains(from) && meta[from].is_array())
        t += std::string(to) + " = " + toml_value(meta[from]) + "\n";
    if (c.contains("env") && c["env"].is_object() && !c["env"].empty())
      t += "environment = " + toml_inline_table(c["env"]) + "\n";
    if (c.contains("config") && c["config"].is_object() && !c["config"].empty())
      t += "variables = " + toml_inline_table(c["config"]) + "\n";

    if (c.contains("files") && c["files"].is_array() && !c["files"].empty()) {
      fs::path root = dir / "assets" / id;
      fs::create_directories(root, ec);
      for (const auto& f : c["files"]) {
        std::string path = f.value("path", "");
        std::string fdigest = f.value("digest", "");
        if (!safe_relative(path)) {
          error = "component `" + id + "`: the file path `" + path + "` leaves its folder";
          return false;
        }
        std::string data;
        fs::path where;
        if (f.contains("inline") && f["inline"].is_string()) {
          auto bytes = util::base64_decode(f["inline"].get<std::string>());
          if (!bytes || (!fdigest.empty() && digest_of(*bytes) != fdigest)) {
            error = "component `" + id + "`: the inline content of `" + path +
                    "` does not match its digest " + fdigest;
            return false;
          }
          data = std::move(*bytes);
        } else if (fdigest.empty() || !cache.find(fdigest, data, where)) {
          error = "component `" + id + "`: the file `" + path + "` (" + fdigest +
                  ") is not in the cache" +
                  (fdigest.empty() ? "" : " (Spin's archive layers are not supported)");
          return false;
        }
        if (!write_file_atomic(root / path, data, error)) return false;
      }
      t += "files = [{ source = " + quote("assets/" + id) + ", destination = \"/\" }]\n";
    }
  }
  manifest_path = dir / "spin.toml";
  return write_file_atomic(manifest_path, t, error);
}

}  // namespace spindle::registry
