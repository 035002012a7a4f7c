// What the raw Spin 1 ABI test guests (host_*.c) share: the two allocation
// exports the host uses, a 200 answer, and an empty main (they are built as
// WASI commands like the other C guests; the executors never run _start).
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define I(p) ((int32_t)(intptr_t)(p))

__attribute__((export_name("canonical_abi_realloc"))) void* canonical_abi_realloc(void* ptr,
                                                                                  size_t orig,
                                                                                  size_t align,
                                                                                  size_t size) {
  (void)orig;
  (void)align;
  return realloc(ptr, size ? size : 1);
}

__attribute__((export_name("canonical_abi_free"))) void canonical_abi_free(void* ptr, size_t size,
                                                                           size_t align) {
  (void)size;
  (void)align;
  free(ptr);
}

// The handle-http-request result: status 200, no headers, `body` (copied).
static inline int32_t spin_respond(const char* body, int len) {
  static _Alignas(4) uint8_t ret_area[28];
  char* copy = malloc((size_t)len + 1);
  memcpy(copy, body, (size_t)len);
  memset(ret_area, 0, sizeof ret_area);
  *(uint16_t*)ret_area = 200;
  ret_area[16] = 1;
  *(int32_t*)(ret_area + 20) = I(copy);
  *(int32_t*)(ret_area + 24) = len;
  return I(ret_area);
}

int main(void) { return 0; }
