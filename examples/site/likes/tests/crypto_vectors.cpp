// The likes component's crypto, JWT, JSON and sitemap code against published
// test vectors: SHA-256 (FIPS 180-2 appendix B), HMAC-SHA256 (RFC 4231 §4.2–4.8),
// base64url (RFC 4648 §10, RFC 7515 appendix C) and the HS256 JWS of RFC 7515
// appendix A.1. A WASI command: `spindle run site_crypto_vectors.wasm` prints
// one line per check and exits 1 if any failed. Also builds natively:
//   c++ -std=c++20 -I ../src crypto_vectors.cpp && ./a.out
#include <cstdio>
#include <string>
#include <string_view>

#include "../src/crypto.hpp"
#include "../src/json_reader.hpp"
#include "../src/jwt.hpp"
#include "../src/sitemap.hpp"

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const std::string& name, const std::string& detail = "") {
  if (ok) {
    ++passed;
    std::printf("ok   %s\n", name.c_str());
  } else {
    ++failed;
    std::printf("FAIL %s %s\n", name.c_str(), detail.c_str());
  }
}

void expect_eq(const std::string& got, const std::string& want, const std::string& name) {
  check(got == want, name, "got " + got + " want " + want);
}

std::string unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out += static_cast<char>(nib(h[i]) << 4 | nib(h[i + 1]));
  }
  return out;
}

std::string hmac_hex(std::string_view key, std::string_view data) {
  likes::crypto::Digest d = likes::crypto::hmac_sha256(key, data);
  return likes::crypto::hex(likes::crypto::as_bytes(d));
}

void sha256_vectors() {
  using likes::crypto::as_bytes;
  using likes::crypto::hex;
  using likes::crypto::sha256;
  expect_eq(hex(as_bytes(sha256(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 empty");
  expect_eq(hex(as_bytes(sha256("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "sha256 FIPS 180-2 B.1 abc");
  expect_eq(hex(as_bytes(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            "sha256 FIPS 180-2 B.2 448 bits");
  likes::crypto::Sha256 h;
  std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.update(chunk);
  expect_eq(hex(as_bytes(h.finish())),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
            "sha256 FIPS 180-2 B.3 one million a");
  // Lengths around the padding boundary (55, 56, 63, 64 bytes) checked
  // against one-shot vs. byte-by-byte hashing.
  for (size_t n : {55u, 56u, 63u, 64u, 65u, 119u, 120u}) {
    std::string msg(n, 'x');
    likes::crypto::Sha256 bytewise;
    for (char c : msg) bytewise.update(std::string_view(&c, 1));
    check(bytewise.finish() == sha256(msg), "sha256 incremental " + std::to_string(n));
  }
}

void hmac_vectors() {
  // RFC 4231 §4.2 .. §4.8 (test cases 1-7).
  expect_eq(hmac_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "hmac RFC 4231 case 1");
  expect_eq(hmac_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "hmac RFC 4231 case 2");
  expect_eq(hmac_hex(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            "hmac RFC 4231 case 3");
  expect_eq(hmac_hex(unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                     std::string(50, '\xcd')),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            "hmac RFC 4231 case 4");
  expect_eq(hmac_hex(std::string(20, '\x0c'), "Test With Truncation").substr(0, 32),
            "a3b6167473100ee06e0c796c2955552b", "hmac RFC 4231 case 5 (truncated to 128 bits)");
  expect_eq(
      hmac_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", "hmac RFC 4231 case 6");
  expect_eq(hmac_hex(std::string(131, '\xaa'),
                     "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the "
                     "HMAC algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            "hmac RFC 4231 case 7");
  check(likes::crypto::constant_time_equal("abc", "abc"), "constant_time_equal equal");
  check(!likes::crypto::constant_time_equal("abc", "abd"), "constant_time_equal differs");
  check(!likes::crypto::constant_time_equal("abc", "ab"), "constant_time_equal length");
}

void base64url_vectors() {
  using likes::crypto::base64url_decode;
  using likes::crypto::base64url_encode;
  // RFC 4648 §10, with the padding removed as base64url in JWS does.
  const std::pair<const char*, const char*> rfc4648[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : rfc4648) {
    expect_eq(base64url_encode(plain), encoded, std::string("base64url encode \"") + plain + "\"");
    auto back = base64url_decode(encoded);
    check(back && *back == plain, std::string("base64url decode ") + encoded);
  }
  // RFC 7515 appendix C: the octets [3, 236, 255, 224, 193].
  std::string octets = "\x03\xec\xff\xe0\xc1";
  expect_eq(base64url_encode(octets), "A-z_4ME", "base64url RFC 7515 appendix C encode");
  check(base64url_decode("A-z_4ME") == octets, "base64url RFC 7515 appendix C decode");
  // The url-safe alphabet only, no padding, canonical trailing bits.
  for (const char* bad : {"A+z/4ME", "Zg==", "Zm9v Yg", "Z", "Zh", "Zm9"}) {
    check(!base64url_decode(bad), std::string("base64url rejects \"") + bad + "\"");
  }
}

// RFC 7515 appendix A.1: an HS256 JWS with its JWK key and exact encoding.
void jws_vectors() {
  std::string key = *likes::crypto::base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  std::string header = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
  std::string payload =
      "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
  std::string h64 = likes::crypto::base64url_encode(header);
  std::string p64 = likes::crypto::base64url_encode(payload);
  expect_eq(h64, "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9", "jws RFC 7515 A.1 header");
  expect_eq(p64,
            "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb2"
            "90Ijp0cnVlfQ",
            "jws RFC 7515 A.1 payload");
  likes::crypto::Digest mac = likes::crypto::hmac_sha256(key, h64 + "." + p64);
  std::string sig = likes::crypto::base64url_encode(likes::crypto::as_bytes(mac));
  expect_eq(sig, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "jws RFC 7515 A.1 signature");

  std::string token = h64 + "." + p64 + "." + sig;
  auto v = likes::jwt::verify(token, key, 1300819379);
  check(v.status == likes::jwt::Status::Valid, "jwt RFC 7515 A.1 verifies before exp");
  check(v.claims.exp == 1300819380, "jwt RFC 7515 A.1 exp claim");
  check(likes::jwt::verify(token, key, 1300819380).status == likes::jwt::Status::Expired,
        "jwt RFC 7515 A.1 expired at exp");
  check(likes::jwt::verify(token, "other key", 0).status == likes::jwt::Status::BadSignature,
        "jwt wrong key");
  std::string tampered = token;
  tampered[h64.size() + 5] ^= 1;
  check(likes::jwt::verify(tampered, key, 0).status != likes::jwt::Status::Valid,
        "jwt tampered payload");
  std::string none = likes::crypto::base64url_encode(R"({"alg":"none"})") + "." + p64 + ".";
  check(likes::jwt::verify(none, key, 0).status == likes::jwt::Status::BadAlgorithm,
        "jwt alg none refused");
  for (const char* bad : {"", "abc", "a.b", "a.b.c.d", "..", "e30.e30.e30"}) {
    check(likes::jwt::verify(bad, key, 0).status != likes::jwt::Status::Valid,
          std::string("jwt malformed \"") + bad + "\"");
  }

  std::string mine = likes::jwt::sign(R"({"sub":"abc123","exp":2000,"iat":1000})", "s3cret");
  auto m = likes::jwt::verify(mine, "s3cret", 1999);
  check(m.status == likes::jwt::Status::Valid && m.claims.sub == "abc123" && m.claims.iat == 1000,
        "jwt sign then verify");
  check(mine.rfind("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 0) == 0,
        "jwt header {\"alg\":\"HS256\",\"typ\":\"JWT\"}");
}

void json_reader() {
  likes::json::Reader r(R"( {"page" : "/posts/a\u00e9\"\\\/\n", "n": -12, "x": [1, {"y": null}],
                            "t": true, "page2": "\ud83d\ude00"} )");
  auto o = r.read_object();
  check(o.has_value(), "json reads an object", r.error());
  if (o) {
    expect_eq(o->string("page").value_or("?"), "/posts/a\xc3\xa9\"\\/\n", "json string escapes");
    check(o->integer("n") == -12, "json integer");
    expect_eq(o->string("page2").value_or("?"), "\xf0\x9f\x98\x80", "json surrogate pair");
    check(!o->string("n"), "json number is not a string");
  }
  for (const char* bad :
       {"", "{", "[]", "{\"page\"}", "{\"page\": }", "{\"a\": 1,}", "{\"a\": 01}", "{'a': 1}",
        "{\"a\": \"\\x\"}", "{\"a\": \"\\ud800\"}", "{\"a\": tru}", "{} x", "{\"a\": \"\x01\"}"}) {
    likes::json::Reader b(bad);
    check(!b.read_object(), std::string("json rejects ") + bad);
  }
  std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  likes::json::Reader d(deep);
  check(!d.read_object(), "json rejects nesting deeper than 32");
}

void sitemap_pages() {
  auto pages = likes::sitemap::pages(
      "<?xml version=\"1.0\"?><urlset><url><loc>http://localhost:3000/</loc></url>\n"
      "<url><loc> https://example.com/posts/a/ </loc></url><url><loc>/about/</loc></url>"
      "<url><loc>http://h/q?a=1&amp;b=2</loc></url></urlset>");
  check(pages == std::vector<std::string>{"/", "/posts/a", "/about", "/q"}, "sitemap pages");
  expect_eq(likes::sitemap::normalize("/posts/a///"), "/posts/a", "normalize trailing slashes");
  expect_eq(likes::sitemap::normalize("/"), "/", "normalize root");
  expect_eq(likes::sitemap::normalize("posts/a"), "", "normalize relative");
  expect_eq(likes::sitemap::normalize("http://h:1"), "/", "normalize bare origin");
}

}  // namespace

int main() {
  sha256_vectors();
  hmac_vectors();
  base64url_vectors();
  jws_vectors();
  json_reader();
  sitemap_pages();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
