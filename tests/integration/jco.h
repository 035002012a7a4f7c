// `jco serve`, the oracle the component tests compare spindle with, and the
// JavaScript components tests/components/build-js.sh builds during the test
// run (the Spin JS SDK hello template and an echo app).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "build_js.h"
#include "serve.h"

namespace spindle::test {

inline const std::filesystem::path kComponents = SPINDLE_COMPONENTS_DIR;
inline const std::filesystem::path kJco = kComponents / "node_modules/.bin/jco";
inline const std::filesystem::path kJsOut = SPINDLE_JS_COMPONENTS;

// `jco serve --isolate-requests instance` of one component on 127.0.0.1,
// bounded: `timeout` stops the whole process group (jco and the node
// process it spawns) after 180 s at the latest, and when the object ends.
class JcoServer {
 public:
  JcoServer(const std::filesystem::path& wasm, const std::string& dir);
  bool ready() const { return ready_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return proc_.log(); }

 private:
  int port_;
  Background proc_;
  bool ready_ = false;
};

struct HttpAnswer {
  std::string status, headers, body;  // headers: the header block, lowercased
};

// curl -i <args>: the status code, the header block and the body.
HttpAnswer get(std::vector<std::string> args);

// Component text assembled by `jco parse` into `dir`/`name`.wasm (its path;
// a failure is a test failure with jco's output).
std::string assemble(const std::string& dir, const std::string& name, const std::string& wat);

}  // namespace spindle::test
