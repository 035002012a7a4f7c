// `spindle up --tls-cert --tls-key` (Spin's flags and env vars) end to end:
// a CA and a server certificate for 127.0.0.1 made by the openssl CLI, curl
// --cacert against a real server, a client speaking plain HTTP and a broken
// handshake on the TLS port, and the startup errors.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "serve.h"
#include "tls_certs.h"

using namespace spindle::test;

namespace {

// Sends `bytes` on a new connection to `url`, then reads until the server
// closes it; true when it closed within 10 s.
bool server_closes_after(const std::string& url, const std::string& bytes) {
  int fd = connect_to(url);
  if (fd < 0) return false;
  (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    closed = n <= 0;
  }
  ::close(fd);
  return closed;
}

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { files_ = make_tls_files(temp_dir("tls-files")); }
  void SetUp() override { ASSERT_EQ(files_.error, "") << files_.error; }
  static TlsFiles files_;
};
TlsFiles Tls::files_;

TEST_F(Tls, ServesTheAppOverHttpsWithKeepAliveAndHealth) {
  std::string dir = one_component_app("tls-echo", "spin_echo", "echo");
  Up up(dir, {"--tls-cert", files_.cert, "--tls-key", files_.key});
  ASSERT_EQ(up.url().rfind("https://127.0.0.1:", 0), 0u) << up.log();
  std::string port = up.url().substr(up.url().rfind(':') + 1);
  Result r = curl({"-i", "--cacert", files_.ca, up.url() + "/some/where?q=1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("HTTP/1.1 200"), std::string::npos) << r.out;
  // The guest sees the scheme it was reached by.
  EXPECT_NE(r.out.find("spin-full-url: https://127.0.0.1:" + port + "/some/where?q=1"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("spin-client-addr: 127.0.0.1:"), std::string::npos) << r.out;
  // Three requests on one connection (keep-alive), a body included.
  std::vector<std::string> args,
      each = {"--cacert", files_.ca, "-w", "[%{http_code} %{num_connects}]"};
  for (std::string target : {"/a", "/b", "/.well-known/spin/health"}) {
    if (!args.empty()) args.push_back("--next");
    args.insert(args.end(), each.begin(), each.end());
    if (target != "/.well-known/spin/health") args.insert(args.end(), {"-d", "body" + target});
    args.push_back(up.url() + target);
  }
  r = curl(args);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "body/a[200 1]body/b[200 0]OK[200 0]");
  // Without the CA the certificate is not trusted: the server is really TLS.
  EXPECT_NE(curl({up.url() + "/a"}).status, 0);
}

TEST_F(Tls, WagiGuestsSeeHttpsInXFullUrl) {
  std::string dir = temp_dir("tls-wagi");
  std::filesystem::copy_file(guest("wagi_echo"), dir + "/cgi.wasm");
  std::ofstream(dir + "/spin.toml") << R"(spin_manifest_version = 2
[application]
name = "tls-wagi"
[[trigger.http]]
route = "/..."
component = "cgi"
executor = { type = "wagi" }
[component.cgi]
source = "cgi.wasm"
)";
  Up up(dir, {"--tls-cert", files_.cert, "--tls-key", files_.key});
  ASSERT_FALSE(up.url().empty()) << up.log();
  Result r = curl({"--cacert", files_.ca, up.url() + "/p?q=1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("env:X_FULL_URL=" + up.url() + "/p?q=1\n"), std::string::npos) << r.out;
}

TEST_F(Tls, SpinsEnvironmentVariablesNameTheFiles) {
  std::string dir = one_component_app("tls-env", "spin_echo", "echo");
  Background proc({SPINDLE_BIN, "up", "--from", dir, "--listen", "127.0.0.1:0"}, dir + "/up.log",
                  {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE,
                   "SPIN_TLS_CERT=" + files_.cert, "SPIN_TLS_KEY=" + files_.key});
  std::string rest = proc.wait_for("Serving https://");
  ASSERT_FALSE(rest.empty()) << proc.log();
  EXPECT_EQ(http_code({"--cacert", files_.ca, "https://" + rest + "/x"}), "200");
}

TEST_F(Tls, PlainHttpAndBrokenHandshakesAreClosedAndServingGoesOn) {
  std::string dir = one_component_app("tls-hostile", "spin_echo", "echo");
  Up up(dir, {"--tls-cert", files_.cert, "--tls-key", files_.key});
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string plain = "http://" + up.url().substr(8);
  EXPECT_TRUE(server_closes_after(plain, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_NE(curl({plain + "/x"}).status, 0);
  // A ClientHello cut short, then the client goes; garbage in a TLS record.
  EXPECT_TRUE(server_closes_after(plain, std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 9) +
                                             std::string(64, 'A') + "\r\n\r\n" +
                                             std::string(600, '\0')));
  int half = connect_to(up.url());
  ASSERT_GE(half, 0);
  (void)::send(half, "\x16\x03\x01", 3, MSG_NOSIGNAL);
  ::close(half);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(http_code({"--cacert", files_.ca, up.url() + "/after"}), "200") << up.log();
}

TEST_F(Tls, ABadCertificateOrKeyIsAStartupErrorNamingTheFile) {
  std::string dir = one_component_app("tls-bad", "spin_echo", "echo");
  auto up = [&](const std::string& cert, const std::string& key) {
    return run_spindle(
        {"up", "--from", dir, "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key});
  };
  Result r = up(dir + "/missing.pem", files_.key);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("failed to load certificate(s) from '" + dir +
                       "/missing.pem': No such file or directory"),
            std::string::npos)
      << r.err;
  r = up(files_.cert, dir + "/spin.toml");  // not a key
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("failed to load private key from '" + dir + "/spin.toml'"),
            std::string::npos)
      << r.err;
  r = up(dir + "/spin.toml", files_.key);  // not a certificate
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("failed to load certificate(s) from '" + dir + "/spin.toml'"),
            std::string::npos)
      << r.err;
  r = up(files_.cert, files_.other_key);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("the private key in '" + files_.other_key +
                       "' does not match the certificate in '" + files_.cert + "'"),
            std::string::npos)
      << r.err;
}

TEST_F(Tls, OneFlagWithoutTheOtherIsRefusedAsSpinDoes) {
  std::string dir = one_component_app("tls-one", "spin_echo", "echo");
  Result r = run_spindle({"up", "--from", dir, "--tls-cert", files_.cert});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--tls-cert requires --tls-key"), std::string::npos) << r.err;
  r = run_spindle({"up", "--from", dir, "--tls-key", files_.key});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--tls-key requires --tls-cert"), std::string::npos) << r.err;
  r = run_spindle({"up", "--from", dir}, {"SPIN_TLS_CERT=" + files_.cert});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--tls-cert requires --tls-key"), std::string::npos) << r.err;
}

}  // namespace
