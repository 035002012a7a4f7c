// A small strict JSON reader (RFC 8259) for the likes component: it reads one
// object and keeps its top-level members whose values are strings, numbers,
// booleans or null; nested arrays and objects are checked and skipped. The SDK
// writes JSON but has no parser, and the component only needs `{"page": "..."}`
// and the claims of its own tokens.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace likes::json {

struct Value {
  enum class Type { String, Number, Bool, Null, Array, Object };
  Type type = Type::Null;
  std::string text;  // the decoded string; a number or literal as written
};

struct Object {
  std::map<std::string, Value> members;  // a repeated name keeps the last value

  const Value* find(const std::string& name) const {
    auto it = members.find(name);
    return it == members.end() ? nullptr : &it->second;
  }
  std::optional<std::string> string(const std::string& name) const {
    const Value* v = find(name);
    if (!v || v->type != Value::Type::String) return std::nullopt;
    return v->text;
  }
  // An integer member (no fraction or exponent) that fits in int64_t.
  std::optional<int64_t> integer(const std::string& name) const {
    const Value* v = find(name);
    if (!v || v->type != Value::Type::Number) return std::nullopt;
    std::string_view t = v->text;
    bool negative = !t.empty() && t[0] == '-';
    if (negative) t.remove_prefix(1);
    if (t.empty() || t.size() > 18) return std::nullopt;
    int64_t n = 0;
    for (char c : t) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    return negative ? -n : n;
  }
};

class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  // The object, or nullopt with error() saying what is wrong and where.
  std::optional<Object> read_object() {
    Object obj;
    skip_ws();
    if (!eat('{')) return fail("expected `{`");
    skip_ws();
    if (!eat('}')) {
      for (;;) {
        skip_ws();
        std::string name;
        if (peek() != '"') return fail("expected a member name in double quotes");
        if (!read_string(name)) return std::nullopt;
        skip_ws();
        if (!eat(':')) return fail("expected `:`");
        Value v;
        if (!read_value(v, 1)) return std::nullopt;
        obj.members[std::move(name)] = std::move(v);
        skip_ws();
        if (eat(',')) continue;
        if (eat('}')) break;
        return fail("expected `,` or `}`");
      }
    }
    skip_ws();
    if (pos_ != s_.size()) return fail("unexpected text after the object");
    return obj;
  }

  const std::string& error() const { return error_; }

 private:
  static constexpr int kMaxDepth = 32;

  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  std::nullopt_t fail(const std::string& what) {
    if (error_.empty()) error_ = what + " at offset " + std::to_string(pos_);
    return std::nullopt;
  }
  bool bad(const std::string& what) {
    fail(what);
    return false;
  }

  bool read_value(Value& v, int depth) {
    skip_ws();
    char c = peek();
    if (c == '"') {
      v.type = Value::Type::String;
      return read_string(v.text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      v.type = Value::Type::Number;
      return read_number(v.text);
    }
    for (std::string_view lit : {"true", "false", "null"}) {
      if (s_.substr(pos_, lit.size()) == lit) {
        pos_ += lit.size();
        v.type = lit == "null" ? Value::Type::Null : Value::Type::Bool;
        v.text = lit;
        return true;
      }
    }
    if (c == '[' || c == '{') {
      if (depth >= kMaxDepth) return bad("nested too deeply");
      v.type = c == '[' ? Value::Type::Array : Value::Type::Object;
      return skip_container(depth);
    }
    return bad("expected a value");
  }

  bool skip_container(int depth) {
    char close = peek() == '[' ? ']' : '}';
    bool object = close == '}';
    ++pos_;
    skip_ws();
    if (eat(close)) return true;
    for (;;) {
      skip_ws();
      if (object) {
        std::string name;
        if (peek() != '"') return bad("expected a member name in double quotes");
        if (!read_string(name)) return false;
        skip_ws();
        if (!eat(':')) return bad("expected `:`");
      }
      Value inner;
      if (!read_value(inner, depth + 1)) return false;
      skip_ws();
      if (eat(',')) continue;
      if (eat(close)) return true;
      return bad(object ? "expected `,` or `}`" : "expected `,` or `]`");
    }
  }

  bool read_number(std::string& out) {
    size_t start = pos_;
    eat('-');
    if (eat('0')) {
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') ++pos_;
    } else {
      return bad("bad number");
    }
    if (eat('.')) {
      if (!(peek() >= '0' && peek() <= '9')) return bad("bad number");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) return bad("bad number");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    out = std::string(s_.substr(start, pos_ - start));
    return true;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool read_hex4(uint32_t& cp) {
    if (pos_ + 4 > s_.size()) return bad("short \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      cp <<= 4;
      if (c >= '0' && c <= '9') {
        cp |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        cp |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        cp |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return bad("bad \\u escape");
      }
    }
    return true;
  }

  bool read_string(std::string& out) {
    out.clear();
    ++pos_;  // the opening quote
    for (;;) {
      if (pos_ >= s_.size()) return bad("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return bad("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) return bad("unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp;
          if (!read_hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (s_.substr(pos_, 2) != "\\u") return bad("lone surrogate in \\u escape");
            pos_ += 2;
            if (!read_hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return bad("lone surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return bad("lone surrogate in \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          return bad("bad escape in a string");
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace likes::json
