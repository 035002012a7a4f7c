#include "isolate.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace spindle::spec {
namespace {

// The child's messages, one per line:
//   C <passed> <failed> <skipped> <text_modules> <line>   counts; next command
//   F <text>                                              a new failure
//   S <text>                                              a new skip
//   D                                                     finished
class Sender {
 public:
  explicit Sender(int fd) : fd_(fd) {}

  void update(const FileResult& r, uint32_t line) {
    std::string msg;
    for (; failures_ < r.failures.size(); ++failures_)
      msg += "F " + one_line(r.failures[failures_]) + "\n";
    for (; skips_ < r.skips.size(); ++skips_) msg += "S " + one_line(r.skips[skips_]) + "\n";
    msg += "C " + std::to_string(r.passed) + " " + std::to_string(r.failed) + " " +
           std::to_string(r.skipped) + " " + std::to_string(r.text_modules) + " " +
           std::to_string(line) + "\n";
    write_all(msg);
  }
  void done(const FileResult& r) {
    update(r, 0);
    write_all("D\n");
  }

 private:
  static std::string one_line(std::string s) {
    for (char& c : s)
      if (c == '\n' || c == '\r') c = ' ';
    return s;
  }
  void write_all(const std::string& s) {
    const char* p = s.data();
    size_t n = s.size();
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) _exit(3);
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  int fd_;
  size_t failures_ = 0;
  size_t skips_ = 0;
};

}  // namespace

FileResult run_file_isolated(engine::Engine& engine, const std::filesystem::path& json_path,
                             const SkipList& skips, const RunnerOptions& opts) {
  int fds[2];
  if (::pipe(fds) != 0) return run_file(engine, json_path, skips, opts);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return run_file(engine, json_path, skips, opts);
  }
  if (pid == 0) {
    ::close(fds[0]);
    Sender sender(fds[1]);
    FileResult r =
        run_file(engine, json_path, skips, opts,
                 [&](const FileResult& so_far, uint32_t line) { sender.update(so_far, line); });
    sender.done(r);
    std::fflush(stdout);
    _exit(0);
  }

  ::close(fds[1]);
  FileResult r;
  r.name = file_stem(json_path.filename().string()) + ".wast";
  uint32_t line = 0;
  bool finished = false;
  std::string buf;
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view msg(buf.data() + start, nl - start);
      if (msg.starts_with("F ")) {
        r.failures.emplace_back(msg.substr(2));
      } else if (msg.starts_with("S ")) {
        r.skips.emplace_back(msg.substr(2));
      } else if (msg.starts_with("C ")) {
        std::sscanf(std::string(msg).c_str(), "C %d %d %d %d %u", &r.passed, &r.failed, &r.skipped,
                    &r.text_modules, &line);
      } else if (msg == "D") {
        finished = true;
      }
    }
    buf.erase(0, start);
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished) {
    std::string how;
    if (WIFSIGNALED(status))
      how = "crashed with signal " + std::to_string(WTERMSIG(status)) + " (" +
            strsignal(WTERMSIG(status)) + ")";
    else
      how = "exited with status " + std::to_string(WEXITSTATUS(status));
    ++r.failed;
    r.failures.push_back(r.name + ":" + std::to_string(line) + ": the runner " + how +
                         " during this command; the rest of the file did not run");
  }
  return r;
}

}  // namespace spindle::spec
