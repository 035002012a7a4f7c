// A Redis component written in C against the Canonical ABI by hand: it
// exports Spin's `fermyon:spin/inbound-redis` (wit/redis/world.wit)
//
//   handle-message: func(message: list<u8>) -> result<_, error>
//   error = enum { success, error }
//
// The payload comes as (pointer, length), allocated through the exported
// cabi_realloc and the guest's to free; the result flattens to 2 values, so
// it goes back through a return area: +0 u8 ok/err, +1 u8 the enum.
// It prints "got: <payload>" to stdout, then by payload:
//   fail   returns err(error)
//   trap   traps
//   else   ok
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((export_name("cabi_realloc"))) void* cabi_realloc(void* ptr, size_t old_size,
                                                                size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void*)align;
  void* p = realloc(ptr, new_size);
  if (!p) abort();
  return p;
}

static uint8_t ret_area[2];

__attribute__((export_name("fermyon:spin/inbound-redis#handle-message"))) int32_t handle_message(
    int32_t ptr, int32_t len) {
  const char* p = (const char*)(intptr_t)ptr;
  printf("got: %.*s\n", (int)len, p);
  fflush(stdout);
  ret_area[0] = 0;
  ret_area[1] = 0;
  if (len == 4 && !memcmp(p, "fail", 4)) ret_area[0] = 1, ret_area[1] = 1;
  if (len == 4 && !memcmp(p, "trap", 4)) __builtin_trap();
  if (len > 0) free((void*)p);
  return (int32_t)(uintptr_t)ret_area;
}
