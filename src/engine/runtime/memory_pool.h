// Linear memories for native instances. Every memory lives in a slot: an
// 8 GiB + guard reservation (so any 32-bit address plus 32-bit offset is
// either in bounds or on an inaccessible page), carved from large arenas
// reserved once. A slot stays bound to one module's initial-memory image and
// is reset between uses in one of two ways:
//   - large images are mapped copy-on-write from a memfd; the pages the
//     guest wrote (private copies, found in /proc/self/pagemap) stay in the
//     slot and are copied back from the image, the rest of the slot is
//     zeroed (or, without pagemap, one madvise(MADV_DONTNEED) drops them);
//   - small images (and no image) live in the slot's own pages, which stay
//     resident between uses: the pages the guest touched (found with one
//     mincore) are copied back from the image or zeroed. This avoids the
//     page faults and TLB shootdown of re-faulting a few pages per request;
//     a guest that touched many pages gets the madvise reset instead.
// The hot path (acquire/release of a slot already bound to the module) never
// mmaps or munmaps.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

namespace spindle::engine::runtime {

struct Slot;

// The initial contents of a module's memory, as a sealed memfd.
class MemoryImage {
 public:
  // Bytes at an offset of the initial memory (an active data segment).
  struct Piece {
    uint64_t offset;
    std::span<const uint8_t> bytes;
  };
  // The initial memory: zero but for `pieces`, written in order (a later
  // one wins where they overlap), up to the end of the last non-empty one
  // (the rest of the initial memory is zero too).
  explicit MemoryImage(std::span<const Piece> pieces);
  ~MemoryImage();
  MemoryImage(const MemoryImage&) = delete;
  MemoryImage& operator=(const MemoryImage&) = delete;

  size_t length() const { return length_; }  // page-rounded
  int fd() const { return fd_; }             // -1 for resident images
  bool resident() const { return fd_ < 0; }

  // Images up to this size are copied into resident pages.
  static constexpr size_t kResidentMax = 64 * 1024;

 private:
  friend class MemoryPool;
  int fd_ = -1;
  size_t length_ = 0;
  bool resident_ = true;           // copied into slots (small, or no memfd could be made)
  const uint8_t* view_ = nullptr;  // mapped images: the memfd, read-only
  std::vector<uint8_t> bytes_;     // resident images: the bytes, page-rounded
  std::mutex mu_;
  std::vector<Slot*> free_;  // slots bound to this image, reset, ready
  // One more ready slot per thread (by this_thread_id() % kAffine), given
  // back and taken again without the lock: the common case, a thread serving
  // one module request after request, then touches no line another thread
  // writes.
  static constexpr size_t kAffine = 4;
  struct alignas(64) Affine {
    std::atomic<Slot*> slot{nullptr};
  };
  std::array<Affine, kAffine> affine_;
};

struct Slot {
  uint8_t* base = nullptr;
  const MemoryImage* image = nullptr;  // what [0, mapped_image) holds
  size_t mapped_image = 0;             // bytes of image mapping in place
  size_t rw_bytes = 0;                 // accessible prefix
  size_t high_water = 0;               // largest rw_bytes since last reset
  uint32_t limit_pages = 65536;        // grow past this is refused (-1)
  uint64_t counted_bytes = 0;          // counted in the instance-memory budget
  bool populated = false;              // resident mode: holds the image, rest zero
  // Mapped-image mode: the private page ranges [first, last) the last scan
  // found in the first `kept_scan` bytes (what a reset copies back).
  std::vector<std::pair<size_t, size_t>> kept;
  size_t kept_scan = 0;  // 0: no valid `kept`
  uint32_t kept_uses = 0;
  // Resident mode: the pages present in the first `present_scan` bytes at
  // the last scan (what a reset compares and restores), the thread that
  // made the last reset and MemoryPool's count of moved instances then.
  std::vector<uint32_t> present;  // page indices; kRestoredLastTime or'ed in
  static constexpr uint32_t kRestoredLastTime = uint32_t{1} << 31;
  size_t present_scan = 0;  // 0: no valid `present`
  uint32_t present_uses = 0;
  uint64_t present_thread = 0;
  uint64_t present_moved = 0;
  uint64_t acquired_by = 0;  // this_thread_id() of the last acquire
  // At the slot's last reset: the process's page-fault count (mapped
  // mode), the resetting thread's thread_fault_mark (resident mode). A page
  // becomes present or private only through a fault: with none since, the
  // next reset uses `kept` or `present` without scanning.
  uint64_t faults_at_reset = 0;
};

// This thread among all (never 0, never reused).
uint64_t this_thread_id();

class MemoryPool {
 public:
  static MemoryPool& instance();
  // A guest call ran on another thread than its instance's first: slots
  // then scan at their next reset (run_guarded calls it).
  static void note_instance_moved();

  static constexpr uint64_t kPageSize = 65536;
  static constexpr uint64_t kSlotStride = (uint64_t{8} << 30) + (uint64_t{2} << 20);

  // A slot with [0, initial_pages) accessible and holding `image` (or zeros).
  // Returns null when address space is exhausted.
  Slot* acquire(MemoryImage* image, uint32_t initial_pages);
  // Resets the slot and makes it available again.
  void release(Slot* slot, MemoryImage* image);
  // Makes [0, new_pages) accessible. False if mprotect failed.
  bool grow(Slot* slot, uint64_t new_pages);
  // The slot whose base is `data`, or null.
  Slot* find(const uint8_t* data) const;
  // True when `addr` lies inside any slot reservation (guard pages included).
  bool contains(uintptr_t addr) const;
  // When `addr` lies inside a slot reservation: its offset from the slot's
  // base (the guest address, plus the access's static offset). Lock-free
  // (called from the fault handler).
  bool offset_in_slot(uintptr_t addr, uint64_t* offset) const;
  // An image is going away: its free slots go back to the common pool.
  void forget(MemoryImage* image);
  // Whether written pages are found with PAGEMAP_SCAN (Linux >= 6.7) or by
  // reading pagemap entries; on by default when the kernel has it. Tests
  // turn it off to run the other path.
  static void set_pagemap_scan(bool on);

 private:
  MemoryPool();
  Slot* new_slot();
  bool bind(Slot* s, MemoryImage* image);
  bool set_rw(Slot* s, size_t bytes);
  void reset(Slot* s);
  bool restore_mapped(Slot* s);
  static bool dirty_pages_visible();

  struct Arena;
  static constexpr size_t kSlotsPerArena = 16;
  static constexpr size_t kMaxArenas = 512;

  const bool swap_enabled_;
  mutable std::mutex mu_;
  std::vector<Slot*> free_;  // slots bound to no image (zeroed)
  Arena* arenas_[kMaxArenas] = {};
  std::atomic<size_t> num_arenas_{0};  // read lock-free by the signal handler
  size_t next_in_arena_ = kSlotsPerArena;
};

}  // namespace spindle::engine::runtime
