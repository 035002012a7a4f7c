#include "host/outbound_http/outbound_http.h"

#include <algorithm>
#include <cstdio>

#include "host/allow_list.h"
#include "manifest/manifest.h"
#include "util/curl_lib.h"

namespace spindle::host::outbound_http {

using namespace spindle::engine;

namespace {

using Clock = std::chrono::steady_clock;
using host::AllowList;
using host::Url;

// An absolute http(s) URL, parsed.
std::optional<Url> parse_url(const std::string& url) {
  auto u = host::parse_url(url);
  if (u && u->scheme != "http" && u->scheme != "https") return std::nullopt;
  return u;
}

// http-error of http-types.wit, in case order.
enum HttpError : uint8_t {
  kDestinationNotAllowed = 1,
  kInvalidUrl = 2,
  kRequestError = 3,
  kRuntimeError = 4,
};

constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
constexpr ValType I32 = ValType::I32;

struct Response {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string location;  // for redirects
  bool too_large = false;
  size_t cap = 0;
  int curl_code = 0;  // why the transfer failed (CURLE_*), 0: it did not
  // For a guest's first-byte and between-bytes timeouts: when the request
  // started going out, and when the last response byte came.
  std::optional<Clock::time_point> sent_at, last_byte;
  bool read_timeout = false;  // one of them passed
};

size_t on_body(char* p, size_t size, size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  size_t len = size * n;
  if (r->body.size() + len > r->cap) {
    r->too_large = true;
    return 0;  // aborts the transfer
  }
  r->body.append(p, len);
  r->last_byte = Clock::now();
  return len;
}

int on_connected(void* user, char*, char*, int, int) {
  static_cast<Response*>(user)->sent_at = Clock::now();
  return CURL_PREREQFUNC_OK;
}

size_t on_header(char* p, size_t size, size_t n, void* user) {
  auto* r = static_cast<Response*>(user);
  r->last_byte = Clock::now();
  std::string line(p, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a 1xx or a redirect)
    r->headers.clear();
    r->location.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = line.substr(colon + 1);
  value.erase(0, value.find_first_not_of(" \t"));
  if (name == "location") r->location = value;
  r->headers.emplace_back(std::move(name), std::move(value));
  return size * n;
}

// One easy handle per thread: libcurl keeps its connections for reuse.
CURL* thread_handle(const util::CurlLib& c) {
  thread_local std::unique_ptr<CURL, void (*)(CURL*)> h(c.easy_init(), c.easy_cleanup);
  return h.get();
}

CURLM* thread_multi(const util::CurlLib& c) {
  thread_local std::unique_ptr<CURLM, CURLMcode (*)(CURLM*)> m(c.multi_init(), c.multi_cleanup);
  return m.get();
}

// Runs the transfer set up on `h`. With a first-byte or between-bytes
// timeout it runs on this thread's multi handle, polled at least until the
// next of those is due, and is abandoned (read_timeout) when one passes.
CURLcode perform(const util::CurlLib& c, CURL* h, const Timeouts& t, Response& r) {
  if (!t.first_byte && !t.between_bytes) return c.easy_perform(h);
  CURLM* m = thread_multi(c);
  if (!m || c.multi_add_handle(m, h) != CURLM_OK) return CURLE_FAILED_INIT;
  CURLcode rc = CURLE_OK;
  for (;;) {
    int running = 0, left = 0;
    if (c.multi_perform(m, &running) != CURLM_OK) {
      rc = CURLE_FAILED_INIT;
      break;
    }
    bool done = false;
    while (CURLMsg* msg = c.multi_info_read(m, &left))
      if (msg->msg == CURLMSG_DONE) {
        rc = msg->data.result;
        done = true;
      }
    if (done) break;
    std::optional<Clock::time_point> due;
    if (r.last_byte && t.between_bytes)
      due = *r.last_byte + *t.between_bytes;
    else if (!r.last_byte && r.sent_at && t.first_byte)
      due = *r.sent_at + *t.first_byte;
    auto now = Clock::now();
    if (due && now >= *due) {
      r.read_timeout = true;
      rc = CURLE_OPERATION_TIMEDOUT;
      break;
    }
    int64_t wait = 1000;
    if (due)
      wait = std::clamp<int64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(*due - now).count() + 1, 1, 1000);
    c.multi_poll(m, nullptr, 0, static_cast<int>(wait), nullptr);
  }
  c.multi_remove_handle(m, h);
  return rc;
}

std::string origin_of(const Url& u) {
  std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  return u.scheme + "://" + host + ":" + std::to_string(u.port);
}

class OutboundHttp final : public Binding {
 public:
  OutboundHttp(ComponentPolicy p, std::shared_ptr<SelfOrigin> self, Limits limits)
      : policy_(std::move(p)),
        allow_(policy_.allowed_hosts),
        self_(std::move(self)),
        limits_(limits) {}

  static void link(Linker& linker) {
    linker.define("wasi-outbound-http", "request",
                  HostFunc{FuncType{std::vector<ValType>(11, I32), {}}, &request, nullptr});
  }

  // outbound_http::refusal.
  Sent::Error refusal(const std::string& url) const {
    Url parsed;
    return refused_as(!url.empty() && url[0] == '/' ? check_self(url) : check(url, parsed));
  }

  // The Sent::Error of a refusal before any connection (None: not one).
  static Sent::Error refused_as(uint8_t e) {
    return e == kDestinationNotAllowed ? Sent::Denied
           : e == kInvalidUrl          ? Sent::InvalidUrl
                                       : Sent::None;
  }

  // outbound_http::send (a wasi:http component's outgoing-handler).
  Sent send_for(const std::string& method, const std::string& url, const Headers& headers,
                const std::optional<std::string>& body,
                std::optional<std::chrono::steady_clock::time_point> deadline,
                const Timeouts& timeouts) const {
    Response r;
    Sent out;
    uint8_t e = send(method.c_str(), url, headers, body, deadline, r, timeouts);
    if (Sent::Error refused = refused_as(e); refused != Sent::None) {
      out.error = refused;
    } else if (e != 0) {
      out.error = r.curl_code == CURLE_COULDNT_RESOLVE_HOST ? Sent::DnsError
                  : r.curl_code == CURLE_COULDNT_CONNECT    ? Sent::ConnectionRefused
                  : r.read_timeout                          ? Sent::ReadTimeout
                  : r.curl_code == CURLE_OPERATION_TIMEDOUT ? Sent::Timeout
                  : e == kRuntimeError                      ? Sent::InternalError
                                                            : Sent::ProtocolError;
    } else {
      out.status = r.status;
      out.headers = std::move(r.headers);
      out.body = std::move(r.body);
    }
    return out;
  }

 private:
  void deny(const Url& u) const {
    std::string origin = origin_of(u);
    std::string host_port = u.host + ":" + std::to_string(u.port);
    std::string hint = policy_.v1_manifest ? "allowed_http_hosts = [\"" + host_port + "\"]"
                                           : "allowed_outbound_hosts = [\"" + origin + "\"]";
    std::fprintf(stderr,
                 "component `%s`: outbound request to %s denied (not in its allowed hosts); to "
                 "allow it, add %s to the component in spin.toml\n",
                 policy_.component.c_str(), origin.c_str(), hint.c_str());
  }

  // A self request ("/path"): 0 when the component may make one.
  uint8_t check_self(const std::string& url) const {
    if (allow_.allows_self()) return 0;
    std::fprintf(stderr,
                 "component `%s`: outbound request to the app itself (%s) denied; to allow "
                 "it, add %s to the component in spin.toml\n",
                 policy_.component.c_str(), url.c_str(),
                 policy_.v1_manifest ? "allowed_http_hosts = [\"self\"]"
                                     : "allowed_outbound_hosts = [\"http://self\"]");
    return kDestinationNotAllowed;
  }

  // Parses an absolute `url` and checks it. 0 when allowed.
  uint8_t check(const std::string& url, Url& parsed) const {
    auto u = parse_url(url);
    if (!u) return kInvalidUrl;
    parsed = *u;
    if (!allow_.allows(parsed)) {
      deny(parsed);
      return kDestinationNotAllowed;
    }
    return 0;
  }

  // A self request answered in process. Redirects come back to the guest as
  // they are.
  uint8_t send_local(const LocalDispatch& dispatch, const char* method, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::optional<std::string>& body, Response& out) const {
    constexpr int kMaxDepth = 8;
    thread_local int depth = 0;
    if (depth >= kMaxDepth) {
      std::fprintf(stderr,
                   "component `%s`: outbound request to the app itself (%s) refused: self "
                   "requests nested %d deep\n",
                   policy_.component.c_str(), target.c_str(), depth);
      return kRequestError;
    }
    LocalRequest req;
    req.method = method;
    req.uri = target;
    req.headers = headers;
    req.body = body.value_or("");
    ++depth;
    LocalResponse r = dispatch(req);
    --depth;
    if (r.body.size() > limits_.max_response_bytes) {
      std::fprintf(stderr,
                   "component `%s`: response from the app itself is larger than %zu bytes; "
                   "refused\n",
                   policy_.component.c_str(), limits_.max_response_bytes);
      return kRuntimeError;
    }
    out.status = static_cast<long>(r.status);
    out.headers = std::move(r.headers);
    out.body = std::move(r.body);
    return 0;
  }

  // Sends the request, following redirects to allowed destinations.
  uint8_t send(const char* method, std::string url,
               const std::vector<std::pair<std::string, std::string>>& headers,
               const std::optional<std::string>& body,
               std::optional<std::chrono::steady_clock::time_point> deadline, Response& out,
               const Timeouts& timeouts = {}) const {
    if (!url.empty() && url[0] == '/') {  // the app itself, answered in process
      if (uint8_t e = check_self(url)) return e;
      LocalDispatch d = self_ ? self_->dispatch() : nullptr;
      if (!d) return kRuntimeError;  // no app to answer (not under spindle up)
      return send_local(d, method, url, headers, body, out);
    }
    Url parsed;
    if (uint8_t e = check(url, parsed)) return e;
    std::string load_error;
    const util::CurlLib* c = util::curl_lib(load_error);
    if (!c) {
      std::fprintf(stderr, "component `%s`: outbound HTTP: %s\n", policy_.component.c_str(),
                   load_error.c_str());
      return kRuntimeError;
    }
    CURL* h = thread_handle(*c);
    if (!h) return kRuntimeError;
    std::string current_method = method;
    std::optional<std::string> current_body = body;
    for (int hop = 0;; ++hop) {
      auto budget = limits_.timeout;
      if (deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            *deadline - std::chrono::steady_clock::now());
        // Leave the guest a moment to answer after a timed-out request.
        left -= std::min(left / 2, std::chrono::milliseconds(100));
        if (left.count() <= 0) {
          out.curl_code = CURLE_OPERATION_TIMEDOUT;
          return kRequestError;
        }
        budget = std::min(budget, left);
      }
      c->easy_reset(h);
      out = Response{};
      out.cap = limits_.max_response_bytes;
      curl_slist* list = nullptr;
      for (const auto& [k, v] : headers) list = c->slist_append(list, (k + ": " + v).c_str());
      // No "Expect: 100-continue" round trip.
      list = c->slist_append(list, "Expect:");
      c->easy_setopt(h, CURLOPT_URL, url.c_str());
      c->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
      c->easy_setopt(h, CURLOPT_CUSTOMREQUEST, current_method.c_str());
      if (current_method == "HEAD") c->easy_setopt(h, CURLOPT_NOBODY, 1L);
      if (current_body) {
        c->easy_setopt(h, CURLOPT_POSTFIELDS, current_body->data());
        c->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(current_body->size()));
      }
      c->easy_setopt(h, CURLOPT_HTTPHEADER, list);
      c->easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
      c->easy_setopt(h, CURLOPT_WRITEDATA, &out);
      c->easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
      c->easy_setopt(h, CURLOPT_HEADERDATA, &out);
      c->easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(budget.count()));
      auto connect = timeouts.connect.value_or(std::chrono::milliseconds(10000));
      c->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::max<int64_t>(1, std::min(budget, connect).count())));
      c->easy_setopt(h, CURLOPT_PREREQFUNCTION, &on_connected);
      c->easy_setopt(h, CURLOPT_PREREQDATA, &out);
      c->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
      c->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
      CURLcode rc = perform(*c, h, timeouts, out);
      c->slist_free_all(list);
      if (out.too_large) {
        std::fprintf(stderr,
                     "component `%s`: outbound response from %s is larger than %zu bytes; "
                     "refused\n",
                     policy_.component.c_str(), origin_of(parsed).c_str(),
                     limits_.max_response_bytes);
        return kRuntimeError;
      }
      if (rc != CURLE_OK) {
        std::fprintf(stderr, "component `%s`: outbound request to %s failed: %s\n",
                     policy_.component.c_str(), origin_of(parsed).c_str(),
                     !out.read_timeout ? c->easy_strerror(rc)
                     : out.last_byte   ? "no response byte within its between-bytes-timeout"
                                       : "no response within its first-byte-timeout");
        out.curl_code = rc;
        return kRequestError;
      }
      c->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
      bool redirect = (out.status == 301 || out.status == 302 || out.status == 303 ||
                       out.status == 307 || out.status == 308) &&
                      !out.location.empty();
      if (!redirect || hop >= limits_.max_redirects) return 0;
      // Resolve the Location against the current URL and check it like the
      // first destination.
      CURLU* cu = c->url();
      c->url_set(cu, CURLUPART_URL, url.c_str(), 0);
      char* next = nullptr;
      bool ok = c->url_set(cu, CURLUPART_URL, out.location.c_str(), 0) == CURLUE_OK &&
                c->url_get(cu, CURLUPART_URL, &next, 0) == CURLUE_OK;
      std::string next_url = ok ? next : "";
      c->free(next);
      c->url_cleanup(cu);
      if (!ok) return 0;  // an unreadable Location: hand the 3xx to the guest
      auto next_parsed = parse_url(next_url);
      if (!next_parsed || !allow_.allows(*next_parsed)) {
        if (next_parsed) deny(*next_parsed);
        return kDestinationNotAllowed;
      }
      url = next_url;
      parsed = *next_parsed;
      if (out.status == 303 ||
          ((out.status == 301 || out.status == 302) && current_method == "POST")) {
        current_method = "GET";
        current_body.reset();
      }
    }
  }

  // request(method, uri_ptr, uri_len, headers_ptr, headers_len, params_ptr,
  //         params_len, body_is_some, body_ptr, body_len, ret)
  //   -> expected<response, http-error>; ret: 32 bytes, align 4.
  static Outcome request(HostCall& call, const engine::Value* a, engine::Value*) {
    const auto* self = bound<OutboundHttp>(call, capability().index());
    if (!self) return not_configured("wasi-outbound-http");
    Guest g(call);
    uint32_t method = a[0].i32, ret = a[10].i32;
    std::string url;
    if (!g.read(a[1].i32, a[2].i32, url)) return g.outcome;
    std::vector<std::pair<std::string, std::string>> headers;
    uint32_t hp = a[3].i32, hn = a[4].i32;
    if (hn > 4096) return Outcome::trapped(TrapKind::HostError, "outbound http: too many headers");
    for (uint32_t i = 0; i < hn; ++i) {
      uint32_t kp = 0, kl = 0, vp = 0, vl = 0;
      std::string k, v;
      uint32_t at = hp + i * 16;
      if (!g.load(at, kp) || !g.load(at + 4, kl) || !g.load(at + 8, vp) || !g.load(at + 12, vl) ||
          !g.read(kp, kl, k) || !g.read(vp, vl, v))
        return g.outcome;
      headers.emplace_back(std::move(k), std::move(v));
    }
    std::optional<std::string> body;
    if (a[7].i32) {
      body.emplace();
      if (!g.read(a[8].i32, a[9].i32, *body)) return g.outcome;
    }
    auto err = [&](uint8_t e) {
      return g.store<uint8_t>(ret, 1) && g.store<uint8_t>(ret + 4, e) ? Outcome::success()
                                                                      : g.outcome;
    };
    if (method >= std::size(kMethods)) return err(kRequestError);
    Response r;
    if (uint8_t e = self->send(kMethods[method], url, headers, body, call.instance->deadline, r))
      return err(e);
    // ok: status, headers (list of 16-byte tuples), body.
    uint32_t list = 4;
    if (!g.alloc(4, static_cast<uint32_t>(r.headers.size() * 16), list)) return g.outcome;
    for (size_t i = 0; i < r.headers.size(); ++i) {
      uint32_t at = list + static_cast<uint32_t>(i * 16);
      if (!g.put_at(at, r.headers[i].first) || !g.put_at(at + 8, r.headers[i].second))
        return g.outcome;
    }
    bool ok = g.store<uint8_t>(ret, 0) &&
              g.store<uint16_t>(ret + 4, static_cast<uint16_t>(r.status)) &&
              g.store<uint8_t>(ret + 8, 1) && g.store<uint32_t>(ret + 12, list) &&
              g.store<uint32_t>(ret + 16, static_cast<uint32_t>(r.headers.size())) &&
              g.store<uint8_t>(ret + 20, 1) && g.put_at(ret + 24, r.body);
    return ok ? Outcome::success() : g.outcome;
  }

  ComponentPolicy policy_;
  AllowList allow_;
  std::shared_ptr<SelfOrigin> self_;
  Limits limits_;
};

}  // namespace

namespace {

class App final : public AppState {
 public:
  App(std::shared_ptr<SelfOrigin> self, bool v1) : self_(std::move(self)), v1_(v1) {}
  std::shared_ptr<const Binding> bind(const manifest::Component& c, std::string&) const override {
    return std::make_shared<OutboundHttp>(ComponentPolicy{c.id, c.outbound_hosts, v1_}, self_,
                                          Limits{});
  }

 private:
  std::shared_ptr<SelfOrigin> self_;
  bool v1_;
};

class OutboundHttpCapability final : public Capability {
 public:
  std::string_view name() const override { return "outbound-http"; }
  void link(Linker& linker) const override { OutboundHttp::link(linker); }
  std::shared_ptr<const AppState> configure(const AppContext& ctx, std::string&) const override {
    return std::make_shared<App>(ctx.self,
                                 ctx.app.manifest_version == manifest::ManifestVersion::V1);
  }
};

}  // namespace

// The calling component's binding; null when it has no outbound HTTP.
const OutboundHttp* binding_of(const engine::InstanceData* instance) {
  return bound<OutboundHttp>(instance, capability().index());
}

Sent::Error refusal(const engine::InstanceData* instance, const std::string& url) {
  const OutboundHttp* self = binding_of(instance);
  if (!self) return Sent::Denied;  // no outbound HTTP configured: nothing is allowed
  return self->refusal(url);
}

Sent send(const engine::InstanceData* instance, const std::string& method, const std::string& url,
          const Headers& headers, const std::optional<std::string>& body,
          const Timeouts& timeouts) {
  const OutboundHttp* self = binding_of(instance);
  if (!self) {
    Sent out;
    out.error = Sent::Denied;
    return out;
  }
  return self->send_for(method, url, headers, body, instance->deadline, timeouts);
}

const Capability& capability() {
  static const OutboundHttpCapability c;
  return c;
}

}  // namespace spindle::host::outbound_http
