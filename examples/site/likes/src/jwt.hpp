// HS256 JSON Web Tokens (RFC 7519 over JWS compact serialization, RFC 7515):
// the likes component signs one per visitor and checks it on every like.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto.hpp"
#include "json_reader.hpp"

namespace likes::jwt {

struct Claims {
  std::optional<std::string> sub;
  std::optional<int64_t> exp;
  std::optional<int64_t> iat;
};

enum class Status { Valid, Malformed, BadAlgorithm, BadSignature, Expired };

inline std::string_view describe(Status s) {
  switch (s) {
    case Status::Valid:
      return "valid";
    case Status::Malformed:
      return "the token is not a JWT";
    case Status::BadAlgorithm:
      return "the token is not signed with HS256";
    case Status::BadSignature:
      return "the token's signature does not match";
    case Status::Expired:
      return "the token has expired";
  }
  return "invalid token";
}

struct Verified {
  Status status = Status::Malformed;
  Claims claims;
};

// header {"alg":"HS256","typ":"JWT"}, then the payload as given (JSON text).
inline std::string sign(std::string_view payload_json, std::string_view secret) {
  std::string input = crypto::base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                      crypto::base64url_encode(payload_json);
  crypto::Digest mac = crypto::hmac_sha256(secret, input);
  return input + "." + crypto::base64url_encode(crypto::as_bytes(mac));
}

// Checks the form, that the header names HS256, the signature (compared in
// constant time) and, when the payload has `exp`, that `now` is before it
// (RFC 7519 §4.1.4). The claims are read only from a token whose signature
// is good.
inline Verified verify(std::string_view token, std::string_view secret, int64_t now) {
  Verified out;
  size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return out;
  size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return out;
  std::string_view header_b64 = token.substr(0, dot1);
  std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view signature_b64 = token.substr(dot2 + 1);
  auto header = crypto::base64url_decode(header_b64);
  auto payload = crypto::base64url_decode(payload_b64);
  auto signature = crypto::base64url_decode(signature_b64);
  if (!header || !payload || !signature) return out;
  json::Reader header_reader(*header);
  auto header_obj = header_reader.read_object();
  if (!header_obj) return out;
  if (header_obj->string("alg") != "HS256") {
    out.status = Status::BadAlgorithm;
    return out;
  }
  crypto::Digest mac = crypto::hmac_sha256(secret, token.substr(0, dot2));
  if (!crypto::constant_time_equal(crypto::as_bytes(mac), *signature)) {
    out.status = Status::BadSignature;
    return out;
  }
  json::Reader payload_reader(*payload);
  auto claims = payload_reader.read_object();
  if (!claims) return out;
  out.claims.sub = claims->string("sub");
  out.claims.exp = claims->integer("exp");
  out.claims.iat = claims->integer("iat");
  if (claims->find("exp") && !out.claims.exp) return out;  // exp must be an integer
  out.status = out.claims.exp && now >= *out.claims.exp ? Status::Expired : Status::Valid;
  return out;
}

}  // namespace likes::jwt
