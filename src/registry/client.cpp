#include "registry/client.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "util/base64.h"
#include "util/curl_lib.h"

namespace spindle::registry {
namespace {

constexpr size_t kMaxBody = size_t{1} << 30;

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response (after a redirect or 100-continue)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  (*headers)[name] = std::string(value);
  return size * n;
}

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// `Bearer realm="…",service="…"` → scheme "bearer" and its parameters.
std::map<std::string, std::string> parse_challenge(std::string_view h, std::string& scheme) {
  std::map<std::string, std::string> params;
  size_t sp = h.find(' ');
  scheme = std::string(h.substr(0, sp));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (sp == std::string_view::npos) return params;
  std::string_view rest = h.substr(sp + 1);
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) rest.remove_prefix(1);
    size_t eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    std::string key(rest.substr(0, eq));
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    rest.remove_prefix(eq + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      size_t close = rest.find('"');
      value = std::string(rest.substr(0, close));
      rest.remove_prefix(close == std::string_view::npos ? rest.size() : close + 1);
    } else {
      size_t comma = rest.find(',');
      value = std::string(rest.substr(0, comma));
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma);
    }
    params[key] = value;
  }
  return params;
}

}  // namespace

std::string scheme_for(const std::string& registry, bool insecure) {
  return insecure || is_loopback_registry(registry) ? "http" : "https";
}

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpResponse::describe() const {
  std::string s = "HTTP " + std::to_string(status);
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
    const auto& e = j["errors"][0];
    std::string code = e.value("code", std::string());
    std::string message = e.value("message", std::string());
    s += " (" + code + (code.empty() || message.empty() ? "" : ": ") + message + ")";
  }
  return s;
}

Client::Client(Reference ref, bool insecure, std::optional<Credentials> credentials, bool push)
    : ref_(std::move(ref)), credentials_(std::move(credentials)), push_(push) {
  origin_ = scheme_for(ref_.registry, insecure) + "://" + ref_.resolve_registry();
}

std::string Client::url(std::string_view path) const {
  return origin_ + "/v2/" + ref_.repository + "/" + std::string(path);
}

bool Client::send(const std::string& method, const std::string& url,
                  const std::vector<std::string>& headers, const std::string* body,
                  HttpResponse& out, std::string& error) {
  if (!perform(method, url, headers, body, authorization_, out, error)) return false;
  if (out.status != 401) return true;
  if (!authorize(out, error)) return false;
  if (authorization_.empty()) return true;  // no way to authenticate: the 401 stands
  return perform(method, url, headers, body, authorization_, out, error);
}

bool Client::perform(const std::string& method, const std::string& url,
                     const std::vector<std::string>& headers, const std::string* body,
                     const std::string& authorization, HttpResponse& out, std::string& error) {
  out = HttpResponse{};
  const util::CurlLib* c = util::curl_lib(error);
  if (!c) return false;
  CURL* curl = c->easy_init();
  if (!curl) {
    error = "cannot start an HTTP request";
    return false;
  }
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = c->slist_append(list, h.c_str());
  if (!authorization.empty())
    list = c->slist_append(list, ("Authorization: " + authorization).c_str());
  list = c->slist_append(list, "Expect:");
  char curl_error[CURL_ERROR_SIZE] = {};
  c->easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (method == "HEAD") {
    c->easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    c->easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (body) {
    c->easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    c->easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  // Blobs may be served by a redirect to storage; never with our credentials.
  if (method == "GET") {
    c->easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    c->easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    c->easy_setopt(curl, CURLOPT_UNRESTRICTED_AUTH, 0L);
  }
  c->easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  c->easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  c->easy_setopt(curl, CURLOPT_TIMEOUT, 600L);
  c->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  util::CappedBody sink{&out.body, kMaxBody};
  c->easy_setopt(curl, CURLOPT_WRITEFUNCTION, util::write_capped);
  c->easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  c->easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  c->easy_setopt(curl, CURLOPT_HEADERDATA, &out.headers);
  c->easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
  c->easy_setopt(curl, CURLOPT_USERAGENT, "spindle/0.1");
  CURLcode rc = c->easy_perform(curl);
  if (rc == CURLE_OK) c->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  c->easy_cleanup(curl);
  c->slist_free_all(list);
  if (rc != CURLE_OK) {
    error = "cannot reach registry " + ref_.registry + " (" + method + " " + url +
            "): " + (curl_error[0] ? std::string(curl_error) : std::string(c->easy_strerror(rc)));
    return false;
  }
  return true;
}

bool Client::authorize(const HttpResponse& challenge, std::string& error) {
  std::string scheme;
  auto params = parse_challenge(challenge.header("www-authenticate"), scheme);
  std::string basic;
  if (credentials_)
    basic = "Basic " + util::base64_encode(credentials_->username + ":" + credentials_->password);
  if (scheme == "basic") {
    if (authorization_ == basic) basic.clear();  // the stored credentials were refused
    authorization_ = basic;
    return true;
  }
  if (scheme != "bearer" || params["realm"].empty()) {
    authorization_.clear();
    return true;
  }
  std::string url = params["realm"];
  url += url.find('?') == std::string::npos ? "?" : "&";
  url +=
      "scope=" + percent_encode("repository:" + ref_.repository + (push_ ? ":pull,push" : ":pull"));
  if (!params["service"].empty()) url += "&service=" + percent_encode(params["service"]);
  HttpResponse token;
  if (!perform("GET", url, {}, nullptr, basic, token, error)) return false;
  if (token.status != 200) {
    error = "registry " + ref_.registry + " refused a token from " + params["realm"] + ": " +
            token.describe() +
            (credentials_ ? "" : " (log in with `spindle registry login " + ref_.registry + "`)");
    return false;
  }
  auto j = nlohmann::json::parse(token.body, nullptr, false);
  std::string value;
  if (j.is_object()) value = j.value("token", j.value("access_token", std::string()));
  if (value.empty()) {
    error = "registry " + ref_.registry + " answered its token request without a token";
    return false;
  }
  authorization_ = "Bearer " + value;
  return true;
}

}  // namespace spindle::registry
