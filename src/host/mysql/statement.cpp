// Connection::run_statement: one prepared statement on the binary protocol,
// its parameters bound by case and its result columns typed as Spin types
// them (factor-outbound-mysql client.rs convert_data_type).
#include <mysql.h>

#include <algorithm>
#include <cstring>

#include "host/mysql/client.h"

namespace spindle::host::mysql {

using rdbms::Error;
using rdbms::ErrorKind;
using rdbms::Tag;
using rdbms::Value;

namespace {

constexpr size_t kMaxResultBytes = 128u << 20;

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
