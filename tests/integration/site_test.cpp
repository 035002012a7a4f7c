// examples/site end to end: its real spin.toml served by a real `spindle up`
// with the likes component (guests/site_likes.wasm), the file server
// (guests/static_fileserver.wasm) and the pages generate.py makes, asked with
// curl: tokens, every status code, persistence, both stores (the key-value
// store and a real redis-server, with a real subscriber on `messages`), the
// sitemap from the app itself and from a host named by variables, and
// `spindle build` of the example. The crypto is checked against the RFC
// vectors by guests/site_crypto_vectors.wasm under `spindle run`.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../../examples/site/likes/src/json_reader.hpp"
#include "../../examples/site/likes/src/jwt.hpp"
#include "redis_server.h"
#include "serve.h"
#include "site_app.h"
#include "tls_certs.h"

using namespace spindle::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSecret = kSiteSecret;
constexpr const char* kPost = "/posts/hello-spindle";
constexpr const char* kDraft = "/posts/notes-on-redis";

struct Http {
  int code = 0;
  std::string head;  // status line and headers
  std::string body;
  std::optional<likes::json::Object> json() const {
    likes::json::Reader r(body);
    return r.read_object();
  }
  int64_t likes() const {
    auto j = json();
    return j ? j->integer("likes").value_or(-1) : -1;
  }
  std::string error() const {
    auto j = json();
    return j ? j->string("error").value_or("") : "";
  }
  std::string str() const { return std::to_string(code) + " " + body; }
};

Http request(const std::string& method, const std::string& url,
             const std::vector<std::string>& headers = {}, const std::string* body = nullptr) {
  std::vector<std::string> args = {"-i", "-X", method};
  for (const auto& h : headers) args.insert(args.end(), {"-H", h});
  if (body) args.insert(args.end(), {"--data-binary", *body});
  args.push_back(url);
  Result r = curl(args);
  Http h;
  size_t end = r.out.find("\r\n\r\n");
  h.head = r.out.substr(0, end);
  h.body = end == std::string::npos ? "" : r.out.substr(end + 4);
  if (h.head.size() > 12) h.code = std::atoi(h.head.c_str() + 9);
  return h;
}

Http get_likes(const Up& up, const std::string& page, const std::string& token = "") {
  std::vector<std::string> headers;
  if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
  return request("GET", up.url() + "/likes?page=" + page, headers);
}

Http post_like(const Up& up, const std::string& token, const std::string& body) {
  std::vector<std::string> headers = {"Content-Type: application/json"};
  if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
  return request("POST", up.url() + "/likes", headers, &body);
}

Http like(const Up& up, const std::string& token, const std::string& page) {
  return post_like(up, token, R"({"page": ")" + page + R"("})");
}

std::string new_token(const Up& up) {
  Http t = request("POST", up.url() + "/likes/token");
  EXPECT_EQ(t.code, 200) << t.str();
  auto j = t.json();
  return j ? j->string("token").value_or("") : "";
}

int64_t now() { return unix_now(); }

// A loopback HTTP server answering every request with `body` (one request per
// connection) and counting them; stop() closes the port.
class SitemapServer {
 public:
  explicit SitemapServer(std::string body) : body_(std::move(body)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 16);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        std::string req;
        char buf[4096];
        while (req.find("\r\n\r\n") == std::string::npos) {
          ssize_t n = recv(c, buf, sizeof buf, 0);
          if (n <= 0) break;
          req.append(buf, static_cast<size_t>(n));
        }
        ++requests_;
        std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: " +
                           std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
        send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
        close(c);
      }
    });
  }
  ~SitemapServer() { stop(); }
  void stop() {
    if (stop_.exchange(true)) return;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  int requests() const { return requests_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string body_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

const char* kOtherSitemap = R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://blog.example.org/elsewhere/page/</loc></url>
</urlset>
)";

}  // namespace

TEST(Site, CryptoPassesTheRfcVectorsOnBothBackends) {
  for (const char* backend : {"native", "interp"}) {
    Result r = run_spindle({"run", "--backend", backend, guest("site_crypto_vectors")});
    EXPECT_EQ(r.status, 0) << backend << "\n" << r.out << r.err;
    EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
    for (const char* name :
         {"ok   sha256 FIPS 180-2 B.3 one million a\n", "ok   hmac RFC 4231 case 1\n",
          "ok   hmac RFC 4231 case 5 (truncated to 128 bits)\n", "ok   hmac RFC 4231 case 7\n",
          "ok   base64url RFC 7515 appendix C encode\n", "ok   jws RFC 7515 A.1 signature\n",
          "ok   jwt RFC 7515 A.1 verifies before exp\n", "ok   jwt alg none refused\n"}) {
      EXPECT_NE(r.out.find(name), std::string::npos) << backend << " " << name << r.out;
    }
    EXPECT_NE(r.out.find(" passed, 0 failed\n"), std::string::npos) << r.out;
  }
}

TEST(Site, ServesTheGeneratedPagesAndSitemap) {
  std::string dir = make_site("site-pages");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Http home = request("GET", up.url() + "/");
  EXPECT_EQ(home.code, 200);
  EXPECT_NE(home.body.find("href=\"/posts/hello-spindle/\""), std::string::npos) << home.body;
  EXPECT_EQ(home.body.find("notes-on-redis"), std::string::npos) << "drafts stay off the home page";
  Http post = request("GET", up.url() + "/posts/hello-spindle/");
  EXPECT_EQ(post.code, 200);
  EXPECT_NE(post.body.find("data-page=\"/posts/hello-spindle/\""), std::string::npos);
  EXPECT_NE(post.body.find("<script src=\"/likes.js\" defer>"), std::string::npos);
  Http sitemap = request("GET", up.url() + "/sitemap.xml");
  EXPECT_EQ(sitemap.code, 200);
  EXPECT_NE(sitemap.head.find("content-type: application/xml"), std::string::npos) << sitemap.head;
  for (const char* page : {"/</loc>", "/about/</loc>", "/posts/hello-spindle/</loc>",
                           "/posts/a-fresh-instance-per-request/</loc>",
                           "/posts/likes-without-a-database-server/</loc>"}) {
    EXPECT_NE(sitemap.body.find(page), std::string::npos) << page << sitemap.body;
  }
  EXPECT_EQ(sitemap.body.find("notes-on-redis"), std::string::npos) << sitemap.body;
  EXPECT_EQ(request("GET", up.url() + "/style.css").code, 200);
  EXPECT_EQ(request("GET", up.url() + "/likes.js").code, 200);
  Http missing = request("GET", up.url() + "/no/such/page");
  EXPECT_EQ(missing.code, 404);
  EXPECT_NE(missing.body.find("Not found"), std::string::npos) << missing.body;
}

TEST(Site, ServedOverTlsToCurlWithTheCa) {
  TlsFiles tls = make_tls_files(temp_dir("site-tls-files"));
  ASSERT_EQ(tls.error, "");
  std::string dir = make_site("site-tls");
  Up up(dir, {"--tls-cert", tls.cert, "--tls-key", tls.key});
  ASSERT_EQ(up.url().rfind("https://127.0.0.1:", 0), 0u) << up.log();
  Result home = curl({"--cacert", tls.ca, up.url() + "/"});
  ASSERT_EQ(home.status, 0) << home.err;
  EXPECT_NE(home.out.find("href=\"/posts/hello-spindle/\""), std::string::npos) << home.out;
  // A like over TLS: a token, then the like, counted once.
  Result token = curl({"--cacert", tls.ca, "-X", "POST", up.url() + "/likes/token"});
  likes::json::Reader reader(token.out);
  auto t = reader.read_object();
  ASSERT_TRUE(t && t->string("token")) << token.out;
  Result liked = curl({"--cacert", tls.ca, "-H", "Authorization: Bearer " + *t->string("token"),
                       "-H", "Content-Type: application/json", "--data-binary",
                       R"({"page": "/posts/hello-spindle/"})", up.url() + "/likes"});
  likes::json::Reader answer(liked.out);
  auto j = answer.read_object();
  EXPECT_TRUE(j && j->integer("likes") == 1) << liked.out << liked.err;
}

TEST(Site, TokensAreHs256JwtsForARandomVisitor) {
  std::string dir = make_site("site-tokens");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Http t = request("POST", up.url() + "/likes/token");
  ASSERT_EQ(t.code, 200) << t.str();
  EXPECT_NE(t.head.find("content-type: application/json"), std::string::npos) << t.head;
  EXPECT_NE(t.head.find("cache-control: no-store"), std::string::npos) << t.head;
  auto j = t.json();
  ASSERT_TRUE(j) << t.body;
  std::string token = j->string("token").value_or("");
  ASSERT_EQ(token.rfind("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 0), 0u) << token;
  likes::jwt::Verified v = likes::jwt::verify(token, kSecret, now());
  ASSERT_EQ(v.status, likes::jwt::Status::Valid) << token;
  ASSERT_TRUE(v.claims.sub && v.claims.exp && v.claims.iat);
  EXPECT_EQ(v.claims.sub->size(), 32u);
  EXPECT_EQ(v.claims.sub, j->string("visitor"));
  EXPECT_EQ(*v.claims.exp - *v.claims.iat, 30 * 24 * 3600);
  EXPECT_LE(std::abs(*v.claims.iat - now()), 5);
  EXPECT_EQ(j->integer("expires"), v.claims.exp);
  EXPECT_NE(likes::jwt::verify(token, "another secret", now()).status, likes::jwt::Status::Valid);
  // Another token is another visitor.
  std::string second = new_token(up);
  EXPECT_NE(likes::jwt::verify(second, kSecret, now()).claims.sub, v.claims.sub);
  EXPECT_EQ(request("GET", up.url() + "/likes/token").code, 405);
  Http unknown = request("GET", up.url() + "/likes/nope");
  EXPECT_EQ(unknown.code, 404) << unknown.str();
}

TEST(Site, LikesWithTheKeyValueStoreEveryStatusAndPersistence) {
  std::string dir = make_site("site-kv");
  std::string a, b;
  {
    Up up(dir);
    ASSERT_FALSE(up.url().empty()) << up.log();
    Http g = get_likes(up, "/posts/hello-spindle/");
    EXPECT_EQ(g.code, 200) << g.str();
    EXPECT_EQ(g.body, R"({"page":"/posts/hello-spindle","likes":0,"liked":false})");

    a = new_token(up);
    b = new_token(up);
    // 401: no token, not a JWT, wrong secret, expired, no visitor id, alg none.
    Http none = like(up, "", kPost);
    EXPECT_EQ(none.code, 401) << none.str();
    EXPECT_NE(none.head.find("www-authenticate: Bearer"), std::string::npos) << none.head;
    EXPECT_NE(none.error().find("POST /likes/token"), std::string::npos) << none.str();
    EXPECT_EQ(like(up, "not.a.jwt", kPost).code, 401);
    Http wrong = like(up, visitor_token(std::string(32, 'a'), now() + 60, "wrong"), kPost);
    EXPECT_EQ(wrong.code, 401) << wrong.str();
    EXPECT_EQ(wrong.error(), "the token's signature does not match");
    Http expired = like(up, visitor_token(std::string(32, 'a'), now() - 10), kPost);
    EXPECT_EQ(expired.code, 401) << expired.str();
    EXPECT_EQ(expired.error(), "the token has expired");
    EXPECT_EQ(like(up, likes::jwt::sign(R"({"exp":9999999999})", kSecret), kPost).code, 401);
    EXPECT_EQ(like(up, likes::jwt::sign(R"({"sub":"../x","exp":9999999999})", kSecret), kPost).code,
              401);
    std::string alg_none = likes::crypto::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                           likes::crypto::base64url_encode(R"({"sub":"x","exp":9999999999})") + ".";
    EXPECT_EQ(like(up, alg_none, kPost).code, 401);
    Http basic = request("POST", up.url() + "/likes", {"Authorization: Basic " + a});
    EXPECT_EQ(basic.code, 401) << basic.str();

    // 400: malformed JSON, no page, a page that is not a path.
    for (const char* body :
         {"", "{", "{\"page\": }", "[\"/posts/hello-spindle\"]", "{\"page\": 5}", "{}",
          "{\"pg\": \"/posts/hello-spindle\"}", "{\"page\": \"/posts/hello-spindle\"} trailing",
          "{\"page\": \"posts/hello-spindle\"}"}) {
      Http bad = post_like(up, a, body);
      EXPECT_EQ(bad.code, 400) << body << " -> " << bad.str();
      EXPECT_FALSE(bad.error().empty()) << bad.str();
    }
    EXPECT_EQ(request("GET", up.url() + "/likes").code, 400);
    EXPECT_EQ(get_likes(up, "relative").code, 400);
    EXPECT_EQ(get_likes(up, "/" + std::string(300, 'x')).code, 400);

    // 404: pages not in sitemap.xml (a draft, a page that does not exist).
    for (const char* page : {kDraft, "/posts/nope/"}) {
      Http nf = like(up, a, page);
      EXPECT_EQ(nf.code, 404) << page << " " << nf.str();
      EXPECT_NE(nf.error().find("is not in the site's sitemap.xml"), std::string::npos) << nf.str();
      EXPECT_EQ(get_likes(up, page).code, 404);
    }

    // 200, then 409 for the same visitor, 200 for another one.
    Http first = like(up, a, kPost);
    EXPECT_EQ(first.code, 200) << first.str();
    EXPECT_EQ(first.body, R"({"page":"/posts/hello-spindle","likes":1,"liked":true})");
    Http again = like(up, a, "/posts/hello-spindle/");  // the same page, written differently
    EXPECT_EQ(again.code, 409) << again.str();
    EXPECT_EQ(again.likes(), 1);
    EXPECT_NE(again.error().find("already liked"), std::string::npos) << again.str();
    Http other = like(up, b, kPost);
    EXPECT_EQ(other.code, 200) << other.str();
    EXPECT_EQ(other.likes(), 2);
    // Likes are per page.
    EXPECT_EQ(like(up, a, "/about/").likes(), 1);
    EXPECT_EQ(get_likes(up, "/posts/a-fresh-instance-per-request/").likes(), 0);
    // `liked` says whether the token's visitor liked the page.
    EXPECT_EQ(get_likes(up, kPost, a).body,
              R"({"page":"/posts/hello-spindle","likes":2,"liked":true})");
    EXPECT_EQ(get_likes(up, "http://anywhere.example/posts/hello-spindle/?x=1", new_token(up)).body,
              R"({"page":"/posts/hello-spindle","likes":2,"liked":false})");
    EXPECT_EQ(request("DELETE", up.url() + "/likes").code, 405);
  }
  // A new `spindle up` on the same folder: the counts and the likers are kept
  // (.spin/sqlite_key_value.db).
  EXPECT_TRUE(fs::exists(dir + "/.spin/sqlite_key_value.db"));
  Up again(dir);
  ASSERT_FALSE(again.url().empty()) << again.log();
  EXPECT_EQ(get_likes(again, kPost).likes(), 2);
  EXPECT_EQ(like(again, b, kPost).code, 409);
  EXPECT_EQ(like(again, new_token(again), kPost).likes(), 3);
}

TEST(Site, LikesInRedisArePublishedOnMessages) {
  RedisServer redis;
  ASSERT_TRUE(redis.ready());
  std::string dir = make_site("site-redis", "SPIN_VARIABLE_REDIS_ADDRESS=" + redis.url() + "\n");
  Background sub({"redis-cli", "-p", std::to_string(redis.port()), "SUBSCRIBE", "messages"},
                 dir + "/subscriber.log");
  for (int i = 0; i < 100 && sub.log().find("subscribe\nmessages\n1\n") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_NE(sub.log().find("subscribe\nmessages\n1\n"), std::string::npos) << sub.log();

  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string a = new_token(up), b = new_token(up);
  std::string va = *likes::jwt::verify(a, kSecret, now()).claims.sub;
  std::string vb = *likes::jwt::verify(b, kSecret, now()).claims.sub;
  EXPECT_EQ(get_likes(up, kPost).likes(), 0);
  EXPECT_EQ(like(up, a, kPost).code, 200);
  Http again = like(up, a, kPost);
  EXPECT_EQ(again.code, 409) << again.str();
  EXPECT_EQ(again.likes(), 1);
  Http second = like(up, b, kPost);
  EXPECT_EQ(second.code, 200) << second.str();
  EXPECT_EQ(second.likes(), 2);
  EXPECT_EQ(like(up, a, kDraft).code, 404);
  EXPECT_EQ(get_likes(up, kPost, b).body,
            R"({"page":"/posts/hello-spindle","likes":2,"liked":true})");

  // Stored in Redis under likes:<page> and likers:<page> ...
  EXPECT_EQ(redis.cli({"GET", "likes:/posts/hello-spindle"}).out, "2\n");
  EXPECT_EQ(redis.cli({"SCARD", "likers:/posts/hello-spindle"}).out, "2\n");
  EXPECT_EQ(redis.cli({"SISMEMBER", "likers:/posts/hello-spindle", va}).out, "1\n");
  // ... with the sitemap cache beside them, and nothing in the key-value store.
  EXPECT_NE(redis.cli({"GET", "likes:sitemap"}).out.find("/posts/hello-spindle\n"),
            std::string::npos);
  // Each counted like (not the refused one) was published on `messages`.
  std::string e1 = R"({"page":"/posts/hello-spindle","likes":1,"visitor":")" + va + "\"}";
  std::string e2 = R"({"page":"/posts/hello-spindle","likes":2,"visitor":")" + vb + "\"}";
  std::string expected = "message\nmessages\n" + e1 + "\nmessage\nmessages\n" + e2 + "\n";
  for (int i = 0; i < 100 && sub.log().find(expected) == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_NE(sub.log().find(expected), std::string::npos) << sub.log();
  std::string log = sub.log();
  size_t events = 0;
  for (size_t p = 0; (p = log.find("message\nmessages\n", p)) != std::string::npos; ++p) ++events;
  EXPECT_EQ(events, 2u) << log;

  // A Redis that goes away is a 503, not a hang or a 500.
  redis.stop();
  Http down = like(up, new_token(up), kPost);
  EXPECT_EQ(down.code, 503) << down.str();
}

TEST(Site, SitemapFromAHostNamedByVariablesIsCached) {
  SitemapServer peer(kOtherSitemap);
  std::string dir = make_site("site-sitemap-host",
                              "SPIN_VARIABLE_SITEMAP_URL=http://" + peer.host() + "/sitemap.xml\n" +
                                  "SPIN_VARIABLE_SITEMAP_HOST=" + peer.host() + "\n");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  std::string a = new_token(up);
  Http g = get_likes(up, "/elsewhere/page/");
  EXPECT_EQ(g.code, 200) << g.str();
  EXPECT_EQ(g.body, R"({"page":"/elsewhere/page","likes":0,"liked":false})");
  EXPECT_EQ(like(up, a, "/elsewhere/page").likes(), 1);
  // The site's own pages are not in that sitemap.
  EXPECT_EQ(like(up, a, kPost).code, 404);
  // Fetched once, then served from the cache (60 s by default).
  EXPECT_EQ(peer.requests(), 1);
  // The cached copy outlives the server.
  peer.stop();
  EXPECT_EQ(get_likes(up, "/elsewhere/page").likes(), 1);
}

TEST(Site, SitemapCacheCanBeTurnedOffAndAStaleCopyCoversAnOutage) {
  SitemapServer peer(kOtherSitemap);
  std::string dir = make_site("site-sitemap-nocache",
                              "SPIN_VARIABLE_SITEMAP_URL=http://" + peer.host() + "/sitemap.xml\n" +
                                  "SPIN_VARIABLE_SITEMAP_HOST=" + peer.host() + "\n" +
                                  "SPIN_VARIABLE_SITEMAP_CACHE_SECONDS=0\n");
  {
    Up up(dir);
    ASSERT_FALSE(up.url().empty()) << up.log();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(get_likes(up, "/elsewhere/page").code, 200);
    EXPECT_EQ(peer.requests(), 3);
  }
  // With a 1 s cache: a fetch, then (the server gone, the copy old) the stale
  // copy is used.
  write_file(dir + "/.env", std::string("SPIN_VARIABLE_JWT_SECRET=") + kSecret + "\n" +
                                "SPIN_VARIABLE_SITEMAP_URL=http://" + peer.host() +
                                "/sitemap.xml\n" + "SPIN_VARIABLE_SITEMAP_HOST=" + peer.host() +
                                "\n" + "SPIN_VARIABLE_SITEMAP_CACHE_SECONDS=1\n");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(get_likes(up, "/elsewhere/page").code, 200);
  EXPECT_EQ(peer.requests(), 4);
  peer.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(get_likes(up, "/elsewhere/page").code, 200);
  EXPECT_EQ(get_likes(up, "/posts/hello-spindle").code, 404);
}

TEST(Site, ASitemapHostThatIsNotAllowedIsRefusedWithoutAConnection) {
  SitemapServer peer(kOtherSitemap);
  // The URL names the peer, but sitemap_host (allowed_http_hosts) stays `self`.
  std::string dir = make_site("site-sitemap-denied",
                              "SPIN_VARIABLE_SITEMAP_URL=http://" + peer.host() + "/sitemap.xml\n");
  Up up(dir);
  ASSERT_FALSE(up.url().empty()) << up.log();
  Http g = get_likes(up, "/elsewhere/page");
  EXPECT_EQ(g.code, 502) << g.str();
  EXPECT_NE(g.error().find("cannot fetch the sitemap"), std::string::npos) << g.str();
  EXPECT_EQ(peer.requests(), 0);
}

TEST(Site, ARequiredJwtSecretStopsStartUpWithoutOne) {
  std::string dir = make_site("site-no-secret");
  fs::remove(dir + "/.env");
  Result r =
      run_process({"timeout", "30", SPINDLE_BIN, "up", "--from", dir, "--listen", "127.0.0.1:0"},
                  {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.status, 124) << "spindle up started without a JWT secret";
  EXPECT_NE((r.out + r.err).find("jwt_secret"), std::string::npos) << r.out << r.err;
}

TEST(Site, SpindleBuildBuildsTheExampleFromSource) {
  // The checkout's layout: examples/site beside examples/static-fileserver.
  std::string root = temp_dir("site-build");
  std::string app = root + "/examples/site";
  fs::create_directories(app);
  for (const auto& entry : fs::directory_iterator(kSite)) {
    std::string name = entry.path().filename().string();
    if (name == "public" || name == "target" || name == ".spin" || name == ".env") continue;
    fs::copy(entry.path(), app + "/" + name, fs::copy_options::recursive);
  }
  fs::create_directories(root + "/examples/static-fileserver");
  fs::copy(kExamples / "static-fileserver/src", root + "/examples/static-fileserver/src",
           fs::copy_options::recursive);
  Result r = run_spindle({"build", "--from", app});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("[static] generate.py: 6 pages (3 posts, 1 draft)"), std::string::npos)
      << r.out;
  for (const char* f : {"/target/likes.wasm", "/target/fileserver.wasm", "/public/sitemap.xml",
                        "/public/posts/hello-spindle/index.html", "/public/likes.js"}) {
    EXPECT_TRUE(fs::exists(app + f)) << f;
  }
  // -Oz and stripped.
  EXPECT_LT(fs::file_size(app + "/target/likes.wasm"), 200u * 1024);

  write_file(app + "/.env", std::string("SPIN_VARIABLE_JWT_SECRET=") + kSecret + "\n");
  Up up(app);
  ASSERT_FALSE(up.url().empty()) << up.log();
  EXPECT_EQ(request("GET", up.url() + "/posts/hello-spindle/").code, 200);
  EXPECT_EQ(like(up, new_token(up), kPost).body,
            R"({"page":"/posts/hello-spindle","likes":1,"liked":true})");
}
