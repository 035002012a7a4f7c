#include "rdbms_app.h"

#include <filesystem>
#include <fstream>

namespace spindle::test::rdbms {

namespace fs = std::filesystem;

namespace {
std::string env_table(const std::vector<std::pair<std::string, std::string>>& env) {
  std::string out = "{ ";
  for (size_t i = 0; i < env.size(); ++i)
    out += (i ? ", " : "") + env[i].first + " = \"" + env[i].second + "\"";
  return out + " }";
}
}  // namespace

std::string make_app(const std::string& name, const std::string& wasm,
                     const std::vector<std::string>& hosts,
                     const std::vector<std::pair<std::string, std::string>>& env) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest(wasm.substr(0, wasm.size() - 5)), dir + "/" + wasm);
  std::string list;
  for (size_t i = 0; i < hosts.size(); ++i) list += (i ? ", \"" : "\"") + hosts[i] + "\"";
  std::ofstream(dir + "/spin.toml")
      << "spin_manifest_version = 2\n[application]\nname = \"" << name
      << "\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"db\"\n"
      << "[component.db]\nsource = \"" << wasm << "\"\n"
      << "allowed_outbound_hosts = [" << list << "]\n"
      << "environment = " << env_table(env) << "\n";
  return dir;
}

std::string make_v1_app(const std::string& name, const std::string& wasm,
                        const std::vector<std::pair<std::string, std::string>>& env) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest(wasm.substr(0, wasm.size() - 5)), dir + "/" + wasm);
  std::ofstream(dir + "/spin.toml")
      << "spin_manifest_version = \"1\"\nname = \"" << name << "\"\nversion = \"0.1.0\"\n"
      << "trigger = { type = \"http\", base = \"/\" }\n"
      << "[[component]]\nid = \"db\"\nsource = \"" << wasm << "\"\n"
      << "environment = " << env_table(env) << "\n"
      << "[component.trigger]\nroute = \"/...\"\n";
  return dir;
}

std::string call(const Up& up, const std::string& path, const std::string& sql) {
  return curl({"--data-binary", sql, up.url() + path}).out;
}

std::string enc(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string missing_guest(const std::string& wasm) {
  std::string path = guest(wasm.substr(0, wasm.size() - 5));
  if (fs::exists(path)) return "";
  return path +
         " was not built (the component needs node and the npm packages in "
         "tests/components: run scripts/setup)";
}

}  // namespace spindle::test::rdbms
