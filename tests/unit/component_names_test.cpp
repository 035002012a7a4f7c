// Import/export names, interface names and semver compatibility.
#include <gtest/gtest.h>

#include "engine/component/names.h"

namespace spindle::component {
namespace {

TEST(ComponentNames, InterfaceNameWithVersion) {
  auto n = parse_interface_name("wasi:http/types@0.2.3");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->ns, "wasi");
  EXPECT_EQ(n->package, "http");
  EXPECT_EQ(n->interface, "types");
  ASSERT_TRUE(n->version.has_value());
  EXPECT_EQ(n->version->major, 0u);
  EXPECT_EQ(n->version->minor, 2u);
  EXPECT_EQ(n->version->patch, 3u);
  EXPECT_EQ(n->unversioned(), "wasi:http/types");

  auto m = parse_interface_name("fermyon:spin/key-value@2.0.0-rc.1+b5");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->package, "spin");
  EXPECT_EQ(m->interface, "key-value");
  EXPECT_EQ(m->version->pre, "rc.1");
  EXPECT_EQ(m->version->build, "b5");
  EXPECT_EQ(to_string(*m->version), "2.0.0-rc.1+b5");

  auto canon = parse_interface_name("wasi:io/poll@0.2");
  ASSERT_TRUE(canon.has_value());
  EXPECT_TRUE(canon->version->partial);
  EXPECT_EQ(to_string(*canon->version), "0.2");

  EXPECT_FALSE(parse_interface_name("wasi-http/types").has_value());
  EXPECT_FALSE(parse_interface_name("Wasi:http/types").has_value());
  EXPECT_FALSE(parse_interface_name("wasi:http/types@01.2.3").has_value());
  EXPECT_FALSE(parse_interface_name("wasi:http/types@1.2").has_value());  // not canonical
  EXPECT_FALSE(parse_interface_name("wasi:http/").has_value());
  EXPECT_FALSE(parse_interface_name("wasi:http/types@").has_value());
}

TEST(ComponentNames, SemverCompatibility) {
  auto v = [](const char* s) { return *parse_semver(s); };
  EXPECT_TRUE(semver_compatible(v("0.2.3"), v("0.2.12")));
  EXPECT_TRUE(semver_compatible(v("0.2.0"), v("0.2.3")));
  EXPECT_FALSE(semver_compatible(v("0.2.3"), v("0.3.0")));
  EXPECT_TRUE(semver_compatible(v("1.0.0"), v("1.7.2")));
  EXPECT_FALSE(semver_compatible(v("1.0.0"), v("2.0.0")));
  EXPECT_TRUE(semver_compatible(v("0.0.3"), v("0.0.3")));
  EXPECT_FALSE(semver_compatible(v("0.0.3"), v("0.0.4")));
  EXPECT_FALSE(semver_compatible(v("0.2.0-rc.1"), v("0.2.0")));
  EXPECT_TRUE(semver_compatible(v("0.2.0-rc.1"), v("0.2.0-rc.1")));
  EXPECT_TRUE(semver_compatible(*parse_canon_version("0.2"), v("0.2.6")));
  EXPECT_FALSE(parse_semver("1.2").has_value());
  EXPECT_FALSE(parse_semver("1.2.3-").has_value());
  EXPECT_FALSE(parse_semver("1.2.3-01").has_value());
  EXPECT_TRUE(parse_semver("1.2.3-0a").has_value());

  auto a = *parse_interface_name("wasi:http/types@0.2.3");
  auto b = *parse_interface_name("wasi:http/types@0.2.12");
  auto c = *parse_interface_name("wasi:http/handler@0.2.3");
  auto d = *parse_interface_name("wasi:http/types");
  EXPECT_TRUE(interface_compatible(a, b));
  EXPECT_FALSE(interface_compatible(a, c));
  EXPECT_FALSE(interface_compatible(a, d));
  EXPECT_TRUE(interface_compatible(d, d));
}

TEST(ComponentNames, Labels) {
  for (const char* ok : {"a", "a-b-c", "a1-2-3", "A", "A-B-C", "A1-2-3", "a11-w0rds",
                         "A11-4CR0NYMS", "m1x3d-4CR0NYMS", "get-JSON"})
    EXPECT_TRUE(is_label(ok)) << ok;
  for (const char* bad : {"", "1-2-3", "a--b", "-a", "a-", "aB", "Ab", "a_b", "a b", "a-bC"})
    EXPECT_FALSE(is_label(bad)) << bad;
}

TEST(ComponentNames, ExternNames) {
  ExternName n;
  EXPECT_EQ(parse_extern_name("[constructor]fields", n), "");
  EXPECT_EQ(n.kind, NameKind::Constructor);
  EXPECT_EQ(n.label, "fields");
  EXPECT_EQ(parse_extern_name("[method]fields.get", n), "");
  EXPECT_EQ(n.kind, NameKind::Method);
  EXPECT_EQ(n.member, "get");
  EXPECT_EQ(parse_extern_name("[static]outgoing-body.finish", n), "");
  EXPECT_EQ(n.kind, NameKind::Static);
  EXPECT_EQ(parse_extern_name("wasi:cli/environment@0.2.0", n), "");
  EXPECT_EQ(n.kind, NameKind::Interface);
  EXPECT_EQ(n.interface.interface, "environment");
  EXPECT_NE(parse_extern_name("[method]fields", n), "");
  EXPECT_NE(parse_extern_name("[resource-drop]fields", n), "");
  EXPECT_NE(parse_extern_name("handle_request", n), "");
}

TEST(ComponentNames, StrongUniqueness) {
  // the spec's examples: these are all distinct ...
  const char* distinct[] = {
      "foo", "foo-bar", "[constructor]foo", "[method]foo.bar", "[static]foo.baz", "foo:bar/baz"};
  for (const char* a : distinct)
    for (const char* b : distinct) {
      if (a != b) {
        EXPECT_NE(strongly_unique_key(a), strongly_unique_key(b)) << a << " " << b;
      }
    }
  // ... and each of these conflicts with one of them
  for (const char* clash :
       {"FOO", "foo-BAR", "[constructor]FOO", "[method]foo.BAR", "[static]foo.bar",
        "[method]foo.baz", "[method]foo.foo", "[static]foo-BAR.FOO-bar", "foo:bar/BAZ"}) {
    bool found = false;
    for (const char* a : distinct) found |= strongly_unique_key(a) == strongly_unique_key(clash);
    EXPECT_TRUE(found) << clash;
  }
}

}  // namespace
}  // namespace spindle::component
