/* The contract between a native module (wasm2c output plus the glue spindle
 * appends to it) and the spindle host. Embedded in the spindle binary and
 * written beside each module's C code at compile time. Plain C. */
#ifndef SPINDLE_RT_H_
#define SPINDLE_RT_H_

#include <stdint.h>

#include "wasm-rt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SPINDLE_ABI_VERSION 2

/* One value crossing the host boundary; layout-compatible with
 * spindle::engine::Value. */
typedef union {
  uint32_t i32;
  uint64_t i64;
  float f32;
  double f64;
  uint8_t v128[16];
  wasm_rt_funcref_t funcref;
  wasm_rt_externref_t externref;
} spindle_val;

/* What a module's imports are bound to. The same pointer is passed to
 * wasm2c's instantiate() for every imported module name. */
typedef struct spindle_host spindle_host;
struct spindle_host {
  /* Points to itself. wasm2c 1.0.32 puts, in tables initialised from element
   * segments, the address of the instance's import pointer instead of the
   * pointer; the shims tell the two apart with this field. */
  spindle_host* self;
  /* Calls function import `index`; returns 0 or a wasm_rt_trap_t. */
  int (*call)(spindle_host* host, uint32_t index, const spindle_val* args, spindle_val* results);
  /* Per import: the memory / table / global storage it resolves to. */
  void** ptrs;
};

/* Called by the generated import shims; traps (longjmp) when the host
 * function did not succeed. */
void spindle_host_call(spindle_host* host, uint32_t index, const spindle_val* args,
                       spindle_val* results);

/* The spindle_host a shim was given `h` for (see spindle_host::self). */
static inline spindle_host* spindle_host_of(void* h) {
  spindle_host* host = (spindle_host*)h;
  return host->self == host ? host : *(spindle_host**)h;
}

typedef void (*spindle_export_call_fn)(void* instance, const spindle_val* args,
                                       spindle_val* results);
typedef void* (*spindle_export_ptr_fn)(void* instance);

/* Exported by each native module as `spindle_module_abi`. Export arrays are
 * indexed by the module's export index. */
typedef struct {
  uint32_t abi_version;
  uint32_t num_exports;
  uint64_t instance_size;
  void (*init_module)(void);
  void (*instantiate)(void* instance, spindle_host* host);
  void (*free_instance)(void* instance);
  const spindle_export_call_fn* export_calls; /* functions; NULL otherwise */
  const spindle_export_ptr_fn* export_ptrs;   /* memories, tables, globals */
} spindle_module_abi_t;

#ifdef __cplusplus
}
#endif

#endif /* SPINDLE_RT_H_ */
