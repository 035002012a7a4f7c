#include "engine/runtime/fault_watch.h"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace spindle::engine::runtime {
namespace {

std::atomic<bool> ring_allowed{true};

// The two kinds of mark never compare equal.
constexpr uint64_t kRingMark = uint64_t{1} << 63;

uint64_t rusage_faults() {
  rusage ru{};
  if (getrusage(RUSAGE_THREAD, &ru) != 0) return ~uint64_t{0} >> 1;
  return (static_cast<uint64_t>(ru.ru_minflt) + static_cast<uint64_t>(ru.ru_majflt)) & ~kRingMark;
}

// A page-fault event on this thread that writes a header-only record per
// fault into a ring mapped read-only (the kernel then overwrites old records
// and the head only grows). With an overflow limit of one it stops after
// the first fault: the records cost nothing while the thread faults a lot.
struct Ring {
  int fd = -1;
  perf_event_mmap_page* page = nullptr;
  size_t bytes = 0;
  uint64_t armed_at = 0;  // head when last armed
  bool tried = false;

  ~Ring() {
    if (page) munmap(page, bytes);
    if (fd >= 0) close(fd);
  }

  uint64_t head() const { return __atomic_load_n(&page->data_head, __ATOMIC_ACQUIRE); }

  bool open() {
    perf_event_attr a{};
    a.size = sizeof a;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_PAGE_FAULTS;
    a.sample_period = 1;
    a.sample_type = 0;
    a.disabled = 1;
    // exclude_kernel stays 0: a fault the kernel takes copying into guest
    // memory for a syscall counts.
    long f = syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (f < 0) return false;
    size_t pg = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* p = mmap(nullptr, 2 * pg, PROT_READ, MAP_SHARED, static_cast<int>(f), 0);
    if (p == MAP_FAILED) {
      close(static_cast<int>(f));
      return false;
    }
    fd = static_cast<int>(f);
    page = static_cast<perf_event_mmap_page*>(p);
    bytes = 2 * pg;
    if (ioctl(fd, PERF_EVENT_IOC_REFRESH, 1) != 0) {
      munmap(page, bytes);
      close(fd);
      page = nullptr;
      fd = -1;
      return false;
    }
    armed_at = head();
    return true;
  }
};

thread_local Ring ring;

}  // namespace

uint64_t thread_fault_mark() {
  if (!ring.tried && ring_allowed.load(std::memory_order_relaxed)) {
    ring.tried = true;
    ring.open();
  }
  if (!ring.page || !ring_allowed.load(std::memory_order_relaxed)) return rusage_faults();
  uint64_t h = ring.head();
  if (h != ring.armed_at) {
    // The event stopped at its first fault: count again from here, before
    // the caller looks at memory (a fault after this read moves the head).
    if (ioctl(ring.fd, PERF_EVENT_IOC_REFRESH, 1) != 0) return rusage_faults();
    ring.armed_at = h;
  }
  return h | kRingMark;
}

void use_fault_ring(bool on) { ring_allowed.store(on); }

}  // namespace spindle::engine::runtime
