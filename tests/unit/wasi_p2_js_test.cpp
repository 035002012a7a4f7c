// The Spin JS SDK hello component (componentize-js, StarlingMonkey) finds
// every WASI 0.2 import it has, except wasi:http, in the WASI 0.2 host.
#include <sys/wait.h>

#include "build_js.h"
#include "component_link_util.h"
#include "wasi/p2/host.h"

namespace spindle::component::link_test {
namespace {

TEST_F(ComponentLink, SpinJsHelloFindsItsWasiImportsInTheWasiP2Host) {
  fs::path out = SPINDLE_JS_COMPONENTS;
  bool skip = false;
  std::string error = test::build_js("hello", skip);
  if (skip) GTEST_SKIP() << error;
  ASSERT_EQ(error, "");
  auto p = plan(read_bytes(out / "hello.wasm"));
  ASSERT_TRUE(p);
  HostImports host;
  wasi::p2::link(host);
  Stubs stubs(p->layouts());
  stubs.install(host);  // only for what the WASI 0.2 host lacks
  auto c = link(*p, host);
  ASSERT_TRUE(c);
  std::vector<std::string> missing;
  for (const std::string& k : stubs.resolved)
    if (!k.starts_with("wasi:http/")) missing.push_back(k);
  EXPECT_TRUE(missing.empty()) << ::testing::PrintToString(missing);
  EXPECT_FALSE(stubs.resolved.empty());  // wasi:http is not here
}

}  // namespace
}  // namespace spindle::component::link_test
