/* wasm/component: dagwood's reader of WebAssembly components (Component
 * Model binaries, version 0x0d layer 1) of the world
 * dagwood:component@1.0.0. It walks every section with bounds and LEB128
 * checks, keeps the index spaces, checks that the component exports
 * dagwood:component/processing-node@1.0.0 whose `process` has exactly the
 * world's type, follows that export (through an inline export bag or the
 * wit-component shim component) to its `canon lift`, and from there to the
 * core instance and the core module it instantiates — whose bytes are stored
 * in the file and returned as they are. Nested (non-shim) components,
 * composed components, async and thread built-ins, start functions and
 * unknown sections are refused with a message that names what was found.
 * No allocation escapes: the result points into the input bytes and the
 * arena. */
#ifndef DW_WASM_COMPONENT_H
#define DW_WASM_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define DW_COMPONENT_EXPORT "dagwood:component/processing-node@1.0.0"
#define DW_COMPONENT_PROCESS_TYPE "func(input: list<u8>) -> result<list<u8>, processing-error>"

/* The original's message for version-1 modules carrying a "component"
 * custom section (the legacy Preview 1 component encoding). */
#define DW_COMPONENT_LEGACY_MESSAGE                                             \
  "Unsupported WASM binary: Legacy Preview 1 Component Model detected. Please " \
  "upgrade to modern Component Model (binary version 2+) or use classic WASM."

typedef enum {
  DW_BIN_NOT_WASM = 0,
  DW_BIN_CORE = 1,             /* version 1, layer 0 */
  DW_BIN_COMPONENT = 2,        /* version 0x0d, layer 1 */
  DW_BIN_LEGACY_COMPONENT = 3, /* version 1 with a "component" custom section */
  DW_BIN_UNKNOWN_VERSION = 4   /* \0asm with another version or layer */
} dw_bin_kind;

/* What kind of binary b is. Reads the core sections' framing only to find a
 * "component" custom section (stops at the first framing error: such a
 * module is then DW_BIN_CORE and its own parser reports the problem). */
dw_bin_kind dw_bin_sniff(const uint8_t *b, size_t len);

/* A one-line description of a kind that cannot run, for messages: NULL for
 * DW_BIN_CORE and DW_BIN_COMPONENT. */
const char *dw_bin_refusal(const uint8_t *b, size_t len, dw_bin_kind k, char *buf, size_t size);

typedef struct dw_component {
  /* the core module m that the lifted `process` lives in: bytes of the file */
  const uint8_t *core;
  size_t core_len;
  size_t core_off; /* its offset in the component */
  /* names of m's exports the canonical options point at */
  const char *process_export; /* the lifted core function */
  const char *memory_export;
  const char *realloc_export;
  const char *post_return_export; /* NULL: no post-return */
  /* component-level imports (WASI 0.2 interfaces in the adapter case) */
  uint32_t nimports;
  const char **imports;
  /* the names m's instantiation is given instances for (e.g.
   * wasi_snapshot_preview1); every one must be a preview1 adapter */
  uint32_t ninstance_args;
  const char **instance_args;
  uint32_t nmodules;  /* core modules in the file (main, adapter, shims) */
  uint32_t nsections; /* top-level sections walked */
} dw_component;

enum {
  DW_COMPONENT_MAX_DEPTH = 2,      /* the component and a shim inside it */
  DW_COMPONENT_MAX_TYPE_DEPTH = 32 /* nesting of types inside types */
};

/* Parse the component b (DW_BIN_COMPONENT) and find its main core module.
 * Returns 0, or -1 with a one-line reason in err, e.g. "section 7 (type) at
 * byte 812 runs past the end of the file". */
int dw_component_parse(const uint8_t *b, size_t len, dw_arena *a, dw_component *out, char *err,
                       size_t errlen);

#endif
