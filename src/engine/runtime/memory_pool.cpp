#include "engine/runtime/memory_pool.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "engine/runtime/fault_watch.h"

namespace spindle::engine::runtime {

namespace {

constexpr size_t kOsPage = 4096;

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

// Mapped images at least this large are copied into a slot when it is
// acquired (see acquire()).
constexpr size_t kPopulateMin = size_t{4} << 20;
#ifdef MADV_POPULATE_WRITE
constexpr int kMadvPopulateWrite = MADV_POPULATE_WRITE;
#else
constexpr int kMadvPopulateWrite = 23;
#endif

struct MemoryPool::Arena {
  uint8_t* base = nullptr;
  Slot slots[kSlotsPerArena];
};

// True when the `n` bytes at `p` (at most a page) are all zero.
static bool all_zero(const uint8_t* p, size_t n = kOsPage) {
  static const uint8_t kZeros[kOsPage] = {};
  return std::memcmp(p, kZeros, n) == 0;  // vectorized, unlike a byte loop
}

// Writes all of `bytes` at `at` in `fd`.
static bool write_at(int fd, uint64_t at, std::span<const uint8_t> bytes) {
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(at + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Writes `bytes` at `at` in `fd`, skipping the 4 KiB pages that are all
// zero: they stay holes, which read as zeros and take no memory.
static bool write_nonzero(int fd, uint64_t at, std::span<const uint8_t> bytes) {
  auto zero = [&](size_t from) {
    return all_zero(bytes.data() + from, std::min(from + kOsPage, bytes.size()) - from);
  };
  for (size_t from = 0; from < bytes.size();) {
    if (zero(from)) {
      from += kOsPage;
      continue;
    }
    size_t end = from + kOsPage;
    while (end < bytes.size() && !zero(end)) end += kOsPage;
    end = std::min(end, bytes.size());
    if (!write_at(fd, at + from, bytes.subspan(from, end - from))) return false;
    from = end;
  }
  return true;
}

MemoryImage::MemoryImage(std::span<const Piece> pieces) {
  uint64_t end = 0;
  for (const Piece& p : pieces)
    if (!p.bytes.empty()) end = std::max<uint64_t>(end, p.offset + p.bytes.size());
  length_ = round_up(end, kOsPage);
  if (length_ == 0) return;
  if (length_ > kResidentMax) {
    // Each segment is written straight into the memfd (a JS app's 9.5 MB
    // image holds 3 MB of data), with no copy of the whole image first.
    fd_ = memfd_create("spindle-memory-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    bool ok = fd_ >= 0 && ftruncate(fd_, static_cast<off_t>(length_)) == 0;
    uint64_t written_end = 0;  // past every piece so far (they are usually in order)
    for (size_t i = 0; ok && i < pieces.size(); ++i) {
      // A piece that may overlap an earlier one overwrites it whole (its
      // zero pages too).
      const Piece& p = pieces[i];
      bool overlapped = p.offset < written_end;
      written_end = std::max<uint64_t>(written_end, p.offset + p.bytes.size());
      ok = overlapped ? write_at(fd_, p.offset, p.bytes) : write_nonzero(fd_, p.offset, p.bytes);
    }
    if (ok) {
      fcntl(fd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
      resident_ = false;
      // The image's own pages, read when a slot's written pages are restored.
      void* v = mmap(nullptr, length_, PROT_READ, MAP_SHARED, fd_, 0);
      if (v != MAP_FAILED) view_ = static_cast<const uint8_t*>(v);
      return;
    }
    // No memfd (fd limit, seccomp, file-size limit): keep the bytes and copy
    // them into each slot instead.
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  bytes_.assign(length_, 0);
  for (const Piece& p : pieces)
    std::copy(p.bytes.begin(), p.bytes.end(), bytes_.begin() + p.offset);
}

MemoryImage::~MemoryImage() {
  MemoryPool::instance().forget(this);
  if (view_) munmap(const_cast<uint8_t*>(view_), length_);
  if (fd_ >= 0) close(fd_);
}

MemoryPool& MemoryPool::instance() {
  static MemoryPool* pool = new MemoryPool();  // never destroyed: slots outlive statics
  return *pool;
}

// mincore() cannot see a page that was written and then swapped out, so the
// resident reset is only used on machines without swap.
static bool swap_in_use() {
  FILE* f = std::fopen("/proc/swaps", "r");
  if (!f) return true;
  int lines = 0, c;
  while ((c = std::fgetc(f)) != EOF) lines += c == '\n';
  std::fclose(f);
  return lines > 1;  // a header line, then one per swap area
}

MemoryPool::MemoryPool() : swap_enabled_(swap_in_use()) {}

// /proc/self/pagemap tells, per 4 KiB page, whether a private file mapping's
// page is still the file's (never written) or a private copy (written since
// it was mapped): with it a slot can keep its copies and restore just those.
// -1 when /proc is not mounted or the kernel hides it.
static int pagemap_fd() {
  static const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  return fd;
}

bool MemoryPool::dirty_pages_visible() { return pagemap_fd() >= 0; }

// Fills `out` with one pagemap entry per page of [base, base + bytes).
static bool read_pagemap(const uint8_t* base, size_t bytes, std::vector<uint64_t>& out) {
  size_t pages = bytes / kOsPage;
  out.resize(pages);
  auto* dst = reinterpret_cast<char*>(out.data());
  size_t want = pages * sizeof(uint64_t), got = 0;
  off_t at = static_cast<off_t>(reinterpret_cast<uintptr_t>(base) / kOsPage * sizeof(uint64_t));
  while (got < want) {
    ssize_t n = pread(pagemap_fd(), dst + got, want - got, at + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

// Linux >= 6.7's PAGEMAP_SCAN (linux/fs.h, newer than these headers): the
// kernel returns the ranges of pages in given categories, instead of one
// pagemap entry per page for the caller to sift.
struct PmScanArg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
  uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
struct PageRegion {
  uint64_t start, end, categories;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);
constexpr uint64_t kPageIsFile = 1 << 2, kPageIsPresent = 1 << 3, kPageIsSwapped = 1 << 4,
                   kPageIsPfnZero = 1 << 5;
static std::atomic<bool> pagemap_scan_works{true};

// The page ranges of [base, base + bytes) that hold private copies (present
// or swapped, not the file's page, not the shared zero page), as page
// indices from base, through PAGEMAP_SCAN. False when the kernel has no
// PAGEMAP_SCAN (the caller reads pagemap itself).
static bool scan_private(const uint8_t* base, size_t bytes,
                         std::vector<std::pair<size_t, size_t>>& out) {
  out.clear();
  if (!pagemap_scan_works.load(std::memory_order_relaxed)) return false;
  PageRegion regions[64];
  auto start = reinterpret_cast<uint64_t>(base), end = start + bytes;
  while (start < end) {
    PmScanArg a{};
    a.size = sizeof a;
    a.start = start;
    a.end = end;
    a.vec = reinterpret_cast<uint64_t>(regions);
    a.vec_len = std::size(regions);
    a.category_inverted = kPageIsFile | kPageIsPfnZero;
    a.category_mask = kPageIsFile | kPageIsPfnZero;  // neither the file's page nor the zero page
    a.category_anyof_mask = kPageIsPresent | kPageIsSwapped;
    a.return_mask = kPageIsPresent | kPageIsSwapped;
    int n = ioctl(pagemap_fd(), kPagemapScan, &a);
    if (n < 0) {
      if (errno == EINTR) continue;
      pagemap_scan_works = false;
      return false;
    }
    auto b = reinterpret_cast<uint64_t>(base);
    for (int i = 0; i < n; ++i)
      out.emplace_back((regions[i].start - b) / kOsPage, (regions[i].end - b) / kOsPage);
    if (a.walk_end <= start) return false;  // no progress: not to be trusted
    start = a.walk_end;
  }
  return true;
}

// Page faults this process has taken (every thread). A page of a slot
// becomes a private copy only through a fault (a write to the image's page
// or to an unmapped one; also when the kernel writes guest memory for a
// syscall), so an unchanged count means no new private page anywhere. The
// slots are kept out of transparent huge pages (no fault-free writes to a
// collapsed range), and spindle makes no fault-free writes to guest memory
// (no O_DIRECT, vmsplice or MADV_POPULATE_WRITE into a mapped-image slot).
// (The resident mode needs only the resetting thread's faults:
// thread_fault_mark, cheaper.)
static uint64_t page_faults() {
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return ~uint64_t{0};
  return static_cast<uint64_t>(ru.ru_minflt) + static_cast<uint64_t>(ru.ru_majflt);
}

// Guest calls made on another thread than the instance's first (see
// note_instance_moved): each makes every slot's next reset scan.
static std::atomic<uint64_t> moved_instances{0};

uint64_t this_thread_id() {
  static std::atomic<uint64_t> threads{0};
  thread_local const uint64_t id = ++threads;
  return id;
}

void MemoryPool::note_instance_moved() { moved_instances.fetch_add(1); }

// A page the guest may have changed: a private copy in memory (present, not
// the file's page) or in swap.
static bool private_page(uint64_t entry) {
  constexpr uint64_t kPresent = uint64_t{1} << 63, kSwapped = uint64_t{1} << 62,
                     kFile = uint64_t{1} << 61;
  return (entry & kSwapped) || ((entry & kPresent) && !(entry & kFile));
}

Slot* MemoryPool::new_slot() {
  // mu_ held
  if (next_in_arena_ == kSlotsPerArena) {
    size_t n = num_arenas_.load(std::memory_order_relaxed);
    if (n == kMaxArenas) return nullptr;
    size_t bytes = kSlotStride * kSlotsPerArena;
    void* p = mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    madvise(p, bytes, MADV_NOHUGEPAGE);  // see page_faults
    auto* a = new Arena();
    a->base = static_cast<uint8_t*>(p);
    for (size_t i = 0; i < kSlotsPerArena; ++i) a->slots[i].base = a->base + i * kSlotStride;
    arenas_[n] = a;
    num_arenas_.store(n + 1, std::memory_order_release);
    next_in_arena_ = 0;
  }
  Arena* a = arenas_[num_arenas_.load(std::memory_order_relaxed) - 1];
  return &a->slots[next_in_arena_++];
}

bool MemoryPool::set_rw(Slot* s, size_t bytes) {
  if (bytes > s->rw_bytes) {
    if (mprotect(s->base + s->rw_bytes, bytes - s->rw_bytes, PROT_READ | PROT_WRITE) != 0)
      return false;
  } else if (bytes < s->rw_bytes) {
    if (mprotect(s->base + bytes, s->rw_bytes - bytes, PROT_NONE) != 0) return false;
  }
  s->rw_bytes = bytes;
  if (bytes > s->high_water) s->high_water = bytes;
  return true;
}

// Maps `image` (or nothing) at the slot's start. Slot is reset and private.
bool MemoryPool::bind(Slot* s, MemoryImage* image) {
  if (s->image == image) return true;
  s->kept.clear();
  s->kept_scan = 0;
  s->present.clear();
  s->present_scan = 0;
  // Another module's contents may be resident: drop them.
  if (s->rw_bytes) madvise(s->base, s->rw_bytes, MADV_DONTNEED);
  if (s->mapped_image) {
    // Replace the old image mapping with fresh inaccessible anonymous memory.
    void* p = mmap(s->base, s->mapped_image, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) return false;
    if (s->rw_bytes) {
      size_t keep = s->rw_bytes < s->mapped_image ? s->rw_bytes : s->mapped_image;
      if (mprotect(s->base, keep, PROT_READ | PROT_WRITE) != 0) return false;
    }
    s->mapped_image = 0;
  }
  s->image = nullptr;
  s->populated = false;
  if (image && !image->resident()) {
    int prot = PROT_NONE;
    // Keep the accessible prefix consistent across the new mapping.
    void* p = mmap(s->base, image->length(), prot, MAP_PRIVATE | MAP_FIXED, image->fd(), 0);
    if (p == MAP_FAILED) return false;
    madvise(p, image->length(), MADV_NOHUGEPAGE);
    s->mapped_image = image->length();
    if (s->rw_bytes) {
      size_t keep = s->rw_bytes < s->mapped_image ? s->rw_bytes : s->mapped_image;
      if (mprotect(s->base, keep, PROT_READ | PROT_WRITE) != 0) return false;
    }
  }
  s->image = image;
  return true;
}

Slot* MemoryPool::acquire(MemoryImage* image, uint32_t initial_pages) {
  Slot* s = nullptr;
  if (image) {
    auto& mine = image->affine_[this_thread_id() % MemoryImage::kAffine].slot;
    if (mine.load(std::memory_order_relaxed)) s = mine.exchange(nullptr, std::memory_order_acquire);
  }
  if (image && !s) {
    std::lock_guard lock(image->mu_);
    // The newest of the last few slots this thread reset, if any: its next
    // reset needs no page scan (see reset).
    auto& f = image->free_;
    size_t pick = f.size();
    const uint64_t me = this_thread_id();
    for (size_t i = f.size(), seen = 0; i > 0 && seen < 8 && pick == f.size(); --i, ++seen)
      if (f[i - 1]->present_thread == me) pick = i - 1;
    if (pick == f.size() && !f.empty()) pick = f.size() - 1;
    if (pick < f.size()) {
      s = f[pick];
      f.erase(f.begin() + static_cast<std::ptrdiff_t>(pick));
    }
  }
  if (!s) {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      s = free_.back();
      free_.pop_back();
    } else {
      s = new_slot();
    }
    if (!s) return nullptr;
  }
  if (!bind(s, image) || !set_rw(s, uint64_t{initial_pages} * kPageSize)) {
    bind(s, nullptr);  // never leave it bound to an image it is not filed under
    release(s, nullptr);
    return nullptr;
  }
  if (!s->populated && (!image || image->resident())) {
    // Zero everywhere but the image (fresh or madvised pages are zero).
    if (image) {
      size_t n = image->bytes_.size() < s->rw_bytes ? image->bytes_.size() : s->rw_bytes;
      std::memcpy(s->base, image->bytes_.data(), n);
    }
    s->populated = true;
  }
  if (image && !image->resident() && image->length() >= kPopulateMin && !dirty_pages_visible()) {
    // Without /proc/self/pagemap the slot is dropped with madvise at every
    // release. A large image belongs to a language runtime (StarlingMonkey:
    // 9.5 MB) that writes much of it on every request: a read then a write
    // of each such page costs a copy-on-write fault and a TLB shootdown on
    // every other core. Copying the image in one call first is cheaper
    // (225 -> 400 rps for the Spin JS hello; Linux >= 5.14).
    size_t n = image->length() < s->rw_bytes ? image->length() : s->rw_bytes;
    madvise(s->base, n, kMadvPopulateWrite);
  }
  s->high_water = s->rw_bytes;
  s->limit_pages = 65536;
  s->acquired_by = this_thread_id();
  return s;
}

bool MemoryPool::grow(Slot* s, uint64_t new_pages) { return set_rw(s, new_pages * kPageSize); }

void MemoryPool::set_pagemap_scan(bool on) { pagemap_scan_works = on; }

// A mapped image's slot keeps its private pages between uses: the pages the
// guest wrote (ever, in this slot) are copied back from the image and the
// pages past it are zeroed. A guest that writes the same pages on every
// request (a JS runtime's heap) then costs one memcpy of them per request
// instead of a copy-on-write fault per page plus a TLB shootdown to drop them.
bool MemoryPool::restore_mapped(Slot* s) {
  thread_local std::vector<uint64_t> entries;
  const MemoryImage* image = s->image;
  size_t image_bytes = std::min(s->mapped_image, s->high_water);
  // Past the image, only a bounded window is scanned and restored page by
  // page; a guest that touched more (a big heap) gets the rest dropped:
  // keeping it would pin its peak memory in the slot.
  constexpr size_t kScanPastImage = size_t{4} << 20;
  size_t scan = std::min(s->high_water, image_bytes + kScanPastImage);
  // The private pages are the last scan's when no page fault happened since
  // the slot's last reset (page_faults); a scan every 64 uses anyway.
  constexpr uint32_t kRescanEvery = 64;
  uint64_t faults = page_faults();
  bool reuse =
      s->kept_scan == scan && ++s->kept_uses < kRescanEvery && faults == s->faults_at_reset;
  // Read before this reset's own writes: a fault they take (a page only
  // read so far) shows at the next reset, which then scans.
  s->faults_at_reset = faults;
  auto& ranges = s->kept;  // [first, last) page
  if (!reuse && !scan_private(s->base, scan, ranges)) {
    if (!read_pagemap(s->base, scan, entries)) {
      s->kept_scan = 0;
      return false;
    }
    ranges.clear();
    for (size_t i = 0; i < entries.size(); ++i)
      if (private_page(entries[i])) {
        if (!ranges.empty() && ranges.back().second == i)
          ++ranges.back().second;
        else
          ranges.emplace_back(i, i + 1);
      }
  }
  if (!reuse) {
    s->kept_scan = scan;
    s->kept_uses = 0;
  }
  if (scan < s->high_water) madvise(s->base + scan, s->high_water - scan, MADV_DONTNEED);
  size_t image_pages = image_bytes / kOsPage;
  for (auto [first, last] : ranges) {
    // Inside the image: copied back in one run; past it: zeroed (pages only
    // read are the shared zero page: left unallocated).
    size_t copy_end = std::min(last, image_pages);
    if (first < copy_end)
      std::memcpy(s->base + first * kOsPage, image->view_ + first * kOsPage,
                  (copy_end - first) * kOsPage);
    for (size_t i = std::max(first, image_pages); i < last; ++i) {
      uint8_t* page = s->base + i * kOsPage;
      if (!all_zero(page)) std::memset(page, 0, kOsPage);
    }
  }
  return true;
}

void MemoryPool::reset(Slot* s) {
  if (!s->high_water) return;
  const MemoryImage* image = s->image;
  if (image && !image->resident() && image->view_ && s->mapped_image && dirty_pages_visible() &&
      restore_mapped(s)) {
    s->high_water = 0;
    return;
  }
  if (s->populated && (!image || image->resident()) && !swap_enabled_) {
    constexpr size_t kMaxRestorePages = 64;
    constexpr uint32_t kRescanEvery = 64;
    size_t pages = s->high_water / kOsPage;
    // The pages present: the last scan's when this thread acquired the
    // slot, made its last reset, and has taken no page fault since, and no
    // instance has run a guest call on another thread than its first (a
    // load, or one getrusage, instead of a mincore walk: fault_watch.h). A
    // module's memory is touched only by the thread running its instance.
    const uint64_t me = this_thread_id();
    const uint64_t moved = moved_instances.load();
    uint64_t faults = thread_fault_mark();
    bool same = s->present_scan == s->high_water && image && s->acquired_by == me &&
                s->present_thread == me && moved == s->present_moved &&
                ++s->present_uses < kRescanEvery && faults == s->faults_at_reset;
    if (!same) {
      s->present_scan = 0;
      s->present.clear();
      unsigned char vec_small[256];
      std::vector<unsigned char> vec_big;
      unsigned char* vec = vec_small;
      if (pages > sizeof vec_small) {
        vec_big.resize(pages);
        vec = vec_big.data();
      }
      if (mincore(s->base, s->high_water, vec) == 0) {
        for (size_t i = 0; i < pages && s->present.size() <= kMaxRestorePages; ++i)
          if (vec[i] & 1) s->present.push_back(static_cast<uint32_t>(i));
        if (s->present.size() <= kMaxRestorePages) {
          s->present_scan = s->high_water;
          s->present_uses = 0;
        }
      }
    }
    if (s->present_scan) {
      // A fault while restoring (a write to a page only read so far) shows
      // in the count: the next reset scans again.
      s->faults_at_reset = faults;
      s->present_thread = me;
      s->present_moved = moved;
      size_t image_len = image ? image->bytes_.size() : 0;
      for (uint32_t& entry : s->present) {
        const uint32_t i = entry & ~Slot::kRestoredLastTime;
        // A page the last reset had to restore (a stack, a heap) is
        // restored again without comparing it first; the others are
        // compared. (Rewriting a page that happens to be unchanged is
        // harmless: it is already the guest's private copy.)
        const bool again = entry & Slot::kRestoredLastTime;
        uint8_t* page = s->base + size_t{i} * kOsPage;
        size_t off = size_t{i} * kOsPage;
        bool restored;
        if (off < image_len) {
          // Pages only read (constants, most of the data segment) are left
          // alone: comparing costs reads, restoring costs writes.
          const uint8_t* orig = image->bytes_.data() + off;
          restored = again || std::memcmp(page, orig, kOsPage) != 0;
          if (restored) std::memcpy(page, orig, kOsPage);
        } else {
          // Skip pages that are still zero (e.g. only read: the shared
          // zero page), so restoring them does not allocate.
          restored = again || !all_zero(page);
          if (restored) std::memset(page, 0, kOsPage);
        }
        entry = restored ? (i | Slot::kRestoredLastTime) : i;
      }
      s->high_water = 0;
      return;
    }
    s->populated = false;  // too much touched: drop it all, re-copy the image
  }
  s->present_scan = 0;
  // Dropping private pages restores a mapped image and zeroes the rest; a
  // resident image has to be copied in again at the next acquire.
  madvise(s->base, s->high_water, MADV_DONTNEED);
  s->high_water = 0;
  if (!image || image->resident()) s->populated = false;
}

void MemoryPool::release(Slot* s, MemoryImage* image) {
  reset(s);
  if (image && s->image == image) {
    auto& mine = image->affine_[this_thread_id() % MemoryImage::kAffine].slot;
    Slot* none = nullptr;
    if (!mine.load(std::memory_order_relaxed) &&
        mine.compare_exchange_strong(none, s, std::memory_order_release, std::memory_order_relaxed))
      return;
    std::lock_guard lock(image->mu_);
    image->free_.push_back(s);
    return;
  }
  std::lock_guard lock(mu_);
  free_.push_back(s);
}

void MemoryPool::forget(MemoryImage* image) {
  std::vector<Slot*> slots;
  {
    std::lock_guard lock(image->mu_);
    slots.swap(image->free_);
  }
  for (auto& a : image->affine_)
    if (Slot* s = a.slot.exchange(nullptr)) slots.push_back(s);
  for (Slot* s : slots) {
    bind(s, nullptr);
    std::lock_guard lock(mu_);
    free_.push_back(s);
  }
}

Slot* MemoryPool::find(const uint8_t* data) const {
  size_t n = num_arenas_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    Arena* a = arenas_[i];
    if (data >= a->base && data < a->base + kSlotStride * kSlotsPerArena) {
      size_t idx = static_cast<size_t>(data - a->base) / kSlotStride;
      Slot* s = &a->slots[idx];
      return s->base == data ? s : nullptr;
    }
  }
  return nullptr;
}

bool MemoryPool::contains(uintptr_t addr) const {
  uint64_t offset;
  return offset_in_slot(addr, &offset);
}

bool MemoryPool::offset_in_slot(uintptr_t addr, uint64_t* offset) const {
  size_t n = num_arenas_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    auto base = reinterpret_cast<uintptr_t>(arenas_[i]->base);
    if (addr >= base && addr < base + kSlotStride * kSlotsPerArena) {
      *offset = (addr - base) % kSlotStride;
      return true;
    }
  }
  return false;
}

}  // namespace spindle::engine::runtime
