// The host objects of wasi:http/types 0.2 (issue 12, Deliver 5) that the
// wasi:http executor makes and reads, and the registration of every
// wasi:http/types function in a component::HostImports.
//
// Objects live in the instance's wasi::p2::ResourceTable (a handle's rep is
// the table index). An incoming body is an InputStream over the request
// body: over its bytes, or over the server's http::BodySource while it
// arrives (its future-trailers is then ready when the body has ended). An outgoing response body's
// OutputStream appends to a buffer that the executor sends on (Context::flush_output): as one
// response when the guest ends the body before it waits for anything, else
// streamed: the head as soon as the guest waits, then each write.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/http.h"
#include "engine/component/link_component.h"
#include "wasi/p2/context.h"
#include "wasi/p2/streams.h"

namespace spindle::abi::wasi_http {

// wasi:http/types `fields` (headers and trailers): names lowercase, values
// bytes, in insertion order.
class Fields : public wasi::p2::Resource {
 public:
  std::vector<std::pair<std::string, std::string>> entries;
  bool immutable = false;
};

class IncomingRequest : public wasi::p2::Resource {
 public:
  std::string method;  // "GET", ...
  std::string path_with_query;
  std::string scheme;     // "http" / "https"
  std::string authority;  // host[:port]
  uint32_t headers = 0;   // rep of an immutable Fields
  std::shared_ptr<std::string> body;
  // Set instead of `body` when the body is read as it arrives.
  std::shared_ptr<http::BodySource> source;
  bool consumed = false;
};

// The bytes written to an outgoing body (shared by the body and its stream).
struct BodyBuffer {
  std::string bytes;  // written and not yet sent on
  bool finished = false;
  http::Headers trailers;  // given to outgoing-body.finish
  bool streaming = false;  // set by the executor: each write is sent on at once
  bool broken = false;     // the client is gone: writes fail
};

class OutgoingBody : public wasi::p2::Resource {
 public:
  std::shared_ptr<BodyBuffer> buffer = std::make_shared<BodyBuffer>();
  bool written = false;  // write() was called
};

class OutgoingResponse : public wasi::p2::Resource {
 public:
  uint16_t status = 200;
  uint32_t headers = 0;  // rep of its Fields
  uint32_t body = 0;     // rep of its OutgoingBody once body() was called
};

class ResponseOutparam : public wasi::p2::Resource {
 public:
  bool set = false;
  uint32_t response = 0;  // rep of the OutgoingResponse (set with ok)
  std::string error;      // set with an error-code: its description
};

// A header a guest may not set and does not see in an incoming request
// (wasmtime's default forbidden headers: connection, host, ...); `name`
// lowercase.
bool is_forbidden_header(std::string_view name);

// Registers wasi:http/types and wasi:http/outgoing-handler.
void link(component::HostImports& host);

// The description of an error-code Val ("HTTP-request-denied", ...).
std::string describe_error_code(const component::Val& v);

}  // namespace spindle::abi::wasi_http
