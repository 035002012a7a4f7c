// wasi:cli environment, exit, stdin/stdout/stderr and terminal-*.
#include <string>

#include "wasi/p2/define.h"
#include "wasi/p2/interfaces.h"
#include "wasi/p2/io.h"
#include "wasi/p2/stdio.h"
#include "wasi/state.h"

namespace spindle::wasi::p2 {

namespace {

// The NUL-terminated strings of a preview-1 blob (Environment).
std::vector<std::string_view> strings_of(const std::string& blob,
                                         const std::vector<uint32_t>& offsets) {
  std::vector<std::string_view> out;
  out.reserve(offsets.size());
  for (uint32_t off : offsets) out.emplace_back(blob.c_str() + off);
  return out;
}

Outcome add_stream(Context& cx, std::unique_ptr<Resource> s, Results& r, std::string_view what) {
  uint32_t rep = cx.table().add(std::move(s));
  if (rep == 0)
    return Outcome::trapped(engine::TrapKind::HostError,
                            std::string(what) + ": too many live WASI resources");
  r.push_back(Val::own(rep));
  return Outcome::success();
}

// get-stdin / get-stdout / get-stderr: a new stream each call.
template <class Make>
Outcome stdio_stream(Context& cx, int, Make make, Results& r, std::string_view what) {
  return add_stream(cx, make(), r, what);
}

Outcome no_terminal(InstanceData*, Params, Results& r) {
  r.push_back(Val::none());
  return Outcome::success();
}

}  // namespace

void link_cli(component::HostImports& host) {
  constexpr std::string_view kEnv = "wasi:cli/environment";
  define_cx(host, kEnv, "get-environment", [](Context& cx, InstanceData*, Params, Results& r) {
    const Environment& env = *cx.preview1().state().env;
    std::vector<Val> vars;
    for (std::string_view kv : strings_of(env.env_blob, env.env_offsets)) {
      size_t eq = kv.find('=');
      std::string_view k = kv.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
      vars.push_back(Val::tuple({Val::string(std::string(k)), Val::string(std::string(v))}));
    }
    r.push_back(Val::list(std::move(vars)));
    return Outcome::success();
  });
  define_cx(host, kEnv, "get-arguments", [](Context& cx, InstanceData*, Params, Results& r) {
    const Environment& env = *cx.preview1().state().env;
    std::vector<Val> args;
    for (std::string_view a : strings_of(env.args_blob, env.args_offsets))
      args.push_back(Val::string(std::string(a)));
    r.push_back(Val::list(std::move(args)));
    return Outcome::success();
  });
  define(host, kEnv, "initial-cwd", [](InstanceData*, Params, Results& r) {
    r.push_back(Val::none());
    return Outcome::success();
  });

  // exit: the same Exit outcome as preview 1's proc_exit.
  define(host, "wasi:cli/exit", "exit",
         [](InstanceData*, Params p, Results&) { return Outcome::exited(p[0].is_ok() ? 0 : 1); });
  define(host, "wasi:cli/exit", "exit-with-code",
         [](InstanceData*, Params p, Results&) { return Outcome::exited(p[0].as_u8()); });

  define_cx(host, "wasi:cli/stdin", "get-stdin",
            [](Context& cx, InstanceData*, Params, Results& r) {
              return stdio_stream(
                  cx, 0, [&] { return make_stdin(cx.preview1()); }, r, "get-stdin");
            });
  define_cx(host, "wasi:cli/stdout", "get-stdout",
            [](Context& cx, InstanceData*, Params, Results& r) {
              return stdio_stream(
                  cx, 1, [&] { return make_stdout(cx.preview1(), 1); }, r, "get-stdout");
            });
  define_cx(host, "wasi:cli/stderr", "get-stderr",
            [](Context& cx, InstanceData*, Params, Results& r) {
              return stdio_stream(
                  cx, 2, [&] { return make_stdout(cx.preview1(), 2); }, r, "get-stderr");
            });

  // No terminals: stdio is a pipe, a file or a buffer to the guest.
  define_resource(host, "wasi:cli/terminal-input", "terminal-input");
  define_resource(host, "wasi:cli/terminal-output", "terminal-output");
  define(host, "wasi:cli/terminal-stdin", "get-terminal-stdin", no_terminal);
  define(host, "wasi:cli/terminal-stdout", "get-terminal-stdout", no_terminal);
  define(host, "wasi:cli/terminal-stderr", "get-terminal-stderr", no_terminal);
}

}  // namespace spindle::wasi::p2
