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

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else {
          out += c;
        }
    }
  }
  return out;
}

void Log::write(std::FILE* to, std::string_view level, const std::string& fields,
                const std::string& text) {
  std::string ts = timestamp();
  std::string line =
      json_ ? "{\"time\":\"" + ts + "\",\"level\":\"" + std::string(level) + "\"" + fields + "}\n"
            : ts + " " + text + "\n";
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), to);
  std::fflush(to);
}

void Log::info(const std::string& line) {
  if (!quiet_) notice(line);
}

void Log::notice(const std::string& line) {
  write(stdout, "info", json_ ? ",\"message\":\"" + json_escape(line) + "\"" : "", line);
}

void Log::error(const std::string& line) {
  write(stderr, "error", json_ ? ",\"message\":\"" + json_escape(line) + "\"" : "", line);
}

void Log::request(std::string_view method, std::string_view path, std::string_view component,
                  unsigned status, double ms) {
  if (quiet_) return;
  char num[64];
  if (!json_) {
    std::snprintf(num, sizeof num, " %u %.3fms", status, ms);
    std::string line;
    line.append(method).append(" ").append(path).append(" ").append(component).append(num);
    return write(stdout, "info", "", line);
  }
  std::snprintf(num, sizeof num, ",\"status\":%u,\"duration_ms\":%.3f", status, ms);
  write(stdout, "info",
        ",\"method\":\"" + json_escape(method) + "\",\"path\":\"" + json_escape(path) +
            "\",\"component\":\"" + json_escape(component) + "\"" + num,
        "");
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
