// Outbound HTTP through `wasi-outbound-http`, driven through a real
// `spindle up` against real loopback HTTP servers: allowed and refused
// destinations (a refused one makes no connection), v1 and v2 permissions,
// wildcards, `self`, templated hosts, redirects, timeouts and size caps.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "http_peer.h"
#include "serve.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

std::string make_app(const std::string& name, const std::string& manifest) {
  std::string dir = temp_dir(name);
  fs::copy_file(guest("host_http"), dir + "/host_http.wasm");
  fs::copy_file(guest("spin_echo"), dir + "/spin_echo.wasm");
  std::ofstream(dir + "/spin.toml") << manifest;
  return dir;
}

// A v1 app: `fetch` (allowed_http_hosts = <hosts>) at /..., spin_echo at /echo/...
std::string v1_app(const std::string& name, const std::string& hosts) {
  return make_app(name, R"(spin_manifest_version = "1"
name = "out"
version = "0.1.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "fetch"
source = "host_http.wasm"
allowed_http_hosts = )" + hosts +
                            R"(
[component.trigger]
route = "/..."

[[component]]
id = "echo"
source = "spin_echo.wasm"
[component.trigger]
route = "/echo/..."
)");
}

std::string fetch(const Up& up, const std::string& url, const std::string& how = "/get") {
  return curl({"--data-binary", url, up.url() + how}).out;
}

}  // namespace

TEST(OutboundHttp, AnAllowedHostIsReached) {
  HttpPeer peer;
  std::string dir = v1_app("out-allowed", "[\"127.0.0.1:" + std::to_string(peer.port()) + "\"]");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string got = fetch(up, peer.origin() + "/hello");
  EXPECT_EQ(got.substr(0, 11), "status 200\n") << got;
  EXPECT_NE(got.find("x-peer: yes\n"), std::string::npos) << got;
  EXPECT_EQ(got.substr(got.size() - 15), "hello from peer") << got;
  // Method, request headers and body reach the peer.
  got = fetch(up, peer.origin() + "/echo", "/post");
  EXPECT_EQ(got.substr(got.find("\n\n") + 2), "POST\npayload") << got;
}

TEST(OutboundHttp, ARefusedHostGetsNoConnectionAndTheLogSaysHowToAllowIt) {
  HttpPeer peer;
  std::string dir = v1_app("out-denied", "[\"example.com\"]");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(fetch(up, peer.origin() + "/hello"), "error 1");  // destination-not-allowed
  EXPECT_EQ(peer.connections(), 0);
  std::string hint = "allowed_http_hosts = [\"127.0.0.1:" + std::to_string(peer.port()) + "\"]";
  EXPECT_NE(up.log().find(hint), std::string::npos) << up.log();
  EXPECT_EQ(fetch(up, "not a url"), "error 2");  // invalid-url
}

TEST(OutboundHttp, NoPermissionMeansNoRequests) {
  HttpPeer peer;
  std::string dir = v1_app("out-none", "[]");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(fetch(up, peer.origin() + "/hello"), "error 1");
  EXPECT_EQ(fetch(up, "/echo/x"), "error 1");  // not even the app itself
  EXPECT_EQ(peer.connections(), 0);
}

TEST(OutboundHttp, SelfSendsRelativeUrlsToTheAppItself) {
  std::string dir = v1_app("out-self", "[\"self\"]");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string got = fetch(up, "/echo/from-self?q=1");
  EXPECT_EQ(got.substr(0, 11), "status 200\n") << got;
  EXPECT_NE(got.find("x-uri: /echo/from-self?q=1\n"), std::string::npos) << got;
  EXPECT_NE(got.find("x-from: guest"), std::string::npos) << got;
}

TEST(OutboundHttp, ManyConcurrentSelfRequestsAllComplete) {
  // More handlers waiting on requests to their own app than the server has
  // threads: self requests are answered in process, so none waits for a
  // free thread (over TCP they would all wait for each other).
  std::string dir = v1_app("out-self-many", "[\"self\"]");
  Up up(dir, {"-q"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  constexpr int kClients = 16;
  std::vector<std::string> got(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&, i] {
      got[i] = curl({"--max-time", "10", "--data-binary", "/echo/n" + std::to_string(i),
                     up.url() + "/get"})
                   .out;
    });
  for (auto& t : clients) t.join();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(got[i].substr(0, 11), "status 200\n") << i << ": " << got[i];
    EXPECT_NE(got[i].find("x-uri: /echo/n" + std::to_string(i) + "\n"), std::string::npos)
        << got[i];
  }
}

TEST(OutboundHttp, V2WildcardsAndTemplatedHosts) {
  HttpPeer peer, other;
  std::string dir = make_app("out-v2", R"(spin_manifest_version = 2
[application]
name = "out-v2"

[variables]
peer_port = { default = ")" + std::to_string(peer.port()) +
                                           R"(" }

[[trigger.http]]
route = "/wild/..."
component = "wild"

[[trigger.http]]
route = "/templated/..."
component = "templated"

[component.wild]
source = "host_http.wasm"
allowed_outbound_hosts = ["http://*:)" + std::to_string(peer.port()) +
                                           R"("]

[component.templated]
source = "host_http.wasm"
allowed_outbound_hosts = ["http://127.0.0.1:{{ peer_port }}"]
)");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(fetch(up, peer.origin() + "/hello", "/wild").substr(0, 10), "status 200");
  EXPECT_EQ(fetch(up, other.origin() + "/hello", "/wild"), "error 1");
  EXPECT_EQ(fetch(up, peer.origin() + "/hello", "/templated").substr(0, 10), "status 200");
  EXPECT_EQ(fetch(up, other.origin() + "/hello", "/templated"), "error 1");
  EXPECT_EQ(other.connections(), 0);
  std::string hint =
      "allowed_outbound_hosts = [\"http://127.0.0.1:" + std::to_string(other.port()) + "\"]";
  EXPECT_NE(up.log().find(hint), std::string::npos) << up.log();
}

TEST(OutboundHttp, RedirectsAreFollowedOnlyToAllowedHosts) {
  HttpPeer peer, forbidden;
  std::string dir = v1_app("out-redirect", "[\"127.0.0.1:" + std::to_string(peer.port()) + "\"]");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string got = fetch(up, peer.origin() + "/redirect?to=" + peer.origin() + "/hello");
  EXPECT_EQ(got.substr(0, 11), "status 200\n") << got;
  EXPECT_EQ(got.substr(got.size() - 15), "hello from peer") << got;
  EXPECT_EQ(fetch(up, peer.origin() + "/redirect?to=" + forbidden.origin() + "/hello"), "error 1");
  EXPECT_EQ(forbidden.connections(), 0);
}

TEST(OutboundHttp, ASlowServerRunsIntoTheRequestDeadline) {
  HttpPeer peer;
  std::string dir = v1_app("out-slow", "[\"127.0.0.1:" + std::to_string(peer.port()) + "\"]");
  Up up(dir, {"--timeout", "1s"});
  ASSERT_FALSE(up.url().empty()) << up.log();
  // request-error (3) before the deadline, so the guest still answers.
  EXPECT_EQ(fetch(up, peer.origin() + "/slow"), "error 3");
  EXPECT_EQ(fetch(up, peer.origin() + "/hello").substr(0, 10), "status 200");
}

TEST(OutboundHttp, AnOversizedResponseIsRefused) {
  HttpPeer peer;
  std::string dir = v1_app("out-big", "[\"127.0.0.1:" + std::to_string(peer.port()) + "\"]");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string ok = fetch(up, peer.origin() + "/big?n=1000000");
  EXPECT_EQ(ok.size(), 1000000 + ok.find("\n\n") + 2);
  EXPECT_EQ(fetch(up, peer.origin() + "/big?n=" + std::to_string((16 << 20) + 1)), "error 4");
  EXPECT_NE(up.log().find("is larger than 16777216 bytes"), std::string::npos) << up.log();
}
