/* cli/render: see render.h. Reads the pipeline only through dagwood.h; the
 * critical path is recomputed here from each node's remaining path length
 * and dependencies. Ids are arbitrary UTF-8 and are escaped for each format. */
#include "render.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NONE SIZE_MAX

static int finish(FILE *out, int rc) {
  if (fflush(out) != 0 || ferror(out)) return -1;
  return rc;
}

/* ---------------------------------------------------------------- UTF-8 */

/* The code point that starts at s (NUL-terminated), its byte length in *len;
 * -1 with *len = 1 when s does not start valid UTF-8 (stray continuation,
 * truncated, overlong, surrogate, beyond U+10FFFF). */
static int32_t utf8_next(const unsigned char *s, size_t *len) {
  static const int32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  size_t need = s[0] < 0x80           ? 1
                : (s[0] >> 5) == 0x6  ? 2
                : (s[0] >> 4) == 0xE  ? 3
                : (s[0] >> 3) == 0x1E ? 4
                                      : 0;
  *len = 1;
  if (need == 1) return s[0];
  if (need == 0) return -1;
  int32_t cp = s[0] & (0x7F >> need);
  for (size_t m = 1; m < need; m++) {
    if ((s[m] & 0xC0) != 0x80) return -1; /* also stops at the NUL */
    cp = (cp << 6) | (s[m] & 0x3F);
  }
  if (cp < min[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *len = need;
  return cp;
}

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Columns a code point takes on a terminal: 0 for combining marks and
 * zero-width characters, 2 for East Asian wide and emoji ranges, else 1. */
static size_t cp_width(int32_t cp) {
  static const int32_t zero[][2] = {{0x0300, 0x036F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
                                    {0x200B, 0x200F}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F},
                                    {0xFE20, 0xFE2F}};
  static const int32_t wide[][2] = {
      {0x1100, 0x115F}, {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},  {0x4E00, 0x9FFF},
      {0xA000, 0xA4CF}, {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE30, 0xFE4F},  {0xFF00, 0xFF60},
      {0xFFE0, 0xFFE6}, {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD}};
  for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
    if (cp >= zero[i][0] && cp <= zero[i][1]) return 0;
  for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
    if (cp >= wide[i][0] && cp <= wide[i][1]) return 2;
  return 1;
}

/* ------------------------------------------------------- critical path */

/* One longest path, as ranks: from the entry point with the largest
 * remaining length (ties: lowest rank), each step to the dependent with the
 * largest remaining length (ties: lowest rank). *path is NULL when the
 * pipeline is empty. Returns 0, or -1 when out of memory. */
static int critical_path(const dw_pipeline *p, size_t **path, size_t *len) {
  size_t n = dw_pipeline_count(p);
  *path = NULL;
  *len = 0;
  if (n == 0) return 0;
  size_t *best = malloc(n * sizeof *best), *out = malloc(n * sizeof *out);
  if (!best || !out) {
    free(best);
    free(out);
    return -1;
  }
  for (size_t r = 0; r < n; r++) best[r] = NONE;
  size_t start = NONE;
  for (size_t r = 0; r < n; r++) {
    const dw_node_info *ni = dw_pipeline_node(p, r);
    if (ni->ndeps == 0 && (start == NONE || ni->remaining > dw_pipeline_node(p, start)->remaining))
      start = r;
    for (size_t k = 0; k < ni->ndeps; k++) {
      size_t d = ni->deps[k];
      if (d >= n) continue;
      /* dependents come in ascending rank: a tie keeps the first */
      if (best[d] == NONE || ni->remaining > dw_pipeline_node(p, best[d])->remaining) best[d] = r;
    }
  }
  size_t k = 0;
  for (size_t r = start; r != NONE && k < n; r = best[r]) out[k++] = r;
  free(best);
  *path = out;
  *len = k;
  return 0;
}

/* ------------------------------------------------------------------ DOT */

/* A DOT quoted-string body: " and \ backslash-escaped, a newline as \n (a
 * line break in labels), other control characters as spaces, bytes that are
 * not UTF-8 as U+FFFD (Graphviz reads UTF-8). */
static void dot_escape(FILE *out, const char *s) {
  size_t len;
  for (const unsigned char *c = (const unsigned char *)s; *c; c += len) {
    int32_t cp = utf8_next(c, &len);
    if (cp < 0)
      fputs(replacement, out);
    else if (cp == '"' || cp == '\\')
      fprintf(out, "\\%c", (char)cp);
    else if (cp == '\n')
      fputs("\\n", out);
    else if (cp < 0x20 || cp == 0x7f)
      fputc(' ', out);
    else
      fwrite(c, 1, len, out);
  }
}

int dw_render_dot(FILE *out, const dw_pipeline *p) {
  size_t n = dw_pipeline_count(p);
  unsigned nlevels = dw_pipeline_levels(p);
  const char *file = dw_pipeline_file(p);

  /* nodes grouped by level (counting sort, rank order within a level) */
  size_t *off = calloc((size_t)nlevels + 2, sizeof *off), *by = malloc((n ? n : 1) * sizeof *by);
  if (!off || !by) {
    free(off);
    free(by);
    return -1;
  }
  for (size_t r = 0; r < n; r++) {
    unsigned l = dw_pipeline_node(p, r)->level;
    if (l < nlevels) off[l + 1]++;
  }
  for (unsigned l = 0; l < nlevels; l++) off[l + 1] += off[l];
  for (size_t r = 0; r < n; r++) {
    unsigned l = dw_pipeline_node(p, r)->level;
    if (l < nlevels) by[off[l]++] = r;
  }
  /* off[l] is now the end of level l: level l is by[off[l-1] .. off[l]) */

  fputs("digraph dagwood {\n", out);
  if (file) {
    fputs("  label=\"", out);
    dot_escape(out, file);
    fputs("\";\n  labelloc=t;\n", out);
  }
  fputs("  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n", out);
  for (size_t r = 0; r < n; r++) {
    const dw_node_info *ni = dw_pipeline_node(p, r);
    fprintf(out, "  n%zu [label=\"", r);
    dot_escape(out, ni->id);
    fputs("\\n", out);
    if (ni->type && strcmp(ni->type, "local") != 0) {
      dot_escape(out, ni->type);
      fputs(": ", out);
    }
    dot_escape(out, ni->processor ? ni->processor : "");
    if (ni->intent == DW_INTENT_ANALYZE) fputs("\\n(analyze)\", style=\"rounded,dashed", out);
    fputs("\"];\n", out);
  }
  for (size_t r = 0; r < n; r++) {
    const dw_node_info *ni = dw_pipeline_node(p, r);
    for (size_t k = 0; k < ni->ndeps; k++) {
      fprintf(out, "  n%u -> n%zu", ni->deps[k], r);
      if (ni->input_from >= 0 && (unsigned)ni->input_from == ni->deps[k])
        fputs(" [style=bold]", out);
      fputs(";\n", out);
    }
  }
  for (unsigned l = 0; l < nlevels; l++) {
    size_t lo = l ? off[l - 1] : 0;
    if (lo == off[l]) continue;
    fputs("  { rank=same;", out);
    for (size_t j = lo; j < off[l]; j++) fprintf(out, " n%zu;", by[j]);
    fputs(" }\n", out);
  }
  fputs("}\n", out);
  free(off);
  free(by);
  return finish(out, 0);
}

/* -------------------------------------------------------------- Mermaid */

/* Mermaid label text inside ["..."]: the characters that its parser or the
 * HTML renderer would read as syntax become #entity; codes. */
static void mermaid_escape(FILE *out, const char *s) {
  size_t len;
  for (const unsigned char *c = (const unsigned char *)s; *c; c += len) {
    int32_t cp = utf8_next(c, &len);
    if (cp < 0) {
      fputs(replacement, out);
      continue;
    }
    switch (cp) {
      case '"':
        fputs("#quot;", out);
        break;
      case '#':
        fputs("#35;", out);
        break;
      case '&':
        fputs("#amp;", out);
        break;
      case '<':
        fputs("#lt;", out);
        break;
      case '>':
        fputs("#gt;", out);
        break;
      case '`':
        fputs("#96;", out);
        break;
      default:
        if (cp < 0x20 || cp == 0x7f)
          fputc(' ', out);
        else
          fwrite(c, 1, len, out);
    }
  }
}

/* A set of the node names handed out so far; each entry remembers the next
 * numeric suffix to try when its name is wanted again. */
typedef struct {
  char *name;
  unsigned next;
} name_slot;

typedef struct {
  name_slot *slots;
  size_t cap; /* power of two, at least twice the names */
} name_set;

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static name_slot *name_find(name_set *set, const char *name) {
  size_t i = (size_t)hash_str(name) & (set->cap - 1);
  while (set->slots[i].name && strcmp(set->slots[i].name, name) != 0) i = (i + 1) & (set->cap - 1);
  return &set->slots[i];
}

static int is_keyword(const char *s) {
  static const char *const kw[] = {"end",   "graph",    "flowchart", "subgraph",   "style",
                                   "class", "classDef", "click",     "linkStyle",  "direction",
                                   "call",  "href",     "default",   "interpolate"};
  for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
    if (strcasecmp(s, kw[i]) == 0) return 1;
  return 0;
}

/* Unique node names by rank: each code point outside [A-Za-z0-9_] becomes
 * one '_'; a name that is empty, starts with a digit, or is a Mermaid keyword
 * gets an "n_" prefix; a name already taken gets "_2", "_3", ... */
static char **mermaid_names(const dw_pipeline *p) {
  size_t n = dw_pipeline_count(p);
  name_set set = {NULL, 16};
  while (set.cap < 2 * n + 2) set.cap *= 2;
  set.slots = calloc(set.cap, sizeof *set.slots);
  char **names = calloc(n ? n : 1, sizeof *names);
  if (!set.slots || !names) goto fail;
  for (size_t r = 0; r < n; r++) {
    const unsigned char *id = (const unsigned char *)dw_pipeline_node(p, r)->id;
    size_t len = strlen((const char *)id);
    char *base = malloc(len + 3 + 1);
    if (!base) goto fail;
    size_t k = 0, cl;
    for (const unsigned char *c = id; *c; c += cl) {
      utf8_next(c, &cl); /* one '_' per code point or stray byte */
      if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
          *c == '_')
        base[k++] = (char)*c;
      else
        base[k++] = '_';
    }
    base[k] = '\0';
    if (k == 0 || (base[0] >= '0' && base[0] <= '9') || is_keyword(base)) {
      memmove(base + 2, base, k + 1);
      memcpy(base, "n_", 2);
    }
    name_slot *slot = name_find(&set, base);
    if (!slot->name) {
      *slot = (name_slot){base, 2};
      names[r] = base;
      continue;
    }
    /* taken: try base_N from where the last clash left off */
    size_t blen = strlen(base);
    char *cand = malloc(blen + 24);
    if (!cand) {
      free(base);
      goto fail;
    }
    name_slot *cslot;
    for (;;) {
      snprintf(cand, blen + 24, "%s_%u", base, slot->next++);
      cslot = name_find(&set, cand);
      if (!cslot->name) break;
    }
    free(base);
    *cslot = (name_slot){cand, 2};
    names[r] = cand;
  }
  free(set.slots); /* the strings live on in names[] */
  return names;
fail:
  free(set.slots);
  if (names)
    for (size_t r = 0; r < n; r++) free(names[r]);
  free(names);
  return NULL;
}

int dw_render_mermaid(FILE *out, const dw_pipeline *p) {
  size_t n = dw_pipeline_count(p);
  char **names = mermaid_names(p);
  if (!names) return -1;
  int any_analyze = 0;
  fputs("flowchart TD\n", out);
  for (size_t r = 0; r < n; r++) {
    const dw_node_info *ni = dw_pipeline_node(p, r);
    int analyze = ni->intent == DW_INTENT_ANALYZE;
    any_analyze |= analyze;
    fprintf(out, "  %s%s\"", names[r], analyze ? "([" : "[");
    mermaid_escape(out, ni->id);
    fputs("<br/>", out);
    if (ni->type && strcmp(ni->type, "local") != 0) {
      mermaid_escape(out, ni->type);
      fputs(": ", out);
    }
    mermaid_escape(out, ni->processor ? ni->processor : "");
    fputs(analyze ? "<br/>(analyze)\"]):::analyze\n" : "\"]\n", out);
  }
  for (size_t r = 0; r < n; r++) {
    const dw_node_info *ni = dw_pipeline_node(p, r);
    for (size_t k = 0; k < ni->ndeps; k++) {
      if (ni->deps[k] >= n) continue;
      int input = ni->input_from >= 0 && (unsigned)ni->input_from == ni->deps[k];
      fprintf(out, "  %s %s %s\n", names[ni->deps[k]], input ? "==>" : "-->", names[r]);
    }
  }
  if (any_analyze) fputs("  classDef analyze stroke-dasharray: 5 5\n", out);
  for (size_t r = 0; r < n; r++) free(names[r]);
  free(names);
  return finish(out, 0);
}

/* ----------------------------------------------------------------- text */

/* Terminal text: control characters and bytes that are not UTF-8 as C
 * escapes, so that one id stays on one line; text_width counts the columns
 * that dw_render_text fills. */
static size_t text_width(const char *s) {
  size_t w = 0, len;
  for (const unsigned char *c = (const unsigned char *)s; *c; c += len) {
    int32_t cp = utf8_next(c, &len);
    if (cp == '\n' || cp == '\t' || cp == '\r')
      w += 2;
    else if (cp < 0x20 || cp == 0x7f)
      w += 4;
    else
      w += cp_width(cp);
  }
  return w;
}

void dw_render_text(FILE *out, const char *s) {
  size_t len;
  for (const unsigned char *c = (const unsigned char *)s; *c; c += len) {
    int32_t cp = utf8_next(c, &len);
    if (cp == '\n')
      fputs("\\n", out);
    else if (cp == '\t')
      fputs("\\t", out);
    else if (cp == '\r')
      fputs("\\r", out);
    else if (cp < 0x20 || cp == 0x7f)
      fprintf(out, "\\x%02x", *c);
    else
      fwrite(c, 1, len, out);
  }
}

static void text_cell(FILE *out, const char *s, size_t width) {
  dw_render_text(out, s);
  for (size_t w = text_width(s); w < width; w++) fputc(' ', out);
}

static const char *proc_label(const dw_node_info *ni) { return ni->processor ? ni->processor : ""; }

int dw_render_inspect_text(FILE *out, const dw_pipeline *p, unsigned max_concurrency) {
  size_t n = dw_pipeline_count(p);
  size_t *cp, cplen;
  if (critical_path(p, &cp, &cplen) != 0) return -1;
  const char *reason = NULL;
  dw_strategy choice = dw_pipeline_hybrid_choice(p, max_concurrency, &reason);
  dw_strategy strategy = dw_pipeline_strategy(p);
  const char *file = dw_pipeline_file(p);

  fputs("config:           ", out);
  dw_render_text(out, file ? file : "-");
  fprintf(out, "\nstrategy:         %s", dw_strategy_name(strategy));
  if (strategy == DW_STRATEGY_HYBRID) fprintf(out, " (runs as %s)", dw_strategy_name(choice));
  fprintf(out, "\nfailure strategy: %s\n",
          dw_failure_strategy_name(dw_pipeline_failure_strategy(p)));
  fprintf(out, "max concurrency:  %u\n",
          max_concurrency ? max_concurrency : dw_pipeline_max_concurrency(p));
  fprintf(out, "processors:       %zu in %u level%s\n", n, dw_pipeline_levels(p),
          dw_pipeline_levels(p) == 1 ? "" : "s");

  if (n > 0) {
    size_t wid = strlen("id"), wproc = strlen("processor");
    for (size_t r = 0; r < n; r++) {
      const dw_node_info *ni = dw_pipeline_node(p, r);
      size_t w = text_width(ni->id), wp = text_width(proc_label(ni));
      if (ni->type && strcmp(ni->type, "local") != 0) wp += text_width(ni->type) + 2;
      if (w > wid) wid = w;
      if (wp > wproc) wproc = wp;
    }
    fputs("\nrank  level  ", out);
    text_cell(out, "id", wid + 2);
    text_cell(out, "processor", wproc + 2);
    fputs("intent     depends_on\n", out);
    for (size_t r = 0; r < n; r++) {
      const dw_node_info *ni = dw_pipeline_node(p, r);
      fprintf(out, "%4u  %5u  ", ni->rank, ni->level);
      text_cell(out, ni->id, wid + 2);
      size_t wp = 0;
      if (ni->type && strcmp(ni->type, "local") != 0) {
        dw_render_text(out, ni->type);
        fputs(": ", out);
        wp = text_width(ni->type) + 2;
      }
      text_cell(out, proc_label(ni), wproc + 2 > wp ? wproc + 2 - wp : 0);
      text_cell(out, dw_intent_name(ni->intent), 11);
      if (ni->ndeps == 0) fputs("-", out);
      for (size_t k = 0; k < ni->ndeps; k++) {
        if (k) fputs(", ", out);
        if (ni->deps[k] < n) dw_render_text(out, dw_pipeline_node(p, ni->deps[k])->id);
      }
      if (ni->input_from >= 0 && (size_t)ni->input_from < n) {
        fputs(" (input from ", out);
        dw_render_text(out, dw_pipeline_node(p, (size_t)ni->input_from)->id);
        fputs(")", out);
      }
      fputc('\n', out);
    }
  }

  fputs("\nentry points:     ", out);
  size_t nentries = 0;
  for (size_t r = 0; r < n; r++) {
    const dw_node_info *ni = dw_pipeline_node(p, r);
    if (ni->ndeps != 0) continue;
    if (nentries++) fputs(", ", out);
    dw_render_text(out, ni->id);
  }
  if (nentries == 0) fputs("-", out);
  fprintf(out, "\nlevels:           %u\ncritical path:    ", dw_pipeline_levels(p));
  for (size_t k = 0; k < cplen; k++) {
    if (k) fputs(" -> ", out);
    dw_render_text(out, dw_pipeline_node(p, cp[k])->id);
  }
  if (cplen == 0)
    fputs("-", out);
  else
    fprintf(out, " (%zu processor%s)", cplen, cplen == 1 ? "" : "s");
  fprintf(out, "\nhybrid choice:    %s", dw_strategy_name(choice));
  if (reason && *reason) fprintf(out, ", because %s", reason);
  fputc('\n', out);
  free(cp);
  return finish(out, 0);
}

/* ----------------------------------------------------------------- JSON */

/* A JSON string; NULL becomes null, and bytes that are not UTF-8 become
 * U+FFFD so that jansson accepts the text. */
static json_t *jstr(const char *s) {
  if (!s) return json_null();
  json_t *j = json_string(s);
  if (j) return j;
  char *fixed = malloc(3 * strlen(s) + 1);
  if (!fixed) return NULL;
  size_t k = 0, len;
  for (const unsigned char *c = (const unsigned char *)s; *c; c += len) {
    if (utf8_next(c, &len) < 0) {
      memcpy(fixed + k, replacement, 3);
      k += 3;
    } else {
      memcpy(fixed + k, c, len);
      k += len;
    }
  }
  fixed[k] = '\0';
  j = json_string(fixed);
  free(fixed);
  return j;
}

static json_t *id_of(const dw_pipeline *p, size_t rank) {
  return rank < dw_pipeline_count(p) ? jstr(dw_pipeline_node(p, rank)->id) : json_null();
}

int dw_render_inspect_json(FILE *out, const dw_pipeline *p, unsigned max_concurrency) {
  size_t n = dw_pipeline_count(p);
  size_t *cp, cplen;
  if (critical_path(p, &cp, &cplen) != 0) return -1;
  const char *reason = NULL;
  dw_strategy choice = dw_pipeline_hybrid_choice(p, max_concurrency, &reason);

  int bad = 0; /* any insertion failed: out of memory */
#define SET(obj, key, val) bad |= json_object_set_new((obj), (key), (val)) != 0
#define ADD(arr, val) bad |= json_array_append_new((arr), (val)) != 0
  json_t *root = json_object();
  if (!root) {
    free(cp);
    return -1;
  }
  SET(root, "config", jstr(dw_pipeline_file(p)));
  SET(root, "strategy", json_string(dw_strategy_name(dw_pipeline_strategy(p))));
  json_t *hc = json_object();
  if (hc) {
    SET(hc, "strategy", json_string(dw_strategy_name(choice)));
    SET(hc, "reason", jstr(reason));
  }
  SET(root, "hybrid_choice", hc);
  SET(root, "failure_strategy",
      json_string(dw_failure_strategy_name(dw_pipeline_failure_strategy(p))));
  SET(root, "max_concurrency",
      json_integer(max_concurrency ? max_concurrency : dw_pipeline_max_concurrency(p)));
  SET(root, "levels", json_integer(dw_pipeline_levels(p)));

  json_t *order = json_array(), *procs = json_array(), *entries = json_array();
  for (size_t r = 0; r < n && order && procs && entries; r++) {
    const dw_node_info *ni = dw_pipeline_node(p, r);
    ADD(order, jstr(ni->id));
    if (ni->ndeps == 0) ADD(entries, jstr(ni->id));
    json_t *o = json_object(), *deps = json_array();
    bad |= !o || !deps;
    if (o && deps) {
      SET(o, "id", jstr(ni->id));
      SET(o, "type", jstr(ni->type));
      SET(o, "processor", jstr(ni->processor));
      SET(o, "intent", json_string(dw_intent_name(ni->intent)));
      SET(o, "rank", json_integer(ni->rank));
      SET(o, "level", json_integer(ni->level));
      SET(o, "remaining", json_integer(ni->remaining));
      SET(o, "line", json_integer(ni->line));
      for (size_t k = 0; k < ni->ndeps; k++) ADD(deps, id_of(p, ni->deps[k]));
      SET(o, "depends_on", deps);
      deps = NULL;
      SET(o, "input_from", ni->input_from >= 0 ? id_of(p, (size_t)ni->input_from) : json_null());
    }
    json_decref(deps);
    ADD(procs, o);
  }
  SET(root, "order", order);
  SET(root, "processors", procs);
  SET(root, "entry_points", entries);
  json_t *crit = json_array();
  for (size_t k = 0; k < cplen && crit; k++) ADD(crit, id_of(p, cp[k]));
  SET(root, "critical_path", crit);
#undef SET
#undef ADD
  free(cp);

  int rc = -1;
  if (!bad && json_dumpf(root, out, 0) == 0 && fputc('\n', out) != EOF) rc = 0;
  json_decref(root);
  return finish(out, rc);
}
