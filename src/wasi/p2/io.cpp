// wasi:io/error, wasi:io/poll and wasi:io/streams (io.h).
#include "wasi/p2/io.h"

#include <algorithm>
#include <thread>

#include "wasi/p2/define.h"

namespace spindle::wasi::p2 {

using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kError = "wasi:io/error";
constexpr std::string_view kPoll = "wasi:io/poll";
constexpr std::string_view kStreams = "wasi:io/streams";
// The most bytes one read / skip / splice moves (a guest asking for 4 GiB
// gets a short read, never a 4 GiB host buffer).
constexpr uint64_t kMaxChunk = uint64_t{1} << 20;
// What the blocking-*-and-flush functions accept at once (wasmtime's limit).
constexpr uint64_t kMaxBlockingWrite = 4096;

// Ready when its parent (a stream, a future, ...) is.
class ParentPollable : public Pollable {
 public:
  ParentPollable(Context& cx, uint32_t parent) : cx_(cx), parent_(parent) {}
  bool ready() override {
    Waitable* w = cx_.table().get<Waitable>(parent_);
    return w == nullptr || w->ready();
  }
  bool wait(Deadline deadline) override {
    Waitable* w = cx_.table().get<Waitable>(parent_);
    return w == nullptr || w->wait(deadline);
  }

 private:
  Context& cx_;
  uint32_t parent_;
};

class TimerPollable : public Pollable {
 public:
  explicit TimerPollable(Clock::time_point when) : when_(when) {}
  bool ready() override { return Clock::now() >= when_; }
  bool wait(Deadline deadline) override {
    if (deadline && *deadline < when_) {
      std::this_thread::sleep_until(*deadline);
      return ready();
    }
    std::this_thread::sleep_until(when_);
    return true;
  }
  std::optional<Clock::time_point> ready_at() const override { return when_; }

 private:
  Clock::time_point when_;
};

Outcome timeout(std::string_view what) {
  return Outcome::trapped(engine::TrapKind::Timeout,
                          std::string(what) + ": the instance's deadline passed while waiting");
}

Outcome table_full(std::string_view what) {
  return Outcome::trapped(engine::TrapKind::HostError,
                          std::string(what) + ": too many live WASI resources");
}

// The guest is about to wait: what it has made so far goes out first (a
// streamed response's head and chunks).
void flush_before_wait(const InstanceData* d) {
  Context* cx = context_of(d);
  if (cx != nullptr && cx->flush_output) cx->flush_output(true);
}

// Waits for the first of `ps` to be ready (none is ready now).
Outcome wait_any(std::span<Pollable* const> ps, const InstanceData* d) {
  flush_before_wait(d);
  Deadline deadline = d != nullptr ? d->deadline : std::nullopt;
  // The earliest timer bounds every wait.
  std::optional<Clock::time_point> timer;
  std::vector<Pollable*> others;
  for (Pollable* p : ps) {
    if (auto at = p->ready_at())
      timer = timer ? std::min(*timer, *at) : *at;
    else
      others.push_back(p);
  }
  Clock::duration slice = std::chrono::milliseconds(1);
  for (size_t turn = 0;; ++turn) {
    Clock::time_point now = Clock::now();
    if (timer && now >= *timer) return Outcome::success();
    if (deadline && now >= *deadline) return timeout("wasi:io/poll");
    Deadline until = deadline;
    if (timer) until = until ? std::min(*until, *timer) : *timer;
    if (others.empty()) {
      std::this_thread::sleep_until(*until);
      continue;
    }
    // One waitable: its own wait; several: short turns on each in order.
    Pollable* p = others[turn % others.size()];
    Deadline d2 = until;
    if (others.size() > 1) {
      Clock::time_point end = now + slice;
      d2 = d2 ? std::min(*d2, end) : end;
      slice = std::min<Clock::duration>(slice * 2, std::chrono::milliseconds(20));
    }
    if (p->wait(d2)) return Outcome::success();
    for (Pollable* q : others)
      if (q->ready()) return Outcome::success();
  }
}

template <class T>
T* self(Context& cx, const Val& v) {
  return cx.table().get<T>(v.rep());
}

// ---- input-stream -----------------------------------------------------------

Outcome read(Context& cx, InstanceData* d, Params p, Results& r, bool blocking) {
  auto* s = self<InputStream>(cx, p[0]);
  if (s == nullptr) return bad_handle("input-stream.read");
  uint64_t len = std::min(p[1].as_u64(), kMaxChunk);
  std::string out;
  StreamResult res = s->read(len, out);
  while (blocking && res.kind == StreamResult::Ok && out.empty() && len > 0) {
    if (Outcome o = wait_ready(*s, d, "input-stream.blocking-read"); !o.ok()) return o;
    res = s->read(len, out);
  }
  // Bytes read before the stream ended are delivered first.
  if (res.kind != StreamResult::Ok && !out.empty()) res = StreamResult::ok();
  return stream_result(cx, res, Val::bytes(out), r);
}

Outcome skip(Context& cx, InstanceData* d, Params p, Results& r, bool blocking) {
  auto* s = self<InputStream>(cx, p[0]);
  if (s == nullptr) return bad_handle("input-stream.skip");
  uint64_t len = std::min(p[1].as_u64(), kMaxChunk);
  std::string out;
  StreamResult res = s->read(len, out);
  while (blocking && res.kind == StreamResult::Ok && out.empty() && len > 0) {
    if (Outcome o = wait_ready(*s, d, "input-stream.blocking-skip"); !o.ok()) return o;
    res = s->read(len, out);
  }
  if (res.kind != StreamResult::Ok && !out.empty()) res = StreamResult::ok();
  return stream_result(cx, res, Val::u64(out.size()), r);
}

Outcome subscribe(Context& cx, const Val& self_handle, Results& r, std::string_view what) {
  uint32_t rep = make_pollable(cx, self_handle.rep());
  if (rep == 0) return table_full(what);
  r.push_back(Val::own(rep));
  return Outcome::success();
}

// ---- output-stream ----------------------------------------------------------

// Writes `bytes` (at most what check-write permits, else a trap as in
// wasmtime).
Outcome write(Context& cx, OutputStream& s, std::string_view bytes, Results& r,
              std::string_view what) {
  uint64_t permitted = 0;
  StreamResult res = s.check_write(permitted);
  if (res.kind != StreamResult::Ok) return stream_result(cx, res, std::nullopt, r);
  if (bytes.size() > permitted)
    return Outcome::trapped(engine::TrapKind::HostError,
                            std::string(what) + ": wrote " + std::to_string(bytes.size()) +
                                " bytes, more than check-write permitted (" +
                                std::to_string(permitted) + ")");
  if (!bytes.empty()) res = s.write(bytes);
  return stream_result(cx, res, std::nullopt, r);
}

// Waits until a flush is done (the stream accepts writes again).
StreamResult flush_and_wait(OutputStream& s, InstanceData* d, Outcome& trap) {
  StreamResult res = s.flush();
  if (res.kind != StreamResult::Ok) return res;
  trap = wait_ready(s, d, "output-stream.blocking-flush");
  if (!trap.ok()) return res;
  uint64_t permitted = 0;
  return s.check_write(permitted);
}

Outcome blocking_write(Context& cx, InstanceData* d, OutputStream& s, std::string_view bytes,
                       Results& r, std::string_view what) {
  if (bytes.size() > kMaxBlockingWrite)
    return Outcome::trapped(engine::TrapKind::HostError,
                            std::string(what) + ": buffer too large (" +
                                std::to_string(bytes.size()) + " bytes, at most 4096)");
  while (true) {
    uint64_t permitted = 0;
    StreamResult res = s.check_write(permitted);
    if (res.kind != StreamResult::Ok) return stream_result(cx, res, std::nullopt, r);
    if (bytes.empty()) break;
    if (permitted == 0) {
      if (Outcome o = wait_ready(s, d, what); !o.ok()) return o;
      continue;
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(permitted, bytes.size()));
    res = s.write(bytes.substr(0, n));
    if (res.kind != StreamResult::Ok) return stream_result(cx, res, std::nullopt, r);
    bytes.remove_prefix(n);
  }
  Outcome trap;
  StreamResult res = flush_and_wait(s, d, trap);
  if (!trap.ok()) return trap;
  return stream_result(cx, res, std::nullopt, r);
}

Outcome splice(Context& cx, InstanceData* d, Params p, Results& r, bool blocking) {
  auto* dst = self<OutputStream>(cx, p[0]);
  auto* src = self<InputStream>(cx, p[1]);
  if (dst == nullptr || src == nullptr) return bad_handle("output-stream.splice");
  uint64_t len = std::min(p[2].as_u64(), kMaxChunk);
  uint64_t permitted = 0;
  StreamResult res = dst->check_write(permitted);
  while (blocking && res.kind == StreamResult::Ok && permitted == 0 && len > 0) {
    if (Outcome o = wait_ready(*dst, d, "output-stream.blocking-splice"); !o.ok()) return o;
    res = dst->check_write(permitted);
  }
  if (res.kind != StreamResult::Ok) return stream_result(cx, res, std::nullopt, r);
  len = std::min(len, permitted);
  std::string buf;
  res = src->read(len, buf);
  while (blocking && res.kind == StreamResult::Ok && buf.empty() && len > 0) {
    if (Outcome o = wait_ready(*src, d, "output-stream.blocking-splice"); !o.ok()) return o;
    res = src->read(len, buf);
  }
  if (res.kind != StreamResult::Ok && buf.empty()) return stream_result(cx, res, std::nullopt, r);
  if (!buf.empty()) {
    StreamResult w = dst->write(buf);
    if (w.kind != StreamResult::Ok) return stream_result(cx, w, std::nullopt, r);
  }
  return stream_result(cx, StreamResult::ok(), Val::u64(buf.size()), r);
}

void link_streams(component::HostImports& host) {
  define_resource(host, kStreams, "input-stream");
  define_resource(host, kStreams, "output-stream");
  define_cx(
      host, kStreams, "[method]input-stream.read",
      [](Context& cx, InstanceData* d, Params p, Results& r) { return read(cx, d, p, r, false); });
  define_cx(
      host, kStreams, "[method]input-stream.blocking-read",
      [](Context& cx, InstanceData* d, Params p, Results& r) { return read(cx, d, p, r, true); });
  define_cx(
      host, kStreams, "[method]input-stream.skip",
      [](Context& cx, InstanceData* d, Params p, Results& r) { return skip(cx, d, p, r, false); });
  define_cx(
      host, kStreams, "[method]input-stream.blocking-skip",
      [](Context& cx, InstanceData* d, Params p, Results& r) { return skip(cx, d, p, r, true); });
  define_cx(host, kStreams, "[method]input-stream.subscribe",
            [](Context& cx, InstanceData*, Params p, Results& r) {
              if (self<InputStream>(cx, p[0]) == nullptr)
                return bad_handle("input-stream.subscribe");
              return subscribe(cx, p[0], r, "input-stream.subscribe");
            });
  define_cx(host, kStreams, "[method]output-stream.check-write",
            [](Context& cx, InstanceData*, Params p, Results& r) {
              auto* s = self<OutputStream>(cx, p[0]);
              if (s == nullptr) return bad_handle("output-stream.check-write");
              uint64_t permitted = 0;
              StreamResult res = s->check_write(permitted);
              return stream_result(cx, res, Val::u64(permitted), r);
            });
  define_cx(host, kStreams, "[method]output-stream.write",
            [](Context& cx, InstanceData*, Params p, Results& r) {
              auto* s = self<OutputStream>(cx, p[0]);
              if (s == nullptr) return bad_handle("output-stream.write");
              return write(cx, *s, p[1].as_bytes(), r, "output-stream.write");
            });
  define_cx(host, kStreams, "[method]output-stream.blocking-write-and-flush",
            [](Context& cx, InstanceData* d, Params p, Results& r) {
              auto* s = self<OutputStream>(cx, p[0]);
              if (s == nullptr) return bad_handle("output-stream.blocking-write-and-flush");
              return blocking_write(cx, d, *s, p[1].as_bytes(), r,
                                    "output-stream.blocking-write-and-flush");
            });
  define_cx(host, kStreams, "[method]output-stream.flush",
            [](Context& cx, InstanceData*, Params p, Results& r) {
              auto* s = self<OutputStream>(cx, p[0]);
              if (s == nullptr) return bad_handle("output-stream.flush");
              return stream_result(cx, s->flush(), std::nullopt, r);
            });
  define_cx(host, kStreams, "[method]output-stream.blocking-flush",
            [](Context& cx, InstanceData* d, Params p, Results& r) {
              auto* s = self<OutputStream>(cx, p[0]);
              if (s == nullptr) return bad_handle("output-stream.blocking-flush");
              Outcome trap;
              StreamResult res = flush_and_wait(*s, d, trap);
              if (!trap.ok()) return trap;
              return stream_result(cx, res, std::nullopt, r);
            });
  define_cx(host, kStreams, "[method]output-stream.subscribe",
            [](Context& cx, InstanceData*, Params p, Results& r) {
              if (self<OutputStream>(cx, p[0]) == nullptr)
                return bad_handle("output-stream.subscribe");
              return subscribe(cx, p[0], r, "output-stream.subscribe");
            });
  define_cx(host, kStreams, "[method]output-stream.write-zeroes",
            [](Context& cx, InstanceData*, Params p, Results& r) {
              auto* s = self<OutputStream>(cx, p[0]);
              if (s == nullptr) return bad_handle("output-stream.write-zeroes");
              uint64_t permitted = 0;
              StreamResult res = s->check_write(permitted);
              if (res.kind != StreamResult::Ok) return stream_result(cx, res, std::nullopt, r);
              if (p[1].as_u64() > permitted)
                return Outcome::trapped(engine::TrapKind::HostError,
                                        "output-stream.write-zeroes: more than check-write "
                                        "permitted");
              std::string zeros(static_cast<size_t>(p[1].as_u64()), '\0');
              return write(cx, *s, zeros, r, "output-stream.write-zeroes");
            });
  define_cx(host, kStreams, "[method]output-stream.blocking-write-zeroes-and-flush",
            [](Context& cx, InstanceData* d, Params p, Results& r) {
              auto* s = self<OutputStream>(cx, p[0]);
              if (s == nullptr) return bad_handle("output-stream.blocking-write-zeroes-and-flush");
              if (p[1].as_u64() > kMaxBlockingWrite)
                return Outcome::trapped(engine::TrapKind::HostError,
                                        "output-stream.blocking-write-zeroes-and-flush: more "
                                        "than 4096 bytes");
              std::string zeros(static_cast<size_t>(p[1].as_u64()), '\0');
              return blocking_write(cx, d, *s, zeros, r,
                                    "output-stream.blocking-write-zeroes-and-flush");
            });
  define_cx(host, kStreams, "[method]output-stream.splice",
            [](Context& cx, InstanceData* d, Params p, Results& r) {
              return splice(cx, d, p, r, false);
            });
  define_cx(
      host, kStreams, "[method]output-stream.blocking-splice",
      [](Context& cx, InstanceData* d, Params p, Results& r) { return splice(cx, d, p, r, true); });
}

void link_poll(component::HostImports& host) {
  define_resource(host, kPoll, "pollable");
  define_cx(host, kPoll, "[method]pollable.ready",
            [](Context& cx, InstanceData*, Params p, Results& r) {
              auto* s = self<Pollable>(cx, p[0]);
              if (s == nullptr) return bad_handle("pollable.ready");
              r.push_back(Val::boolean(s->ready()));
              return Outcome::success();
            });
  define_cx(host, kPoll, "[method]pollable.block",
            [](Context& cx, InstanceData* d, Params p, Results&) {
              auto* s = self<Pollable>(cx, p[0]);
              if (s == nullptr) return bad_handle("pollable.block");
              if (s->ready()) return Outcome::success();
              Pollable* one[] = {s};
              return wait_any(one, d);
            });
  define_cx(host, kPoll, "poll", [](Context& cx, InstanceData* d, Params p, Results& r) {
    std::span<const Val> in = p[0].as_list();
    if (in.empty())
      return Outcome::trapped(engine::TrapKind::HostError, "wasi:io/poll: empty poll list");
    std::vector<Pollable*> ps;
    ps.reserve(in.size());
    for (const Val& v : in) {
      auto* s = self<Pollable>(cx, v);
      if (s == nullptr) return bad_handle("poll");
      ps.push_back(s);
    }
    std::vector<Val> ready;
    for (bool waited = false;; waited = true) {
      for (size_t i = 0; i < ps.size(); ++i)
        if (ps[i]->ready()) ready.push_back(Val::u32(static_cast<uint32_t>(i)));
      if (!ready.empty()) break;
      if (waited && d != nullptr && d->deadline && Clock::now() >= *d->deadline)
        return timeout("wasi:io/poll");
      if (Outcome o = wait_any(ps, d); !o.ok()) return o;
    }
    r.push_back(Val::list(std::move(ready)));
    return Outcome::success();
  });
}

void link_error(component::HostImports& host) {
  define_resource(host, kError, "error");
  define_cx(host, kError, "[method]error.to-debug-string",
            [](Context& cx, InstanceData*, Params p, Results& r) {
              auto* e = self<IoError>(cx, p[0]);
              if (e == nullptr) return bad_handle("error.to-debug-string");
              r.push_back(Val::string(e->message));
              return Outcome::success();
            });
}

}  // namespace

uint32_t add_pollable(Context& cx, std::unique_ptr<Pollable> p) {
  return cx.table().add(std::move(p));
}

uint32_t make_pollable(Context& cx, uint32_t parent_rep) {
  return add_pollable(cx, std::make_unique<ParentPollable>(cx, parent_rep));
}

uint32_t make_timer_pollable(Context& cx, Clock::time_point when) {
  return add_pollable(cx, std::make_unique<TimerPollable>(when));
}

uint32_t make_error(Context& cx, std::string message, int32_t fs_code) {
  return cx.table().add(std::make_unique<IoError>(std::move(message), fs_code));
}

bool stream_error(Context& cx, const StreamResult& r, Val& out) {
  if (r.kind == StreamResult::Closed) {
    out = Val::variant(1);
    return true;
  }
  uint32_t rep = make_error(cx, r.error, r.fs_code);
  if (rep == 0) return false;
  out = Val::variant(0, Val::own(rep));
  return true;
}

Outcome stream_result(Context& cx, const StreamResult& r, std::optional<Val> ok, Results& results) {
  if (r.kind == StreamResult::Ok) {
    results.push_back(Val::ok(std::move(ok)));
    return Outcome::success();
  }
  Val e;
  if (!stream_error(cx, r, e)) return table_full("wasi:io/streams");
  results.push_back(Val::err(std::move(e)));
  return Outcome::success();
}

Outcome wait_ready(Waitable& w, const InstanceData* d, std::string_view what) {
  if (w.ready()) return Outcome::success();
  flush_before_wait(d);
  if (w.ready()) return Outcome::success();
  Deadline deadline = d != nullptr ? d->deadline : std::nullopt;
  if (w.wait(deadline)) return Outcome::success();
  return timeout(what);
}

Outcome bad_handle(std::string_view what) {
  return Outcome::trapped(engine::TrapKind::HostError,
                          std::string(what) + ": the handle is not a live host object");
}

void link_io(component::HostImports& host) {
  link_error(host);
  link_poll(host);
  link_streams(host);
}

}  // namespace spindle::wasi::p2
