#include "host/mysql/client.h"

#include <mysql.h>
#include <poll.h>

#include <algorithm>
#include <cstring>

#include "host/mysql/watchdog.h"

namespace spindle::host::mysql {

using rdbms::Error;
using rdbms::ErrorKind;
using rdbms::Tag;
using rdbms::Value;

namespace {

constexpr size_t kMaxIdle = 8;
constexpr size_t kMaxPools = 256;
constexpr unsigned kIoTimeoutSeconds = 30;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool alive(MYSQL* c) {
  pollfd p{static_cast<int>(mysql_get_socket(c)), POLLIN, 0};
  return poll(&p, 1, 0) == 0;
}

}  // namespace

std::optional<Address> parse_address(const std::string& url) {
  const std::string scheme = "mysql://";
  if (url.size() < scheme.size() || url.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  Address a;
  auto q = rest.find('?');
  std::string query = q == std::string::npos ? "" : rest.substr(q + 1);
  rest = rest.substr(0, q);
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    a.database = percent_decode(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
  }
  auto at = rest.rfind('@');
  if (at != std::string::npos) {
    std::string cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = cred.find(':');
    a.user = percent_decode(cred.substr(0, colon));
    if (colon != std::string::npos) a.password = percent_decode(cred.substr(colon + 1));
  }
  std::string port;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return std::nullopt;
    a.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return std::nullopt;
      port = rest.substr(close + 2);
    }
  } else {
    auto colon = rest.rfind(':');
    a.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (a.host.empty()) return std::nullopt;
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit)) return std::nullopt;
    a.port = std::stoi(port);
    if (a.port > 65535) return std::nullopt;
  }
  for (size_t start = 0; start < query.size();) {
    size_t amp = query.find('&', start);
    std::string kv = query.substr(start, amp - start);
    auto eq = kv.find('=');
    std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
    std::transform(k.begin(), k.end(), k.begin(), ::tolower);
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    if ((k == "ssl-mode" || k == "sslmode") && v != "disabled") a.tls = true;
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return a;
}

Pool::~Pool() {
  for (MYSQL* c : idle_) mysql_close(c);
}

std::shared_ptr<Pool> Pool::get(const std::string& url, const Address& a) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<Pool>> pools;
  std::lock_guard lock(mu);
  auto it = pools.find(url);
  if (it != pools.end()) return it->second;
  if (pools.size() >= kMaxPools) {
    for (auto i = pools.begin(); i != pools.end();)
      i = i->second.use_count() == 1 ? pools.erase(i) : std::next(i);
  }
  auto pool = std::make_shared<Pool>(a);
  pools.emplace(url, pool);
  return pool;
}

std::unique_ptr<Connection> Pool::acquire(Deadline deadline, Error& error) {
  {
    std::lock_guard lock(mu_);
    while (!idle_.empty()) {
      MYSQL* c = idle_.back();
      idle_.pop_back();
      if (alive(c)) return std::make_unique<Connection>(c, shared_from_this());
      mysql_close(c);
    }
  }
  static std::once_flag init;
  std::call_once(init, [] { mysql_library_init(0, nullptr, nullptr); });
  MYSQL* c = mysql_init(nullptr);
  if (c == nullptr) {
    error = rdbms::error(ErrorKind::ConnectionFailed, "out of memory");
    return nullptr;
  }
  auto left =
      std::chrono::duration_cast<std::chrono::seconds>(deadline - std::chrono::steady_clock::now())
          .count();
  unsigned connect_timeout =
      static_cast<unsigned>(std::clamp<long long>(left, 1, kIoTimeoutSeconds));
  unsigned io_timeout = kIoTimeoutSeconds;
  mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_options(c, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
  mysql_options(c, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
  mysql_options(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // LOAD DATA LOCAL INFILE would read the host's files.
  unsigned int no_local_files = 0;
  mysql_options(c, MYSQL_OPT_LOCAL_INFILE, &no_local_files);
  if (address_.tls) {
    my_bool on = 1;
    mysql_options(c, MYSQL_OPT_SSL_ENFORCE, &on);
  }
  if (!mysql_real_connect(c, address_.host.c_str(),
                          address_.user.empty() ? nullptr : address_.user.c_str(),
                          address_.password.c_str(),
                          address_.database.empty() ? nullptr : address_.database.c_str(),
                          static_cast<unsigned>(address_.port), nullptr, 0)) {
    error = rdbms::error(ErrorKind::ConnectionFailed, mysql_error(c));
    mysql_close(c);
    return nullptr;
  }
  return std::make_unique<Connection>(c, shared_from_this());
}

void Pool::release(MYSQL* c) {
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdle) {
    idle_.push_back(c);
  } else {
    mysql_close(c);
  }
}

Connection::~Connection() {
  // A connection left inside a transaction is not given to the next caller.
  bool in_tx = (conn_->server_status & SERVER_STATUS_IN_TRANS) != 0;
  if (!broken_ && !in_tx) {
    pool_->release(conn_);
  } else {
    mysql_close(conn_);
  }
}

std::optional<Error> Connection::run(const std::string& sql, const std::vector<Value>& params,
                                     Deadline deadline, rdbms::RowSet& out) {
  Watchdog& dog = Watchdog::get();
  uint64_t token = dog.watch(deadline, pool_->address_, mysql_thread_id(conn_));
  auto error = run_statement(sql, params, out);
  if (dog.done(token)) {  // killed: the connection is not reused
    broken_ = true;
    out = rdbms::RowSet();
    return rdbms::error(ErrorKind::Other, "timed out waiting for the server");
  }
  return error;
}

}  // namespace spindle::host::mysql
