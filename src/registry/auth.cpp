#include "registry/auth.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/base64.h"

namespace spindle::registry {
namespace fs = std::filesystem;
namespace {

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return nlohmann::json::object();
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

std::optional<Credentials> decode(const std::string& encoded) {
  auto text = util::base64_decode(encoded);
  if (!text) return std::nullopt;
  size_t colon = text->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return Credentials{text->substr(0, colon), text->substr(colon + 1)};
}

fs::path home() {
  const char* h = std::getenv("HOME");
  return h && *h ? fs::path(h) : fs::temp_directory_path();
}

}  // namespace

fs::path credentials_file() {
  const char* x = std::getenv("XDG_CONFIG_HOME");
  fs::path config = x && *x ? fs::path(x) : home() / ".config";
  return config / "fermyon" / "registry-auth.json";
}

std::optional<Credentials> find_credentials(const std::string& registry) {
  nlohmann::json spin = read_json(credentials_file());
  if (spin.contains("auths") && spin["auths"].is_object()) {
    auto it = spin["auths"].find(registry);
    if (it != spin["auths"].end() && it->is_string()) return decode(it->get<std::string>());
  }
  const char* d = std::getenv("DOCKER_CONFIG");
  fs::path docker = (d && *d ? fs::path(d) : home() / ".docker") / "config.json";
  nlohmann::json dj = read_json(docker);
  if (dj.contains("auths") && dj["auths"].is_object()) {
    for (const std::string& key : {registry, "https://" + registry, "http://" + registry}) {
      auto it = dj["auths"].find(key);
      if (it != dj["auths"].end() && it->is_object() && (*it)["auth"].is_string())
        return decode((*it)["auth"].get<std::string>());
    }
  }
  return std::nullopt;
}

bool store_credentials(const std::string& registry, const Credentials& c, std::string& error) {
  fs::path file = credentials_file();
  nlohmann::json j = read_json(file);
  if (!j.contains("auths") || !j["auths"].is_object()) j["auths"] = nlohmann::json::object();
  j["auths"][registry] = util::base64_encode(c.username + ":" + c.password);
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  fs::path tmp = file;
  tmp += ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out) {
      error = "cannot write " + tmp.string();
      return false;
    }
  }
  chmod(tmp.c_str(), 0600);  // it holds a password
  fs::rename(tmp, file, ec);
  if (ec) {
    error = "cannot save " + file.string() + ": " + ec.message();
    return false;
  }
  return true;
}

std::string registry_from_input(std::string server) {
  for (const char* scheme : {"https://", "http://"}) {
    if (server.rfind(scheme, 0) == 0) server = server.substr(std::string(scheme).size());
  }
  server = server.substr(0, server.find('/'));
  return server == "docker.io" ? "index.docker.io" : server;
}

}  // namespace spindle::registry
