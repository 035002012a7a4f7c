// The WAGI executor: CGI over WASI, as Spin's `executor = { type = "wagi" }`.
//
// Per request, a fresh instance of the component with
//   argv    the template (default "${SCRIPT_NAME} ${ARGS}") with
//           ${SCRIPT_NAME} = the request path and ${ARGS} = the query with
//           every `&` turned into a space, then split on single spaces (so
//           "/p " gives {"/p", ""}, as in Spin);
//   stdin   the request body;
//   environ the component's `environment`, then the CGI/WAGI variables
//           (wagi_environment(); a CGI variable replaces a component
//           variable of the same name);
//   files   the component's files, read-only at "/".
// `_initialize` is called first when the module exports it (a reactor), then
// the entrypoint (default `_start`). proc_exit(0) is success; another exit
// code or a trap is answered 500 (504 for a timeout). The response is parsed
// from stdout by compose_wagi_response(); empty stdout is an error (500).
// The guest's stderr is returned in Result::guest_stderr; its stdout is the
// response and is not repeated in Result::guest_stdout.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/executor.h"

namespace spindle::abi {

// argv for `uri` (path + query) from the template.
std::vector<std::string> wagi_argv(std::string_view argv_template, std::string_view uri);

// The CGI/WAGI environment of a request, in this order:
//   AUTH_TYPE="" CONTENT_LENGTH CONTENT_TYPE GATEWAY_INTERFACE=CGI/1.1
//   QUERY_STRING REMOTE_ADDR REMOTE_HOST REMOTE_USER="" REQUEST_METHOD
//   SCRIPT_NAME (matched route without "/...") PATH_INFO (raw)
//   X_RAW_PATH_INFO PATH_TRANSLATED (percent-decoded) SERVER_NAME SERVER_PORT
//   SERVER_PROTOCOL SERVER_SOFTWARE=WAGI/1 X_FULL_URL X_MATCHED_ROUTE
//   X_BASE_PATH X_RAW_COMPONENT_ROUTE X_COMPONENT_ROUTE X_CLIENT_ADDR
//   X_PATH_MATCH_<NAME> (each ":name" segment)
//   HTTP_<NAME> for each request header (upper case, '-' → '_'; the last of
//   repeated names wins; values that are not visible ASCII become
//   "CORRUPT VALUE"), except Authorization, Connection and the `spin-*`
//   headers the trigger adds (their values are the X_* variables above).
// SERVER_NAME / SERVER_PORT / X_FULL_URL use the request's `host` header,
// else CallInfo::host; the port defaults to 80.
std::vector<std::pair<std::string, std::string>> wagi_environment(const Request& req,
                                                                  const CallInfo& info);

// A CGI response parsed from stdout (Spin's rules): headers up to the first
// empty line ("\n\n", CRs in the header block ignored), then the body as
// written. "Name: value" lines (others ignored; a repeated name keeps its
// last value). `Status: NNN [reason]` sets the status (not three digits in
// 100..999 → 502); `Location` without Status → 302; without any of
// Content-Type, Status, Location → 500 (with a message as the body). Other
// headers are passed on with lowercase names when valid.
struct WagiOutput {
  Response response;
  std::string error;  // why the output is not a valid CGI response
};
WagiOutput compose_wagi_response(std::string_view stdout_data);

}  // namespace spindle::abi
