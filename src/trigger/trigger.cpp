#include "trigger/trigger.h"

#include <chrono>
#include <ctime>
#include <fstream>

namespace spindle::trigger {

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(ms));
  return out;
}

void Log::info(const std::string& line) {
  if (quiet_) return;
  std::string ts = timestamp();
  std::lock_guard lock(mu_);
  std::fprintf(stdout, "%s %s\n", ts.c_str(), line.c_str());
  std::fflush(stdout);
}

void Log::error(const std::string& line) {
  std::string ts = timestamp();
  std::lock_guard lock(mu_);
  std::fprintf(stderr, "%s %s\n", ts.c_str(), line.c_str());
}

void Log::append(const std::filesystem::path& file, std::string_view text) {
  if (file.empty() || text.empty()) return;
  std::lock_guard lock(mu_);
  std::ofstream(file, std::ios::app | std::ios::binary).write(text.data(), text.size());
}

void Log::echo(std::string_view out, std::string_view err) {
  std::lock_guard lock(mu_);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fwrite(err.data(), 1, err.size(), stderr);
  std::fflush(stdout);
}

ComponentRuntime::~ComponentRuntime() {
  std::error_code ec;
  if (!owned_dir.empty()) std::filesystem::remove_all(owned_dir, ec);
}

void ComponentRuntime::write_output(Log& log, const std::string& out,
                                    const std::string& err) const {
  log.append(stdout_log, out);
  log.append(stderr_log, err);
  if (follow) log.echo(out, err);
}

}  // namespace spindle::trigger
