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
constexpr size_t kMaxResultBytes = 128u << 20;
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

// Errors after which the connection is unusable.
bool lost(unsigned code) { return code == 2006 || code == 2013 || code == 2055; }

Error server_error(unsigned code, const char* state, const char* message) {
  return rdbms::error(ErrorKind::QueryFailed, "ERROR " + std::to_string(code) + " (" +
                                                  std::string(state ? state : "") +
                                                  "): " + (message ? message : ""));
}

// Spin's data type of a column (client.rs convert_data_type).
Tag column_tag(const MYSQL_FIELD& f) {
  bool is_unsigned = (f.flags & UNSIGNED_FLAG) != 0;
  bool binary = (f.flags & BINARY_FLAG) != 0;
  switch (f.type) {
    case MYSQL_TYPE_DOUBLE:
      return Tag::Floating64;
    case MYSQL_TYPE_FLOAT:
      return Tag::Floating32;
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
      return is_unsigned ? Tag::Uint32 : Tag::Int32;
    case MYSQL_TYPE_LONGLONG:
      return is_unsigned ? Tag::Uint64 : Tag::Int64;
    case MYSQL_TYPE_SHORT:
      return is_unsigned ? Tag::Uint16 : Tag::Int16;
    case MYSQL_TYPE_TINY:
      return is_unsigned ? Tag::Uint8 : Tag::Int8;
    case MYSQL_TYPE_BLOB:
      return binary ? Tag::Binary : Tag::Str;  // TEXT is a non-binary BLOB
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
      return Tag::Binary;
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING:
      return binary ? Tag::Binary : Tag::Str;
    default:
      return Tag::Unsupported;
  }
}

const char* type_name(enum_field_types t) {
  switch (t) {
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
      return "decimal";
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
      return "date";
    case MYSQL_TYPE_TIME:
      return "time";
    case MYSQL_TYPE_DATETIME:
      return "datetime";
    case MYSQL_TYPE_TIMESTAMP:
      return "timestamp";
    case MYSQL_TYPE_YEAR:
      return "year";
    case MYSQL_TYPE_BIT:
      return "bit";
    case MYSQL_TYPE_JSON:
      return "json";
    case MYSQL_TYPE_ENUM:
      return "enum";
    case MYSQL_TYPE_SET:
      return "set";
    case MYSQL_TYPE_GEOMETRY:
      return "geometry";
    default:
      return "other";
  }
}

bool is_integer(enum_field_types t) {
  return t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT || t == MYSQL_TYPE_INT24 ||
         t == MYSQL_TYPE_LONG || t == MYSQL_TYPE_LONGLONG;
}

// One parameter's bound storage.
struct ParamSlot {
  int64_t i = 0;
  float f = 0;
  double d = 0;
};

// One result column's bound storage.
struct ResultSlot {
  int64_t i = 0;
  float f = 0;
  double d = 0;
  std::string buf;
  unsigned long length = 0;
  my_bool is_null = 0;
  my_bool error = 0;
};

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

std::optional<Error> Connection::run_statement(const std::string& sql,
                                               const std::vector<Value>& params,
                                               rdbms::RowSet& out) {
  MYSQL_STMT* st = mysql_stmt_init(conn_);
  if (st == nullptr) {
    broken_ = true;
    return rdbms::error(ErrorKind::Other, mysql_error(conn_));
  }
  struct Closer {
    MYSQL_STMT* st;
    ~Closer() { mysql_stmt_close(st); }
  } closer{st};
  auto failed = [&] {
    unsigned code = mysql_stmt_errno(st);
    if (lost(code)) broken_ = true;
    return server_error(code, mysql_stmt_sqlstate(st), mysql_stmt_error(st));
  };
  if (mysql_stmt_prepare(st, sql.data(), sql.size()) != 0) return failed();
  unsigned long expected = mysql_stmt_param_count(st);
  if (expected != params.size())
    return rdbms::error(ErrorKind::QueryFailed, "the statement has " + std::to_string(expected) +
                                                    " parameters but " +
                                                    std::to_string(params.size()) + " were given");
  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<ParamSlot> slots(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const Value& v = params[i];
    MYSQL_BIND& b = binds[i];
    std::memset(&b, 0, sizeof b);
    ParamSlot& s = slots[i];
    switch (v.tag) {
      case Tag::Boolean:
      case Tag::Int8:
      case Tag::Int16:
      case Tag::Int32:
      case Tag::Int64:
        s.i = v.tag == Tag::Boolean ? (v.boolean ? 1 : 0) : v.integer;
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &s.i;
        break;
      case Tag::Uint8:
      case Tag::Uint16:
      case Tag::Uint32:
      case Tag::Uint64:
        s.i = static_cast<int64_t>(v.unsigned_);
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &s.i;
        b.is_unsigned = 1;
        break;
      case Tag::Floating32:
        s.f = static_cast<float>(v.real);
        b.buffer_type = MYSQL_TYPE_FLOAT;
        b.buffer = &s.f;
        break;
      case Tag::Floating64:
        s.d = v.real;
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = &s.d;
        break;
      case Tag::Str:
      case Tag::Binary:
        b.buffer_type = v.tag == Tag::Str ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
        b.buffer = const_cast<char*>(v.bytes.data());
        b.buffer_length = v.bytes.size();
        break;
      default:
        b.buffer_type = MYSQL_TYPE_NULL;
    }
  }
  if (!binds.empty() && mysql_stmt_bind_param(st, binds.data()) != 0) return failed();
  my_bool update_max = 1;
  mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
  if (mysql_stmt_execute(st) != 0) return failed();
  MYSQL_RES* meta = mysql_stmt_result_metadata(st);
  if (meta == nullptr) return std::nullopt;  // a statement without rows
  struct MetaFree {
    MYSQL_RES* r;
    ~MetaFree() { mysql_free_result(r); }
  } meta_free{meta};
  if (mysql_stmt_store_result(st) != 0) return failed();
  unsigned n = mysql_num_fields(meta);
  MYSQL_FIELD* fields = mysql_fetch_fields(meta);
  std::vector<MYSQL_BIND> rb(n);
  std::vector<ResultSlot> rs(n);
  for (unsigned c = 0; c < n; ++c) {
    const MYSQL_FIELD& f = fields[c];
    rdbms::Column col;
    col.name = f.name ? f.name : "";
    col.type = column_tag(f);
    if (col.type == Tag::Unsupported) col.type_name = type_name(f.type);
    out.columns.push_back(std::move(col));
    MYSQL_BIND& b = rb[c];
    std::memset(&b, 0, sizeof b);
    ResultSlot& s = rs[c];
    b.is_null = &s.is_null;
    b.length = &s.length;
    b.error = &s.error;
    if (is_integer(f.type)) {
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &s.i;
      b.is_unsigned = (f.flags & UNSIGNED_FLAG) ? 1 : 0;
    } else if (f.type == MYSQL_TYPE_FLOAT) {
      b.buffer_type = MYSQL_TYPE_FLOAT;
      b.buffer = &s.f;
    } else if (f.type == MYSQL_TYPE_DOUBLE) {
      b.buffer_type = MYSQL_TYPE_DOUBLE;
      b.buffer = &s.d;
    } else {
      s.buf.resize(std::max<unsigned long>(f.max_length, 1) + 1);
      b.buffer_type = MYSQL_TYPE_BLOB;
      b.buffer = s.buf.data();
      b.buffer_length = s.buf.size();
    }
  }
  if (mysql_stmt_bind_result(st, rb.data()) != 0) return failed();
  size_t bytes = 0;
  for (;;) {
    int r = mysql_stmt_fetch(st);
    if (r == MYSQL_NO_DATA) break;
    if (r == 1) return failed();
    std::vector<Value> row(n);
    for (unsigned c = 0; c < n; ++c) {
      ResultSlot& s = rs[c];
      if (s.is_null) continue;
      const rdbms::Column& col = out.columns[c];
      Value& v = row[c];
      v.tag = col.type;
      switch (col.type) {
        case Tag::Int8:
        case Tag::Int16:
        case Tag::Int32:
        case Tag::Int64:
          v.integer = s.i;
          break;
        case Tag::Uint8:
        case Tag::Uint16:
        case Tag::Uint32:
        case Tag::Uint64:
          v.unsigned_ = static_cast<uint64_t>(s.i);
          break;
        case Tag::Floating32:
          v.real = s.f;
          break;
        case Tag::Floating64:
          v.real = s.d;
          break;
        case Tag::Str:
        case Tag::Binary:
          if (s.length > s.buf.size())
            return rdbms::error(ErrorKind::Other, "a value was truncated");
          v.bytes.assign(s.buf.data(), s.length);
          break;
        default:
          return rdbms::error(
              ErrorKind::ValueConversionFailed,
              "Cannot convert value in column " + col.name + " of type " + col.type_name);
      }
      bytes += v.bytes.size() + sizeof(Value);
    }
    if (bytes > kMaxResultBytes)
      return rdbms::error(ErrorKind::Other, "query result exceeds limit of " +
                                                std::to_string(kMaxResultBytes) + " bytes");
    out.rows.push_back(std::move(row));
  }
  return std::nullopt;
}

}  // namespace spindle::host::mysql
