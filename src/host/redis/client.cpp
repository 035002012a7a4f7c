#include "host/redis/client.h"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <map>
#include <mutex>

namespace spindle::host::redis {

namespace {

constexpr std::chrono::milliseconds kTimeout{5000};
constexpr size_t kMaxIdle = 16;

Reply convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STATUS:
      out.kind = Reply::Kind::Status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.kind = Reply::Kind::Error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.kind = Reply::Kind::Integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.kind = Reply::Kind::String;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = Reply::Kind::Array;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.kind = Reply::Kind::Nil;
  }
  return out;
}

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

}  // namespace

bool parse_url(const std::string& url, Address& out, std::string& error) {
  const std::string scheme = "redis://";
  if (url.rfind(scheme, 0) != 0) {
    error = "`" + url + "` is not a redis:// URL";
    return false;
  }
  std::string rest = url.substr(scheme.size());
  Address a;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = cred.find(':');
    if (colon == std::string::npos) {
      a.password = cred;
    } else {
      a.username = cred.substr(0, colon);
      a.password = cred.substr(colon + 1);
    }
  }
  std::string hostport = rest.substr(0, rest.find('/'));
  if (auto slash = rest.find('/'); slash != std::string::npos && slash + 1 < rest.size()) {
    try {
      a.db = std::stoi(rest.substr(slash + 1));
    } catch (...) {
      error = "`" + url + "`: the database after `/` is not a number";
      return false;
    }
  }
  std::string port;
  if (!hostport.empty() && hostport[0] == '[') {  // [v6]:port
    auto close = hostport.find(']');
    if (close == std::string::npos) {
      error = "`" + url + "`: unclosed `[` in the host";
      return false;
    }
    a.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':')
      port = hostport.substr(close + 2);
  } else if (auto colon = hostport.rfind(':'); colon != std::string::npos) {
    a.host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  } else if (!hostport.empty()) {
    a.host = hostport;
  }
  if (!port.empty()) {
    try {
      a.port = std::stoi(port);
    } catch (...) {
      error = "`" + url + "`: the port is not a number";
      return false;
    }
  }
  if (a.host.empty()) {
    error = "`" + url + "` names no host";
    return false;
  }
  a.display = "redis://" + (a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host) +
              ":" + std::to_string(a.port) + (a.db ? "/" + std::to_string(a.db) : "");
  out = std::move(a);
  return true;
}

Connection::~Connection() { redisFree(c_); }

std::unique_ptr<Connection> Connection::open(const Address& a, std::chrono::milliseconds timeout,
                                             std::string& error) {
  timeval tv = to_timeval(timeout);
  redisContext* c = redisConnectWithTimeout(a.host.c_str(), a.port, tv);
  if (!c || c->err) {
    error = "cannot connect to " + a.display + ": " + (c ? c->errstr : "out of memory");
    redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, to_timeval(kTimeout));
  std::unique_ptr<Connection> conn(new Connection(c));
  Reply r;
  if (!a.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!a.username.empty()) auth.push_back(a.username);
    auth.push_back(a.password);
    if (!conn->command(auth, r, error)) return nullptr;
    if (r.kind == Reply::Kind::Error) {
      error = a.display + " refused the credentials: " + r.str;
      return nullptr;
    }
  }
  if (a.db != 0) {
    if (!conn->command({"SELECT", std::to_string(a.db)}, r, error)) return nullptr;
    if (r.kind == Reply::Kind::Error) {
      error = a.display + ": " + r.str;
      return nullptr;
    }
  }
  return conn;
}

bool Connection::command(const std::vector<std::string>& argv, Reply& out, std::string& error) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(c_, static_cast<int>(args.size()), args.data(), lens.data()));
  if (!r) {
    error = c_->err ? c_->errstr : "no reply";
    return false;
  }
  out = convert(r);
  freeReplyObject(r);
  return true;
}

bool Connection::read(Reply& out, std::chrono::milliseconds timeout, bool& timed_out,
                      std::string& error) {
  timed_out = false;
  void* r = nullptr;
  // A reply may already be buffered.
  if (redisGetReplyFromReader(c_, &r) != REDIS_OK) {
    error = c_->errstr;
    return false;
  }
  if (!r) {
    pollfd p{c_->fd, POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(timeout.count()));
    if (n == 0) {
      timed_out = true;
      return false;
    }
    if (redisGetReply(c_, &r) != REDIS_OK || !r) {
      error = c_->err ? c_->errstr : "connection closed";
      return false;
    }
  }
  out = convert(static_cast<redisReply*>(r));
  freeReplyObject(r);
  return true;
}

struct Pool::Idle {
  std::mutex mu;
  std::vector<std::unique_ptr<Connection>> conns;
};

std::shared_ptr<Pool> Pool::get(const std::string& url, std::string& error) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<Pool>, std::less<>> pools;
  std::lock_guard lock(mu);
  if (auto it = pools.find(url); it != pools.end()) return it->second;
  Address a;
  if (!parse_url(url, a, error)) return nullptr;
  auto p = std::make_shared<Pool>(std::move(a));
  p->idle_ = std::make_shared<Idle>();
  pools.emplace(url, p);
  return p;
}

std::unique_ptr<Connection> Pool::take(std::string& error) {
  {
    std::lock_guard lock(idle_->mu);
    if (!idle_->conns.empty()) {
      auto c = std::move(idle_->conns.back());
      idle_->conns.pop_back();
      return c;
    }
  }
  return dedicated(error);
}

std::unique_ptr<Connection> Pool::dedicated(std::string& error) {
  return Connection::open(address_, std::chrono::milliseconds(2000), error);
}

void Pool::give_back(std::unique_ptr<Connection> c) {
  std::lock_guard lock(idle_->mu);
  if (idle_->conns.size() < kMaxIdle) idle_->conns.push_back(std::move(c));
}

bool Pool::connect(std::string& error) {
  auto c = take(error);
  if (!c) {
    error = address_.display + ": " + error;
    return false;
  }
  give_back(std::move(c));
  return true;
}

bool Pool::command(const std::vector<std::string>& argv, Reply& out, std::string& error) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto c = take(error);
    if (!c) return false;
    if (c->command(argv, out, error)) {
      give_back(std::move(c));
      return true;
    }
    // The connection broke (server restarted, timeout): drop it and the
    // idle ones (likely broken alike) and, once, try again on a new one.
    error = address_.display + ": " + error;
    std::lock_guard lock(idle_->mu);
    idle_->conns.clear();
  }
  return false;
}

}  // namespace spindle::host::redis
