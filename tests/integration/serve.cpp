#include "serve.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

extern char** environ;

namespace spindle::test {

Background::Background(std::vector<std::string> argv, std::string log, std::vector<std::string> env)
    : log_(std::move(log)) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
}

Background::~Background() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
  }
}

int Background::wait_exit(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (pid_ > 0) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= until) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::string Background::wait_for(const std::string& marker, size_t after) const {
  for (int i = 0; i < 300; ++i) {
    std::string text = slurp(log_);
    auto pos = text.size() > after ? text.find(marker, after) : std::string::npos;
    if (pos != std::string::npos) {
      auto end = text.find('\n', pos);
      if (end != std::string::npos)
        return text.substr(pos + marker.size(), end - pos - marker.size());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {};
}

namespace {

std::vector<std::string> up_args(const std::string& command, const std::string& dir,
                                 std::vector<std::string> extra) {
  std::vector<std::string> a = {SPINDLE_BIN, command, "--from", dir, "--listen", "127.0.0.1:0"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

}  // namespace

Up::Up(const std::string& app_dir, std::vector<std::string> extra, const std::string& command)
    : proc_(up_args(command, app_dir, std::move(extra)), app_dir + "/up.log",
            {std::string("XDG_CACHE_HOME=") + SPINDLE_TEST_CACHE}) {
  // "Serving http://…", or https://… with --tls-cert.
  std::string rest = proc_.wait_for("Serving http");
  if (rest.rfind("://", 0) == 0 || rest.rfind("s://", 0) == 0) url_ = "http" + rest;
}

std::string one_component_app(const std::string& name, const std::string& guest_name,
                              const std::string& id, const std::string& route) {
  std::string dir = temp_dir(name);
  std::filesystem::copy_file(guest(guest_name), dir + "/" + guest_name + ".wasm");
  std::ofstream(dir + "/spin.toml")
      << "spin_manifest_version = 2\n"
      << "[application]\nname = \"" << name << "\"\n"
      << "[[trigger.http]]\nroute = \"" << route << "\"\ncomponent = \"" << id << "\"\n"
      << "[component." << id << "]\nsource = \"" << guest_name << ".wasm\"\n";
  return dir;
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

int free_fixed_port() {
  static std::atomic<int> next{20000 + (getpid() % 1000) * 10};
  for (int tries = 0; tries < 2000; ++tries) {
    int port = next++;
    if (port >= 32768) next = port = 20000;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (ok) return port;
  }
  return 0;
}

int connect_to(const std::string& address) {
  std::string hostport = address;
  if (size_t scheme = hostport.find("//"); scheme != std::string::npos)
    hostport = hostport.substr(scheme + 2);
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(hostport.substr(colon + 1))));
  if (inet_pton(AF_INET, hostport.substr(0, colon).c_str(), &sa.sin_addr) != 1) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

Result curl(std::vector<std::string> args) {
  std::vector<std::string> argv = {"curl", "-s", "-S", "--max-time", "20"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

std::string http_code(std::vector<std::string> args) {
  std::vector<std::string> all = {"-o", "/dev/null", "-w", "%{http_code}"};
  all.insert(all.end(), args.begin(), args.end());
  return curl(all).out;
}

}  // namespace spindle::test
