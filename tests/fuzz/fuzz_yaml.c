/* tests/fuzz/fuzz_yaml: the hand-written YAML reader (config/yaml_fast)
 * against libyaml's (config/yaml_tree). Whenever the fast reader accepts an
 * input, libyaml must read it without a single diagnostic into exactly the
 * same tree: kinds, texts and lengths, quoting, positions of every value and
 * key, key order. A decline is always allowed; any difference is a finding. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "fuzz.h"
#include "util/diag.h"

static bool same_pos(dw_pos a, dw_pos b) { return a.line == b.line && a.col == b.col; }

static void compare(const dw_val *a, const dw_val *b, unsigned depth) {
  FUZZ_CHECK(a->kind == b->kind && same_pos(a->pos, b->pos) && a->len == b->len &&
                 a->quoted == b->quoted && a->n == b->n,
             "value at %u:%u (kind %d len %zu quoted %d n %u) vs libyaml %u:%u (kind %d len %zu "
             "quoted %d n %u)",
             a->pos.line, a->pos.col, a->kind, a->len, a->quoted, a->n, b->pos.line, b->pos.col,
             b->kind, b->len, b->quoted, b->n);
  FUZZ_CHECK(a->str && b->str && memcmp(a->str, b->str, a->len + 1) == 0, "text at %u:%u",
             a->pos.line, a->pos.col);
  if (a->kind == DW_VAL_NULL || a->kind == DW_VAL_SCALAR) {
    FUZZ_CHECK(!a->items && !a->keys, "scalar at %u:%u with items", a->pos.line, a->pos.col);
    return;
  }
  FUZZ_CHECK(depth <= DW_SPEC_MAX_DEPTH && a->items, "collection at %u:%u: depth %u", a->pos.line,
             a->pos.col, depth);
  if (a->kind == DW_VAL_MAP) FUZZ_CHECK(a->keys && a->key_pos, "mapping without keys");
  for (uint32_t i = 0; i < a->n; i++) {
    if (a->kind == DW_VAL_MAP)
      FUZZ_CHECK(strcmp(a->keys[i], b->keys[i]) == 0 && same_pos(a->key_pos[i], b->key_pos[i]),
                 "key %u of the mapping at %u:%u: at %u:%u vs libyaml %u:%u", i, a->pos.line,
                 a->pos.col, a->key_pos[i].line, a->key_pos[i].col, b->key_pos[i].line,
                 b->key_pos[i].col);
    compare(&a->items[i], &b->items[i], depth + 1);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dw_arena fa;
  dw_arena_init(&fa);
  const dw_val *fast = NULL;
  bool accepted = dw_cfg_read_yaml_fast(&fa, (const char *)data, size, &fast);
  FUZZ_CHECK(accepted == (fast != NULL), "accepted %d with tree %p", accepted, (const void *)fast);
  if (accepted) {
    dw_arena la;
    dw_arena_init(&la);
    dw_diags *d = dw_diags_new();
    FUZZ_CHECK(d != NULL, "out of memory");
    dw_cfg_report r;
    dw_cfg_report_init(&r, d, "fuzz.yaml");
    const dw_val *slow = dw_cfg_read_yaml_libyaml(&la, &r, size ? (const char *)data : "", size);
    const dw_diag *g = dw_diags_count(d) ? dw_diags_get(d, 0) : NULL;
    FUZZ_CHECK(slow && !g, "accepted, but libyaml says %u:%u: %s", g ? g->line : 0,
               g ? g->column : 0, g ? g->message : "nothing read");
    compare(fast, slow, 0);
    dw_diags_free(d);
    dw_arena_free(&la);
  }
  dw_arena_free(&fa);
  return 0;
}
