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

namespace spindle::engine::interp_test {

// Compiles WebAssembly text with /usr/bin/wat2wasm (from the wabt package).
inline std::vector<uint8_t> wat(const std::string& text) {
  static std::atomic<int> counter{0};
  std::filesystem::path dir = std::filesystem::path(SPINDLE_TEST_TMP) / "interp";
  std::filesystem::create_directories(dir);
  std::string base =
      (dir / ("m" + std::to_string(getpid()) + "_" + std::to_string(counter.fetch_add(1))))
          .string();
  {
    std::ofstream out(base + ".wat");
    out << text;
  }
  std::string cmd = "/usr/bin/wat2wasm " + base + ".wat -o " + base + ".wasm 2>" + base + ".err";
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream err(base + ".err");
    std::string msg((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    ADD_FAILURE() << "wat2wasm failed: " << msg;
    return {};
  }
  auto bytes = read_file(base + ".wasm");
  std::filesystem::remove(base + ".wat");
  std::filesystem::remove(base + ".wasm");
  std::filesystem::remove(base + ".err");
  return bytes.value_or(std::vector<uint8_t>{});
}

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
