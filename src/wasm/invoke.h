/* wasm/invoke: what a C-style module (wasm/wasm) and an adapted component
 * (wasm/component_run) share around their compiled object: loading it
 * (dlopen RTLD_LOCAL, the descriptor checked against the cache key, the
 * runtime bound), and one call on a fresh instance — the checks before it,
 * the guest steps run under dw_rt_run, the PIPELINES section 6 metadata common to
 * both, and the captured output handed to the log sink (dw_wasm_set_log_sink).
 * Each backend keeps its own ABI and its own trap messages. Messages name
 * the guest as "<noun> '<name>'", noun "WASM module" or "WASM component". */
#ifndef DW_WASM_INVOKE_H
#define DW_WASM_INVOKE_H

#include <stddef.h>
#include <stdint.h>

#include "core/call.h"
#include "wasm/compile.h"
#include "wasm/rt.h"

/* Load the compiled object (dlopen of the verified descriptor cc->fd, which
 * is closed), check its descriptor (ABI, key, entry points) and bind the
 * runtime to it. 0, or -1 with a message in err; *dl is set whenever
 * dlopen succeeded (the caller dlcloses it). */
int dw_guest_load(dw_wasm_compiled *cc, const char *noun, const char *name, void **dl,
                  const dw_guest_desc **desc, char *err, size_t errlen);

/* One step of a call, run as guest code by dw_rt_run(c, dw_step_*, step). */
typedef struct dw_step {
  const dw_guest_desc *desc;
  void *inst;
  dw_rt_call *c;
  uint32_t a, b, d; /* the arguments */
  uint32_t ret;     /* the result */
} dw_step;

void dw_step_instantiate(void *step); /* instantiate, then _initialize if any */
void dw_step_allocate(void *step);    /* ret = allocate(a) */
void dw_step_process(void *step);     /* ret = process(a, b, d) */

/* Before a call: the thread's sandbox, the input size (at most 2 GiB) and
 * the cancel flag are checked, then s->c (its budget, memory cap and
 * capabilities set by the caller) gets the call's deadline and cancel flag
 * and begins, and s->inst is allocated. 0, or -1 with call failed. */
int dw_invoke_begin(dw_call *call, const char *noun, const char *name, dw_step *s);
/* After a call that began: its output to the log sink, the instance freed,
 * the call done. */
void dw_invoke_end(dw_step *s, const char *processor_id);

/* The metadata of a successful call: processor_id, module_path,
 * artifact_type, capabilities, input_length, output_length, fuel_consumed.
 * 0, or -1 with call failed (out of memory). */
int dw_invoke_metadata(dw_call *call, const dw_rt_call *c, const char *processor_id,
                       const char *module, const char *artifact, const char *caps, uint32_t in_len,
                       uint32_t out_len);

#endif
