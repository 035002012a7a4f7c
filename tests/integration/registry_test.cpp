// OCI-distributed apps end to end against a real registry (Debian's
// docker-registry on loopback): `spindle registry push` of the example site,
// its layout (Spin's media types), `spindle up -f <reference>` on a second
// state folder serving it, a tampered blob refused, an unknown tag and a
// registry that is down reported clearly, and `registry login` against
// htpasswd basic auth.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "docker_registry.h"
#include "serve.h"
#include "site_app.h"

using namespace spindle::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kLockedType = "application/vnd.fermyon.spin.application.v1+config";
constexpr const char* kWasmType = "application/vnd.wasm.content.layer.v1+wasm";
constexpr const char* kDataType = "application/vnd.wasm.content.layer.v1+data";

// spindle with a private registry cache (--cache-dir is per call) and config
// folder (registry credentials).
Result spindle_cmd(std::vector<std::string> args, const std::string& config_home = "") {
  std::vector<std::string> env;
  if (!config_home.empty()) env.push_back("XDG_CONFIG_HOME=" + config_home);
  return run_spindle(args, env);
}

json get_json(const std::string& url, const std::string& accept = "") {
  std::vector<std::string> args = {"--fail"};
  if (!accept.empty()) args.insert(args.end(), {"-H", "Accept: " + accept});
  args.push_back(url);
  return json::parse(curl(args).out, nullptr, false);
}

json manifest_of(const DockerRegistry& reg, const std::string& repo, const std::string& tag) {
  return get_json("http://" + reg.host() + "/v2/" + repo + "/manifests/" + tag,
                  "application/vnd.oci.image.manifest.v1+json");
}

// The digest of the manifest's layer of `media_type` whose size is largest.
std::string largest_layer(const json& manifest, const std::string& media_type) {
  std::string digest;
  int64_t size = -1;
  for (const auto& l : manifest["layers"]) {
    if (l["mediaType"] == media_type && l["size"].get<int64_t>() > size) {
      size = l["size"];
      digest = l["digest"];
    }
  }
  return digest;
}

std::string push_site(const DockerRegistry& reg, const std::string& ref,
                      const std::string& config_home = "") {
  std::string site = make_site("registry-site");
  Result push = spindle_cmd({"registry", "push", "-f", site, ref}, config_home);
  EXPECT_EQ(push.status, 0) << push.out << push.err << reg.log();
  EXPECT_NE(push.out.find("Pushed with digest sha256:"), std::string::npos) << push.out;
  return site;
}

}  // namespace

TEST(Registry, PushedSiteHasSpinsLayoutAndServesFromASecondStateDir) {
  DockerRegistry reg;
  ASSERT_EQ(reg.problem(), "");
  std::string ref = reg.host() + "/site:v1";
  push_site(reg, ref);

  // The layout Spin pushes: an OCI image config, one layer per wasm and per
  // file, the locked app last.
  json m = manifest_of(reg, "site", "v1");
  ASSERT_TRUE(m.is_object()) << m;
  EXPECT_EQ(m["schemaVersion"], 2);
  EXPECT_EQ(m["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
  EXPECT_EQ(m["annotations"]["org.opencontainers.image.title"], "site");
  EXPECT_EQ(m["annotations"]["org.opencontainers.image.version"], "0.1.0");
  int wasm = 0, data = 0;
  for (const auto& l : m["layers"]) {
    wasm += l["mediaType"] == kWasmType;
    data += l["mediaType"] == kDataType;
  }
  EXPECT_EQ(wasm, 2) << m;
  EXPECT_GT(data, 5) << m;
  ASSERT_EQ(m["layers"].back()["mediaType"], kLockedType) << m;
  json config = get_json("http://" + reg.host() + "/v2/site/blobs/" +
                         m["config"]["digest"].get<std::string>());
  EXPECT_EQ(config["architecture"], "wasm");
  EXPECT_EQ(config["os"], "wasip1");
  std::string locked_digest = m["layers"].back()["digest"];
  EXPECT_EQ(config["config"]["Labels"]["com.fermyon.spin.lockedAppDigest"], locked_digest);
  Result locked_raw = curl({"--fail", "http://" + reg.host() + "/v2/site/blobs/" + locked_digest});
  json locked = json::parse(locked_raw.out, nullptr, false);
  ASSERT_TRUE(locked.is_object()) << locked_raw.out;
  EXPECT_EQ(locked["spin_lock_version"], 0);
  EXPECT_TRUE(locked["variables"]["jwt_secret"]["secret"].get<bool>());
  EXPECT_EQ(locked_raw.out.find(kSiteSecret), std::string::npos) << "a secret value was pushed";
  ASSERT_EQ(locked["components"].size(), 2u);
  const json& likes = locked["components"][1];
  EXPECT_EQ(likes["id"], "likes");
  EXPECT_EQ(likes["source"]["content_type"], "application/wasm");
  bool wasm_layer = false;
  for (const auto& l : m["layers"])
    wasm_layer =
        wasm_layer || (l["mediaType"] == kWasmType && l["digest"] == likes["source"]["digest"]);
  EXPECT_TRUE(wasm_layer) << likes;
  EXPECT_EQ(likes["env"]["JWT_SECRET"], "{{ jwt_secret }}");
  EXPECT_EQ(likes["metadata"]["key_value_stores"], json::array({"default"}));
  const json& files = locked["components"][0]["files"];
  bool index = false;
  for (const auto& f : files) index = index || f["path"] == "index.html";
  EXPECT_TRUE(index) << files;
  EXPECT_EQ(locked["triggers"][0]["trigger_config"]["route"], "/...");

  // Served from the registry, with its own cache and state folder.
  std::string work = temp_dir("registry-up");
  Background up({SPINDLE_BIN, "up", "-f", ref, "--listen", "127.0.0.1:0", "--state-dir",
                 work + "/state", "--cache-dir", work + "/cache"},
                work + "/up.log",
                {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE,
                 std::string("SPIN_VARIABLE_JWT_SECRET=") + kSiteSecret});
  std::string rest = up.wait_for("Serving http://");
  ASSERT_NE(rest, "") << up.log();
  std::string url = "http://" + rest;
  Result home = curl({"--fail", url + "/"});
  EXPECT_EQ(home.status, 0) << home.err;
  EXPECT_NE(home.out.find("href=\"/posts/hello-spindle/\""), std::string::npos) << home.out;
  EXPECT_EQ(http_code({url + "/style.css"}), "200");
  Result token = curl({"--fail", "-X", "POST", url + "/likes/token"});
  json t = json::parse(token.out, nullptr, false);
  ASSERT_TRUE(t.is_object() && t.contains("token")) << token.out << token.err << up.log();
  std::string auth = "Authorization: Bearer " + t["token"].get<std::string>();
  Result liked = curl({"-X", "POST", "-H", auth, "-H", "Content-Type: application/json",
                       "--data-binary", R"({"page": "/posts/hello-spindle"})", url + "/likes"});
  EXPECT_EQ(json::parse(liked.out, nullptr, false).value("likes", -1), 1) << liked.out;
  Result count = curl({"-H", auth, url + "/likes?page=/posts/hello-spindle/"});
  EXPECT_EQ(count.out, R"({"page":"/posts/hello-spindle","likes":1,"liked":true})");
  // The likes live in the given state folder; the pull is in the given cache.
  EXPECT_TRUE(fs::exists(work + "/state/sqlite_key_value.db")) << up.log();
  fs::path cached = fs::path(work) / "cache/registry/manifests" / reg.host() / "site/v1";
  EXPECT_TRUE(fs::exists(cached / "manifest.json"));
  EXPECT_TRUE(fs::exists(cached / "config.json"));
  EXPECT_TRUE(fs::exists(fs::path(work) / "cache/registry/wasm" / largest_layer(m, kWasmType)));
}

TEST(Registry, TamperedBlobIsRefusedAndNothingOfItIsCached) {
  DockerRegistry reg;
  ASSERT_EQ(reg.problem(), "");
  std::string ref = reg.host() + "/site:v1";
  push_site(reg, ref);
  json m = manifest_of(reg, "site", "v1");
  std::string digest = largest_layer(m, kWasmType);
  ASSERT_FALSE(digest.empty()) << m;
  // Same name, same size, one byte changed.
  std::string blob = reg.blob_file(digest);
  std::string bytes = slurp(blob);
  ASSERT_FALSE(bytes.empty()) << blob;
  bytes[bytes.size() / 2] ^= 0x5a;
  std::ofstream(blob, std::ios::binary | std::ios::trunc) << bytes;

  std::string work = temp_dir("registry-tampered");
  Result pull = spindle_cmd({"registry", "pull", "--cache-dir", work + "/cache", ref});
  EXPECT_NE(pull.status, 0) << pull.out;
  EXPECT_NE(pull.err.find("blob " + digest), std::string::npos) << pull.err;
  EXPECT_NE(pull.err.find("does not match its digest"), std::string::npos) << pull.err;
  EXPECT_FALSE(fs::exists(fs::path(work) / "cache/registry/wasm" / digest));
  EXPECT_FALSE(fs::exists(fs::path(work) / "cache/registry/manifests"));

  Result up = spindle_cmd({"up", "-f", ref, "--listen", "127.0.0.1:0", "--state-dir",
                           work + "/state", "--cache-dir", work + "/cache"});
  EXPECT_EQ(up.status, 1) << up.out;
  EXPECT_NE(up.err.find(digest), std::string::npos) << up.err;
  EXPECT_EQ(up.out.find("Serving"), std::string::npos) << up.out;
  EXPECT_FALSE(fs::exists(fs::path(work) / "cache/registry/wasm" / digest));
}

TEST(Registry, UnknownTagBadReferenceAndRegistryDownAreClearErrors) {
  DockerRegistry reg;
  ASSERT_EQ(reg.problem(), "");
  std::string work = temp_dir("registry-errors");
  push_site(reg, reg.host() + "/site:v1");
  Result unknown =
      spindle_cmd({"registry", "pull", "--cache-dir", work, reg.host() + "/site:nope"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find(reg.host() + "/site:nope not found"), std::string::npos)
      << unknown.err;
  Result no_repo = spindle_cmd({"up", "-f", reg.host() + "/nothing:v1", "--cache-dir", work});
  EXPECT_EQ(no_repo.status, 1);
  EXPECT_NE(no_repo.err.find(reg.host() + "/nothing:v1 not found"), std::string::npos)
      << no_repo.err;

  Result bad = spindle_cmd({"registry", "push", "-f", work, reg.host() + "/Site:v1"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("cannot parse reference `" + reg.host() +
                         "/Site:v1`: the repository "
                         "`Site` is not a valid name"),
            std::string::npos)
      << bad.err;

  // Nothing listens on this port.
  std::string down = "127.0.0.1:" + std::to_string(free_port()) + "/site:v1";
  auto start = std::chrono::steady_clock::now();
  Result pull = spindle_cmd({"registry", "pull", "--cache-dir", work, down});
  Result up = spindle_cmd({"up", "-f", down, "--listen", "127.0.0.1:0", "--cache-dir", work});
  Result push = spindle_cmd({"registry", "push", "-f", make_site("registry-down"), down});
  auto took = std::chrono::steady_clock::now() - start;
  for (const Result* r : {&pull, &up, &push}) {
    EXPECT_EQ(r->status, 1) << r->out;
    EXPECT_NE(r->err.find("cannot reach registry 127.0.0.1:"), std::string::npos) << r->err;
  }
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(Registry, LoginStoresCredentialsThatPushAndPullUse) {
  DockerRegistry reg(std::vector<std::pair<std::string, std::string>>{{"alice", "s3cret"}});
  ASSERT_EQ(reg.problem(), "");
  std::string config = temp_dir("registry-login-config");
  std::string work = temp_dir("registry-login");
  std::string ref = reg.host() + "/private/site:v1";

  Result anonymous =
      spindle_cmd({"registry", "push", "-f", make_site("registry-login-site"), ref}, config);
  EXPECT_EQ(anonymous.status, 1);
  EXPECT_NE(anonymous.err.find("HTTP 401"), std::string::npos) << anonymous.err;

  Result wrong =
      spindle_cmd({"registry", "login", "-u", "alice", "-p", "wrong", reg.host()}, config);
  EXPECT_EQ(wrong.status, 1);
  EXPECT_NE(wrong.err.find("cannot authenticate as alice to registry " + reg.host()),
            std::string::npos)
      << wrong.err;
  EXPECT_FALSE(fs::exists(config + "/fermyon/registry-auth.json"));

  Result login =
      spindle_cmd({"registry", "login", "-u", "alice", "-p", "s3cret", reg.host()}, config);
  EXPECT_EQ(login.status, 0) << login.err;
  EXPECT_NE(login.out.find("Successfully logged in as alice to registry " + reg.host()),
            std::string::npos);
  // Spin's file and format: base64 of user:password by registry.
  json auths = json::parse(slurp(config + "/fermyon/registry-auth.json"), nullptr, false);
  EXPECT_EQ(auths["auths"][reg.host()], "YWxpY2U6czNjcmV0") << auths;  // alice:s3cret

  push_site(reg, ref, config);
  Result pull = spindle_cmd({"registry", "pull", "--cache-dir", work, ref}, config);
  EXPECT_EQ(pull.status, 0) << pull.err;
  EXPECT_NE(pull.out.find("Pulled " + ref + " with digest sha256:"), std::string::npos) << pull.out;
}

namespace {

std::string sha256_of(const std::string& path) {
  Result r = run_process({"sha256sum", path});
  return "sha256:" + r.out.substr(0, 64);
}

// Uploads a file as a blob the way the distribution spec says (POST, then
// PUT to the Location with the digest); returns its digest.
std::string upload(const DockerRegistry& reg, const std::string& repo, const std::string& file) {
  std::string digest = sha256_of(file);
  Result post =
      curl({"-i", "-X", "POST", "http://" + reg.host() + "/v2/" + repo + "/blobs/uploads/"});
  size_t at = post.out.find("Location: ");
  EXPECT_NE(at, std::string::npos) << post.out;
  std::string location = post.out.substr(at + 10, post.out.find('\r', at) - at - 10);
  if (location.rfind("/", 0) == 0) location = "http://" + reg.host() + location;
  location +=
      (location.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + digest;
  EXPECT_EQ(http_code({"-X", "PUT", "-H", "Content-Type: application/octet-stream", "--data-binary",
                       "@" + file, location}),
            "201");
  return digest;
}

}  // namespace

// An artifact laid out byte for byte as Spin 3.6 pushes a manifest v2 app
// (no `mediaType` in the manifest, an inlined small file, a file layer, a
// trigger config without executor, empty trigger globals) is served by
// `spindle up -f`, files at their paths.
TEST(Registry, ServesAnAppInSpinsOwnLayout) {
  DockerRegistry reg;
  ASSERT_EQ(reg.problem(), "");
  std::string dir = temp_dir("registry-spin-layout");
  std::string page(4000, 'x');
  page = "<h1>made by spin</h1>" + page;
  write_file(dir + "/page.html", page);
  std::string wasm = upload(reg, "spin/app", guest("static_fileserver"));
  std::string page_digest = upload(reg, "spin/app", dir + "/page.html");
  write_file(dir + "/hi.txt", "hi\n");  // inlined (base64 "aGkK"), no layer
  std::string hi_digest = sha256_of(dir + "/hi.txt");
  json locked = {
      {"spin_lock_version", 0},
      {"metadata",
       {{"name", "spin-made"}, {"triggers", json::object()}, {"trigger", {{"type", "http"}}}}},
      {"triggers",
       {{{"id", "trigger-web"},
         {"trigger_type", "http"},
         {"trigger_config", {{"component", "web"}, {"route", "/..."}}}}}},
      {"components",
       {{{"id", "web"},
         {"source", {{"content_type", "application/wasm"}, {"digest", wasm}}},
         {"files",
          {{{"digest", hi_digest}, {"inline", "aGkK"}, {"path", "hi.txt"}},
           {{"digest", page_digest}, {"path", "docs/page.html"}}}}}}}};
  write_file(dir + "/locked.json", locked.dump());
  std::string locked_digest = upload(reg, "spin/app", dir + "/locked.json");
  json config = {{"architecture", "wasm"},
                 {"os", "wasip1"},
                 {"config", {{"Labels", {{"com.fermyon.spin.lockedAppDigest", locked_digest}}}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}}};
  write_file(dir + "/config.json", config.dump());
  std::string config_digest = upload(reg, "spin/app", dir + "/config.json");
  auto size = [&](const std::string& f) { return static_cast<int64_t>(fs::file_size(f)); };
  json manifest = {
      {"schemaVersion", 2},
      {"config",
       {{"mediaType", "application/vnd.oci.image.config.v1+json"},
        {"digest", config_digest},
        {"size", size(dir + "/config.json")}}},
      {"layers",
       {{{"mediaType", kWasmType}, {"digest", wasm}, {"size", size(guest("static_fileserver"))}},
        {{"mediaType", kDataType}, {"digest", page_digest}, {"size", size(dir + "/page.html")}},
        {{"mediaType", kLockedType},
         {"digest", locked_digest},
         {"size", size(dir + "/locked.json")}}}},
      {"annotations", {{"org.opencontainers.image.title", "spin-made"}}}};
  EXPECT_EQ(http_code({"-X", "PUT", "-H",
                       "Content-Type: application/vnd.oci.image.manifest.v1+json", "--data-binary",
                       manifest.dump(), "http://" + reg.host() + "/v2/spin/app/manifests/1.0"}),
            "201");

  Background from_registry(
      {SPINDLE_BIN, "up", "-f", reg.host() + "/spin/app:1.0", "--listen", "127.0.0.1:0",
       "--state-dir", dir + "/state", "--cache-dir", dir + "/cache"},
      dir + "/up-registry.log", {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
  std::string rest = from_registry.wait_for("Serving http://");
  ASSERT_NE(rest, "") << from_registry.log();
  EXPECT_EQ(curl({"http://" + rest + "/hi.txt"}).out, "hi\n");
  EXPECT_EQ(curl({"http://" + rest + "/docs/page.html"}).out, page);
}
