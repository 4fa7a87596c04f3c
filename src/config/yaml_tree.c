/* config/yaml_tree: libyaml events -> dw_val tree, in one pass, in the arena.
 *
 * Why events and not yaml_parser_load: libyaml 0.2.5's loader looks anchors
 * up linearly (50 000 anchors take 10 s), has no nesting bound (100 000 '['
 * take 45 s), and mallocs every node (100 000 processors take 0.7 s). Here the
 * depth is checked before a collection is opened, anchors live in a hash map,
 * an alias is an O(1) shallow copy of the anchored value (an alias bomb costs
 * nothing), the number of values is capped, and every position is the
 * event's start_mark (libyaml's are 0-based, ours 1-based). Tags are ignored:
 * only the text and the quoting style of scalars matter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/internal.h"
#include "util/strmap.h"

typedef struct slot {
  dw_val val;
  bool done; /* the anchored collection has been closed */
} slot;

typedef struct frame {
  size_t base; /* first child in the scratch stack */
  dw_val_kind kind;
  dw_pos pos;
  int64_t anchor; /* slot index, or -1 */
} frame;

typedef struct reader {
  dw_arena *arena;
  dw_cfg_report *r;
  dw_val *sk; /* children of the open collections, innermost last */
  size_t skn, skcap;
  frame fr[DW_SPEC_MAX_DEPTH];
  unsigned depth;
  dw_strmap anchors; /* name -> slot */
  slot *slots;
  size_t nslots, slotcap;
  size_t nodes;
  bool have_root;
  dw_val root;
} reader;

static dw_pos mark_pos(yaml_mark_t m) {
  dw_pos p = {m.line + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(m.line + 1),
              m.column + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(m.column + 1)};
  return p;
}

static const char *kind_name(dw_val_kind k) {
  return k == DW_VAL_SEQ ? "a list" : k == DW_VAL_MAP ? "a mapping" : "a scalar";
}

static bool oom(reader *R) {
  dw_cfg_diag(R->r, DW_SEV_ERROR, (dw_pos){0, 0}, NULL, NULL, "out of memory while reading YAML");
  return false;
}

/* A finished value goes to its parent (or becomes the root). */
static bool push(reader *R, const dw_val *v) {
  if (R->depth == 0) {
    R->root = *v;
    R->have_root = true;
    return true;
  }
  if (R->skn == R->skcap) {
    size_t nc = R->skcap ? R->skcap * 2 : 256;
    dw_val *ns = realloc(R->sk, nc * sizeof *ns);
    if (!ns) return oom(R);
    R->sk = ns;
    R->skcap = nc;
  }
  R->sk[R->skn++] = *v;
  return true;
}

/* Register an anchor: name -> new slot. A later anchor of the same name
 * replaces it (YAML: an alias refers to the most recent one). */
static int64_t anchor_open(reader *R, const char *name) {
  if (!name) return -1;
  if (R->nslots == R->slotcap) {
    size_t nc = R->slotcap ? R->slotcap * 2 : 16;
    slot *ns = realloc(R->slots, nc * sizeof *ns);
    if (!ns) return oom(R), -2;
    R->slots = ns;
    R->slotcap = nc;
  }
  char *key = dw_arena_strdup(R->arena, name);
  if (!key || dw_strmap_set(&R->anchors, key, (uint32_t)R->nslots) < 0) return oom(R), -2;
  memset(&R->slots[R->nslots], 0, sizeof(slot));
  return (int64_t)R->nslots++;
}

static void anchor_close(reader *R, int64_t a, const dw_val *v) {
  if (a < 0) return;
  R->slots[a].val = *v;
  R->slots[a].done = true;
}

static bool count_node(reader *R, yaml_mark_t m) {
  if (++R->nodes <= DW_SPEC_MAX_NODES) return true;
  dw_cfg_diag(R->r, DW_SEV_ERROR, mark_pos(m), NULL, NULL,
              "the file holds more than %d YAML values, far more than any pipeline needs; "
              "split it into several pipelines",
              (int)DW_SPEC_MAX_NODES);
  return false;
}

static bool on_scalar(reader *R, const yaml_event_t *ev) {
  if (!count_node(R, ev->start_mark)) return false;
  const char *text = (const char *)ev->data.scalar.value;
  size_t len = ev->data.scalar.length;
  dw_val v = {0};
  v.pos = mark_pos(ev->start_mark);
  v.quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
  v.kind = (!v.quoted && dw_cfg_is_null_text(text, len)) ? DW_VAL_NULL : DW_VAL_SCALAR;
  v.str = dw_arena_strndup(R->arena, text, len);
  v.len = len;
  if (!v.str) return oom(R);
  int64_t a = anchor_open(R, (const char *)ev->data.scalar.anchor);
  if (a == -2) return false;
  anchor_close(R, a, &v);
  return push(R, &v);
}

static bool on_alias(reader *R, const yaml_event_t *ev) {
  if (!count_node(R, ev->start_mark)) return false;
  const char *name = (const char *)ev->data.alias.anchor;
  dw_pos pos = mark_pos(ev->start_mark);
  uint32_t idx;
  dw_val v = {0};
  v.kind = DW_VAL_NULL;
  v.str = "";
  if (!dw_strmap_get(&R->anchors, name, &idx)) {
    dw_cfg_diag(R->r, DW_SEV_ERROR, pos, NULL, NULL,
                "YAML: alias '*%s' names no anchor; define '&%s' on an earlier value",
                dw_cfg_show(R->r, name, strlen(name)), dw_cfg_show(R->r, name, strlen(name)));
  } else if (!R->slots[idx].done) {
    dw_cfg_diag(R->r, DW_SEV_ERROR, pos, NULL, NULL,
                "YAML: alias '*%s' refers to a value that contains it; recursive structures "
                "are not allowed",
                dw_cfg_show(R->r, name, strlen(name)));
  } else {
    v = R->slots[idx].val; /* shallow: children are shared, never copied */
  }
  v.pos = pos;
  return push(R, &v);
}

static bool on_start(reader *R, const yaml_event_t *ev, dw_val_kind kind) {
  if (!count_node(R, ev->start_mark)) return false;
  if (R->depth == DW_SPEC_MAX_DEPTH) {
    dw_cfg_diag(R->r, DW_SEV_ERROR, mark_pos(ev->start_mark), NULL, NULL,
                "YAML nesting is deeper than %d levels; no pipeline needs that: flatten it",
                (int)DW_SPEC_MAX_DEPTH);
    return false;
  }
  const char *anchor = (const char *)(kind == DW_VAL_SEQ ? ev->data.sequence_start.anchor
                                                         : ev->data.mapping_start.anchor);
  int64_t a = anchor_open(R, anchor);
  if (a == -2) return false;
  frame *f = &R->fr[R->depth++];
  f->base = R->skn;
  f->kind = kind;
  f->pos = mark_pos(ev->start_mark);
  f->anchor = a;
  return true;
}

/* Close a mapping: keys must be scalars, and a repeated key is an error
 * naming the first (the first one is kept). */
static bool close_map(reader *R, const frame *f, dw_val *out) {
  size_t npairs = (R->skn - f->base) / 2;
  const char **keys = dw_arena_calloc(R->arena, npairs ? npairs : 1, sizeof *keys);
  dw_pos *kpos = dw_arena_calloc(R->arena, npairs ? npairs : 1, sizeof *kpos);
  dw_val *items = dw_arena_calloc(R->arena, npairs ? npairs : 1, sizeof *items);
  if (!keys || !kpos || !items) return oom(R);
  bool big = npairs > 16;
  dw_strmap seen;
  dw_strmap_init(&seen);
  uint32_t n = 0;
  for (size_t i = 0; i < npairs; i++) {
    const dw_val *k = &R->sk[f->base + 2 * i];
    const dw_val *v = &R->sk[f->base + 2 * i + 1];
    if (k->kind == DW_VAL_SEQ || k->kind == DW_VAL_MAP) {
      dw_cfg_diag(R->r, DW_SEV_ERROR, k->pos, NULL, NULL,
                  "a mapping key must be plain text, not %s; write the key as a name",
                  kind_name(k->kind));
      continue;
    }
    int64_t first = -1;
    if (big) {
      uint32_t at;
      int rc = dw_strmap_put(&seen, k->str, n, &at);
      if (rc < 0) {
        dw_strmap_free(&seen);
        return oom(R);
      }
      if (rc == 0) first = at;
    } else {
      for (uint32_t j = 0; j < n; j++)
        if (strcmp(keys[j], k->str) == 0) {
          first = j;
          break;
        }
    }
    if (first >= 0) {
      dw_cfg_diag(R->r, DW_SEV_ERROR, k->pos, NULL, NULL,
                  "duplicate key '%s' (first at line %u, column %u); remove one of them",
                  dw_cfg_show(R->r, k->str, k->len), kpos[first].line, kpos[first].col);
      continue;
    }
    keys[n] = k->str;
    kpos[n] = k->pos;
    items[n] = *v;
    n++;
  }
  dw_strmap_free(&seen);
  out->n = n;
  out->keys = keys;
  out->key_pos = kpos;
  out->items = items;
  return true;
}

static bool on_end(reader *R) {
  frame f = R->fr[--R->depth];
  dw_val v = {0};
  v.kind = f.kind;
  v.pos = f.pos;
  v.str = "";
  if (f.kind == DW_VAL_SEQ) {
    size_t n = R->skn - f.base;
    if (n > UINT32_MAX) return oom(R);
    dw_val *items = dw_arena_calloc(R->arena, n ? n : 1, sizeof *items);
    if (!items) return oom(R);
    if (n) memcpy(items, R->sk + f.base, n * sizeof *items);
    v.n = (uint32_t)n;
    v.items = items;
  } else if (!close_map(R, &f, &v)) {
    return false;
  }
  R->skn = f.base;
  anchor_close(R, f.anchor, &v);
  return push(R, &v);
}

/* libyaml's reader errors carry a byte offset, not a mark. */
static dw_pos offset_pos(const char *data, size_t len, size_t off) {
  if (off > len) off = len;
  uint32_t line = 1, col = 1;
  for (size_t i = 0; i < off; i++) {
    unsigned char c = (unsigned char)data[i];
    if (c == '\n') {
      line++;
      col = 1;
    } else if ((c & 0xC0) != 0x80) {
      col++;
    }
  }
  return (dw_pos){line, col};
}

static void syntax_error(reader *R, const yaml_parser_t *p, const char *data, size_t len) {
  const char *problem = p->problem ? p->problem : "unknown problem";
  switch (p->error) {
    case YAML_MEMORY_ERROR:
      oom(R);
      break;
    case YAML_READER_ERROR:
      if (p->problem_value >= 0)
        dw_cfg_diag(R->r, DW_SEV_ERROR, offset_pos(data, len, p->problem_offset), NULL, NULL,
                    "YAML syntax: %s (#x%X); a pipeline file must be UTF-8 text", problem,
                    (unsigned)p->problem_value);
      else
        dw_cfg_diag(R->r, DW_SEV_ERROR, offset_pos(data, len, p->problem_offset), NULL, NULL,
                    "YAML syntax: %s; a pipeline file must be UTF-8 text", problem);
      break;
    default:
      if (p->context) {
        dw_pos c = mark_pos(p->context_mark);
        dw_cfg_diag(R->r, DW_SEV_ERROR, mark_pos(p->problem_mark), NULL, NULL,
                    "YAML syntax: %s (%s at line %u, column %u)", problem, p->context, c.line,
                    c.col);
      } else {
        dw_cfg_diag(R->r, DW_SEV_ERROR, mark_pos(p->problem_mark), NULL, NULL, "YAML syntax: %s",
                    problem);
      }
      break;
  }
}

const dw_val *dw_cfg_read_yaml(dw_arena *arena, dw_cfg_report *r, const char *data, size_t len) {
  /* The common subset is read without libyaml; anything else (errors
   * included) falls through to libyaml, unchanged. */
  const dw_val *root;
  if (dw_cfg_read_yaml_fast(arena, data, len, &root)) return root;
  return dw_cfg_read_yaml_libyaml(arena, r, data, len);
}

const dw_val *dw_cfg_read_yaml_libyaml(dw_arena *arena, dw_cfg_report *r, const char *data,
                                       size_t len) {
  reader R;
  memset(&R, 0, sizeof R);
  R.arena = arena;
  R.r = r;
  dw_strmap_init(&R.anchors);
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) {
    oom(&R);
    return NULL;
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)data, len);

  bool ok = true, done = false;
  int docs = 0;
  while (ok && !done) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      syntax_error(&R, &p, data, len);
      ok = false;
      break;
    }
    switch (ev.type) {
      case YAML_STREAM_END_EVENT:
        done = true;
        break;
      case YAML_DOCUMENT_START_EVENT:
        if (++docs > 1) {
          /* Only the first document is read; more would be silently lost. */
          dw_cfg_diag(r, DW_SEV_ERROR, mark_pos(ev.start_mark), NULL, NULL,
                      "a second YAML document starts here; a pipeline file holds exactly one "
                      "(remove the '---' line or split the file)");
          done = true;
        }
        break;
      case YAML_ALIAS_EVENT:
        ok = on_alias(&R, &ev);
        break;
      case YAML_SCALAR_EVENT:
        ok = on_scalar(&R, &ev);
        break;
      case YAML_SEQUENCE_START_EVENT:
        ok = on_start(&R, &ev, DW_VAL_SEQ);
        break;
      case YAML_MAPPING_START_EVENT:
        ok = on_start(&R, &ev, DW_VAL_MAP);
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        ok = on_end(&R);
        break;
      default:
        break;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  free(R.sk);
  free(R.slots);
  dw_strmap_free(&R.anchors);
  if (!ok) return NULL;
  if (!R.have_root) {
    dw_cfg_diag(r, DW_SEV_ERROR, (dw_pos){0, 0}, NULL, NULL,
                "empty pipeline file: expected a mapping with a 'processors' list");
    return NULL;
  }
  dw_val *root = dw_arena_alloc(arena, sizeof *root);
  if (!root) {
    oom(&R);
    return NULL;
  }
  *root = R.root;
  return root;
}
