// wasi:http/types 0.2 and wasi:http/outgoing-handler (wasi_http_types.h).
#include "abi/wasi_http_types.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include "abi/http.h"
#include "host/outbound_http/outbound_http.h"
#include "wasi/p2/define.h"
#include "wasi/p2/io.h"

namespace spindle::abi::wasi_http {

using component::Val;
using engine::InstanceData;
using engine::Outcome;
using wasi::p2::Context;
using wasi::p2::Params;
using wasi::p2::Results;

namespace {

constexpr std::string_view kTypes = "wasi:http/types";
constexpr std::string_view kOutgoing = "wasi:http/outgoing-handler";

// header-error cases.
constexpr uint32_t kInvalidSyntax = 0, kForbidden = 1, kImmutable = 2;
// error-code cases used here.
constexpr uint32_t kInternalError = 38;

Outcome table_full(std::string_view what) {
  return Outcome::trapped(engine::TrapKind::HostError,
                          std::string(what) + ": too many live wasi:http objects");
}

// Adds `r` and pushes own(rep) (a trap when the table is full).
Outcome push_own(Context& cx, std::unique_ptr<wasi::p2::Resource> r, Results& out,
                 std::string_view what) {
  uint32_t rep = cx.table().add(std::move(r));
  if (rep == 0) return table_full(what);
  out.push_back(Val::own(rep));
  return Outcome::success();
}

// Adds `r` and pushes ok(own(rep)).
Outcome push_own_ok(Context& cx, std::unique_ptr<wasi::p2::Resource> r, Results& out,
                    std::string_view what) {
  uint32_t rep = cx.table().add(std::move(r));
  if (rep == 0) return table_full(what);
  out.push_back(Val::ok(Val::own(rep)));
  return Outcome::success();
}

template <class T>
T* self(Context& cx, Params p) {
  return p.empty() ? nullptr : cx.table().get<T>(p[0].rep());
}

void def(component::HostImports& host, std::string_view member, wasi::p2::CxFn fn) {
  wasi::p2::define_cx(host, kTypes, member, std::move(fn));
}

// ---- fields -------------------------------------------------------------

Val header_error(uint32_t c) { return Val::err(Val::variant(c)); }

// Checks a name and a value; returns the header-error case or nullopt.
std::optional<uint32_t> check(const Fields& f, std::string_view name,
                              const std::string_view* value) {
  if (!is_header_name(name)) return kInvalidSyntax;
  if (value != nullptr && !is_header_value(*value)) return kInvalidSyntax;
  if (is_forbidden_header(http::lowercase(std::string(name)))) return kForbidden;
  if (f.immutable) return kImmutable;
  return std::nullopt;
}

Val entries_of(const Fields& f) {
  std::vector<Val> list;
  list.reserve(f.entries.size());
  for (const auto& [k, v] : f.entries) list.push_back(Val::tuple({Val::string(k), Val::bytes(v)}));
  return Val::list(std::move(list));
}

void link_fields(component::HostImports& host) {
  wasi::p2::define_resource(host, kTypes, "fields");
  def(host, "[constructor]fields", [](Context& cx, InstanceData*, Params, Results& r) {
    return push_own(cx, std::make_unique<Fields>(), r, "fields");
  });
  def(host, "[static]fields.from-list", [](Context& cx, InstanceData*, Params p, Results& r) {
    auto f = std::make_unique<Fields>();
    for (const Val& e : p[0].as_list()) {
      std::string_view name = e.as_tuple()[0].as_string();
      std::string_view value = e.as_tuple()[1].as_bytes();
      if (auto bad = check(*f, name, &value)) {
        r.push_back(header_error(*bad));
        return Outcome::success();
      }
      f->entries.emplace_back(http::lowercase(std::string(name)), std::string(value));
    }
    uint32_t rep = cx.table().add(std::move(f));
    if (rep == 0) return table_full("fields.from-list");
    r.push_back(Val::ok(Val::own(rep)));
    return Outcome::success();
  });
  def(host, "[method]fields.get", [](Context& cx, InstanceData*, Params p, Results& r) {
    Fields* f = self<Fields>(cx, p);
    if (f == nullptr) return wasi::p2::bad_handle("fields.get");
    std::string name = http::lowercase(std::string(p[1].as_string()));
    std::vector<Val> values;
    for (const auto& [k, v] : f->entries)
      if (k == name) values.push_back(Val::bytes(v));
    r.push_back(Val::list(std::move(values)));
    return Outcome::success();
  });
  def(host, "[method]fields.has", [](Context& cx, InstanceData*, Params p, Results& r) {
    Fields* f = self<Fields>(cx, p);
    if (f == nullptr) return wasi::p2::bad_handle("fields.has");
    std::string name = http::lowercase(std::string(p[1].as_string()));
    bool has = std::any_of(f->entries.begin(), f->entries.end(),
                           [&](const auto& e) { return e.first == name; });
    r.push_back(Val::boolean(has));
    return Outcome::success();
  });
  def(host, "[method]fields.set", [](Context& cx, InstanceData*, Params p, Results& r) {
    Fields* f = self<Fields>(cx, p);
    if (f == nullptr) return wasi::p2::bad_handle("fields.set");
    std::string_view name = p[1].as_string();
    for (const Val& v : p[2].as_list()) {
      std::string_view value = v.as_bytes();
      if (auto bad = check(*f, name, &value)) {
        r.push_back(header_error(*bad));
        return Outcome::success();
      }
    }
    if (auto bad = check(*f, name, nullptr)) {
      r.push_back(header_error(*bad));
      return Outcome::success();
    }
    std::string key = http::lowercase(std::string(name));
    std::erase_if(f->entries, [&](const auto& e) { return e.first == key; });
    for (const Val& v : p[2].as_list()) f->entries.emplace_back(key, std::string(v.as_bytes()));
    r.push_back(Val::ok());
    return Outcome::success();
  });
  def(host, "[method]fields.delete", [](Context& cx, InstanceData*, Params p, Results& r) {
    Fields* f = self<Fields>(cx, p);
    if (f == nullptr) return wasi::p2::bad_handle("fields.delete");
    std::string_view name = p[1].as_string();
    if (auto bad = check(*f, name, nullptr)) {
      r.push_back(header_error(*bad));
      return Outcome::success();
    }
    std::string key = http::lowercase(std::string(name));
    std::erase_if(f->entries, [&](const auto& e) { return e.first == key; });
    r.push_back(Val::ok());
    return Outcome::success();
  });
  def(host, "[method]fields.append", [](Context& cx, InstanceData*, Params p, Results& r) {
    Fields* f = self<Fields>(cx, p);
    if (f == nullptr) return wasi::p2::bad_handle("fields.append");
    std::string_view name = p[1].as_string();
    std::string_view value = p[2].as_bytes();
    if (auto bad = check(*f, name, &value)) {
      r.push_back(header_error(*bad));
      return Outcome::success();
    }
    f->entries.emplace_back(http::lowercase(std::string(name)), std::string(value));
    r.push_back(Val::ok());
    return Outcome::success();
  });
  def(host, "[method]fields.entries", [](Context& cx, InstanceData*, Params p, Results& r) {
    Fields* f = self<Fields>(cx, p);
    if (f == nullptr) return wasi::p2::bad_handle("fields.entries");
    r.push_back(entries_of(*f));
    return Outcome::success();
  });
  def(host, "[method]fields.clone", [](Context& cx, InstanceData*, Params p, Results& r) {
    Fields* f = self<Fields>(cx, p);
    if (f == nullptr) return wasi::p2::bad_handle("fields.clone");
    auto copy = std::make_unique<Fields>();
    copy->entries = f->entries;  // a clone is mutable
    return push_own(cx, std::move(copy), r, "fields.clone");
  });
}

// ---- bodies -------------------------------------------------------------

// The request body, whole.
class BodyReader : public wasi::p2::InputStream {
 public:
  explicit BodyReader(std::shared_ptr<std::string> body) : body_(std::move(body)) {}
  wasi::p2::StreamResult read(uint64_t max, std::string& out) override {
    if (pos_ >= body_->size()) return wasi::p2::StreamResult::closed();
    size_t n = static_cast<size_t>(std::min<uint64_t>(max, body_->size() - pos_));
    out.append(*body_, pos_, n);
    pos_ += n;
    return wasi::p2::StreamResult::ok();
  }
  bool ready() override { return true; }
  bool wait(wasi::p2::Deadline) override { return true; }

 private:
  std::shared_ptr<std::string> body_;
  size_t pos_ = 0;
};

// The request body as it arrives (the server's BodySource).
class SourceReader : public wasi::p2::InputStream {
 public:
  explicit SourceReader(std::shared_ptr<http::BodySource> s) : source_(std::move(s)) {}
  wasi::p2::StreamResult read(uint64_t max, std::string& out) override {
    std::string error;
    switch (source_->read(static_cast<size_t>(max), out, error)) {
      case http::BodySource::Status::Data:
        return wasi::p2::StreamResult::ok();
      case http::BodySource::Status::End:
        return wasi::p2::StreamResult::closed();
      default:
        return wasi::p2::StreamResult::failed(error);
    }
  }
  bool ready() override { return source_->ready(); }
  bool wait(wasi::p2::Deadline d) override { return source_->wait(d); }

 private:
  std::shared_ptr<http::BodySource> source_;
};

// Appends to the response's buffer, up to a cap; what is written is sent on
// (Context::flush_output) once the response streams, or when a lot waits.
class BodyWriter : public wasi::p2::OutputStream {
 public:
  static constexpr uint64_t kMaxBody = uint64_t{256} << 20;
  static constexpr size_t kSendAt = 64 << 10;
  BodyWriter(std::shared_ptr<BodyBuffer> b, Context& cx) : buf_(std::move(b)), cx_(cx) {}
  wasi::p2::StreamResult check_write(uint64_t& permitted) override {
    if (buf_->broken) return gone();
    if (buf_->finished) return wasi::p2::StreamResult::closed();
    permitted = std::min<uint64_t>(uint64_t{1} << 20, kMaxBody - buf_->bytes.size());
    if (permitted == 0) return wasi::p2::StreamResult::failed("response body too large");
    return wasi::p2::StreamResult::ok();
  }
  wasi::p2::StreamResult write(std::string_view bytes) override {
    if (buf_->broken) return gone();
    if (buf_->finished) return wasi::p2::StreamResult::closed();
    buf_->bytes.append(bytes);
    if ((buf_->streaming || buf_->bytes.size() >= kSendAt) && cx_.flush_output) {
      cx_.flush_output(false);
      if (buf_->broken) return gone();
    }
    return wasi::p2::StreamResult::ok();
  }
  wasi::p2::StreamResult flush() override { return wasi::p2::StreamResult::ok(); }
  bool ready() override { return true; }
  bool wait(wasi::p2::Deadline) override { return true; }

 private:
  static wasi::p2::StreamResult gone() {
    return wasi::p2::StreamResult::failed("the client closed the connection");
  }
  std::shared_ptr<BodyBuffer> buf_;
  Context& cx_;
};

class IncomingBody : public wasi::p2::Resource {
 public:
  std::shared_ptr<std::string> body;
  std::shared_ptr<http::BodySource> source;  // instead of body: still arriving
  bool streamed = false;
};

// A future-trailers / future-incoming-response: ready at once (bodies are
// whole), get() answers once.
class Future : public wasi::p2::Resource, public wasi::p2::Waitable {
 public:
  bool ready() override { return true; }
  bool wait(wasi::p2::Deadline) override { return true; }
  // Sets `value` once ready (get() calls it first).
  virtual Outcome settle(Context&) { return Outcome::success(); }
  bool taken = false;
  std::optional<Val> value;  // the result<..., error-code> get() gives once
};

// The future-trailers of a body still arriving: ready when the body has
// ended (what the guest left unread is read and dropped); its value, the
// client's trailers (none when it sent none).
class SourceTrailers : public Future {
 public:
  explicit SourceTrailers(std::shared_ptr<http::BodySource> s) : source_(std::move(s)) {}
  bool ready() override {
    for (;;) {
      std::string dropped;
      auto st = source_->read(64 << 10, dropped, error_);
      if (st != http::BodySource::Status::Data) {
        status_ = st;
        return true;
      }
      if (dropped.empty()) return false;
    }
  }
  bool wait(wasi::p2::Deadline d) override {
    while (!ready())
      if (!source_->wait(d)) return false;
    return true;
  }
  Outcome settle(Context& cx) override {
    if (value) return Outcome::success();
    if (status_ == http::BodySource::Status::Failed) {
      value = Val::err(Val::variant(kInternalError, Val::some(Val::string(error_))));
      return Outcome::success();
    }
    http::Headers t = source_->trailers();
    if (t.empty()) {
      value = Val::ok(Val::none());
      return Outcome::success();
    }
    auto f = std::make_unique<Fields>();
    f->entries = std::move(t);
    f->immutable = true;
    uint32_t rep = cx.table().add(std::move(f));
    if (rep == 0) return table_full("future-trailers.get");
    value = Val::ok(Val::some(Val::own(rep)));
    return Outcome::success();
  }

 private:
  std::shared_ptr<http::BodySource> source_;
  http::BodySource::Status status_ = http::BodySource::Status::Data;
  std::string error_;
};

void link_bodies(component::HostImports& host) {
  wasi::p2::define_resource(host, kTypes, "incoming-body");
  wasi::p2::define_resource(host, kTypes, "outgoing-body");
  wasi::p2::define_resource(host, kTypes, "future-trailers");
  def(host, "[method]incoming-body.stream", [](Context& cx, InstanceData*, Params p, Results& r) {
    auto* b = self<IncomingBody>(cx, p);
    if (b == nullptr) return wasi::p2::bad_handle("incoming-body.stream");
    if (b->streamed) {
      r.push_back(Val::err());
      return Outcome::success();
    }
    b->streamed = true;
    std::unique_ptr<wasi::p2::InputStream> reader;
    if (b->source)
      reader = std::make_unique<SourceReader>(b->source);
    else
      reader = std::make_unique<BodyReader>(b->body);
    uint32_t rep = cx.table().add(std::move(reader));
    if (rep == 0) return table_full("incoming-body.stream");
    r.push_back(Val::ok(Val::own(rep)));
    return Outcome::success();
  });
  def(host, "[static]incoming-body.finish", [](Context& cx, InstanceData*, Params p, Results& r) {
    auto* b = self<IncomingBody>(cx, p);
    if (b == nullptr) return wasi::p2::bad_handle("incoming-body.finish");
    if (b->source)
      return push_own(cx, std::make_unique<SourceTrailers>(b->source), r, "incoming-body.finish");
    auto f = std::make_unique<Future>();
    f->value = Val::ok(Val::none());  // no trailers
    return push_own(cx, std::move(f), r, "incoming-body.finish");
  });
  auto subscribe = [](Context& cx, InstanceData*, Params p, Results& r) {
    if (self<Future>(cx, p) == nullptr) return wasi::p2::bad_handle("future.subscribe");
    uint32_t rep = wasi::p2::make_pollable(cx, p[0].rep());
    if (rep == 0) return table_full("future.subscribe");
    r.push_back(Val::own(rep));
    return Outcome::success();
  };
  auto get = [](Context& cx, InstanceData*, Params p, Results& r) {
    auto* f = self<Future>(cx, p);
    if (f == nullptr) return wasi::p2::bad_handle("future.get");
    if (f->taken) {
      r.push_back(Val::some(Val::err()));
    } else if (!f->ready()) {
      r.push_back(Val::none());
    } else {
      if (Outcome o = f->settle(cx); !o.ok()) return o;
      f->taken = true;
      r.push_back(Val::some(Val::ok(*f->value)));
    }
    return Outcome::success();
  };
  def(host, "[method]future-trailers.subscribe", subscribe);
  def(host, "[method]future-trailers.get", get);
  def(host, "[method]future-incoming-response.subscribe", subscribe);
  def(host, "[method]future-incoming-response.get", get);

  def(host, "[method]outgoing-body.write", [](Context& cx, InstanceData*, Params p, Results& r) {
    auto* b = self<OutgoingBody>(cx, p);
    if (b == nullptr) return wasi::p2::bad_handle("outgoing-body.write");
    if (b->written) {
      r.push_back(Val::err());
      return Outcome::success();
    }
    b->written = true;
    uint32_t rep = cx.table().add(std::make_unique<BodyWriter>(b->buffer, cx));
    if (rep == 0) return table_full("outgoing-body.write");
    r.push_back(Val::ok(Val::own(rep)));
    return Outcome::success();
  });
  def(host, "[static]outgoing-body.finish", [](Context& cx, InstanceData*, Params p, Results& r) {
    auto* b = self<OutgoingBody>(cx, p);
    if (b == nullptr) return wasi::p2::bad_handle("outgoing-body.finish");
    b->buffer->finished = true;
    if (p.size() > 1 && p[1].is_some())
      if (auto* t = cx.table().get<Fields>(p[1].payload()->rep())) b->buffer->trailers = t->entries;
    if (cx.flush_output) cx.flush_output(false);
    r.push_back(Val::ok());
    return Outcome::success();
  });
}

// ---- requests and responses --------------------------------------------

Val method_val(std::string_view m) {
  static constexpr std::string_view kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                                  "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  for (uint32_t i = 0; i < 9; ++i)
    if (m == kMethods[i]) return Val::variant(i);
  return Val::variant(9, Val::string(std::string(m)));
}

Val scheme_val(std::string_view s) {
  if (s == "http") return Val::variant(0);
  if (s == "https") return Val::variant(1);
  return Val::variant(2, Val::string(std::string(s)));
}

void link_messages(component::HostImports& host) {
  for (auto name :
       {"incoming-request", "outgoing-response", "response-outparam", "outgoing-request",
        "request-options", "incoming-response", "future-incoming-response"})
    wasi::p2::define_resource(host, kTypes, name);
  def(host, "[method]incoming-request.method",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* q = self<IncomingRequest>(cx, p);
        if (q == nullptr) return wasi::p2::bad_handle("incoming-request.method");
        r.push_back(method_val(q->method));
        return Outcome::success();
      });
  def(host, "[method]incoming-request.path-with-query",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* q = self<IncomingRequest>(cx, p);
        if (q == nullptr) return wasi::p2::bad_handle("incoming-request.path-with-query");
        r.push_back(Val::some(Val::string(q->path_with_query)));
        return Outcome::success();
      });
  def(host, "[method]incoming-request.scheme",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* q = self<IncomingRequest>(cx, p);
        if (q == nullptr) return wasi::p2::bad_handle("incoming-request.scheme");
        r.push_back(Val::some(scheme_val(q->scheme)));
        return Outcome::success();
      });
  def(host, "[method]incoming-request.authority",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* q = self<IncomingRequest>(cx, p);
        if (q == nullptr) return wasi::p2::bad_handle("incoming-request.authority");
        r.push_back(Val::some(Val::string(q->authority)));
        return Outcome::success();
      });
  def(host, "[method]incoming-request.headers",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* q = self<IncomingRequest>(cx, p);
        if (q == nullptr) return wasi::p2::bad_handle("incoming-request.headers");
        r.push_back(Val::own(q->headers));
        return Outcome::success();
      });
  def(host, "[method]incoming-request.consume",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* q = self<IncomingRequest>(cx, p);
        if (q == nullptr) return wasi::p2::bad_handle("incoming-request.consume");
        if (q->consumed) {
          r.push_back(Val::err());
          return Outcome::success();
        }
        q->consumed = true;
        auto b = std::make_unique<IncomingBody>();
        b->body = q->body;
        b->source = q->source;
        uint32_t rep = cx.table().add(std::move(b));
        if (rep == 0) return table_full("incoming-request.consume");
        r.push_back(Val::ok(Val::own(rep)));
        return Outcome::success();
      });

  def(host, "[constructor]outgoing-response", [](Context& cx, InstanceData*, Params p, Results& r) {
    auto* h = cx.table().get<Fields>(p[0].rep());
    if (h == nullptr) return wasi::p2::bad_handle("outgoing-response");
    h->immutable = true;  // from now on, as in wasmtime and jco
    auto resp = std::make_unique<OutgoingResponse>();
    resp->headers = p[0].rep();
    return push_own(cx, std::move(resp), r, "outgoing-response");
  });
  def(host, "[method]outgoing-response.status-code",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* o = self<OutgoingResponse>(cx, p);
        if (o == nullptr) return wasi::p2::bad_handle("outgoing-response.status-code");
        r.push_back(Val::u16(o->status));
        return Outcome::success();
      });
  def(host, "[method]outgoing-response.set-status-code",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* o = self<OutgoingResponse>(cx, p);
        if (o == nullptr) return wasi::p2::bad_handle("outgoing-response.set-status-code");
        uint16_t s = p[1].as_u16();
        if (s < 100 || s > 999) {
          r.push_back(Val::err());
        } else {
          o->status = s;
          r.push_back(Val::ok());
        }
        return Outcome::success();
      });
  def(host, "[method]outgoing-response.headers",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* o = self<OutgoingResponse>(cx, p);
        if (o == nullptr) return wasi::p2::bad_handle("outgoing-response.headers");
        r.push_back(Val::own(o->headers));
        return Outcome::success();
      });
  def(host, "[method]outgoing-response.body", [](Context& cx, InstanceData*, Params p, Results& r) {
    auto* o = self<OutgoingResponse>(cx, p);
    if (o == nullptr) return wasi::p2::bad_handle("outgoing-response.body");
    if (o->body != 0) {
      r.push_back(Val::err());
      return Outcome::success();
    }
    uint32_t rep = cx.table().add(std::make_unique<OutgoingBody>());
    if (rep == 0) return table_full("outgoing-response.body");
    o->body = rep;
    r.push_back(Val::ok(Val::own(rep)));
    return Outcome::success();
  });
  def(host, "[static]response-outparam.set", [](Context& cx, InstanceData*, Params p, Results&) {
    auto* o = self<ResponseOutparam>(cx, p);
    if (o == nullptr) return wasi::p2::bad_handle("response-outparam.set");
    if (o->set)
      return Outcome::trapped(engine::TrapKind::HostError, "response-outparam.set called twice");
    o->set = true;
    if (p[1].is_ok())
      o->response = p[1].payload()->rep();
    else
      o->error = p[1].payload() ? describe_error_code(*p[1].payload()) : "error";
    if (cx.flush_output) cx.flush_output(false);  // the body may be complete already
    return Outcome::success();
  });
  wasi::p2::define(host, std::string(kTypes), "http-error-code",
                   [](InstanceData*, Params, Results& r) {
                     r.push_back(Val::none());
                     return Outcome::success();
                   });
}

// ---- outgoing requests -------------------------------------------------

class OutgoingRequest : public wasi::p2::Resource {
 public:
  Val method = Val::variant(0);  // get
  std::optional<std::string> path_with_query, authority;
  std::optional<Val> scheme;
  uint32_t headers = 0;
  uint32_t body = 0;                       // rep of its OutgoingBody once body() was called
  std::shared_ptr<BodyBuffer> body_bytes;  // that body's bytes (they outlive it)
};

class RequestOptions : public wasi::p2::Resource {
 public:
  std::optional<uint64_t> connect, first_byte, between_bytes;  // nanoseconds
};

class IncomingResponse : public wasi::p2::Resource {
 public:
  uint16_t status = 0;
  uint32_t headers = 0;
  std::shared_ptr<std::string> body;
  bool consumed = false;
};

std::string method_name(const Val& m) {
  static constexpr std::string_view kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                                  "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  if (m.case_index() < 9) return std::string(kMethods[m.case_index()]);
  return m.payload() ? std::string(m.payload()->as_string()) : "GET";
}

Val opt_string(const std::optional<std::string>& s) {
  return s ? Val::some(Val::string(*s)) : Val::none();
}

std::optional<std::string> string_of(const Val& opt) {
  if (!opt.is_some()) return std::nullopt;
  return std::string(opt.payload()->as_string());
}

// An error-code Val for what outbound_http::send reports.
Val error_code(host::outbound_http::Sent::Error e) {
  using S = host::outbound_http::Sent;
  switch (e) {
    case S::Denied:
      return Val::variant(15);  // HTTP-request-denied
    case S::InvalidUrl:
      return Val::variant(19);  // HTTP-request-URI-invalid
    case S::DnsError:
      return Val::variant(1, Val::record({Val::none(), Val::none()}));
    case S::ConnectionRefused:
      return Val::variant(6);
    case S::Timeout:
      return Val::variant(8);  // connection-timeout
    case S::ReadTimeout:
      return Val::variant(9);  // connection-read-timeout
    case S::ProtocolError:
      return Val::variant(35);  // HTTP-protocol-error
    default:
      return Val::variant(kInternalError, Val::none());
  }
}

// A future-incoming-response: the request is sent when settle() is first
// called (at handle when its body is complete, else at future.get, with
// the body written so far: a guest that waits for the response before it
// finishes the body sends what it wrote).
class SentRequest : public Future {
 public:
  explicit SentRequest(const InstanceData* d) : instance_(d) {}
  Outcome settle(Context& cx) override {
    if (value) return Outcome::success();
    std::optional<std::string> bytes;
    if (body) bytes = std::move(body->bytes);
    using Sent = host::outbound_http::Sent;
    Sent sent = host::outbound_http::send(instance_, method, url, headers, bytes, timeouts);
    if (sent.error != Sent::None) {
      value = Val::err(error_code(sent.error));
      return Outcome::success();
    }
    auto fields = std::make_unique<Fields>();
    for (auto& [k, v] : sent.headers)
      fields->entries.emplace_back(http::lowercase(std::move(k)), std::move(v));
    fields->immutable = true;
    uint32_t hrep = cx.table().add(std::move(fields));
    auto resp = std::make_unique<IncomingResponse>();
    resp->status = static_cast<uint16_t>(sent.status);
    resp->headers = hrep;
    resp->body = std::make_shared<std::string>(std::move(sent.body));
    uint32_t rrep = hrep == 0 ? 0 : cx.table().add(std::move(resp));
    if (rrep == 0) return table_full("outgoing-handler.handle");
    value = Val::ok(Val::own(rrep));
    return Outcome::success();
  }

  std::string method, url;
  host::outbound_http::Headers headers;
  std::shared_ptr<BodyBuffer> body;  // null: the request has none
  host::outbound_http::Timeouts timeouts;

 private:
  const InstanceData* instance_;
};

void link_outgoing(component::HostImports& host) {
  def(host, "[constructor]outgoing-request", [](Context& cx, InstanceData*, Params p, Results& r) {
    auto* h = cx.table().get<Fields>(p[0].rep());
    if (h == nullptr) return wasi::p2::bad_handle("outgoing-request");
    h->immutable = true;
    auto q = std::make_unique<OutgoingRequest>();
    q->headers = p[0].rep();
    return push_own(cx, std::move(q), r, "outgoing-request");
  });
  auto getter = [&host](std::string member, std::function<Val(OutgoingRequest&)> get) {
    def(host, "[method]outgoing-request." + member,
        [member, get](Context& cx, InstanceData*, Params p, Results& r) {
          auto* q = self<OutgoingRequest>(cx, p);
          if (q == nullptr) return wasi::p2::bad_handle("outgoing-request." + member);
          r.push_back(get(*q));
          return Outcome::success();
        });
  };
  auto setter = [&host](std::string member, std::function<bool(OutgoingRequest&, const Val&)> set) {
    def(host, "[method]outgoing-request." + member,
        [member, set](Context& cx, InstanceData*, Params p, Results& r) {
          auto* q = self<OutgoingRequest>(cx, p);
          if (q == nullptr) return wasi::p2::bad_handle("outgoing-request." + member);
          r.push_back(set(*q, p[1]) ? Val::ok() : Val::err());
          return Outcome::success();
        });
  };
  getter("method", [](OutgoingRequest& q) { return q.method; });
  setter("set-method", [](OutgoingRequest& q, const Val& v) {
    if (v.case_index() == 9 && (!v.payload() || !is_header_name(v.payload()->as_string())))
      return false;
    q.method = v;
    return true;
  });
  getter("path-with-query", [](OutgoingRequest& q) { return opt_string(q.path_with_query); });
  setter("set-path-with-query", [](OutgoingRequest& q, const Val& v) {
    q.path_with_query = string_of(v);
    return true;
  });
  getter("scheme",
         [](OutgoingRequest& q) { return q.scheme ? Val::some(*q.scheme) : Val::none(); });
  setter("set-scheme", [](OutgoingRequest& q, const Val& v) {
    if (v.is_some())
      q.scheme = *v.payload();
    else
      q.scheme.reset();
    return true;
  });
  getter("authority", [](OutgoingRequest& q) { return opt_string(q.authority); });
  setter("set-authority", [](OutgoingRequest& q, const Val& v) {
    q.authority = string_of(v);
    return true;
  });
  getter("headers", [](OutgoingRequest& q) { return Val::own(q.headers); });
  def(host, "[method]outgoing-request.body", [](Context& cx, InstanceData*, Params p, Results& r) {
    auto* q = self<OutgoingRequest>(cx, p);
    if (q == nullptr) return wasi::p2::bad_handle("outgoing-request.body");
    if (q->body != 0) {
      r.push_back(Val::err());
      return Outcome::success();
    }
    auto body = std::make_unique<OutgoingBody>();
    q->body_bytes = body->buffer;
    uint32_t rep = cx.table().add(std::move(body));
    if (rep == 0) return table_full("outgoing-request.body");
    q->body = rep;
    r.push_back(Val::ok(Val::own(rep)));
    return Outcome::success();
  });

  def(host, "[constructor]request-options", [](Context& cx, InstanceData*, Params, Results& r) {
    return push_own(cx, std::make_unique<RequestOptions>(), r, "request-options");
  });
  auto option = [&host](std::string name, std::optional<uint64_t> RequestOptions::*field) {
    def(host, "[method]request-options." + name,
        [field](Context& cx, InstanceData*, Params p, Results& r) {
          auto* o = self<RequestOptions>(cx, p);
          if (o == nullptr) return wasi::p2::bad_handle("request-options");
          r.push_back((o->*field) ? Val::some(Val::u64(*(o->*field))) : Val::none());
          return Outcome::success();
        });
    def(host, "[method]request-options.set-" + name,
        [field](Context& cx, InstanceData*, Params p, Results& r) {
          auto* o = self<RequestOptions>(cx, p);
          if (o == nullptr) return wasi::p2::bad_handle("request-options");
          if (p[1].is_some())
            o->*field = p[1].payload()->as_u64();
          else
            (o->*field).reset();
          r.push_back(Val::ok());
          return Outcome::success();
        });
  };
  option("connect-timeout", &RequestOptions::connect);
  option("first-byte-timeout", &RequestOptions::first_byte);
  option("between-bytes-timeout", &RequestOptions::between_bytes);

  def(host, "[method]incoming-response.status",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* i = self<IncomingResponse>(cx, p);
        if (i == nullptr) return wasi::p2::bad_handle("incoming-response.status");
        r.push_back(Val::u16(i->status));
        return Outcome::success();
      });
  def(host, "[method]incoming-response.headers",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* i = self<IncomingResponse>(cx, p);
        if (i == nullptr) return wasi::p2::bad_handle("incoming-response.headers");
        r.push_back(Val::own(i->headers));
        return Outcome::success();
      });
  def(host, "[method]incoming-response.consume",
      [](Context& cx, InstanceData*, Params p, Results& r) {
        auto* i = self<IncomingResponse>(cx, p);
        if (i == nullptr) return wasi::p2::bad_handle("incoming-response.consume");
        if (i->consumed) {
          r.push_back(Val::err());
          return Outcome::success();
        }
        i->consumed = true;
        auto b = std::make_unique<IncomingBody>();
        b->body = i->body;
        uint32_t rep = cx.table().add(std::move(b));
        if (rep == 0) return table_full("incoming-response.consume");
        r.push_back(Val::ok(Val::own(rep)));
        return Outcome::success();
      });

  // handle(request, options) -> result<future-incoming-response, error-code>.
  // A destination the component may not reach fails handle itself, as in
  // Spin. The request is sent at once when its body is complete (or it has
  // none), else when the guest first asks the future for the response
  // (SentRequest): a guest may write and finish the body after handle, as
  // the Rust SDK does.
  wasi::p2::define_cx(
      host, kOutgoing, "handle", [](Context& cx, InstanceData* d, Params p, Results& r) {
        auto* q = cx.table().get<OutgoingRequest>(p[0].rep());
        if (q == nullptr) return wasi::p2::bad_handle("outgoing-handler.handle");
        auto f = std::make_unique<SentRequest>(d);
        f->method = method_name(q->method);
        std::string path = q->path_with_query.value_or("/");
        if (!q->authority || q->authority->empty()) {
          f->url = path;  // no authority: the app itself (a self request)
        } else {
          std::string scheme = "https";
          if (q->scheme && q->scheme->case_index() == 0) scheme = "http";
          if (q->scheme && q->scheme->case_index() == 2) {
            r.push_back(Val::err(Val::variant(19)));  // HTTP-request-URI-invalid
            return Outcome::success();
          }
          f->url = scheme + "://" + *q->authority + path;
        }
        using Sent = host::outbound_http::Sent;
        if (Sent::Error e = host::outbound_http::refusal(d, f->url); e != Sent::None) {
          r.push_back(Val::err(error_code(e)));
          return Outcome::success();
        }
        if (auto* h = cx.table().get<Fields>(q->headers)) f->headers = h->entries;
        f->body = q->body_bytes;
        if (p.size() > 1 && p[1].is_some())
          if (auto* o = cx.table().get<RequestOptions>(p[1].payload()->rep())) {
            auto ms = [](std::optional<uint64_t> ns) -> std::optional<std::chrono::milliseconds> {
              if (!ns) return std::nullopt;
              return std::chrono::milliseconds((*ns + 999999) / 1000000);
            };
            f->timeouts = {ms(o->connect), ms(o->first_byte), ms(o->between_bytes)};
          }
        if (!f->body || f->body->finished)
          if (Outcome o = f->settle(cx); !o.ok()) return o;
        return push_own_ok(cx, std::move(f), r, "outgoing-handler.handle");
      });
}

}  // namespace

bool is_forbidden_header(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "connection",       "host", "http2-settings",    "keep-alive",
      "proxy-connection", "te",   "transfer-encoding", "upgrade"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::string describe_error_code(const Val& v) {
  static constexpr std::string_view kNames[] = {"DNS-timeout",
                                                "DNS-error",
                                                "destination-not-found",
                                                "destination-unavailable",
                                                "destination-IP-prohibited",
                                                "destination-IP-unroutable",
                                                "connection-refused",
                                                "connection-terminated",
                                                "connection-timeout",
                                                "connection-read-timeout",
                                                "connection-write-timeout",
                                                "connection-limit-reached",
                                                "TLS-protocol-error",
                                                "TLS-certificate-error",
                                                "TLS-alert-received",
                                                "HTTP-request-denied",
                                                "HTTP-request-length-required",
                                                "HTTP-request-body-size",
                                                "HTTP-request-method-invalid",
                                                "HTTP-request-URI-invalid",
                                                "HTTP-request-URI-too-long",
                                                "HTTP-request-header-section-size",
                                                "HTTP-request-header-size",
                                                "HTTP-request-trailer-section-size",
                                                "HTTP-request-trailer-size",
                                                "HTTP-response-incomplete",
                                                "HTTP-response-header-section-size",
                                                "HTTP-response-header-size",
                                                "HTTP-response-body-size",
                                                "HTTP-response-trailer-section-size",
                                                "HTTP-response-trailer-size",
                                                "HTTP-response-transfer-coding",
                                                "HTTP-response-content-coding",
                                                "HTTP-response-timeout",
                                                "HTTP-upgrade-failed",
                                                "HTTP-protocol-error",
                                                "loop-detected",
                                                "configuration-error",
                                                "internal-error"};
  uint32_t c = v.case_index();
  std::string out =
      c < std::size(kNames) ? std::string(kNames[c]) : "error-code " + std::to_string(c);
  if (c == kInternalError && v.payload() && v.payload()->is_some())
    out += ": " + std::string(v.payload()->payload()->as_string());
  return out;
}

void link(component::HostImports& host) {
  link_fields(host);
  link_bodies(host);
  link_messages(host);
  link_outgoing(host);
}

}  // namespace spindle::abi::wasi_http
