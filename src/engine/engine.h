// The engine: turns a .wasm into a Module and a Module into Instances.
// Two backends implement it: native (wasm2c + the system C compiler, cached)
// and interp (WABT's interpreter). Everything above the engine (WASI, the
// executors, the CLI, the spec-test runner) uses only this interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/host.h"
#include "engine/value.h"

namespace spindle::engine {

enum class Backend { Native, Interp };
std::string_view to_string(Backend b);

enum class ExternKind : uint8_t { Func, Table, Memory, Global };
std::string_view to_string(ExternKind k);

struct MemoryType {
  uint32_t min = 0;             // pages
  std::optional<uint32_t> max;  // pages
};
struct TableType {
  ValType elem = ValType::FuncRef;
  uint32_t min = 0;
  std::optional<uint32_t> max;
};
struct GlobalType {
  ValType type = ValType::I32;
  bool mut = false;
};
struct ExternType {
  ExternKind kind = ExternKind::Func;
  FuncType func;      // kind == Func
  TableType table;    // kind == Table
  MemoryType memory;  // kind == Memory
  GlobalType global;  // kind == Global
};

struct ImportDesc {
  std::string module;
  std::string name;
  ExternType type;
};
struct ExportDesc {
  std::string name;
  ExternType type;
};

// A function, table, memory or global owned by one backend: an instance's
// export, or an object the engine made (for the spec tests' `spectest`
// module). It keeps its owner alive.
class Extern {
 public:
  virtual ~Extern() = default;
  virtual Backend backend() const = 0;
  virtual const ExternType& type() const = 0;
  // Functions: run it. `results` must have type().func.results.size() slots.
  virtual Outcome call(std::span<const Value> args, std::span<Value> results);
  // Globals: current value.
  virtual Value get() const;
};
using ExternPtr = std::shared_ptr<Extern>;

// Names → definitions for a module's imports. An entry is a host function
// (any backend) or an Extern of the same backend as the module.
class Linker {
 public:
  using Entry = std::variant<HostFunc, ExternPtr>;
  void define(std::string module, std::string name, HostFunc f);
  void define(std::string module, std::string name, ExternPtr e);
  const Entry* find(std::string_view module, std::string_view name) const;
  // Changes on every define(), and differs between Linkers with different
  // contents: backends may cache what they resolved against a generation.
  uint64_t generation() const { return generation_; }

 private:
  uint64_t generation_ = 0;
  // Looked up with string_views: no key strings are built per lookup (this
  // runs for every import of every instantiation).
  struct KeyLess {
    using is_transparent = void;
    using View = std::pair<std::string_view, std::string_view>;
    static View view(const std::pair<std::string, std::string>& k) { return {k.first, k.second}; }
    static const View& view(const View& k) { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
  };
  std::map<std::pair<std::string, std::string>, Entry, KeyLess> entries_;
};

struct InstanceOptions {
  InstanceData* data = nullptr;  // handed to host functions as HostCall::instance
  // Linear memory cap in bytes. A memory.grow past it returns -1 to the
  // guest (as wasmtime's ResourceLimiter does), so it can handle the failed
  // allocation; the instance remembers it, and when a later call on it traps
  // (any trap but Timeout and Exit) the Outcome is MemoryLimit, with a
  // message naming the refused grow and the trap. An initial memory above
  // it fails instantiation with MemoryLimit.
  uint64_t max_memory_bytes = uint64_t{1} << 32;
  // Wall-clock deadline per call (0 = none); passing it traps with Timeout.
  std::chrono::nanoseconds timeout{0};
  // An absolute deadline shared by every call into the instance (e.g. one
  // HTTP request's budget across several guest calls); with `timeout` too,
  // the earlier one wins.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Set by an embedder that destroys every instance linked with this one
  // together, once none of them runs (a component's core instances): an
  // instance that imports a table is then freed like any other. Otherwise it
  // is kept until the process exits, since another instance may still call
  // the functions it stored in that table.
  bool linked_group = false;
};

class Module;

class Instance {
 public:
  virtual ~Instance() = default;
  virtual const Module& module() const = 0;
  // An export by name, or null when there is none.
  virtual ExternPtr get_export(std::string_view name) = 0;
  // Calls the exported function `name` (which must exist; see get_export).
  Outcome call(std::string_view name, std::span<const Value> args, std::span<Value> results);
  // The exported memory named "memory" (empty view when none).
  virtual GuestMemory memory() = 0;
};

struct InstantiateResult {
  std::unique_ptr<Instance> instance;  // set on success
  std::string link_error;              // unlinkable: missing or mismatched import
  Outcome outcome;                     // uninstantiable: trap in init/start
  bool ok() const { return instance != nullptr; }
};

class Module {
 public:
  virtual ~Module() = default;
  virtual Backend backend() const = 0;
  virtual const std::vector<ImportDesc>& imports() const = 0;
  virtual const std::vector<ExportDesc>& exports() const = 0;
  virtual InstantiateResult instantiate(const Linker& linker, const InstanceOptions& opts) = 0;
  // The same with imports()[i] defined by imports[i] (null: unknown):
  // linking by position, without names (a component's core instances, per
  // request).
  using ImportList = std::span<const Linker::Entry* const>;
  virtual InstantiateResult instantiate_with(ImportList imports, const InstanceOptions& opts) = 0;
};

struct LoadResult {
  std::shared_ptr<Module> module;  // set on success
  std::string error;               // why the module was refused
  bool not_compiled = false;       // load_compiled(): its native code is not cached yet
  bool ok() const { return module != nullptr; }
};

struct EngineOptions {
  Backend backend = Backend::Native;
  bool use_cache = true;
  std::filesystem::path cache_dir;  // empty: $XDG_CACHE_HOME/spindle or ~/.cache/spindle
  std::string cc;                   // empty: $SPINDLE_CC, else clang-19, else cc
  bool progress = false;            // print compile progress (on a terminal)
  // Native only: when wasm2c cannot translate a module (e.g. SIMD), load it
  // in the interpreter instead of refusing it.
  bool fallback_to_interp = true;
  // Native only: wasm2c output larger than this is compiled as several
  // translation units in parallel (0: the backend's default, 16 MiB).
  size_t split_c_bytes = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  static std::unique_ptr<Engine> create(const EngineOptions& opts);

  virtual Backend backend() const = 0;
  // Validates and prepares a module. `name` is used in messages.
  virtual LoadResult load(std::span<const uint8_t> wasm, std::string_view name) = 0;
  // load() that never compiles: when `wasm`'s native code is not in the
  // cache, no module and `not_compiled`, so a caller may serve it from the
  // interpreter meanwhile. Backends with nothing to compile just load.
  virtual LoadResult load_compiled(std::span<const uint8_t> wasm, std::string_view name) {
    return load(wasm, name);
  }

  // Stops the native compiles running now (their loads fail) and refuses
  // later ones: for shutdown, so a process does not wait minutes for a
  // large module's compiler. Backends with nothing to compile ignore it.
  virtual void cancel_compiles() {}

  // Host-made objects (the spec tests' `spectest` module).
  virtual ExternPtr new_memory(const MemoryType& t) = 0;
  virtual ExternPtr new_table(const TableType& t) = 0;
  virtual ExternPtr new_global(const GlobalType& t, Value v) = 0;
};

// Process-wide cap on the linear memory of all live instances together
// (0 = none, the default). A memory.grow (or an instantiation) that would
// pass it is refused like the per-instance limit: grow returns -1 (and a
// later trap is reported as MemoryLimit), instantiation fails with
// TrapKind::MemoryLimit and a message naming the budget. Both backends count
// the current size of every instance's memories (native: its pool slots;
// interp: the interpreter's memories) from instantiation until the instance
// is destroyed. Thread-safe.
void set_instance_memory_budget(uint64_t bytes);
uint64_t instance_memory_budget();
uint64_t instance_memory_in_use();  // bytes currently held by live instances

// Reads a whole file; empty optional when it cannot be read.
std::optional<std::vector<uint8_t>> read_file(const std::filesystem::path& p);

}  // namespace spindle::engine
