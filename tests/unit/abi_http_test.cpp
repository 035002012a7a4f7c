// The executors' HTTP model helpers.
#include <gtest/gtest.h>

#include "abi/http.h"
#include "util/utf8.h"

namespace spindle::abi {
namespace {

TEST(AbiHttp, UriParts) {
  EXPECT_EQ(uri_path("/a/b?x=1&y"), "/a/b");
  EXPECT_EQ(uri_query("/a/b?x=1&y"), "x=1&y");
  EXPECT_EQ(uri_path("/a"), "/a");
  EXPECT_EQ(uri_query("/a"), "");
  EXPECT_EQ(uri_query("/a?"), "");
  EXPECT_EQ(uri_query("/a?b?c"), "b?c");
}

TEST(AbiHttp, FindHeader) {
  Headers h = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
  EXPECT_EQ(find_header(h, "a"), "1");
  EXPECT_EQ(find_header(h, "b"), "2");
  EXPECT_FALSE(find_header(h, "c"));
}

TEST(AbiHttp, HeaderNamesAndValues) {
  EXPECT_TRUE(is_header_name("x-custom_1.ok~"));
  EXPECT_TRUE(is_header_name("Content-Type"));
  EXPECT_FALSE(is_header_name(""));
  EXPECT_FALSE(is_header_name("bad name"));
  EXPECT_FALSE(is_header_name("a:b"));
  EXPECT_FALSE(is_header_name("caf\xc3\xa9"));
  EXPECT_TRUE(is_header_value(""));
  EXPECT_TRUE(is_header_value("text/plain; q=1\tx"));
  EXPECT_TRUE(is_header_value("caf\xc3\xa9"));
  EXPECT_FALSE(is_header_value("a\r\nb"));
  EXPECT_FALSE(is_header_value(std::string("a\0b", 3)));
  EXPECT_FALSE(is_header_value("\x7f"));
}

TEST(AbiHttp, Utf8) {
  EXPECT_TRUE(spindle::util::is_utf8(""));
  EXPECT_TRUE(spindle::util::is_utf8("plain"));
  EXPECT_TRUE(spindle::util::is_utf8("\xE2\x9C\x93 \xF0\x9F\x98\x80 \xC3\xA9"));
  EXPECT_FALSE(spindle::util::is_utf8("\xff"));
  EXPECT_FALSE(spindle::util::is_utf8("\xC3"));              // truncated
  EXPECT_FALSE(spindle::util::is_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(spindle::util::is_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(spindle::util::is_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
}

}  // namespace
}  // namespace spindle::abi
