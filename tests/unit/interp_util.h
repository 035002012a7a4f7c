// Helpers for the interpreter backend's unit tests (interp_*_test.cpp).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "test_util.h"

namespace spindle::engine::interp_test {

using spindle::test::wat;

inline std::unique_ptr<Engine> interp_engine() {
  EngineOptions o;
  o.backend = Backend::Interp;
  return Engine::create(o);
}

// Loads `text` (asserting success).
inline std::shared_ptr<Module> load(Engine& e, const std::string& text) {
  auto bytes = wat(text);
  LoadResult r = e.load(bytes, "test.wasm");
  EXPECT_TRUE(r.ok()) << r.error;
  return r.module;
}

// Loads and instantiates `text` with `linker` (asserting success).
inline std::unique_ptr<Instance> instantiate(Engine& e, const std::string& text,
                                             const Linker& linker = {},
                                             const InstanceOptions& opts = {}) {
  auto m = load(e, text);
  if (!m) return nullptr;
  InstantiateResult r = m->instantiate(linker, opts);
  EXPECT_TRUE(r.ok()) << r.link_error << " / " << r.outcome.message;
  return std::move(r.instance);
}

inline Value i32(uint32_t v) { return Value::from_i32(v); }
inline Value i64(uint64_t v) { return Value::from_i64(v); }
inline Value f32(float v) { return Value::from_f32(v); }
inline Value f64(double v) { return Value::from_f64(v); }

}  // namespace spindle::engine::interp_test
