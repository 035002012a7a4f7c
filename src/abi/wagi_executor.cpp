#include "abi/wagi_executor.h"

#include <chrono>

#include "abi/common.h"
#include "engine/linking.h"
#include "util/utf8.h"

namespace spindle::abi {

using namespace spindle::engine;

namespace {

const FuncType kVoidType{{}, {}};

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

std::string lowercase(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = lower(c);
  return r;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding, then invalid UTF-8 replaced by U+FFFD.
std::string percent_decode_lossy(std::string_view s) {
  std::string bytes;
  bytes.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int h = hex_digit(s[i + 1]), l = hex_digit(s[i + 2]);
      if (h >= 0 && l >= 0) {
        bytes.push_back(static_cast<char>(h * 16 + l));
        i += 2;
        continue;
      }
    }
    bytes.push_back(s[i]);
  }
  if (util::is_utf8(bytes)) return bytes;
  std::string out;
  size_t i = 0;
  while (i < bytes.size()) {
    // The longest valid sequence (1..4 bytes) starting here.
    size_t len = 0;
    for (size_t n = 1; n <= 4 && i + n <= bytes.size(); ++n)
      if (util::is_utf8(std::string_view(bytes).substr(i, n))) {
        len = n;
        break;
      }
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(bytes, i, len);
      i += len;
    }
  }
  return out;
}

// "host:port", "[v6]:port", "host" → (host, port or "").
std::pair<std::string, std::string> split_host_port(std::string_view hp) {
  if (!hp.empty() && hp.front() == '[') {
    size_t close = hp.find(']');
    if (close != std::string_view::npos) {
      std::string_view rest = hp.substr(close + 1);
      std::string port = rest.size() > 1 && rest.front() == ':' ? std::string(rest.substr(1)) : "";
      return {std::string(hp.substr(0, close + 1)), port};
    }
  }
  size_t colon = hp.find(':');
  if (colon == std::string_view::npos) return {std::string(hp), ""};
  return {std::string(hp.substr(0, colon)), std::string(hp.substr(colon + 1))};
}

// The IP of "ip:port" / "[v6]:port", without brackets.
std::string client_ip(std::string_view addr) {
  if (!addr.empty() && addr.front() == '[') {
    size_t close = addr.find(']');
    if (close != std::string_view::npos) return std::string(addr.substr(1, close - 1));
  }
  size_t colon = addr.rfind(':');
  if (colon != std::string_view::npos && addr.find(':') == colon)
    return std::string(addr.substr(0, colon));
  return std::string(addr);
}

bool visible_ascii(std::string_view v) {
  for (unsigned char c : v)
    if (c != '\t' && (c < 0x20 || c > 0x7e)) return false;
  return true;
}

void set_var(std::vector<std::pair<std::string, std::string>>& env, std::string key,
             std::string value) {
  for (auto& [k, v] : env)
    if (k == key) {
      v = std::move(value);
      return;
    }
  env.emplace_back(std::move(key), std::move(value));
}

class WagiExecutor final : public Executor {
 public:
  WagiExecutor(std::unique_ptr<detail::Prepared> p, std::shared_ptr<const wasi::Environment> env)
      : p_(std::move(p)), env_(std::move(env)) {}
  std::string_view kind() const override { return "wagi"; }
  Result handle(const Request& req, const CallInfo& info) const override;

 private:
  std::unique_ptr<detail::Prepared> p_;
  std::shared_ptr<const wasi::Environment> env_;  // files opened once, at preparation
};

Result WagiExecutor::handle(const Request& req, const CallInfo& info) const {
  Result result;
  const std::string& id = p_->config.id;

  // The environment of this request: component variables, then CGI ones
  // (which win over a component variable of the same name).
  auto cgi = wagi_environment(req, info);
  std::vector<std::string> vars;
  vars.reserve(p_->config.environment.size() + cgi.size());
  for (const auto& [k, v] : p_->config.environment) {
    bool shadowed = false;
    for (const auto& c : cgi)
      if (c.first == k) shadowed = true;
    if (!shadowed) vars.push_back(k + "=" + v);
  }
  for (const auto& [k, v] : cgi) vars.push_back(k + "=" + v);
  auto env = wasi::derive_environment(env_, wagi_argv(p_->config.argv, req.uri), vars);

  detail::CallScope scope(env, info.limits, p_->config.capabilities.get());
  wasi::Context& context = scope.context;
  context.set_stdin(req.body);

  Outcome outcome;
  std::string during = p_->config.entrypoint;
  InstantiateResult inst =
      scope.instantiate([&] { return p_->module->instantiate(*p_->linker, scope.options); });
  if (!inst.ok() && !inst.link_error.empty()) {
    detail::fail(result, 500, "component `" + id + "`: " + inst.link_error);
    result.guest_stderr = std::move(context.stderr_buffer());
    return result;
  }
  if (!inst.ok()) {
    outcome = inst.outcome;
    during = "instantiation";
  } else {
    scope.host.instance = inst.instance.get();
    if (p_->has_initialize && p_->config.entrypoint != "_initialize") {
      if (ExternPtr init = inst.instance->get_export("_initialize")) {
        outcome = init->call({}, {});
        during = "_initialize";
      }
    }
    if (outcome.ok()) {
      during = p_->config.entrypoint;
      ExternPtr entry = inst.instance->get_export(p_->config.entrypoint);
      if (entry)
        outcome = entry->call({}, {});
      else
        outcome = Outcome::trapped(TrapKind::HostError, "entrypoint missing from the instance");
    }
  }
  inst.instance.reset();
  result.guest_stderr = std::move(context.stderr_buffer());
  bool success = outcome.ok() || (outcome.trap == TrapKind::Exit && outcome.exit_code == 0);
  if (!success) {
    detail::fail_trap(result, outcome, id, during);
    return result;
  }
  const std::string& out = context.stdout_buffer();
  if (out.empty()) {
    detail::fail(result, 500,
                 "The `" + id +
                     "` component is configured to use the WAGI executor but did not write to "
                     "stdout. Check the `executor` in spin.toml.");
    return result;
  }
  WagiOutput parsed = compose_wagi_response(out);
  result.response = std::move(parsed.response);
  if (!parsed.error.empty()) result.error = "component `" + id + "`: " + parsed.error;
  return result;
}

}  // namespace

std::vector<std::string> wagi_argv(std::string_view tmpl, std::string_view uri) {
  std::string script(uri_path(uri));
  std::string args(uri_query(uri));
  for (char& c : args)
    if (c == '&') c = ' ';
  std::string line;
  line.reserve(tmpl.size() + script.size() + args.size());
  static constexpr std::string_view kScript = "${SCRIPT_NAME}", kArgs = "${ARGS}";
  // Both placeholders replaced in the template only (not inside what they
  // expand to), as two successive global replacements would do on the
  // template first.
  std::string step;
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl.substr(i).starts_with(kScript)) {
      step += script;
      i += kScript.size();
    } else {
      step += tmpl[i++];
    }
  }
  for (size_t i = 0; i < step.size();) {
    if (std::string_view(step).substr(i).starts_with(kArgs)) {
      line += args;
      i += kArgs.size();
    } else {
      line += step[i++];
    }
  }
  std::vector<std::string> argv;
  size_t start = 0;
  for (;;) {
    size_t sp = line.find(' ', start);
    if (sp == std::string::npos) {
      argv.push_back(line.substr(start));
      break;
    }
    argv.push_back(line.substr(start, sp - start));
    start = sp + 1;
  }
  return argv;
}

std::vector<std::pair<std::string, std::string>> wagi_environment(const Request& req,
                                                                  const CallInfo& info) {
  std::vector<std::pair<std::string, std::string>> env;
  env.reserve(32 + req.headers.size());
  std::string_view query = uri_query(req.uri);
  auto host_header = find_header(req.headers, "host");
  std::string host(host_header ? *host_header : std::string_view(info.host));
  if (host.empty()) host = "localhost";
  auto [server_name, server_port] = split_host_port(host);
  if (server_name.empty()) server_name = "localhost";
  if (server_port.empty()) server_port = "80";
  std::string script_name = info.matched_route;
  if (script_name.ends_with("/...")) script_name.resize(script_name.size() - 4);
  std::string ip = client_ip(info.client_addr);
  auto content_type = find_header(req.headers, "content-type");
  std::string decoded = percent_decode_lossy(info.path_info);

  env.emplace_back("AUTH_TYPE", "");
  env.emplace_back("CONTENT_LENGTH", std::to_string(req.body.size()));
  env.emplace_back("CONTENT_TYPE", content_type ? std::string(*content_type) : "");
  env.emplace_back("GATEWAY_INTERFACE", "CGI/1.1");
  env.emplace_back("QUERY_STRING", std::string(query));
  env.emplace_back("REMOTE_ADDR", ip);
  env.emplace_back("REMOTE_HOST", ip);
  env.emplace_back("REMOTE_USER", "");
  env.emplace_back("REQUEST_METHOD", req.method);
  env.emplace_back("SCRIPT_NAME", script_name);
  env.emplace_back("PATH_INFO", info.path_info);
  env.emplace_back("X_RAW_PATH_INFO", info.path_info);
  env.emplace_back("PATH_TRANSLATED", decoded);
  env.emplace_back("SERVER_NAME", server_name);
  env.emplace_back("SERVER_PORT", server_port);
  env.emplace_back("SERVER_PROTOCOL", info.protocol);
  env.emplace_back("SERVER_SOFTWARE", "WAGI/1");
  env.emplace_back("X_FULL_URL", info.scheme + "://" + host + req.uri);
  env.emplace_back("X_MATCHED_ROUTE", info.matched_route);
  env.emplace_back("X_BASE_PATH", info.base);
  env.emplace_back("X_RAW_COMPONENT_ROUTE", info.raw_component_route);
  env.emplace_back("X_COMPONENT_ROUTE", info.component_route);
  env.emplace_back("X_CLIENT_ADDR", info.client_addr);
  for (const auto& [name, value] : info.path_params) {
    std::string key = "X_PATH_MATCH_";
    for (char c : name) key += upper(c);
    set_var(env, std::move(key), value);
  }
  for (const auto& [name, value] : req.headers) {
    std::string lname = lowercase(name);
    if (lname == "authorization" || lname == "connection" || detail::is_spin_header(lname))
      continue;
    std::string key = "HTTP_";
    for (char c : name) key += c == '-' ? '_' : upper(c);
    set_var(env, std::move(key), visible_ascii(value) ? value : "CORRUPT VALUE");
  }
  return env;
}

WagiOutput compose_wagi_response(std::string_view out) {
  WagiOutput result;
  // Split: header bytes (CRs dropped) up to the first empty line.
  std::string head;
  size_t body_start = std::string_view::npos;
  char last = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (c == '\r') continue;
    if (c == '\n' && last == '\n') {
      body_start = i + 1;
      break;
    }
    last = c;
    head.push_back(c);
  }
  Response& res = result.response;
  if (body_start == std::string_view::npos) {
    // No empty line: there are no headers; everything is body (CRs dropped).
    res.body = std::move(head);
    head.clear();
  } else {
    res.body.assign(out.substr(body_start));
  }

  if (!util::is_utf8(head)) {
    result.error = "the CGI response headers are not valid UTF-8";
    res = Response{};
    res.status = 500;
    return result;
  }
  // "Name: value" lines; a repeated name (as written) keeps its last value.
  std::vector<std::pair<std::string, std::string>> fields;
  std::string_view rest = trim(head);
  for (;;) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name(trim(line.substr(0, colon)));
      std::string value(trim(line.substr(colon + 1)));
      bool replaced = false;
      for (auto& f : fields)
        if (f.first == name) {
          f.second = value;
          replaced = true;
        }
      if (!replaced) fields.emplace_back(std::move(name), std::move(value));
    }
    if (nl == std::string_view::npos) break;
    rest = rest.substr(nl + 1);
  }

  bool sufficient = false, explicit_status = false, location = false;
  res.status = 200;
  for (auto& [name, value] : fields) {
    std::string lname = lowercase(name);
    if (lname == "status") {
      sufficient = explicit_status = true;
      std::string_view code = value;
      size_t sp = code.find(' ');
      if (sp != std::string_view::npos) code = code.substr(0, sp);
      bool ok = code.size() == 3 && code[0] >= '1' && code[0] <= '9';
      for (char c : code) ok = ok && c >= '0' && c <= '9';
      if (ok) {
        res.status =
            static_cast<uint16_t>((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));
      } else {
        res.status = 502;
        result.error = "invalid CGI Status \"" + value + "\"";
      }
      continue;
    }
    if (lname == "content-type") sufficient = true;
    if (lname == "location") sufficient = location = true;
    if (!is_header_name(lname) || !is_header_value(value)) continue;
    bool replaced = false;
    for (auto& h : res.headers)
      if (h.first == lname) {
        h.second = value;
        replaced = true;
      }
    if (!replaced) res.headers.emplace_back(lname, value);
  }
  if (location && !explicit_status) res.status = 302;
  if (!sufficient) {
    std::string msg = "Exactly one of 'location' or 'content-type' must be specified";
    result.error = "the CGI response has no Content-Type, Location or Status header";
    res = Response{};
    res.status = 500;
    res.body = msg;
  }
  return result;
}

PrepareResult detail::make_wagi_executor(std::unique_ptr<Prepared> p) {
  PrepareResult out;
  const ComponentConfig& config = p->config;
  const Module& m = *p->module;
  const ExportDesc* entry = detail::find_export(m, config.entrypoint);
  if (!entry) {
    out.error = "component `" + config.id + "`: no such function `" + config.entrypoint +
                "` for the wagi executor";
    if (detail::find_export(m, "handle-http-request"))
      out.error += " (it exports `handle-http-request`: should this use the spin executor?)";
    return out;
  }
  if (entry->type.kind != ExternKind::Func || entry->type.func != kVoidType) {
    out.error = "component `" + config.id + "`: the wagi entrypoint `" + config.entrypoint +
                "` is " + describe_type(entry->type) + ", expected () -> ()";
    return out;
  }
  p->has_initialize = detail::exports_func(m, "_initialize", kVoidType);

  // Checks the files directory now rather than on every request.
  auto env = detail::link_and_environment(*p, out.error);
  if (!env) return out;
  out.executor = std::make_shared<WagiExecutor>(std::move(p), std::move(env));
  return out;
}

}  // namespace spindle::abi
