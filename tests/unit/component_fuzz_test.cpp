// Bounded, deterministic fuzzing of the component loader: valid components
// mutated (byte flips, interesting values, insertions, deletions, truncation,
// spliced copies) must load or fail with a message, never crash or over-read.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "component_mutate.h"
#include "component_samples.h"
#include "engine/component/loader.h"

namespace spindle::component {
namespace {

using namespace cb;

std::vector<Bytes> seeds() {
  Bytes inner = comp({
      section(kImport, vec({cat({name("t"), {0x03, 0x01}})})),
      section(kType, vec({cat({{0x69}, u32(0)}), func_type({{"x", u32(1)}}, std::nullopt)})),
      section(kImport, vec({cat({name("f"), {0x01}, u32(2)})})),
      section(kExport, vec({cat({name("f2"), {0x01}, u32(0), {0x00}})})),
  });
  Bytes outer = comp({
      section(kType, vec({cat({{0x3f, kI32}, {0x00}}), cat({{0x69}, u32(0)}),
                          func_type({{"x", u32(1)}}, std::nullopt)})),
      section(kImport, vec({cat({name("f"), {0x01}, u32(2)})})),
      section(kComponent, inner),
      section(
          kInstance,
          vec({cat({{0x00},
                    u32(0),
                    vec({cat({str("t"), {0x03}, u32(0)}), cat({str("f"), {0x01}, u32(0)})})})})),
      section(kAlias, vec({cat({{0x01}, {0x00}, u32(0), str("f2")})})),
      section(kExport, vec({cat({name("f3"), {0x01}, u32(1), {0x00}})})),
  });
  return {kitchen_sink(), outer, nested_component()};
}

// SPINDLE_FUZZ_CASES and SPINDLE_FUZZ_SEED scale a longer run up by hand.
int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

TEST(ComponentFuzz, MutatedComponentsLoadOrFailCleanly) {
  std::mt19937 rng(static_cast<unsigned>(env_int("SPINDLE_FUZZ_SEED", 12345)));
  const int cases = env_int("SPINDLE_FUZZ_CASES", 20000);
  std::vector<Bytes> base = seeds();
  for (const Bytes& s : base) {
    ComponentFile f;
    ASSERT_EQ(load_component(s, "fuzz.wasm", f), "");
  }
  int ok = 0, failed = 0;
  for (int i = 0; i < cases; ++i) {
    Bytes b = base[static_cast<size_t>(i) % base.size()];
    mutate(b, rng);
    ComponentFile f;
    std::string err = load_component(b, "fuzz.wasm", f);
    if (err.empty()) {
      ++ok;
      EXPECT_FALSE(f.components.empty());
    } else {
      ++failed;
      ASSERT_EQ(err.rfind("fuzz.wasm: ", 0), 0u) << err;
    }
  }
  // both outcomes happen: mutations of names and payloads often stay valid
  EXPECT_GT(ok, 0);
  EXPECT_GT(failed, cases / 2);
}

TEST(ComponentFuzz, EveryTruncationFails) {
  for (const Bytes& s : seeds()) {
    for (size_t n = 0; n < s.size(); ++n) {
      Bytes b(s.begin(), s.begin() + static_cast<long>(n));
      ComponentFile f;
      std::string err = load_component(b, "t.wasm", f);
      // a cut at a section boundary is a shorter valid component
      if (!err.empty()) {
        EXPECT_EQ(err.rfind("t.wasm: ", 0), 0u);
      }
    }
  }
}

}  // namespace
}  // namespace spindle::component
