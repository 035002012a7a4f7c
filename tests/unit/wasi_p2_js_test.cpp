// The Spin JS SDK hello component (componentize-js, StarlingMonkey) finds
// every WASI 0.2 import it has, except wasi:http, in the WASI 0.2 host.
#include <sys/wait.h>

#include "component_link_util.h"
#include "wasi/p2/host.h"

namespace spindle::component::link_test {
namespace {

TEST_F(ComponentLink, SpinJsHelloFindsItsWasiImportsInTheWasiP2Host) {
  fs::path out = SPINDLE_JS_COMPONENTS;
  fs::create_directories(out);
  int status = std::system((fs::path(SPINDLE_COMPONENTS_DIR) / "build-js.sh")
                               .string()
                               .append(" ")
                               .append(out.string())
                               .append(" hello >")
                               .append((dir_ / "js.log").string())
                               .append(" 2>&1")
                               .c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) GTEST_SKIP() << slurp(dir_ / "js.log");
  ASSERT_EQ(status, 0) << slurp(dir_ / "js.log");
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
