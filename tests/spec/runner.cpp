#include "runner.h"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "values.h"

namespace spindle::spec {
namespace {

namespace fs = std::filesystem;
using engine::Engine;
using engine::ExternKind;
using engine::ExternPtr;
using engine::Instance;
using engine::LoadResult;
using engine::Outcome;
using engine::TrapKind;

// ---------------------------------------------------------------------------
// The `spectest` module.

engine::Outcome spectest_print(engine::HostCall& call, const Value* args, Value*) {
  if (call.func_data == nullptr) return Outcome::success();  // quiet
  // Verbose: func_data is the function's FuncType.
  const auto* type = static_cast<const engine::FuncType*>(call.func_data);
  std::string line = "spectest.print(";
  for (size_t i = 0; i < type->params.size(); ++i)
    line += (i ? ", " : "") + show(type->params[i], args[i]);
  std::printf("%s)\n", line.c_str());
  return Outcome::success();
}

// FuncTypes of the print functions live for the whole process: verbose mode
// hands them to the callback as func_data.
struct PrintFunc {
  const char* name;
  engine::FuncType type;
};
const std::vector<PrintFunc>& print_funcs() {
  using V = ValType;
  static const std::vector<PrintFunc> funcs = {
      {"print", {{}, {}}},
      {"print_i32", {{V::I32}, {}}},
      {"print_i64", {{V::I64}, {}}},
      {"print_f32", {{V::F32}, {}}},
      {"print_f64", {{V::F64}, {}}},
      {"print_i32_f32", {{V::I32, V::F32}, {}}},
      {"print_f64_f64", {{V::F64, V::F64}, {}}},
  };
  return funcs;
}

// Returns an error text when the engine could not make an object.
std::string define_spectest(Engine& engine, engine::Linker& linker, bool verbose) {
  for (const PrintFunc& p : print_funcs()) {
    engine::HostFunc f;
    f.type = p.type;
    f.callback = spectest_print;
    f.data = verbose ? const_cast<engine::FuncType*>(&p.type) : nullptr;
    linker.define("spectest", p.name, std::move(f));
  }
  struct GlobalDef {
    const char* name;
    ValType type;
    Value value;
  };
  const GlobalDef globals[] = {
      {"global_i32", ValType::I32, Value::from_i32(666)},
      {"global_i64", ValType::I64, Value::from_i64(666)},
      {"global_f32", ValType::F32, Value::from_f32(666.6f)},
      {"global_f64", ValType::F64, Value::from_f64(666.6)},
  };
  for (const GlobalDef& g : globals) {
    ExternPtr e = engine.new_global({g.type, false}, g.value);
    if (!e) return std::string("Engine::new_global failed for spectest.") + g.name;
    linker.define("spectest", g.name, std::move(e));
  }
  ExternPtr table = engine.new_table({ValType::FuncRef, 10, 20});
  if (!table) return "Engine::new_table failed for spectest.table";
  linker.define("spectest", "table", std::move(table));
  ExternPtr memory = engine.new_memory({1, 2});
  if (!memory) return "Engine::new_memory failed for spectest.memory";
  linker.define("spectest", "memory", std::move(memory));
  return {};
}

// ---------------------------------------------------------------------------
// Trap kinds by the spec's expected message.

// The trap kinds an expected message allows; empty when any trap will do.
std::vector<TrapKind> trap_kinds_for(std::string_view text) {
  if (text.starts_with("out of bounds")) return {TrapKind::OutOfBounds};
  if (text == "integer divide by zero") return {TrapKind::DivByZero};
  if (text == "integer overflow") return {TrapKind::IntOverflow};
  if (text == "invalid conversion to integer") return {TrapKind::InvalidConversion};
  if (text == "unreachable") return {TrapKind::Unreachable};
  if (text == "call stack exhausted") return {TrapKind::StackExhausted};
  // call_indirect through a null entry, an index past the table, or a
  // function of the wrong type.
  if (text == "indirect call type mismatch" || text.starts_with("undefined element") ||
      text.starts_with("uninitialized element"))
    return {TrapKind::IndirectCallMismatch};
  return {};
}

std::string show_outcome(const Outcome& o) {
  std::string s = "trap " + std::string(engine::trap_name(o.trap));
  if (o.trap == TrapKind::Exit) s += " (exit code " + std::to_string(o.exit_code) + ")";
  if (!o.message.empty()) s += " (\"" + o.message + "\")";
  return s;
}

// ---------------------------------------------------------------------------

class FileRunner {
 public:
  FileRunner(Engine& engine, const fs::path& json_path, const SkipList& skips,
             const RunnerOptions& opts, const ProgressFn& progress, FileResult& result)
      : engine_(engine),
        dir_(json_path.parent_path()),
        stem_(file_stem(json_path.filename().string())),
        skips_(skips),
        opts_(opts),
        progress_(progress),
        result_(result) {}

  void run(const json& doc) {
    if (std::string err = define_spectest(engine_, linker_, opts_.verbose); !err.empty()) {
      fail(0, "spectest", err);
      return;
    }
    const json& commands = doc.at("commands");
    if (opts_.jobs > 1) preload(commands);
    for (const json& c : commands) {
      if (progress_) progress_(result_, c.value("line", 0u));
      run_command(c);
    }
  }

 private:
  // --- bookkeeping ---------------------------------------------------------

  void fail(uint32_t line, std::string_view what, std::string_view why) {
    ++result_.failed;
    result_.failures.push_back(result_.name + ":" + std::to_string(line) + ": " +
                               std::string(what) + ": " + std::string(why));
  }

  void run_command(const json& c) {
    const std::string type = c.value("type", "?");
    const uint32_t line = c.value("line", 0u);
    if (const SkipRule* r = skips_.line_rule(stem_, line, opts_.backend)) {
      ++result_.skipped;
      result_.skips.push_back(result_.name + ":" + std::to_string(line) + ": " + type + ": " +
                              r->reason);
      // A skipped module leaves no current module behind.
      if (type == "module") current_ = nullptr;
      return;
    }
    if (opts_.verbose) std::printf("  %s:%u %s\n", result_.name.c_str(), line, type.c_str());
    std::string err;
    try {
      if (type == "module") {
        err = cmd_module(c);
      } else if (type == "register") {
        err = cmd_register(c);
      } else if (type == "action") {
        err = cmd_action(c);
      } else if (type == "assert_return") {
        err = cmd_assert_return(c);
      } else if (type == "assert_trap" || type == "assert_exhaustion") {
        err = cmd_assert_trap(c);
      } else if (type == "assert_invalid" || type == "assert_malformed") {
        if (c.value("module_type", "binary") == "text") {
          // wast2json writes `(module quote ...)` text as-is: nothing
          // checked it, and the engines take only binaries.
          ++result_.text_modules;
          return;
        }
        err = cmd_assert_invalid(c);
      } else if (type == "assert_unlinkable") {
        err = cmd_assert_unlinkable(c);
      } else if (type == "assert_uninstantiable") {
        err = cmd_assert_uninstantiable(c);
      } else {
        err = "unknown command type";
      }
    } catch (const std::exception& e) {
      err = std::string("cannot read command: ") + e.what() + ": " + c.dump();
    }
    if (err.empty())
      ++result_.passed;
    else
      fail(line, describe(c), err);
  }

  static std::string describe(const json& c) {
    std::string s = c.value("type", "?");
    if (c.contains("action")) {
      const json& a = c["action"];
      s += " " + a.value("type", "?");
      if (a.contains("module")) s += " " + a["module"].get<std::string>();
      s += " \"" + a.value("field", "") + "\"";
      if (a.contains("args")) {
        s += "(";
        bool first = true;
        for (const json& arg : a["args"]) {
          s += (first ? "" : ", ") + show_expected(arg);
          first = false;
        }
        s += ")";
      }
    } else if (c.contains("filename")) {
      s += " " + c["filename"].get<std::string>();
    }
    return s;
  }

  // --- loading -------------------------------------------------------------

  LoadResult load_file(const std::string& filename) {
    auto bytes = engine::read_file(dir_ / filename);
    if (!bytes) return {nullptr, "cannot read " + (dir_ / filename).string()};
    return engine_.load(*bytes, filename);
  }

  LoadResult load(const std::string& filename) {
    if (auto it = preloaded_.find(filename); it != preloaded_.end()) {
      LoadResult r = std::move(it->second);
      preloaded_.erase(it);
      return r;
    }
    return load_file(filename);
  }

  // Loads (for the native backend: compiles) every module the file
  // instantiates, on opts_.jobs threads.
  void preload(const json& commands) {
    std::vector<std::string> files;
    for (const json& c : commands) {
      const std::string type = c.value("type", "");
      if ((type == "module" || type == "assert_unlinkable" || type == "assert_uninstantiable") &&
          c.contains("filename") && !skips_.line_rule(stem_, c.value("line", 0u), opts_.backend))
        files.push_back(c["filename"].get<std::string>());
    }
    std::vector<LoadResult> results(files.size());
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t i; (i = next.fetch_add(1)) < files.size();) results[i] = load_file(files[i]);
    };
    std::vector<std::thread> threads;
    unsigned n = std::min<size_t>(opts_.jobs, files.size());
    for (unsigned i = 0; i < n; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    for (size_t i = 0; i < files.size(); ++i) preloaded_[files[i]] = std::move(results[i]);
  }

  engine::InstanceOptions instance_options() const {
    engine::InstanceOptions o;
    o.timeout = opts_.call_timeout;
    return o;
  }

  // --- commands ------------------------------------------------------------

  std::string cmd_module(const json& c) {
    current_ = nullptr;
    const std::string filename = c.at("filename").get<std::string>();
    LoadResult lr = load(filename);
    if (!lr.ok()) return "module failed to load: " + lr.error;
    engine::InstantiateResult ir = lr.module->instantiate(linker_, instance_options());
    if (!ir.ok()) {
      if (!ir.link_error.empty()) return "module failed to link: " + ir.link_error;
      return "module failed to instantiate: " + show_outcome(ir.outcome);
    }
    current_ = ir.instance.get();
    if (c.contains("name")) named_[c["name"].get<std::string>()] = current_;
    instances_.push_back(std::move(ir.instance));
    return {};
  }

  std::string cmd_register(const json& c) {
    Instance* inst = current_;
    if (c.contains("name")) {
      auto it = named_.find(c["name"].get<std::string>());
      inst = it == named_.end() ? nullptr : it->second;
    }
    if (!inst) return "no module to register";
    const std::string as = c.at("as").get<std::string>();
    for (const engine::ExportDesc& e : inst->module().exports()) {
      ExternPtr x = inst->get_export(e.name);
      if (!x) return "export \"" + e.name + "\" is listed but get_export returned null";
      linker_.define(as, e.name, std::move(x));
    }
    return {};
  }

  struct ActionResult {
    std::string error;  // the action could not be run at all
    Outcome outcome;
    std::vector<ValType> types;
    std::vector<Value> values;
  };

  ActionResult run_action(const json& a) {
    ActionResult r;
    Instance* inst = current_;
    if (a.contains("module")) {
      auto it = named_.find(a["module"].get<std::string>());
      inst = it == named_.end() ? nullptr : it->second;
    }
    if (!inst) {
      r.error = "no module instance (an earlier module command failed or was skipped)";
      return r;
    }
    const std::string field = a.at("field").get<std::string>();
    ExternPtr x = inst->get_export(field);
    if (!x) {
      r.error = "no export \"" + field + "\"";
      return r;
    }
    const engine::ExternType& xt = x->type();
    const std::string type = a.at("type").get<std::string>();
    if (type == "get") {
      if (xt.kind != ExternKind::Global) {
        r.error = "export \"" + field + "\" is a " + std::string(engine::to_string(xt.kind));
        return r;
      }
      r.types = {xt.global.type};
      r.values = {x->get()};
      return r;
    }
    if (type != "invoke") {
      r.error = "unknown action type \"" + type + "\"";
      return r;
    }
    if (xt.kind != ExternKind::Func) {
      r.error = "export \"" + field + "\" is a " + std::string(engine::to_string(xt.kind));
      return r;
    }
    const json& args = a.at("args");
    if (args.size() != xt.func.params.size()) {
      r.error = "function " + engine::to_string(xt.func) + " takes " +
                std::to_string(xt.func.params.size()) + " arguments, the test passes " +
                std::to_string(args.size());
      return r;
    }
    std::vector<Value> in;
    for (size_t i = 0; i < args.size(); ++i) {
      ValType t;
      in.push_back(parse_arg(args[i], t));
      if (t != xt.func.params[i]) {
        r.error = "argument " + std::to_string(i) + " is " + std::string(engine::to_string(t)) +
                  ", function " + engine::to_string(xt.func);
        return r;
      }
    }
    r.types = xt.func.results;
    r.values.resize(r.types.size());
    r.outcome = x->call(in, r.values);
    return r;
  }

  std::string cmd_action(const json& c) {
    ActionResult r = run_action(c.at("action"));
    if (!r.error.empty()) return r.error;
    if (!r.outcome.ok()) return "unexpected " + show_outcome(r.outcome);
    return {};
  }

  std::string cmd_assert_return(const json& c) {
    ActionResult r = run_action(c.at("action"));
    if (!r.error.empty()) return r.error;
    const json& expected = c.at("expected");
    std::string want = "(";
    for (size_t i = 0; i < expected.size(); ++i)
      want += (i ? ", " : "") + show_expected(expected[i]);
    want += ")";
    if (!r.outcome.ok()) return "expected " + want + ", got " + show_outcome(r.outcome);
    bool ok = expected.size() == r.values.size();
    for (size_t i = 0; ok && i < expected.size(); ++i)
      ok = matches(expected[i], r.types[i], r.values[i]);
    if (ok) return {};
    std::string got = "(";
    for (size_t i = 0; i < r.values.size(); ++i) {
      std::string lane;
      if (i < expected.size()) lane = expected[i].value("lane_type", "");
      got += (i ? ", " : "") + show(r.types[i], r.values[i], lane.empty() ? nullptr : lane.c_str());
    }
    got += ")";
    return "expected " + want + ", got " + got;
  }

  // assert_trap and assert_exhaustion.
  std::string cmd_assert_trap(const json& c) {
    const std::string text = c.value("text", "");
    if (!c.contains("action")) return "assert_trap on a module is not in the Wasm 2.0 tests";
    ActionResult r = run_action(c.at("action"));
    if (!r.error.empty()) return r.error;
    if (r.outcome.ok()) {
      std::string got;
      for (size_t i = 0; i < r.values.size(); ++i)
        got += (i ? ", " : "") + show(r.types[i], r.values[i]);
      return "expected trap \"" + text + "\", got a normal return (" + got + ")";
    }
    return check_trap(text, r.outcome);
  }

  static std::string check_trap(const std::string& text, const Outcome& o) {
    std::vector<TrapKind> kinds = trap_kinds_for(text);
    if (kinds.empty()) return {};
    for (TrapKind k : kinds)
      if (o.trap == k) return {};
    return "expected trap \"" + text + "\", got " + show_outcome(o);
  }

  std::string cmd_assert_invalid(const json& c) {
    LoadResult lr = load(c.at("filename").get<std::string>());
    if (lr.ok()) return "module loaded, expected it refused (\"" + c.value("text", "") + "\")";
    return {};
  }

  std::string cmd_assert_unlinkable(const json& c) {
    LoadResult lr = load(c.at("filename").get<std::string>());
    if (!lr.ok()) return "module failed to load: " + lr.error;
    engine::InstantiateResult ir = lr.module->instantiate(linker_, instance_options());
    if (ir.ok()) return "module linked, expected \"" + c.value("text", "") + "\"";
    if (ir.link_error.empty())
      return "expected a link error, got " + show_outcome(ir.outcome) + " at instantiation";
    return {};
  }

  std::string cmd_assert_uninstantiable(const json& c) {
    LoadResult lr = load(c.at("filename").get<std::string>());
    if (!lr.ok()) return "module failed to load: " + lr.error;
    engine::InstantiateResult ir = lr.module->instantiate(linker_, instance_options());
    const std::string text = c.value("text", "");
    if (ir.ok()) {
      // Keep it alive: it may have written into imported tables/memories.
      instances_.push_back(std::move(ir.instance));
      return "module instantiated, expected trap \"" + text + "\"";
    }
    if (!ir.link_error.empty())
      return "expected trap \"" + text + "\", got link error: " + ir.link_error;
    if (ir.outcome.ok()) return "instantiation failed without a trap or link error";
    return check_trap(text, ir.outcome);
  }

  Engine& engine_;
  fs::path dir_;
  std::string stem_;
  const SkipList& skips_;
  const RunnerOptions& opts_;
  const ProgressFn& progress_;
  FileResult& result_;

  engine::Linker linker_;
  std::vector<std::unique_ptr<Instance>> instances_;  // every instance, alive to the end
  std::map<std::string, Instance*> named_;
  Instance* current_ = nullptr;
  std::map<std::string, LoadResult> preloaded_;
};

}  // namespace

FileResult run_file(Engine& engine, const fs::path& json_path, const SkipList& skips,
                    const RunnerOptions& opts, const ProgressFn& progress) {
  FileResult result;
  const std::string stem = file_stem(json_path.filename().string());
  result.name = stem + ".wast";
  std::ifstream in(json_path);
  if ((result.file_skip = skips.file_rule(stem, opts.backend))) {
    // Count the commands left out; a file wast2json could not convert is one.
    result.skipped = 1;
    try {
      if (in) {
        int n = 0;
        const json doc = json::parse(in);
        for (const json& c : doc.at("commands"))
          if (c.value("module_type", "") != "text") ++n;
        result.skipped = n;
      }
    } catch (const std::exception&) {
    }
    return result;
  }
  if (!in) {
    ++result.failed;
    result.failures.push_back(result.name + ": cannot read " + json_path.string() +
                              " (did wast2json fail to convert it?)");
    return result;
  }
  json doc;
  try {
    doc = json::parse(in);
  } catch (const std::exception& e) {
    ++result.failed;
    result.failures.push_back(result.name + ": bad JSON in " + json_path.string() + ": " +
                              e.what());
    return result;
  }
  FileRunner runner(engine, json_path, skips, opts, progress, result);
  try {
    runner.run(doc);
  } catch (const std::exception& e) {
    ++result.failed;
    result.failures.push_back(result.name + ": " + e.what());
  }
  return result;
}

}  // namespace spindle::spec
