// A small Redis client over hiredis, shared by outbound Redis, the Redis
// key-value backend and the Redis trigger: a pool of connections per
// address, each command retried once on a fresh connection when the old one
// broke (so a restarted redis-server is picked up without a restart of ours),
// and bounded waits, so a guest never hangs on a dead server.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct redisContext;

namespace spindle::host::redis {

struct Address {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string username, password;
  std::string display;  // the URL without the password
};

// Parses redis://[[user]:password@]host[:port][/db]. False with `error` set
// when it is not such a URL.
bool parse_url(const std::string& url, Address& out, std::string& error);

struct Reply {
  enum class Kind { Nil, Status, Integer, String, Array, Error };
  Kind kind = Kind::Nil;
  int64_t integer = 0;
  std::string str;  // Status, String, Error
  std::vector<Reply> elements;
};

// One connection (owned; not thread-safe).
class Connection {
 public:
  ~Connection();
  static std::unique_ptr<Connection> open(const Address& a, std::chrono::milliseconds timeout,
                                          std::string& error);
  // Sends one command and reads its reply. False when the connection failed
  // (it is then unusable); a Redis error reply is a successful round trip.
  bool command(const std::vector<std::string>& argv, Reply& out, std::string& error);
  // For subscribers: reads the next reply, waiting at most `timeout`
  // (0: the connection's timeout). False on timeout (`timed_out`) or failure.
  bool read(Reply& out, std::chrono::milliseconds timeout, bool& timed_out, std::string& error);

 private:
  explicit Connection(redisContext* c) : c_(c) {}
  redisContext* c_;
};

class Pool {
 public:
  // The process-wide pool for `url`.
  static std::shared_ptr<Pool> get(const std::string& url, std::string& error);

  // Runs one command on an idle connection (or a new one), retrying once on a
  // new connection when the first failed.
  bool command(const std::vector<std::string>& argv, Reply& out, std::string& error);
  // True when an idle connection is there or a new one can be made (it
  // then stays idle in the pool).
  bool connect(std::string& error);
  // A new connection of the caller's own, made as the pool makes its (for
  // state a connection holds across commands: WATCH ... EXEC).
  std::unique_ptr<Connection> dedicated(std::string& error);
  const Address& address() const { return address_; }

  explicit Pool(Address a) : address_(std::move(a)) {}

 private:
  std::unique_ptr<Connection> take(std::string& error);
  void give_back(std::unique_ptr<Connection> c);

  Address address_;
  struct Idle;
  std::shared_ptr<Idle> idle_;
};

}  // namespace spindle::host::redis
