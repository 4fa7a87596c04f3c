/* wasm/component: see component.h. The bounds-checked cursor of
 * wasm/cursor over the bytes (every LEB128 limited to its width, every count
 * checked against the bytes left before anything grows), one record per
 * index-space entry saying how it was defined, then a walk from the export
 * to the core module. */
#include "wasm/component.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/cursor.h"

/* ------------------------------------------------------------ strings */

static int skip_str(dw_cur *c, const char *what) {
  const uint8_t *s;
  uint32_t n;
  return dw_cur_str(c, &s, &n, what);
}

static bool str_is(const uint8_t *s, uint32_t n, const char *want) {
  return strlen(want) == n && memcmp(s, want, n) == 0;
}

/* "name" for messages: printable ASCII, cut at 80 bytes. */
static const char *show(const uint8_t *s, uint32_t n, char *buf, size_t size) {
  size_t k = 0;
  for (uint32_t i = 0; i < n && k + 4 < size; i++) {
    if (i == 80) {
      buf[k++] = '.', buf[k++] = '.', buf[k++] = '.';
      break;
    }
    buf[k++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
  }
  buf[k] = 0;
  return buf;
}

/* ------------------------------------------------------------- sniff */

dw_bin_kind dw_bin_sniff(const uint8_t *b, size_t len) {
  if (!b || len < 8 || memcmp(b, "\0asm", 4) != 0) return DW_BIN_NOT_WASM;
  if (b[4] == 0x0d && b[5] == 0 && b[6] == 1 && b[7] == 0) return DW_BIN_COMPONENT;
  if (!(b[4] == 1 && b[5] == 0 && b[6] == 0 && b[7] == 0)) return DW_BIN_UNKNOWN_VERSION;
  char e[8];
  dw_cur c = {.b = b, .pos = 8, .end = len, .err = e, .errlen = 0};
  while (c.pos < len) {
    uint8_t id;
    uint32_t size;
    if (dw_cur_u8(&c, &id, "id") || dw_cur_u32(&c, &size, "size") || size > len - c.pos) break;
    size_t body_end = c.pos + size;
    if (id == 0) {
      dw_cur s = c;
      s.end = body_end;
      const uint8_t *nm;
      uint32_t n;
      if (!dw_cur_str(&s, &nm, &n, "name") && str_is(nm, n, "component"))
        return DW_BIN_LEGACY_COMPONENT;
    }
    c.pos = body_end;
  }
  return DW_BIN_CORE;
}

const char *dw_bin_refusal(const uint8_t *b, size_t len, dw_bin_kind k, char *buf, size_t size) {
  switch (k) {
    case DW_BIN_NOT_WASM:
      snprintf(buf, size, "not a WebAssembly binary (no \\0asm header)");
      return buf;
    case DW_BIN_LEGACY_COMPONENT:
      snprintf(buf, size, "%s", DW_COMPONENT_LEGACY_MESSAGE);
      return buf;
    case DW_BIN_UNKNOWN_VERSION:
      snprintf(buf, size,
               "unknown WebAssembly binary version 0x%02x%02x, layer 0x%02x%02x (a core module "
               "has version 1, layer 0; a component version 0x0d, layer 1)",
               len > 5 ? b[5] : 0, len > 4 ? b[4] : 0, len > 7 ? b[7] : 0, len > 6 ? b[6] : 0);
      return buf;
    default:
      return NULL;
  }
}

/* ------------------------------------------------------- index spaces */

/* The spaces: core ones (sort bytes 0x00-0x04, 0x10-0x12) and component
 * ones (sort bytes 0x01-0x05 after a leading component sort). */
enum {
  S_CFUNC,
  S_CTABLE,
  S_CMEM,
  S_CGLOBAL,
  S_CTAG,
  S_CTYPE,
  S_CMODULE,
  S_CINST,
  S_FUNC,
  S_VALUE,
  S_TYPE,
  S_COMP,
  S_INST,
  S_N
};

static const char *const space_names[S_N] = {
    "core function", "core table",  "core memory",   "core global", "core tag",
    "core type",     "core module", "core instance", "function",    "value",
    "type",          "component",   "instance"};

/* How an entry came to be. */
enum {
  E_IMPORT,            /* name */
  E_EXPORT,            /* re-export: a = index in the same space */
  E_ALIAS_EXPORT,      /* a = component instance, name */
  E_ALIAS_CORE_EXPORT, /* a = core instance, name */
  E_ALIAS_OUTER,       /* a = count, b = index */
  E_DEF,               /* off = definition (type, module bytes, component bytes) */
  E_INSTANTIATE,       /* (core) instance: a = (core) module / component, off = args */
  E_BAG,               /* (core) instance of inline exports: off = the vector */
  E_LIFT,              /* function: a = index into lifts */
  E_CANON,             /* core function made by canon lower or a built-in */
  E_TYPE_EQ            /* type import bounded (eq a) */
};

typedef struct entry {
  uint8_t how;
  uint32_t a, b;
  const uint8_t *name; /* E_IMPORT, E_ALIAS_*: the name */
  uint32_t name_len;
  size_t off, len;
} entry;

typedef struct space {
  entry *e;
  uint32_t n, cap;
} space;

typedef struct lift {
  uint32_t core_func, type;
  bool has_mem, has_realloc, has_post;
  uint32_t mem, realloc, post;
  uint8_t encoding; /* 0 utf8, 1 utf16, 2 latin1+utf16 */
} lift;

typedef struct xport {
  const uint8_t *name;
  uint32_t name_len;
  uint8_t sort; /* S_* */
  uint32_t idx;
  bool has_type;
  uint8_t type_kind; /* externdesc kind */
  uint32_t type_idx;
} xport;

typedef struct comp {
  const uint8_t *b;
  size_t start, end; /* the component's bytes (preamble included) */
  struct comp *parent;
  int depth;
  space sp[S_N];
  lift *lifts;
  uint32_t nlifts, lcap;
  xport *exports;
  uint32_t nexports, ecap;
  const uint8_t **import_names;
  uint32_t *import_lens;
  uint32_t nimports, icap;
  /* what it holds, for the shim check */
  uint32_t nmodules, ncore_inst, ncanon, ncomponents, ninstances, ncore_types;
  struct comp **children; /* per S_COMP entry that is E_DEF: its parse */
  uint32_t nchildren, ccap;
  uint32_t nsections;
} comp;

typedef struct ctx {
  char *err;
  size_t errlen;
  int failed;
  int oom;
} ctx;

static bool grow(void **p, uint32_t *cap, uint32_t n, size_t size) {
  if (n < *cap) return true;
  uint32_t nc = *cap ? *cap * 2 : 16;
  if (nc <= n) nc = n + 1;
  void *q = realloc(*p, (size_t)nc * size);
  if (!q) return false;
  *p = q;
  *cap = nc;
  return true;
}

static entry *add(dw_cur *c, comp *k, int s) {
  space *sp = &k->sp[s];
  if (sp->n >= (1u << 24))
    return dw_cur_fail(c, "too many entries in the %s index space", space_names[s]), NULL;
  if (!grow((void **)&sp->e, &sp->cap, sp->n, sizeof *sp->e))
    return dw_cur_fail(c, "out of memory"), NULL;
  entry *e = &sp->e[sp->n++];
  memset(e, 0, sizeof *e);
  return e;
}

static void comp_free(comp *k) {
  if (!k) return;
  for (int s = 0; s < S_N; s++) free(k->sp[s].e);
  free(k->lifts);
  free(k->exports);
  free(k->import_names);
  free(k->import_lens);
  for (uint32_t i = 0; i < k->nchildren; i++) {
    comp_free(k->children[i]);
    free(k->children[i]);
  }
  free(k->children);
}

/* ------------------------------------------------------------- pieces */

static const char *const section_names[] = {
    "custom", "core module", "core instance", "core type", "component", "instance", "alias",
    "type",   "canon",       "start",         "import",    "export",    "value"};

/* sort byte(s) -> space; core sorts after a 0x00 in component position.
 * The S_* runs follow the order of the sort bytes. */
_Static_assert(S_CTAG - S_CFUNC == 4 && S_CINST - S_CTYPE == 2 && S_INST - S_FUNC == 4,
               "S_* in sort byte order");

static int core_sort(dw_cur *c, int *s) {
  uint8_t x;
  if (dw_cur_u8(c, &x, "core sort")) return -1;
  if (x <= 0x04) return *s = S_CFUNC + x, 0; /* func table memory global tag */
  if (x >= 0x10 && x <= 0x12) return *s = S_CTYPE + (x - 0x10), 0; /* type module instance */
  return dw_cur_fail(c, "unknown core sort 0x%02x at byte %zu", x, c->pos - 1);
}

static int sort(dw_cur *c, int *s) {
  uint8_t x;
  if (dw_cur_u8(c, &x, "sort")) return -1;
  if (x == 0x00) return core_sort(c, s);
  if (x <= 0x05) return *s = S_FUNC + (x - 1), 0; /* func value type component instance */
  return dw_cur_fail(c, "unknown sort 0x%02x at byte %zu", x, c->pos - 1);
}

static int idx_in(dw_cur *c, comp *k, int s, uint32_t *i, const char *what) {
  if (dw_cur_u32(c, i, what)) return -1;
  if (*i >= k->sp[s].n)
    return dw_cur_fail(c, "%s refers to %s %u, which does not exist (there are %u) at byte %zu",
                       what, space_names[s], *i, k->sp[s].n, c->pos);
  return 0;
}

/* importname' / exportname': 0x00 name | 0x01 name versionsuffix */
static int extern_name(dw_cur *c, const uint8_t **s, uint32_t *n, const char *what) {
  uint8_t form;
  if (dw_cur_u8(c, &form, what)) return -1;
  if (form > 1) return dw_cur_fail(c, "unknown %s form 0x%02x at byte %zu", what, form, c->pos - 1);
  if (dw_cur_str(c, s, n, what)) return -1;
  if (form == 1 && skip_str(c, "version suffix")) return -1;
  return 0;
}

/* A component value type: a primitive (one byte 0x64-0x7f) or a type index. */
static int valtype(dw_cur *c, uint32_t ntypes, bool check, const char *what) {
  if (dw_cur_need(c, 1, what)) return -1;
  uint8_t x = c->b[c->pos];
  if (x >= 0x40 && x <= 0x7f) { /* one byte, negative as an s33: a primitive */
    if (x < 0x73 && x != 0x64)
      return dw_cur_fail(c, "unknown primitive type 0x%02x in %s at byte %zu", x, what, c->pos);
    c->pos++;
    return 0;
  }
  uint32_t i;
  size_t at = c->pos;
  if (dw_cur_u32(c, &i, what)) return -1;
  if (c->b[c->pos - 1] & 0x40 && c->pos - at > 1)
    return dw_cur_fail(c, "malformed type index in %s at byte %zu", what, at);
  if (check && i >= ntypes)
    return dw_cur_fail(c, "%s refers to type %u, which does not exist (there are %u) at byte %zu",
                       what, i, ntypes, at);
  return 0;
}

static int opt_valtype(dw_cur *c, uint32_t ntypes, bool check, const char *what) {
  uint8_t f;
  if (dw_cur_u8(c, &f, what)) return -1;
  if (f == 0) return 0;
  if (f != 1)
    return dw_cur_fail(c, "bad optional marker 0x%02x in %s at byte %zu", f, what, c->pos - 1);
  return valtype(c, ntypes, check, what);
}

static int core_valtype(dw_cur *c) {
  uint8_t t;
  if (dw_cur_u8(c, &t, "core value type")) return -1;
  if (t == 0x7f || t == 0x7e || t == 0x7d || t == 0x7c || t == 0x7b || t == 0x70 || t == 0x6f)
    return 0;
  return dw_cur_fail(c, "unknown core value type 0x%02x at byte %zu", t, c->pos - 1);
}

static int core_functype(dw_cur *c) {
  uint32_t n;
  if (dw_cur_count(c, &n, 1, "parameter count")) return -1;
  for (uint32_t i = 0; i < n; i++)
    if (core_valtype(c)) return -1;
  if (dw_cur_count(c, &n, 1, "result count")) return -1;
  for (uint32_t i = 0; i < n; i++)
    if (core_valtype(c)) return -1;
  return 0;
}

static int limits(dw_cur *c) {
  uint8_t f;
  uint32_t x;
  if (dw_cur_u8(c, &f, "limits")) return -1;
  if (f > 1)
    return dw_cur_fail(c, "limits flags 0x%02x (shared or 64-bit) at byte %zu", f, c->pos - 1);
  if (dw_cur_u32(c, &x, "limits minimum")) return -1;
  if (f & 1 && dw_cur_u32(c, &x, "limits maximum")) return -1;
  return 0;
}

/* core importdesc inside a module type */
static int core_importdesc(dw_cur *c) {
  uint8_t k, t;
  uint32_t x;
  if (dw_cur_u8(c, &k, "import kind")) return -1;
  switch (k) {
    case 0:
      return dw_cur_u32(c, &x, "type index");
    case 1:
      return dw_cur_u8(c, &t, "table type") || limits(c);
    case 2:
      return limits(c);
    case 3:
      return core_valtype(c) || dw_cur_u8(c, &t, "mutability");
  }
  return dw_cur_fail(c, "unknown core import kind 0x%02x at byte %zu", k, c->pos - 1);
}

static int core_deftype(dw_cur *c, int tdepth) {
  uint8_t form;
  if (dw_cur_u8(c, &form, "core type")) return -1;
  if (form == 0x60) return core_functype(c);
  if (form == 0x50) {
    if (tdepth > 1) return dw_cur_fail(c, "core module types nested too deeply");
    uint32_t n;
    if (dw_cur_count(c, &n, 1, "module type declaration count")) return -1;
    for (uint32_t i = 0; i < n; i++) {
      uint8_t d;
      uint32_t x;
      if (dw_cur_u8(c, &d, "module type declaration")) return -1;
      switch (d) {
        case 0x00:
          if (skip_str(c, "import module") || skip_str(c, "import name") || core_importdesc(c))
            return -1;
          break;
        case 0x01:
          if (core_deftype(c, tdepth + 1)) return -1;
          break;
        case 0x02: {
          uint8_t s, t;
          if (dw_cur_u8(c, &s, "alias sort") || dw_cur_u8(c, &t, "alias target") ||
              dw_cur_u32(c, &x, "count") || dw_cur_u32(c, &x, "index"))
            return -1;
          if (s != 0x10 || t != 0x01) return dw_cur_fail(c, "bad core alias in a module type");
          break;
        }
        case 0x03:
          if (skip_str(c, "export name") || core_importdesc(c)) return -1;
          break;
        default:
          return dw_cur_fail(c, "unknown module type declaration 0x%02x at byte %zu", d,
                             c->pos - 1);
      }
    }
    return 0;
  }
  if (form >= 0x4e && form <= 0x5f)
    return dw_cur_fail(c, "garbage-collected core types (0x%02x) are not supported at byte %zu",
                       form, c->pos - 1);
  return dw_cur_fail(c, "unknown core type form 0x%02x at byte %zu", form, c->pos - 1);
}

static int deftype(dw_cur *c, uint32_t ntypes, bool check, int tdepth);

static int externdesc(dw_cur *c, uint8_t *kind, uint32_t *ti) {
  uint8_t k, x;
  uint32_t i = 0;
  if (dw_cur_u8(c, &k, "extern kind")) return -1;
  switch (k) {
    case 0x00:
      if (dw_cur_u8(c, &x, "core module marker")) return -1;
      if (x != 0x11) return dw_cur_fail(c, "bad core extern 0x%02x at byte %zu", x, c->pos - 1);
      if (dw_cur_u32(c, &i, "core type index")) return -1;
      break;
    case 0x01:
    case 0x04:
    case 0x05:
      if (dw_cur_u32(c, &i, "type index")) return -1;
      break;
    case 0x02:
      if (dw_cur_u8(c, &x, "value bound")) return -1;
      if (x == 0) {
        if (dw_cur_u32(c, &i, "value index")) return -1;
      } else if (x == 1) {
        if (valtype(c, 0, false, "value bound")) return -1;
      } else {
        return dw_cur_fail(c, "bad value bound 0x%02x at byte %zu", x, c->pos - 1);
      }
      break;
    case 0x03:
      if (dw_cur_u8(c, &x, "type bound")) return -1;
      if (x == 0) {
        if (dw_cur_u32(c, &i, "type index")) return -1;
        k = 0x13; /* (eq i) */
      } else if (x != 1) {
        return dw_cur_fail(c, "bad type bound 0x%02x at byte %zu", x, c->pos - 1);
      }
      break;
    default:
      return dw_cur_fail(c, "unknown extern kind 0x%02x at byte %zu", k, c->pos - 1);
  }
  *kind = k;
  *ti = i;
  return 0;
}

/* component / instance type declarations (own index spaces: not checked) */
static int decls(dw_cur *c, bool component, int tdepth) {
  uint32_t n;
  if (dw_cur_count(c, &n, 1, "declaration count")) return -1;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t d, kind;
    uint32_t ti, x;
    if (dw_cur_u8(c, &d, "declaration")) return -1;
    switch (d) {
      case 0x00:
        if (core_deftype(c, tdepth + 1)) return -1;
        break;
      case 0x01:
        if (deftype(c, 0, false, tdepth + 1)) return -1;
        break;
      case 0x02: {
        int s;
        uint8_t t;
        if (sort(c, &s) || dw_cur_u8(c, &t, "alias target")) return -1;
        if (t == 0x00 || t == 0x01) {
          if (dw_cur_u32(c, &x, "instance") || skip_str(c, "alias name")) return -1;
        } else if (t == 0x02) {
          if (dw_cur_u32(c, &x, "count") || dw_cur_u32(c, &x, "index")) return -1;
        } else {
          return dw_cur_fail(c, "unknown alias target 0x%02x at byte %zu", t, c->pos - 1);
        }
        break;
      }
      case 0x03:
        if (!component) return dw_cur_fail(c, "an import declaration inside an instance type");
        /* fall through */
      case 0x04: {
        const uint8_t *s;
        uint32_t sl;
        if (extern_name(c, &s, &sl, d == 3 ? "import name" : "export name") ||
            externdesc(c, &kind, &ti))
          return -1;
        break;
      }
      default:
        return dw_cur_fail(c, "unknown type declaration 0x%02x at byte %zu", d, c->pos - 1);
    }
  }
  return 0;
}

static int labels(dw_cur *c, const char *what) {
  uint32_t n;
  if (dw_cur_count(c, &n, 1, what)) return -1;
  for (uint32_t i = 0; i < n; i++)
    if (skip_str(c, "label")) return -1;
  return 0;
}

/* deftype: a defined value type, a function, component, instance or
 * resource type. check: type indices must be below ntypes. */
static int deftype(dw_cur *c, uint32_t ntypes, bool check, int tdepth) {
  if (tdepth > DW_COMPONENT_MAX_TYPE_DEPTH)
    return dw_cur_fail(c, "types nested more than %d deep", DW_COMPONENT_MAX_TYPE_DEPTH);
  uint8_t form;
  uint32_t n, x;
  size_t at = c->pos;
  if (dw_cur_need(c, 1, "type")) return -1;
  form = c->b[c->pos];
  if (form >= 0x73 && form <= 0x7f) return c->pos++, 0; /* primitive */
  c->pos++;
  switch (form) {
    case 0x64:
      return 0; /* error-context */
    case 0x72:  /* record */
      if (dw_cur_count(c, &n, 2, "record field count")) return -1;
      for (uint32_t i = 0; i < n; i++)
        if (skip_str(c, "field name") || valtype(c, ntypes, check, "a record field")) return -1;
      return 0;
    case 0x71: /* variant */
      if (dw_cur_count(c, &n, 2, "variant case count")) return -1;
      for (uint32_t i = 0; i < n; i++) {
        uint8_t r;
        if (skip_str(c, "case name") || opt_valtype(c, ntypes, check, "a variant case") ||
            dw_cur_u8(c, &r, "case refinement"))
          return -1;
        if (r == 1) {
          if (dw_cur_u32(c, &x, "refinement")) return -1;
        } else if (r != 0) {
          return dw_cur_fail(c, "bad variant case ending 0x%02x at byte %zu", r, c->pos - 1);
        }
      }
      return 0;
    case 0x70: /* list */
    case 0x6b: /* option */
      return valtype(c, ntypes, check, form == 0x70 ? "a list" : "an option");
    case 0x67: /* fixed-size list */
      return valtype(c, ntypes, check, "a fixed-size list") || dw_cur_u32(c, &x, "list length");
    case 0x6f: /* tuple */
      if (dw_cur_count(c, &n, 1, "tuple count")) return -1;
      for (uint32_t i = 0; i < n; i++)
        if (valtype(c, ntypes, check, "a tuple")) return -1;
      return 0;
    case 0x6e:
    case 0x6d:
      return labels(c, form == 0x6e ? "flags count" : "enum count");
    case 0x6a: /* result */
      return opt_valtype(c, ntypes, check, "a result") ||
             opt_valtype(c, ntypes, check, "a result error");
    case 0x69:
    case 0x68:
      return dw_cur_u32(c, &x, "resource type index");
    case 0x66:
    case 0x65:
      return dw_cur_fail(c, "async types (%s) are not supported at byte %zu",
                         form == 0x66 ? "stream" : "future", at);
    case 0x40: /* func */
    case 0x43: /* async func */
      if (form == 0x43)
        return dw_cur_fail(c, "an async function type at byte %zu is not supported", at);
      if (dw_cur_count(c, &n, 2, "parameter count")) return -1;
      for (uint32_t i = 0; i < n; i++)
        if (skip_str(c, "parameter name") || valtype(c, ntypes, check, "a parameter")) return -1;
      {
        uint8_t r;
        if (dw_cur_u8(c, &r, "result list")) return -1;
        if (r == 0) return valtype(c, ntypes, check, "a result");
        if (r == 1) {
          if (dw_cur_u32(c, &n, "named results")) return -1;
          if (n != 0) return dw_cur_fail(c, "named function results at byte %zu", at);
          return 0;
        }
        return dw_cur_fail(c, "bad result list 0x%02x at byte %zu", r, c->pos - 1);
      }
    case 0x41:
    case 0x42:
      return decls(c, form == 0x41, tdepth);
    case 0x3f: { /* resource (rep i32) (dtor f)? */
      uint8_t rep, d;
      if (dw_cur_u8(c, &rep, "resource representation") || dw_cur_u8(c, &d, "resource destructor"))
        return -1;
      if (rep != 0x7f) return dw_cur_fail(c, "resource representation 0x%02x at byte %zu", rep, at);
      if (d == 1) return dw_cur_u32(c, &x, "destructor");
      if (d != 0) return dw_cur_fail(c, "bad resource destructor marker at byte %zu", at);
      return 0;
    }
    case 0x3e:
      return dw_cur_fail(c, "an async resource type at byte %zu is not supported", at);
  }
  return dw_cur_fail(c, "unknown type form 0x%02x at byte %zu", form, at);
}

/* ----------------------------------------------------------- sections */

static int parse_comp(dw_cur *c, comp *k, dw_arena *a);

static int sec_core_module(dw_cur *c, comp *k) {
  entry *e = add(c, k, S_CMODULE);
  if (!e) return -1;
  e->how = E_DEF;
  e->off = c->pos;
  e->len = c->end - c->pos;
  if (e->len < 8 || memcmp(c->b + c->pos, "\0asm\1\0\0\0", 8) != 0)
    return dw_cur_fail(c, "core module %u at byte %zu does not start with a core module header",
                       k->sp[S_CMODULE].n - 1, c->pos);
  k->nmodules++;
  c->pos = c->end;
  return 0;
}

static int sec_core_instance(dw_cur *c, comp *k) {
  uint32_t n;
  if (dw_cur_count(c, &n, 2, "core instance count")) return -1;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t form;
    uint32_t m, na, x;
    if (dw_cur_u8(c, &form, "core instance")) return -1;
    if (form == 0x00) {
      if (idx_in(c, k, S_CMODULE, &m, "a core instantiation")) return -1;
      size_t args = c->pos;
      if (dw_cur_count(c, &na, 3, "instantiation argument count")) return -1;
      for (uint32_t j = 0; j < na; j++) {
        uint8_t s;
        if (skip_str(c, "argument name") || dw_cur_u8(c, &s, "argument sort")) return -1;
        if (s != 0x12) return dw_cur_fail(c, "core instantiation argument of sort 0x%02x", s);
        if (idx_in(c, k, S_CINST, &x, "a core instantiation argument")) return -1;
      }
      entry *e = add(c, k, S_CINST);
      if (!e) return -1;
      e->how = E_INSTANTIATE, e->a = m, e->off = args;
    } else if (form == 0x01) {
      size_t bag = c->pos;
      if (dw_cur_count(c, &na, 3, "inline export count")) return -1;
      for (uint32_t j = 0; j < na; j++) {
        int s = -1; /* (set when core_sort succeeds; gcc -O3 cannot see it) */
        if (skip_str(c, "export name") || core_sort(c, &s) ||
            idx_in(c, k, s, &x, "a core inline export"))
          return -1;
      }
      entry *e = add(c, k, S_CINST);
      if (!e) return -1;
      e->how = E_BAG, e->off = bag;
    } else {
      return dw_cur_fail(c, "unknown core instance form 0x%02x at byte %zu", form, c->pos - 1);
    }
    k->ncore_inst++;
  }
  return 0;
}

static int sec_core_type(dw_cur *c, comp *k) {
  uint32_t n;
  if (dw_cur_count(c, &n, 1, "core type count")) return -1;
  for (uint32_t i = 0; i < n; i++) {
    entry *e = add(c, k, S_CTYPE);
    if (!e) return -1;
    e->how = E_DEF, e->off = c->pos;
    if (core_deftype(c, 0)) return -1;
    k->ncore_types++;
  }
  return 0;
}

static int sec_component(dw_cur *c, comp *k, dw_arena *a) {
  if (k->depth + 1 >= DW_COMPONENT_MAX_DEPTH)
    return dw_cur_fail(c,
                       "a component nested %d deep at byte %zu; dagwood runs flat components only",
                       k->depth + 2, c->pos);
  entry *e = add(c, k, S_COMP);
  if (!e) return -1;
  e->how = E_DEF, e->off = c->pos, e->len = c->end - c->pos;
  if (e->len < 8 || memcmp(c->b + c->pos, "\0asm\x0d\0\1\0", 8) != 0)
    return dw_cur_fail(c, "nested component %u at byte %zu does not start with a component header",
                       k->sp[S_COMP].n - 1, c->pos);
  if (!grow((void **)&k->children, &k->ccap, k->nchildren, sizeof *k->children))
    return dw_cur_fail(c, "out of memory");
  comp *ch = calloc(1, sizeof *ch);
  if (!ch) return dw_cur_fail(c, "out of memory");
  k->children[k->nchildren++] = ch;
  e->a = k->nchildren - 1;
  ch->b = c->b, ch->start = c->pos, ch->end = c->end, ch->parent = k, ch->depth = k->depth + 1;
  dw_cur sub = *c;
  sub.pos = c->pos + 8;
  if (parse_comp(&sub, ch, a)) return c->failed = 1, -1;
  /* only a wit-component shim (types, imports, exports, type aliases) */
  const char *what = ch->nmodules      ? "core modules"
                     : ch->ncore_inst  ? "core instances"
                     : ch->ncanon      ? "canonical functions"
                     : ch->ninstances  ? "instances"
                     : ch->ncore_types ? "core types"
                                       : NULL;
  if (what)
    return dw_cur_fail(c,
                       "component %u nested in the component at byte %zu defines %s (a nested or "
                       "composed component); dagwood runs flat components only",
                       k->sp[S_COMP].n - 1, e->off, what);
  k->ncomponents++;
  c->pos = c->end;
  return 0;
}

static int inst_args(dw_cur *c, comp *k, bool bag) {
  uint32_t n, x;
  if (dw_cur_count(c, &n, 3, bag ? "inline export count" : "instantiation argument count"))
    return -1;
  for (uint32_t j = 0; j < n; j++) {
    int s;
    const uint8_t *nm;
    uint32_t nl;
    if (bag ? extern_name(c, &nm, &nl, "export name") : dw_cur_str(c, &nm, &nl, "argument name"))
      return -1;
    if (sort(c, &s) || idx_in(c, k, s, &x, bag ? "an inline export" : "an instantiation argument"))
      return -1;
  }
  return 0;
}

static int sec_instance(dw_cur *c, comp *k) {
  uint32_t n, x;
  if (dw_cur_count(c, &n, 2, "instance count")) return -1;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t form;
    if (dw_cur_u8(c, &form, "instance")) return -1;
    entry e0 = {0};
    if (form == 0x00) {
      if (idx_in(c, k, S_COMP, &x, "an instantiation")) return -1;
      e0.how = E_INSTANTIATE, e0.a = x, e0.off = c->pos;
      if (inst_args(c, k, false)) return -1;
    } else if (form == 0x01) {
      e0.how = E_BAG, e0.off = c->pos;
      if (inst_args(c, k, true)) return -1;
    } else {
      return dw_cur_fail(c, "unknown instance form 0x%02x at byte %zu", form, c->pos - 1);
    }
    entry *e = add(c, k, S_INST);
    if (!e) return -1;
    *e = e0;
    k->ninstances++;
  }
  return 0;
}

static int sec_alias(dw_cur *c, comp *k) {
  uint32_t n;
  if (dw_cur_count(c, &n, 3, "alias count")) return -1;
  for (uint32_t i = 0; i < n; i++) {
    int s;
    uint8_t t;
    entry e0 = {0};
    if (sort(c, &s) || dw_cur_u8(c, &t, "alias target")) return -1;
    if (t == 0x00) {
      if (idx_in(c, k, S_INST, &e0.a, "an alias") ||
          dw_cur_str(c, &e0.name, &e0.name_len, "alias name"))
        return -1;
      e0.how = E_ALIAS_EXPORT;
    } else if (t == 0x01) {
      if (s > S_CINST) return dw_cur_fail(c, "a core export alias of a component sort");
      if (idx_in(c, k, S_CINST, &e0.a, "an alias") ||
          dw_cur_str(c, &e0.name, &e0.name_len, "alias name"))
        return -1;
      e0.how = E_ALIAS_CORE_EXPORT;
    } else if (t == 0x02) {
      if (dw_cur_u32(c, &e0.a, "outer count") || dw_cur_u32(c, &e0.b, "outer index")) return -1;
      comp *o = k;
      for (uint32_t d = 0; d < e0.a && o; d++) o = o->parent;
      if (!o)
        return dw_cur_fail(c, "an outer alias reaches %u components out at byte %zu", e0.a, c->pos);
      if (s != S_TYPE && s != S_CTYPE && s != S_CMODULE && s != S_COMP)
        return dw_cur_fail(c, "an outer alias of a %s", space_names[s]);
      if (e0.b >= o->sp[s].n)
        return dw_cur_fail(c, "an outer alias of %s %u, which does not exist", space_names[s],
                           e0.b);
      e0.how = E_ALIAS_OUTER;
    } else {
      return dw_cur_fail(c, "unknown alias target 0x%02x at byte %zu", t, c->pos - 1);
    }
    entry *e = add(c, k, s);
    if (!e) return -1;
    *e = e0;
  }
  return 0;
}

static int sec_type(dw_cur *c, comp *k) {
  uint32_t n;
  if (dw_cur_count(c, &n, 1, "type count")) return -1;
  for (uint32_t i = 0; i < n; i++) {
    size_t at = c->pos;
    if (deftype(c, k->sp[S_TYPE].n, true, 0)) return -1;
    entry *e = add(c, k, S_TYPE);
    if (!e) return -1;
    e->how = E_DEF, e->off = at;
  }
  return 0;
}

static const char *canon_name(uint8_t op) {
  static const struct {
    uint8_t op;
    const char *name;
  } t[] = {{0x05, "task.cancel"},
           {0x06, "subtask.cancel"},
           {0x08, "backpressure.set"},
           {0x09, "task.return"},
           {0x0a, "context.get"},
           {0x0b, "context.set"},
           {0x0c, "yield"},
           {0x0d, "subtask.drop"},
           {0x0e, "stream.new"},
           {0x0f, "stream.read"},
           {0x10, "stream.write"},
           {0x11, "stream.cancel-read"},
           {0x12, "stream.cancel-write"},
           {0x13, "stream.drop-readable"},
           {0x14, "stream.drop-writable"},
           {0x15, "future.new"},
           {0x16, "future.read"},
           {0x17, "future.write"},
           {0x18, "future.cancel-read"},
           {0x19, "future.cancel-write"},
           {0x1a, "future.drop-readable"},
           {0x1b, "future.drop-writable"},
           {0x1c, "error-context.new"},
           {0x1d, "error-context.debug-message"},
           {0x1e, "error-context.drop"},
           {0x1f, "waitable-set.new"},
           {0x20, "waitable-set.wait"},
           {0x21, "waitable-set.poll"},
           {0x22, "waitable-set.drop"},
           {0x23, "waitable.join"},
           {0x24, "backpressure.inc"},
           {0x25, "backpressure.dec"},
           {0x40, "thread.spawn-ref"},
           {0x41, "thread.spawn-indirect"},
           {0x42, "thread.available-parallelism"}};
  for (size_t i = 0; i < sizeof t / sizeof *t; i++)
    if (t[i].op == op) return t[i].name;
  return NULL;
}

static int canon_opts(dw_cur *c, comp *k, lift *l) {
  uint32_t n;
  if (dw_cur_count(c, &n, 1, "canonical option count")) return -1;
  bool enc = false;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t o;
    size_t at = c->pos;
    if (dw_cur_u8(c, &o, "canonical option")) return -1;
    switch (o) {
      case 0x00:
      case 0x01:
      case 0x02:
        if (enc) return dw_cur_fail(c, "two string encodings at byte %zu", at);
        enc = true;
        if (l) l->encoding = o;
        break;
      case 0x03: {
        uint32_t x;
        if (idx_in(c, k, S_CMEM, &x, "the memory option")) return -1;
        if (l) l->has_mem = true, l->mem = x;
        break;
      }
      case 0x04:
      case 0x05: {
        uint32_t x;
        if (idx_in(c, k, S_CFUNC, &x, o == 4 ? "the realloc option" : "the post-return option"))
          return -1;
        if (l && o == 4) l->has_realloc = true, l->realloc = x;
        if (l && o == 5) l->has_post = true, l->post = x;
        break;
      }
      case 0x06:
        return dw_cur_fail(c, "the canonical option 'async' at byte %zu: async is not supported",
                           at);
      case 0x07:
        return dw_cur_fail(c, "the canonical option 'callback' at byte %zu: async is not supported",
                           at);
      default:
        return dw_cur_fail(c, "unknown canonical option 0x%02x at byte %zu", o, at);
    }
  }
  return 0;
}

static int sec_canon(dw_cur *c, comp *k) {
  uint32_t n, x;
  if (dw_cur_count(c, &n, 2, "canon count")) return -1;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t op, sub;
    size_t at = c->pos;
    if (dw_cur_u8(c, &op, "canon")) return -1;
    k->ncanon++;
    switch (op) {
      case 0x00: { /* lift */
        if (dw_cur_u8(c, &sub, "canon lift")) return -1;
        if (sub != 0) return dw_cur_fail(c, "bad canon lift at byte %zu", at);
        lift l = {0};
        if (idx_in(c, k, S_CFUNC, &l.core_func, "canon lift") || canon_opts(c, k, &l) ||
            idx_in(c, k, S_TYPE, &l.type, "canon lift"))
          return -1;
        if (!grow((void **)&k->lifts, &k->lcap, k->nlifts, sizeof *k->lifts))
          return dw_cur_fail(c, "out of memory");
        k->lifts[k->nlifts] = l;
        entry *e = add(c, k, S_FUNC);
        if (!e) return -1;
        e->how = E_LIFT, e->a = k->nlifts++, e->off = at;
        break;
      }
      case 0x01: { /* lower */
        if (dw_cur_u8(c, &sub, "canon lower")) return -1;
        if (sub != 0) return dw_cur_fail(c, "bad canon lower at byte %zu", at);
        if (idx_in(c, k, S_FUNC, &x, "canon lower") || canon_opts(c, k, NULL)) return -1;
        entry *e = add(c, k, S_CFUNC);
        if (!e) return -1;
        e->how = E_CANON, e->off = at;
        break;
      }
      case 0x02:
      case 0x03:
      case 0x04: {
        if (idx_in(c, k, S_TYPE, &x, "a resource built-in")) return -1;
        entry *e = add(c, k, S_CFUNC);
        if (!e) return -1;
        e->how = E_CANON, e->off = at;
        break;
      }
      case 0x07:
        return dw_cur_fail(
            c, "the async built-in canon resource.drop async at byte %zu is not supported", at);
      default: {
        const char *nm = canon_name(op);
        if (op >= 0x40 && op < 0x50)
          return dw_cur_fail(c,
                             "the threads built-in canon %s (0x%02x) at byte %zu is not supported",
                             nm ? nm : "thread.*", op, at);
        if (nm)
          return dw_cur_fail(c, "the async built-in canon %s (0x%02x) at byte %zu is not supported",
                             nm, op, at);
        return dw_cur_fail(c, "unknown canon 0x%02x at byte %zu", op, at);
      }
    }
  }
  return 0;
}

static int space_of_extern(uint8_t kind) {
  switch (kind) {
    case 0x00:
      return S_CMODULE;
    case 0x01:
      return S_FUNC;
    case 0x02:
      return S_VALUE;
    case 0x03:
    case 0x13:
      return S_TYPE;
    case 0x04:
      return S_COMP;
    default:
      return S_INST;
  }
}

static int sec_import(dw_cur *c, comp *k) {
  uint32_t n;
  if (dw_cur_count(c, &n, 3, "import count")) return -1;
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *nm;
    uint32_t nl, ti;
    uint8_t kind;
    if (extern_name(c, &nm, &nl, "import name") || externdesc(c, &kind, &ti)) return -1;
    int s = space_of_extern(kind);
    if (kind == 0x13 && ti >= k->sp[S_TYPE].n)
      return dw_cur_fail(c, "import type bound (eq %u) names no type", ti);
    entry *e = add(c, k, s);
    if (!e) return -1;
    e->how = kind == 0x13 ? E_TYPE_EQ : E_IMPORT, e->a = ti, e->name = nm, e->name_len = nl;
    if (!grow((void **)&k->import_names, &k->icap, k->nimports, sizeof *k->import_names))
      return dw_cur_fail(c, "out of memory");
    uint32_t cap = k->icap;
    uint32_t *nl2 = realloc(k->import_lens, (size_t)cap * sizeof *nl2);
    if (!nl2) return dw_cur_fail(c, "out of memory");
    k->import_lens = nl2;
    k->import_names[k->nimports] = nm;
    k->import_lens[k->nimports++] = nl;
  }
  return 0;
}

static int sec_export(dw_cur *c, comp *k) {
  uint32_t n;
  if (dw_cur_count(c, &n, 3, "export count")) return -1;
  for (uint32_t i = 0; i < n; i++) {
    xport x = {0};
    int s;
    uint8_t has;
    if (extern_name(c, &x.name, &x.name_len, "export name") || sort(c, &s) ||
        idx_in(c, k, s, &x.idx, "an export") || dw_cur_u8(c, &has, "export type"))
      return -1;
    if (has == 1) {
      if (externdesc(c, &x.type_kind, &x.type_idx)) return -1;
      x.has_type = true;
    } else if (has != 0) {
      return dw_cur_fail(c, "bad export type marker 0x%02x at byte %zu", has, c->pos - 1);
    }
    x.sort = (uint8_t)s;
    for (uint32_t j = 0; j < k->nexports; j++)
      if (k->exports[j].name_len == x.name_len && !memcmp(k->exports[j].name, x.name, x.name_len)) {
        char sh[100];
        return dw_cur_fail(c, "export name '%s' is used twice",
                           show(x.name, x.name_len, sh, sizeof sh));
      }
    if (!grow((void **)&k->exports, &k->ecap, k->nexports, sizeof *k->exports))
      return dw_cur_fail(c, "out of memory");
    k->exports[k->nexports++] = x;
    entry *e = add(c, k, s);
    if (!e) return -1;
    e->how = E_EXPORT, e->a = x.idx;
  }
  return 0;
}

/* Sections of one component, from c->pos (after the preamble) to c->end. */
static int parse_comp(dw_cur *c, comp *k, dw_arena *a) {
  size_t end = c->end;
  while (c->pos < end) {
    uint8_t id;
    uint32_t size;
    size_t at = c->pos;
    c->end = end;
    if (dw_cur_u8(c, &id, "section id") || dw_cur_u32(c, &size, "section size")) return -1;
    if (id > 12)
      return dw_cur_fail(c, "unknown section id %u at byte %zu (a component has sections 0 to 12)",
                         id, at);
    if (size > end - c->pos)
      return dw_cur_fail(c, "section %u (%s) at byte %zu claims %u bytes; only %zu are left", id,
                         section_names[id], at, size, end - c->pos);
    size_t body_end = c->pos + size;
    c->end = body_end;
    k->nsections++;
    int r = 0;
    switch (id) {
      case 0:
        r = skip_str(c, "custom section name");
        c->pos = body_end;
        break;
      case 1:
        r = sec_core_module(c, k);
        break;
      case 2:
        r = sec_core_instance(c, k);
        break;
      case 3:
        r = sec_core_type(c, k);
        break;
      case 4:
        r = sec_component(c, k, a);
        break;
      case 5:
        r = sec_instance(c, k);
        break;
      case 6:
        r = sec_alias(c, k);
        break;
      case 7:
        r = sec_type(c, k);
        break;
      case 8:
        r = sec_canon(c, k);
        break;
      case 9:
        return dw_cur_fail(
            c, "a start function (section 9 at byte %zu); dagwood calls process only", at);
      case 10:
        r = sec_import(c, k);
        break;
      case 11:
        r = sec_export(c, k);
        break;
      case 12:
        return dw_cur_fail(c, "a value section (section 12 at byte %zu) is not supported", at);
    }
    if (r) return -1;
    if (c->pos != body_end)
      return dw_cur_fail(c, "section %u (%s) at byte %zu has %zu unread bytes at its end", id,
                         section_names[id], at, body_end - c->pos);
  }
  c->end = end;
  return 0;
}

/* ------------------------------------------------------------- types */

typedef struct tref {
  comp *k;
  uint32_t idx; /* a type index of k... */
  uint8_t prim; /* ...or a primitive (0x73-0x7f) when non-zero */
} tref;

/* The definition behind type idx of k: a cursor at its deftype. */
static int type_def(comp *k, uint32_t idx, dw_cur *out, const dw_cur *base) {
  for (int hops = 0; hops < 64; hops++) {
    if (idx >= k->sp[S_TYPE].n) return -1;
    entry *e = &k->sp[S_TYPE].e[idx];
    switch (e->how) {
      case E_DEF:
        *out = *base;
        out->pos = e->off;
        out->end = k->end;
        return 0;
      case E_EXPORT:
      case E_TYPE_EQ:
        idx = e->a;
        continue;
      case E_ALIAS_OUTER: {
        comp *o = k;
        for (uint32_t d = 0; d < e->a && o; d++) o = o->parent;
        if (!o) return -1;
        k = o, idx = e->b;
        continue;
      }
      default:
        return -1; /* imported or from another instance: unknown here */
    }
  }
  return -1;
}

/* Read a valtype at c into a tref of k. */
static int read_valtype(dw_cur *c, comp *k, tref *t) {
  t->k = k, t->idx = 0, t->prim = 0;
  if (dw_cur_need(c, 1, "value type")) return -1;
  uint8_t x = c->b[c->pos];
  if (x >= 0x40 && x <= 0x7f) {
    t->prim = x;
    c->pos++;
    return 0;
  }
  return dw_cur_u32(c, &t->idx, "type index");
}

/* Follow type indices to a definition; *form its first byte. */
static int resolve(tref t, dw_cur *def, const dw_cur *base, uint8_t *form, comp **k) {
  *k = t.k;
  if (t.prim) {
    *form = t.prim;
    return 0;
  }
  comp *kk = t.k;
  uint32_t idx = t.idx;
  /* type_def follows outer aliases: find which component it ends in */
  for (int hops = 0; hops < 64; hops++) {
    if (idx >= kk->sp[S_TYPE].n) return -1;
    entry *e = &kk->sp[S_TYPE].e[idx];
    if (e->how == E_ALIAS_OUTER) {
      comp *o = kk;
      for (uint32_t d = 0; d < e->a && o; d++) o = o->parent;
      if (!o) return -1;
      kk = o, idx = e->b;
      continue;
    }
    if (e->how == E_EXPORT || e->how == E_TYPE_EQ) {
      idx = e->a;
      continue;
    }
    break;
  }
  if (type_def(kk, idx, def, base)) return -1;
  *k = kk;
  if (dw_cur_need(def, 1, "type")) return -1;
  *form = def->b[def->pos];
  return 0;
}

/* Render a value type as WIT-like text (bounded). */
static void type_text(tref t, const dw_cur *base, char *buf, size_t size, int depth);

static void append(char *buf, size_t size, const char *s) {
  size_t n = strlen(buf);
  if (n + 1 < size) snprintf(buf + n, size - n, "%s", s);
}

static const char *prim_name(uint8_t p) {
  static const char *const n[] = {"string", "char", "f64", "f32", "u64", "s64", "u32",
                                  "s32",    "u16",  "s16", "u8",  "s8",  "bool"};
  if (p >= 0x73 && p <= 0x7f) return n[p - 0x73];
  if (p == 0x64) return "error-context";
  return "?";
}

static void deftype_text(dw_cur *d, comp *k, const dw_cur *base, char *buf, size_t size,
                         int depth) {
  uint8_t form;
  uint32_t n;
  if (depth > 6) {
    append(buf, size, "...");
    return;
  }
  if (dw_cur_u8(d, &form, "type")) {
    append(buf, size, "?");
    return;
  }
  tref t;
  char sh[100];
  switch (form) {
    case 0x70:
      append(buf, size, "list<");
      if (!read_valtype(d, k, &t)) type_text(t, base, buf, size, depth + 1);
      append(buf, size, ">");
      return;
    case 0x6b:
      append(buf, size, "option<");
      if (!read_valtype(d, k, &t)) type_text(t, base, buf, size, depth + 1);
      append(buf, size, ">");
      return;
    case 0x6a: {
      append(buf, size, "result");
      uint8_t f1, f2;
      tref ok = {0}, er = {0};
      if (dw_cur_u8(d, &f1, "r") || (f1 == 1 && read_valtype(d, k, &ok)) ||
          dw_cur_u8(d, &f2, "r") || (f2 == 1 && read_valtype(d, k, &er)))
        return;
      if (f1 != 1 && f2 != 1) return;
      append(buf, size, "<");
      if (f1 == 1)
        type_text(ok, base, buf, size, depth + 1);
      else
        append(buf, size, "_");
      if (f2 == 1) {
        append(buf, size, ", ");
        type_text(er, base, buf, size, depth + 1);
      }
      append(buf, size, ">");
      return;
    }
    case 0x71:
      append(buf, size, "variant { ");
      if (dw_cur_u32(d, &n, "cases")) return;
      for (uint32_t i = 0; i < n && i < 8; i++) {
        const uint8_t *nm;
        uint32_t nl;
        uint8_t f, r;
        if (dw_cur_str(d, &nm, &nl, "case")) return;
        append(buf, size, i ? ", " : "");
        append(buf, size, show(nm, nl, sh, sizeof sh));
        if (dw_cur_u8(d, &f, "case")) return;
        if (f == 1) {
          if (read_valtype(d, k, &t)) return;
          append(buf, size, "(");
          type_text(t, base, buf, size, depth + 1);
          append(buf, size, ")");
        }
        if (dw_cur_u8(d, &r, "case")) return;
        if (r == 1 && dw_cur_u32(d, &n, "refines")) return;
      }
      append(buf, size, " }");
      return;
    case 0x40: {
      append(buf, size, "func(");
      if (dw_cur_u32(d, &n, "params")) return;
      for (uint32_t i = 0; i < n && i < 8; i++) {
        const uint8_t *nm;
        uint32_t nl;
        if (dw_cur_str(d, &nm, &nl, "param") || read_valtype(d, k, &t)) return;
        append(buf, size, i ? ", " : "");
        append(buf, size, show(nm, nl, sh, sizeof sh));
        append(buf, size, ": ");
        type_text(t, base, buf, size, depth + 1);
      }
      append(buf, size, ")");
      uint8_t r;
      if (dw_cur_u8(d, &r, "results")) return;
      if (r == 0 && !read_valtype(d, k, &t)) {
        append(buf, size, " -> ");
        type_text(t, base, buf, size, depth + 1);
      }
      return;
    }
    case 0x72:
      append(buf, size, "record { ... }");
      return;
    case 0x6f:
      append(buf, size, "tuple<...>");
      return;
    case 0x6e:
      append(buf, size, "flags { ... }");
      return;
    case 0x6d:
      append(buf, size, "enum { ... }");
      return;
    case 0x69:
    case 0x68:
      append(buf, size, form == 0x69 ? "own<...>" : "borrow<...>");
      return;
    case 0x41:
      append(buf, size, "a component type");
      return;
    case 0x42:
      append(buf, size, "an instance type");
      return;
    case 0x3f:
      append(buf, size, "a resource type");
      return;
  }
  if ((form >= 0x73 && form <= 0x7f) || form == 0x64) {
    append(buf, size, prim_name(form));
    return;
  }
  append(buf, size, "?");
}

static void type_text(tref t, const dw_cur *base, char *buf, size_t size, int depth) {
  if (t.prim) {
    append(buf, size, prim_name(t.prim));
    return;
  }
  dw_cur d;
  uint8_t form;
  comp *k;
  if (resolve(t, &d, base, &form, &k)) {
    char s[32];
    snprintf(s, sizeof s, "(type %u)", t.idx);
    append(buf, size, s);
    return;
  }
  deftype_text(&d, k, base, buf, size, depth);
}

/* Structural checks against the world's types. */
static bool is_prim(tref t, const dw_cur *base, uint8_t p) {
  dw_cur d;
  uint8_t form;
  comp *k;
  if (resolve(t, &d, base, &form, &k)) return false;
  return form == p;
}

static bool is_list_u8(tref t, const dw_cur *base) {
  dw_cur d;
  uint8_t form;
  comp *k;
  if (t.prim || resolve(t, &d, base, &form, &k) || form != 0x70) return false;
  d.pos++;
  tref e;
  return !read_valtype(&d, k, &e) && is_prim(e, base, 0x7d);
}

static bool is_processing_error(tref t, const dw_cur *base) {
  static const struct {
    const char *name;
    uint8_t prim;
  } want[] = {{"invalid-input", 0x73}, {"processing-failed", 0x73}, {"input-too-large", 0x77}};
  dw_cur d;
  uint8_t form;
  comp *k;
  uint32_t n;
  if (t.prim || resolve(t, &d, base, &form, &k) || form != 0x71) return false;
  d.pos++;
  if (dw_cur_u32(&d, &n, "cases") || n != 3) return false;
  for (uint32_t i = 0; i < 3; i++) {
    const uint8_t *nm;
    uint32_t nl;
    uint8_t f, r;
    tref ct;
    if (dw_cur_str(&d, &nm, &nl, "case") || !str_is(nm, nl, want[i].name)) return false;
    if (dw_cur_u8(&d, &f, "case") || f != 1 || read_valtype(&d, k, &ct) ||
        !is_prim(ct, base, want[i].prim))
      return false;
    if (dw_cur_u8(&d, &r, "case") || r != 0) return false;
  }
  return true;
}

static bool is_process_result(tref t, const dw_cur *base) {
  dw_cur d;
  uint8_t form, f1, f2;
  comp *k;
  tref ok, er;
  if (t.prim || resolve(t, &d, base, &form, &k) || form != 0x6a) return false;
  d.pos++;
  if (dw_cur_u8(&d, &f1, "r") || f1 != 1 || read_valtype(&d, k, &ok) || dw_cur_u8(&d, &f2, "r") ||
      f2 != 1 || read_valtype(&d, k, &er))
    return false;
  return is_list_u8(ok, base) && is_processing_error(er, base);
}

/* Is type idx of k exactly the world's process type? */
static bool is_process_type(comp *k, uint32_t idx, const dw_cur *base) {
  tref t = {k, idx, 0};
  dw_cur d;
  uint8_t form, r;
  comp *kk;
  uint32_t n;
  if (resolve(t, &d, base, &form, &kk) || form != 0x40) return false;
  d.pos++;
  const uint8_t *nm;
  uint32_t nl;
  tref p, res;
  if (dw_cur_u32(&d, &n, "params") || n != 1 || dw_cur_str(&d, &nm, &nl, "param") ||
      !str_is(nm, nl, "input") || read_valtype(&d, kk, &p) || !is_list_u8(p, base))
    return false;
  if (dw_cur_u8(&d, &r, "results") || r != 0 || read_valtype(&d, kk, &res)) return false;
  return is_process_result(res, base);
}

/* --------------------------------------------------------- the chain */

typedef struct walk {
  dw_cur *c; /* for dw_cur_fail() */
  const dw_cur *base;
  comp *top;
} walk;

/* Find `name` among the args (instantiate) or inline exports (bag) at off. */
static int find_item(walk *w, comp *k, size_t off, bool bag, const char *name, int *s,
                     uint32_t *idx) {
  dw_cur d = *w->base;
  d.pos = off, d.end = k->end, d.failed = 0, d.errlen = 0;
  uint32_t n;
  if (dw_cur_u32(&d, &n, "count")) return -1;
  for (uint32_t j = 0; j < n; j++) {
    const uint8_t *nm;
    uint32_t nl;
    if (bag ? extern_name(&d, &nm, &nl, "name") : dw_cur_str(&d, &nm, &nl, "name")) return -1;
    if (sort(&d, s) || dw_cur_u32(&d, idx, "index")) return -1;
    if (str_is(nm, nl, name)) return 0;
  }
  return 1;
}

/* Same as find_item but for the core forms. */
static int find_core_item(walk *w, size_t off, bool bag, const uint8_t *name, uint32_t name_len,
                          int *s, uint32_t *idx) {
  dw_cur d = *w->base;
  d.pos = off, d.end = w->top->end, d.failed = 0, d.errlen = 0;
  uint32_t n;
  if (dw_cur_u32(&d, &n, "count")) return -1;
  for (uint32_t j = 0; j < n; j++) {
    const uint8_t *nm;
    uint32_t nl;
    uint8_t x;
    if (dw_cur_str(&d, &nm, &nl, "name")) return -1;
    if (bag) {
      if (core_sort(&d, s)) return -1;
    } else {
      if (dw_cur_u8(&d, &x, "sort")) return -1;
      *s = S_CINST;
    }
    if (dw_cur_u32(&d, idx, "index")) return -1;
    if (nl == name_len && !memcmp(nm, name, nl)) return 0;
  }
  return 1;
}

/* A core item of sort s at idx of the top component: the core instance
 * (an instantiation) and the export name it comes from. */
static int core_origin(walk *w, int s, uint32_t idx, uint32_t *inst, const uint8_t **name,
                       uint32_t *name_len, const char *what) {
  comp *k = w->top;
  for (int hops = 0; hops < 64; hops++) {
    entry *e = &k->sp[s].e[idx];
    if (e->how == E_EXPORT) {
      idx = e->a;
      continue;
    }
    if (e->how == E_CANON)
      return dw_cur_fail(w->c, "%s is made by a canon built-in, not exported by a core module",
                         what);
    if (e->how != E_ALIAS_CORE_EXPORT)
      return dw_cur_fail(w->c, "%s is not an export of a core instance (a composed component)",
                         what);
    entry *ci = &k->sp[S_CINST].e[e->a];
    if (ci->how == E_INSTANTIATE) {
      *inst = e->a, *name = e->name, *name_len = e->name_len;
      return 0;
    }
    if (ci->how == E_BAG) {
      int ss = -1; /* (set when r is 0; gcc -O3 cannot see it) */
      uint32_t ii = 0;
      int r = find_core_item(w, ci->off, true, e->name, e->name_len, &ss, &ii);
      char sh[100];
      if (r)
        return dw_cur_fail(w->c, "%s names '%s', which core instance %u does not export", what,
                           show(e->name, e->name_len, sh, sizeof sh), e->a);
      if (ss != s)
        return dw_cur_fail(w->c, "%s has the wrong sort in core instance %u", what, e->a);
      idx = ii;
      continue;
    }
    return dw_cur_fail(w->c,
                       "%s comes from core instance %u, which is imported (a composed component)",
                       what, e->a);
  }
  return dw_cur_fail(w->c, "%s: too many aliases", what);
}

/* Is nested component ch a wit-component shim (types, imports, exports and
 * aliases of types only)? */
static int check_shim(walk *w, comp *ch, uint32_t ci) {
  const char *what = ch->nmodules      ? "core modules"
                     : ch->ncore_inst  ? "core instances"
                     : ch->ncanon      ? "canonical functions"
                     : ch->ncomponents ? "components"
                     : ch->ninstances  ? "instances"
                     : ch->ncore_types ? "core types"
                                       : NULL;
  if (what)
    return dw_cur_fail(w->c,
                       "component %u nested in the component defines %s (a nested or composed "
                       "component); dagwood runs flat components only",
                       ci, what);
  return 0;
}

/* The function index (of the top component) that `process` of instance
 * inst of k is. */
static int instance_process(walk *w, comp *k, uint32_t inst, uint32_t *func, int depth) {
  if (depth > 16) return dw_cur_fail(w->c, "instances alias each other too deeply");
  for (int hops = 0; hops < 64; hops++) {
    entry *e = &k->sp[S_INST].e[inst];
    switch (e->how) {
      case E_EXPORT:
        inst = e->a;
        continue;
      case E_BAG: {
        int s;
        uint32_t idx;
        int r = find_item(w, k, e->off, true, "process", &s, &idx);
        if (r)
          return dw_cur_fail(w->c, "the exported instance %s has no function 'process'",
                             DW_COMPONENT_EXPORT);
        if (s != S_FUNC)
          return dw_cur_fail(w->c, "'process' of %s is not a function", DW_COMPONENT_EXPORT);
        *func = idx;
        return 0;
      }
      case E_INSTANTIATE: {
        entry *ce = &k->sp[S_COMP].e[e->a];
        if (ce->how != E_DEF)
          return dw_cur_fail(
              w->c, "%s is an instance of component %u, which is %s (a composed component)",
              DW_COMPONENT_EXPORT, e->a,
              ce->how == E_IMPORT ? "imported" : "not defined in the file");
        comp *ch = k->children[ce->a];
        if (check_shim(w, ch, e->a)) return -1;
        /* its export 'process' -> its function -> an import name -> our arg */
        const xport *x = NULL;
        for (uint32_t i = 0; i < ch->nexports; i++)
          if (str_is(ch->exports[i].name, ch->exports[i].name_len, "process")) x = &ch->exports[i];
        if (!x || x->sort != S_FUNC)
          return dw_cur_fail(w->c, "the exported instance %s has no function 'process'",
                             DW_COMPONENT_EXPORT);
        if (x->has_type && (x->type_kind != 0x01 || !is_process_type(ch, x->type_idx, w->base))) {
          char txt[512] = "";
          tref t = {ch, x->type_idx, 0};
          type_text(t, w->base, txt, sizeof txt, 0);
          return dw_cur_fail(w->c, "%s exports process: %s; the world needs %s",
                             DW_COMPONENT_EXPORT, txt, DW_COMPONENT_PROCESS_TYPE);
        }
        uint32_t fi = x->idx;
        for (int h2 = 0; h2 < 64 && ch->sp[S_FUNC].e[fi].how == E_EXPORT; h2++)
          fi = ch->sp[S_FUNC].e[fi].a;
        entry *fe = &ch->sp[S_FUNC].e[fi];
        if (fe->how != E_IMPORT)
          return dw_cur_fail(w->c, "'process' of component %u is not one of its imports", e->a);
        char nm[256];
        if (fe->name_len >= sizeof nm) return dw_cur_fail(w->c, "import name too long");
        memcpy(nm, fe->name, fe->name_len);
        nm[fe->name_len] = 0;
        int s;
        uint32_t idx;
        if (find_item(w, k, e->off, false, nm, &s, &idx) || s != S_FUNC)
          return dw_cur_fail(w->c, "the instantiation of component %u gives no function '%s'", e->a,
                             nm);
        *func = idx;
        return 0;
      }
      case E_IMPORT:
        return dw_cur_fail(w->c,
                           "%s is an imported instance that the component re-exports (a composed "
                           "component)",
                           DW_COMPONENT_EXPORT);
      default:
        return dw_cur_fail(w->c,
                           "%s is an instance taken from another instance (a composed component)",
                           DW_COMPONENT_EXPORT);
    }
  }
  return dw_cur_fail(w->c, "too many aliases");
}

static const char *name_dup(dw_arena *a, const uint8_t *s, uint32_t n) {
  return dw_arena_strndup(a, (const char *)s, n);
}

static int find_main(walk *w, dw_arena *a, dw_component *out) {
  comp *k = w->top;
  dw_cur *c = w->c;
  const xport *x = NULL;
  for (uint32_t i = 0; i < k->nexports; i++)
    if (str_is(k->exports[i].name, k->exports[i].name_len, DW_COMPONENT_EXPORT)) x = &k->exports[i];
  if (!x) {
    char list[600] = "", sh[100];
    for (uint32_t i = 0; i < k->nexports && i < 8; i++) {
      append(list, sizeof list, i ? ", " : "");
      append(list, sizeof list, show(k->exports[i].name, k->exports[i].name_len, sh, sizeof sh));
    }
    return dw_cur_fail(
        c, "the component does not export %s (the dagwood:component@1.0.0 world); it exports %s",
        DW_COMPONENT_EXPORT, k->nexports ? list : "nothing");
  }
  if (x->sort != S_INST)
    return dw_cur_fail(c, "the export %s is a %s, not an instance", DW_COMPONENT_EXPORT,
                       space_names[x->sort]);
  uint32_t fi = 0;
  if (instance_process(w, k, x->idx, &fi, 0)) return -1;
  for (int h = 0; h < 64 && k->sp[S_FUNC].e[fi].how == E_EXPORT; h++) fi = k->sp[S_FUNC].e[fi].a;
  entry *fe = &k->sp[S_FUNC].e[fi];
  if (fe->how == E_IMPORT)
    return dw_cur_fail(
        c,
        "'process' is an imported function that the component re-exports (a composed "
        "component)");
  if (fe->how != E_LIFT)
    return dw_cur_fail(
        c, "'process' is not made by canon lift in this component (a composed component)");
  lift *l = &k->lifts[fe->a];
  if (!is_process_type(k, l->type, w->base)) {
    char txt[512] = "";
    tref t = {k, l->type, 0};
    type_text(t, w->base, txt, sizeof txt, 0);
    return dw_cur_fail(c, "'process' of %s has the type %s; the world needs %s",
                       DW_COMPONENT_EXPORT, txt, DW_COMPONENT_PROCESS_TYPE);
  }
  if (l->encoding != 0)
    return dw_cur_fail(c, "'process' is lifted with string-encoding=%s; dagwood supports utf8 only",
                       l->encoding == 1 ? "utf16" : "latin1+utf16");
  if (!l->has_mem) return dw_cur_fail(c, "'process' is lifted without a memory option");
  if (!l->has_realloc) return dw_cur_fail(c, "'process' is lifted without a realloc option");
  uint32_t ci, ci2;
  const uint8_t *nm;
  uint32_t nl;
  if (core_origin(w, S_CFUNC, l->core_func, &ci, &nm, &nl, "the lifted core function")) return -1;
  out->process_export = name_dup(a, nm, nl);
  if (core_origin(w, S_CMEM, l->mem, &ci2, &nm, &nl, "the memory of 'process'")) return -1;
  if (ci2 != ci)
    return dw_cur_fail(c,
                       "the memory of 'process' belongs to core instance %u, the function to %u (a "
                       "composed component)",
                       ci2, ci);
  out->memory_export = name_dup(a, nm, nl);
  if (core_origin(w, S_CFUNC, l->realloc, &ci2, &nm, &nl, "the realloc of 'process'")) return -1;
  if (ci2 != ci)
    return dw_cur_fail(
        c, "the realloc of 'process' belongs to core instance %u, the function to %u", ci2, ci);
  out->realloc_export = name_dup(a, nm, nl);
  if (l->has_post) {
    if (core_origin(w, S_CFUNC, l->post, &ci2, &nm, &nl, "the post-return of 'process'")) return -1;
    if (ci2 != ci)
      return dw_cur_fail(
          c, "the post-return of 'process' belongs to core instance %u, the function to %u", ci2,
          ci);
    out->post_return_export = name_dup(a, nm, nl);
  }
  entry *ie = &k->sp[S_CINST].e[ci];
  uint32_t mi = ie->a;
  for (int h = 0; h < 64 && k->sp[S_CMODULE].e[mi].how == E_EXPORT; h++)
    mi = k->sp[S_CMODULE].e[mi].a;
  entry *me = &k->sp[S_CMODULE].e[mi];
  if (me->how != E_DEF)
    return dw_cur_fail(c, "core module %u that 'process' lives in is %s (a composed component)", mi,
                       me->how == E_IMPORT ? "imported" : "not stored in the file");
  out->core = w->base->b + me->off;
  out->core_len = me->len;
  out->core_off = me->off;
  /* the instantiation's arguments */
  dw_cur d = *w->base;
  d.pos = ie->off, d.end = k->end;
  uint32_t na;
  if (dw_cur_u32(&d, &na, "count")) return -1;
  out->instance_args = dw_arena_calloc(a, na ? na : 1, sizeof *out->instance_args);
  if (!out->instance_args) return dw_cur_fail(c, "out of memory");
  for (uint32_t j = 0; j < na; j++) {
    uint8_t s;
    uint32_t ii;
    if (dw_cur_str(&d, &nm, &nl, "name") || dw_cur_u8(&d, &s, "sort") ||
        dw_cur_u32(&d, &ii, "index"))
      return -1;
    out->instance_args[out->ninstance_args++] = name_dup(a, nm, nl);
  }
  return 0;
}

int dw_component_parse(const uint8_t *b, size_t len, dw_arena *a, dw_component *out, char *err,
                       size_t errlen) {
  memset(out, 0, sizeof *out);
  if (errlen) err[0] = 0;
  dw_cur c = {.b = b, .pos = 0, .end = len, .err = err, .errlen = errlen};
  dw_bin_kind kind = dw_bin_sniff(b, len);
  if (kind != DW_BIN_COMPONENT) {
    char why[300];
    const char *r = dw_bin_refusal(b, len, kind, why, sizeof why);
    return dw_cur_fail(&c, "%s", r ? r : "a core module, not a component");
  }
  if (len > (64u << 20))
    return dw_cur_fail(&c, "the component is %zu bytes; the limit is 64 MiB", len);
  comp top;
  memset(&top, 0, sizeof top);
  top.b = b, top.start = 0, top.end = len;
  c.pos = 8;
  int rc = parse_comp(&c, &top, a);
  if (rc == 0) {
    walk w = {&c, &c, &top};
    dw_cur base = c;
    base.failed = 0, base.errlen = 0;
    w.base = &base;
    rc = find_main(&w, a, out);
  }
  if (rc == 0) {
    out->nmodules = top.nmodules;
    out->nsections = top.nsections;
    out->imports = dw_arena_calloc(a, top.nimports ? top.nimports : 1, sizeof *out->imports);
    if (!out->imports) rc = dw_cur_fail(&c, "out of memory");
    for (uint32_t i = 0; rc == 0 && i < top.nimports; i++) {
      out->imports[i] = name_dup(a, top.import_names[i], top.import_lens[i]);
      if (!out->imports[i]) rc = dw_cur_fail(&c, "out of memory");
    }
    if (rc == 0) out->nimports = top.nimports;
    if (rc == 0 && (!out->process_export || !out->memory_export || !out->realloc_export ||
                    (out->post_return_export == NULL && 0)))
      rc = dw_cur_fail(&c, "out of memory");
  }
  comp_free(&top);
  if (rc) memset(out, 0, sizeof *out);
  return rc;
}
