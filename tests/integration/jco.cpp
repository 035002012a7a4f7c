#include "jco.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace spindle::test {

namespace fs = std::filesystem;

JcoServer::JcoServer(const fs::path& wasm, const std::string& dir)
    : port_(free_port()),
      proc_({"timeout", "-k", "5", "180", kJco.string(), "serve", "--host", "127.0.0.1", "--port",
             std::to_string(port_), "--isolate-requests", "instance", "--jco-dir", dir + "/jco",
             wasm.string()},
            dir + "/serve.log") {
  if (proc_.wait_for("Server listening @ 127.0.0.1:").empty()) return;
  // The first request may race the listener's start: retry for up to 10 s.
  for (int i = 0; i < 50; ++i) {
    if (curl({"-o", "/dev/null", url() + "/"}).status == 0) {
      ready_ = true;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

HttpAnswer get(std::vector<std::string> args) {
  args.insert(args.begin(), "-i");
  Result r = curl(args);
  HttpAnswer out;
  size_t end = r.out.find("\r\n\r\n");
  if (end == std::string::npos) return out;
  std::string head = r.out.substr(0, end);
  out.body = r.out.substr(end + 4);
  size_t sp = head.find(' ');
  if (sp != std::string::npos) out.status = head.substr(sp + 1, 3);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  out.headers = head;
  return out;
}

std::string assemble(const std::string& dir, const std::string& name, const std::string& wat) {
  std::ofstream(dir + "/" + name + ".wat") << wat;
  Result r = run_process(
      {kJco.string(), "parse", dir + "/" + name + ".wat", "-o", dir + "/" + name + ".wasm"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  return dir + "/" + name + ".wasm";
}

}  // namespace spindle::test
