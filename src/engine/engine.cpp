#include "engine/engine.h"

#include <sys/mman.h>

#include <atomic>
#include <fstream>
#include <iterator>

namespace spindle::engine {

std::string_view to_string(Backend b) { return b == Backend::Native ? "native" : "interp"; }

std::string_view to_string(ExternKind k) {
  switch (k) {
    case ExternKind::Func:
      return "func";
    case ExternKind::Table:
      return "table";
    case ExternKind::Memory:
      return "memory";
    case ExternKind::Global:
      return "global";
  }
  return "?";
}

Outcome Extern::call(std::span<const Value>, std::span<Value>) {
  return Outcome::trapped(TrapKind::HostError, "not a function");
}

Value Extern::get() const { return Value{}; }

namespace {
uint64_t next_linker_generation() {
  static std::atomic<uint64_t> n{0};
  return ++n;
}
}  // namespace

void Linker::define(std::string module, std::string name, HostFunc f) {
  entries_.insert_or_assign({std::move(module), std::move(name)}, Entry{std::move(f)});
  generation_ = next_linker_generation();
}

void Linker::define(std::string module, std::string name, ExternPtr e) {
  entries_.insert_or_assign({std::move(module), std::move(name)}, Entry{std::move(e)});
  generation_ = next_linker_generation();
}

const Linker::Entry* Linker::find(std::string_view module, std::string_view name) const {
  auto it = entries_.find(KeyLess::View(module, name));
  return it == entries_.end() ? nullptr : &it->second;
}

Outcome Instance::call(std::string_view name, std::span<const Value> args,
                       std::span<Value> results) {
  ExternPtr f = get_export(name);
  if (!f || f->type().kind != ExternKind::Func)
    return Outcome::trapped(TrapKind::HostError,
                            "no exported function '" + std::string(name) + "'");
  return f->call(args, results);
}

std::optional<std::vector<uint8_t>> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  // One read of the whole file (a JS component is 12 MB), then whatever
  // follows if it grew meanwhile.
  std::error_code ec;
  auto size = std::filesystem::file_size(p, ec);
  std::vector<uint8_t> data;
  if (!ec) {
    data.reserve(static_cast<size_t>(size));
    // A large file (a 12 MB component) lands in 2 MiB pages where the
    // kernel allows it: a few page faults instead of thousands.
    constexpr uintptr_t kHuge = uintptr_t{2} << 20;
    auto lo = (reinterpret_cast<uintptr_t>(data.data()) + kHuge - 1) & ~(kHuge - 1);
    auto hi = (reinterpret_cast<uintptr_t>(data.data()) + data.capacity()) & ~(kHuge - 1);
    if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
    data.resize(static_cast<size_t>(size));
  }
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) return std::nullopt;
  if (in)
    data.insert(data.end(), std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return data;
}

}  // namespace spindle::engine
