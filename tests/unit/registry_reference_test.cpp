// Registry references as Docker and Spin read them, Spin's "is this a
// reference or a path" heuristic for `up -f`, and base64.
#include <gtest/gtest.h>

#include "registry/reference.h"
#include "util/base64.h"

using namespace spindle;

namespace {

registry::Reference parse(const std::string& text) {
  std::string error;
  auto r = registry::parse_reference(text, error);
  EXPECT_TRUE(r) << text << ": " << error;
  return r.value_or(registry::Reference{});
}

std::string refused(const std::string& text) {
  std::string error;
  EXPECT_FALSE(registry::parse_reference(text, error)) << text;
  return error;
}

}  // namespace

TEST(RegistryReference, ParsesRegistryRepositoryTagAndDigest) {
  auto r = parse("127.0.0.1:5000/site:v1");
  EXPECT_EQ(r.registry, "127.0.0.1:5000");
  EXPECT_EQ(r.repository, "site");
  EXPECT_EQ(r.tag, "v1");
  EXPECT_EQ(r.to_string(), "127.0.0.1:5000/site:v1");
  r = parse("ghcr.io/user/apps/hello");
  EXPECT_EQ(r.registry, "ghcr.io");
  EXPECT_EQ(r.repository, "user/apps/hello");
  EXPECT_EQ(r.tag, "latest");
  r = parse("localhost/app@sha256:" + std::string(64, 'a'));
  EXPECT_EQ(r.registry, "localhost");
  EXPECT_EQ(r.tag, "");
  EXPECT_EQ(r.tag_or_digest(), "sha256:" + std::string(64, 'a'));
  r = parse("[::1]:5000/app:v1");
  EXPECT_EQ(r.registry, "[::1]:5000");
  r = parse("hello");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.resolve_registry(), "index.docker.io");
  EXPECT_EQ(r.repository, "library/hello");
  r = parse("user/hello:1.0");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.repository, "user/hello");
}

TEST(RegistryReference, RefusesBadNamesWithTheReason) {
  EXPECT_NE(refused("ghcr.io/User/app:v1").find("repository `User/app`"), std::string::npos);
  EXPECT_NE(refused("ghcr.io/app:-bad").find("tag `-bad`"), std::string::npos);
  EXPECT_NE(refused("ghcr.io/app@sha256:abc").find("digest `sha256:abc`"), std::string::npos);
  refused("");
  refused("ghcr.io/a//b:v1");
  refused("ghcr.io/app/:v1");
}

TEST(RegistryReference, TellsReferencesFromPathsAsSpinDoes) {
  EXPECT_TRUE(registry::looks_like_reference("127.0.0.1:5000/site:v1"));
  EXPECT_TRUE(registry::looks_like_reference("ghcr.io/user/app"));
  EXPECT_TRUE(registry::looks_like_reference("user/app:1.0"));
  EXPECT_TRUE(registry::looks_like_reference("app:latest"));
  EXPECT_TRUE(registry::looks_like_reference("docker.io/user/app"));
  // Relative paths that do not exist: not references.
  EXPECT_FALSE(registry::looks_like_reference("examples/site"));
  EXPECT_FALSE(registry::looks_like_reference("site"));
  EXPECT_FALSE(registry::looks_like_reference("examples/site/spin.toml"));
  EXPECT_FALSE(registry::looks_like_reference("./spin.toml"));
  EXPECT_FALSE(registry::looks_like_reference("../site"));
}

TEST(RegistryReference, LoopbackRegistriesUsePlainHttp) {
  EXPECT_TRUE(registry::is_loopback_registry("127.0.0.1:5000"));
  EXPECT_TRUE(registry::is_loopback_registry("localhost:5000"));
  EXPECT_TRUE(registry::is_loopback_registry("localhost"));
  EXPECT_TRUE(registry::is_loopback_registry("[::1]:5000"));
  EXPECT_FALSE(registry::is_loopback_registry("ghcr.io"));
  EXPECT_FALSE(registry::is_loopback_registry("10.0.0.1:5000"));
}

TEST(Base64, EncodesAndDecodesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(util::base64_encode(plain), encoded);
    EXPECT_EQ(util::base64_decode(encoded), std::string(plain));
  }
  EXPECT_EQ(util::base64_decode("Zm9v!"), std::nullopt);
}
