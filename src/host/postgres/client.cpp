#include "host/postgres/client.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "host/postgres/types.h"

namespace spindle::host::postgres {

using rdbms::Error;
using rdbms::ErrorKind;

namespace {

constexpr size_t kMaxIdle = 8;
constexpr size_t kMaxPools = 256;
// Results larger than this are refused (Spin: MAX_HOST_BUFFERED_BYTES).
constexpr size_t kMaxResultBytes = 128u << 20;

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_fd(int fd, short events, Deadline deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// An idle connection the server has not closed (an idle connection has
// nothing to read unless the server said goodbye).
bool alive(PGconn* c) {
  if (PQstatus(c) != CONNECTION_OK) return false;
  pollfd p{PQsocket(c), POLLIN, 0};
  return poll(&p, 1, 0) == 0;
}

Error query_failed(const PGresult* r, PGconn* c) {
  Error e;
  e.kind = ErrorKind::QueryFailed;
  if (r == nullptr || PQresultErrorField(r, PG_DIAG_SQLSTATE) == nullptr) {
    e.message = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(c));
    if (e.message.empty()) e.message = trimmed(PQerrorMessage(c));
    return e;
  }
  auto field = [&](int code) {
    const char* s = PQresultErrorField(r, code);
    return std::optional<std::string>(s ? std::optional<std::string>(s) : std::nullopt);
  };
  rdbms::DbError db;
  db.severity = field(PG_DIAG_SEVERITY_NONLOCALIZED).value_or(field(PG_DIAG_SEVERITY).value_or(""));
  db.code = field(PG_DIAG_SQLSTATE).value_or("");
  db.message = field(PG_DIAG_MESSAGE_PRIMARY).value_or("");
  db.detail = field(PG_DIAG_MESSAGE_DETAIL);
  const std::pair<int, const char*> extras[] = {
      {PG_DIAG_MESSAGE_HINT, "hint"},      {PG_DIAG_STATEMENT_POSITION, "position"},
      {PG_DIAG_CONTEXT, "where"},          {PG_DIAG_SCHEMA_NAME, "schema"},
      {PG_DIAG_TABLE_NAME, "table"},       {PG_DIAG_COLUMN_NAME, "column"},
      {PG_DIAG_DATATYPE_NAME, "datatype"}, {PG_DIAG_CONSTRAINT_NAME, "constraint"},
  };
  for (const auto& [code, name] : extras)
    if (auto v = field(code)) db.extras.emplace_back(name, *v);
  e.message = db.severity + ": " + db.message + (db.detail ? " (" + *db.detail + ")" : "") +
              " (SQLSTATE " + db.code + ")";
  e.db = std::move(db);
  return e;
}

}  // namespace

Pool::~Pool() {
  for (PGconn* c : idle_) PQfinish(c);
}

std::shared_ptr<Pool> Pool::get(const std::string& address) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<Pool>> pools;
  std::lock_guard lock(mu);
  auto it = pools.find(address);
  if (it != pools.end()) return it->second;
  if (pools.size() >= kMaxPools) {
    for (auto i = pools.begin(); i != pools.end();) {
      i = i->second.use_count() == 1 ? pools.erase(i) : std::next(i);
    }
  }
  auto pool = std::make_shared<Pool>(address);
  pools.emplace(address, pool);
  return pool;
}

std::unique_ptr<Connection> Pool::acquire(Deadline deadline, Error& error) {
  {
    std::lock_guard lock(mu_);
    while (!idle_.empty()) {
      PGconn* c = idle_.back();
      idle_.pop_back();
      if (alive(c)) return std::make_unique<Connection>(c, shared_from_this());
      PQfinish(c);
    }
  }
  const char* keys[] = {"dbname", "client_encoding", nullptr};
  const char* values[] = {address_.c_str(), "UTF8", nullptr};
  PGconn* c = PQconnectStartParams(keys, values, 1);
  auto fail = [&](std::string why) {
    error = rdbms::error(ErrorKind::ConnectionFailed, std::move(why));
    if (c) PQfinish(c);
    return nullptr;
  };
  if (c == nullptr) return fail("out of memory");
  if (PQstatus(c) == CONNECTION_BAD) return fail(trimmed(PQerrorMessage(c)));
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED) return fail(trimmed(PQerrorMessage(c)));
    if (!wait_fd(PQsocket(c), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline))
      return fail("timed out connecting to the server");
    st = PQconnectPoll(c);
  }
  if (PQsetnonblocking(c, 1) != 0) return fail(trimmed(PQerrorMessage(c)));
  return std::make_unique<Connection>(c, shared_from_this());
}

void Pool::release(PGconn* c) {
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdle) {
    idle_.push_back(c);
  } else {
    PQfinish(c);
  }
}

Connection::~Connection() {
  if (!broken_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE) {
    pool_->release(conn_);
  } else {
    PQfinish(conn_);
  }
}

std::optional<Error> Connection::run(const std::string& sql,
                                     const std::vector<rdbms::Value>& params, Deadline deadline,
                                     rdbms::RowSet& out, uint64_t& affected) {
  std::vector<Param> ps(params.size());
  for (size_t i = 0; i < params.size(); ++i)
    if (auto e = to_param(params[i], ps[i])) return e;
  std::vector<Oid> types;
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const Param& p : ps) {
    types.push_back(p.type);
    values.push_back(p.null ? nullptr : p.data.data());
    lengths.push_back(static_cast<int>(p.data.size()));
    formats.push_back(p.format);
  }
  if (!PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(ps.size()), types.data(),
                         values.data(), lengths.data(), formats.data(), 1)) {
    broken_ = true;
    return query_failed(nullptr, conn_);
  }
  auto timed_out = [&] {
    broken_ = true;
    if (PGcancel* cancel = PQgetCancel(conn_)) {
      char buf[256];
      PQcancel(cancel, buf, sizeof buf);
      PQfreeCancel(cancel);
    }
    return rdbms::error(ErrorKind::Other, "timed out waiting for the server");
  };
  for (int f; (f = PQflush(conn_)) != 0;) {
    if (f < 0) {
      broken_ = true;
      return query_failed(nullptr, conn_);
    }
    if (!wait_fd(PQsocket(conn_), POLLOUT | POLLIN, deadline)) return timed_out();
    PQconsumeInput(conn_);
  }
  std::optional<Error> error;
  std::vector<Oid> oids;
  bool first = true;
  for (;;) {
    while (PQisBusy(conn_)) {
      if (!wait_fd(PQsocket(conn_), POLLIN, deadline)) return timed_out();
      if (!PQconsumeInput(conn_)) {
        broken_ = true;
        break;
      }
    }
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) break;
    ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) {
      // COPY to or from the client: there is no client file here.
      PQclear(r);
      if (!error)
        error = rdbms::error(ErrorKind::QueryFailed, "COPY to or from the client is not supported");
      if (status == PGRES_COPY_IN && PQputCopyEnd(conn_, "not supported") == 1 &&
          PQflush(conn_) == 0)
        continue;
      broken_ = true;
      break;
    }
    if (first) {
      first = false;
      ExecStatusType st = PQresultStatus(r);
      if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        const char* n = PQcmdTuples(r);
        affected = n && *n ? std::strtoull(n, nullptr, 10) : 0;
        int ncols = PQnfields(r), nrows = PQntuples(r);
        for (int c = 0; c < ncols; ++c) {
          rdbms::Column col;
          col.name = PQfname(r, c);
          Oid oid = PQftype(r, c);
          oids.push_back(oid);
          col.type = column_tag(oid);
          out.columns.push_back(std::move(col));
        }
        size_t bytes = 0;
        for (int i = 0; i < nrows && !error; ++i) {
          std::vector<rdbms::Value> row(static_cast<size_t>(ncols));
          for (int c = 0; c < ncols && !error; ++c) {
            if (PQgetisnull(r, i, c)) continue;
            int len = PQgetlength(r, i, c);
            bytes += static_cast<size_t>(len) + sizeof(rdbms::Value);
            error = from_binary(oids[static_cast<size_t>(c)],
                                std::string_view(PQgetvalue(r, i, c), static_cast<size_t>(len)),
                                row[static_cast<size_t>(c)]);
          }
          if (bytes > kMaxResultBytes && !error)
            error = rdbms::error(ErrorKind::Other, "query result exceeds limit of " +
                                                       std::to_string(kMaxResultBytes) + " bytes");
          out.rows.push_back(std::move(row));
        }
      } else {
        error = query_failed(r, conn_);
      }
    }
    PQclear(r);
    if (broken_) break;
  }
  if (PQstatus(conn_) != CONNECTION_OK) broken_ = true;
  if (first && !error) error = query_failed(nullptr, conn_);
  if (error) return error;
  for (size_t c = 0; c < out.columns.size(); ++c)
    if (out.columns[c].type == rdbms::Tag::Unsupported)
      out.columns[c].type_name = type_name(oids[c], deadline);
  return std::nullopt;
}

std::string Connection::type_name(unsigned int oid, Deadline deadline) {
  {
    std::lock_guard lock(pool_->mu_);
    auto it = pool_->type_names_.find(oid);
    if (it != pool_->type_names_.end()) return it->second;
  }
  rdbms::RowSet rs;
  uint64_t n = 0;
  auto e = run("SELECT typname::text FROM pg_catalog.pg_type WHERE oid::int8 = $1",
               {rdbms::Value::int_of(rdbms::Tag::Int64, oid)}, deadline, rs, n);
  std::string name = !e && rs.rows.size() == 1 ? rs.rows[0][0].bytes : std::to_string(oid);
  std::lock_guard lock(pool_->mu_);
  if (pool_->type_names_.size() < 4096) pool_->type_names_[oid] = name;
  return name;
}

}  // namespace spindle::host::postgres
