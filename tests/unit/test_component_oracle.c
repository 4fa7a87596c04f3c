/* tests/unit/test_component_oracle: dagwood's component host against a
 * reference host. Every fixture component of tests/components/fixtures runs
 * each input both through dagwood (wasm2c + the sandbox + the canonical ABI
 * of wasm/canon) and through `jco transpile` in Node
 * (tests/components/oracle.mjs); outputs and error messages must be equal,
 * and where jco traps dagwood must fail with a trap-class message. What the
 * components write to stdout and stderr (the preview1-adapter fixtures log
 * a line or two per call, with no capability granted) must also be the
 * same: dagwood's log sink against the shim's streams, in order.
 *
 * jco is laxer than the canonical ABI in three places (it does not check
 * the return area's alignment, clamps an out-of-bounds list, and decodes
 * invalid UTF-8 with replacement characters); for those inputs dagwood must
 * trap, as the specification and the original's wasmtime host do.
 *
 * Skipped, with a message, when node or the pinned jco
 * (examples/components/node_modules, `npm ci` there) is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/call.h"
#include "wasm/component_run.h"
#include "wasm/wasi.h"
#include "wasm/wasm.h"

static const char *src_dir(void) {
  const char *s = getenv("DW_SOURCE_DIR");
  return s && *s ? s : ".";
}

static int have_oracle(void) {
  char p[2048];
  snprintf(p, sizeof p, "%s/examples/components/node_modules/@bytecodealliance/jco/package.json",
           src_dir());
  if (access(p, R_OK) != 0) {
    fprintf(stderr,
            "SKIPPED: jco is not installed: run `npm ci` in examples/components "
            "(scripts/deps.sh does) to compare with the reference host\n");
    return 0;
  }
  if (system("node --version >/dev/null 2>&1") != 0) {
    fprintf(stderr, "SKIPPED: node is not installed; the component oracle needs it\n");
    return 0;
  }
  return 1;
}

typedef struct input {
  const char *text; /* bytes, or NULL: rep */
  size_t rep;
  char byte;
  bool must_trap; /* jco is lax here; the canonical ABI traps */
} input;

#define T(s) \
  { s, 0, 0, false }
#define LAX(s) \
  { s, 0, 0, true }
#define REP(n, c) \
  { NULL, n, c, false }

static const input rle_inputs[] = {T("hello world"),
                                   T("aaabbc"),
                                   T(""),
                                   T("caf\xc3\xa9"),
                                   T("\x80"),
                                   T("a"),
                                   T("aaaaaaaaaaaa"),
                                   T("\n\n\t"),
                                   T("\"quoted\" \\"),
                                   REP(1u << 20, 'z'),
                                   REP((1u << 20) + 1, 'z'),
                                   {NULL, 0, 0, false}};

static const input hostile_inputs[] = {
    LAX("misalign"), T("ret-oob"),    T("bad-tag"),     T("bad-case"),  LAX("list-oob"),
    T("str-oob"),    LAX("bad-utf8"), T("unreachable"), T("post-trap"), T("failed"),
    T("too-large"),  T("invalid"),    T("echo"),        T(""),          {NULL, 0, 0, false}};

static const input realloc_inputs[] = {T("x"), T(""), {NULL, 0, 0, false}};

static unsigned compared;

/* What dagwood's calls wrote, per stream, one line per log-sink line. */
typedef struct streams {
  char *text[2];
  size_t len[2], cap[2];
} streams;

static void sink(void *user, const char *id, int fd, const char *line, size_t len) {
  (void)id;
  streams *s = user;
  int k = fd == 2;
  if (s->len[k] + len + 2 > s->cap[k]) {
    s->cap[k] = (s->cap[k] + len + 2) * 2;
    s->text[k] = realloc(s->text[k], s->cap[k]);
    assert_non_null(s->text[k]);
  }
  memcpy(s->text[k] + s->len[k], line, len);
  s->len[k] += len;
  s->text[k][s->len[k]++] = '\n';
  s->text[k][s->len[k]] = 0;
}

/* The whole of a file (malloc'd, NUL-terminated). */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t cap = 4096, n = 0, got;
  char *b = malloc(cap);
  while ((got = fread(b + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (n + 1 == cap) b = realloc(b, cap *= 2);
  }
  fclose(f);
  b[n] = 0;
  return b;
}

static size_t input_len(const input *in) { return in->text ? strlen(in->text) : in->rep; }

static void compare(const char *fixture, const input *inputs, uint32_t caps) {
  /* the reference host, all inputs in one process */
  size_t cap = 1 << 16, n = 0;
  char *cmd = malloc(cap);
  n += (size_t)snprintf(
      cmd + n, cap - n,
      "node '%s/tests/components/oracle.mjs' '%s/tests/components/fixtures/%s.wasm'", src_dir(),
      src_dir(), fixture);
  for (const input *in = inputs; in->text || in->rep; in++) {
    if (in->text) {
      n += (size_t)snprintf(cmd + n, cap - n, " '");
      for (const char *p = in->text; *p; p++)
        n += (size_t)snprintf(cmd + n, cap - n, "%02x", (unsigned char)*p);
      n += (size_t)snprintf(cmd + n, cap - n, "'");
    } else {
      n += (size_t)snprintf(cmd + n, cap - n, " rep:%zu:%02x", in->rep, (unsigned char)in->byte);
    }
  }
  /* results on descriptor 3 (the pipe), the guest's streams into files */
  char outp[] = "/tmp/dw-oracle-out-XXXXXX", errp[] = "/tmp/dw-oracle-err-XXXXXX";
  int ofd = mkstemp(outp), efd = mkstemp(errp);
  assert_true(ofd >= 0 && efd >= 0);
  close(ofd), close(efd);
  n += (size_t)snprintf(cmd + n, cap - n, " 3>&1 >'%s' 2>'%s'", outp, errp);
  assert_true(n < cap);
  FILE *f = popen(cmd, "r");
  assert_non_null(f);
  streams logs = {0};
  dw_wasm_set_log_sink(sink, &logs);
  /* dagwood */
  char path[2048], err[1024];
  snprintf(path, sizeof path, "%s/tests/components/fixtures/%s.wasm", src_dir(), fixture);
  FILE *w = fopen(path, "rb");
  assert_non_null(w);
  fseek(w, 0, SEEK_END);
  size_t len = (size_t)ftell(w);
  rewind(w);
  uint8_t *b = malloc(len);
  assert_int_equal(fread(b, 1, len, w), len);
  fclose(w);
  dw_component_limits lim = {4000000000u, 64, 1024, caps, 0};
  dw_component_run *r =
      dw_component_prepare(b, len, "oracle", fixture, path, &lim, NULL, NULL, err, sizeof err);
  free(b);
  if (!r) fail_msg("%s: %s", fixture, err);
  size_t lcap = (4u << 20) + 256;
  char *line = malloc(lcap);
  for (const input *in = inputs; in->text || in->rep; in++) {
    size_t il = input_len(in);
    char *data = malloc(il + 1);
    if (in->text)
      memcpy(data, in->text, il);
    else
      memset(data, in->byte, il);
    if (!fgets(line, (int)lcap, f)) fail_msg("%s: the oracle stopped early", fixture);
    dw_call c;
    dw_call_init(&c, "oracle", (const uint8_t *)data, il, NULL);
    int rc = dw_component_invoke(r, &c);
    const char *what = in->text ? in->text : "(repeated bytes)";
    if (in->must_trap) {
      if (rc == 0 || !strstr(c.err_msg, "Component instantiation/call failed:"))
        fail_msg("%s '%s': dagwood did not trap (%s)", fixture, what, rc ? c.err_msg : "ok");
    } else if (!strncmp(line, "{\"ok\":\"", 7)) {
      if (rc) fail_msg("%s '%s': jco ok, dagwood: %s", fixture, what, c.err_msg);
      /* hex compare */
      const char *h = line + 7;
      size_t hl = strcspn(h, "\"");
      if (hl != c.out_len * 2) fail_msg("%s '%s': output lengths differ", fixture, what);
      for (size_t i = 0; i < c.out_len; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        if (v != c.out[i]) fail_msg("%s '%s': outputs differ at byte %zu", fixture, what, i);
      }
    } else if (!strncmp(line, "{\"err\":\"", 8)) {
      if (rc == 0) fail_msg("%s '%s': jco err, dagwood ok", fixture, what);
      /* the JSON string: unescape \" and \\ (all the oracle produces here) */
      char want[4096] = "Component process() returned error: ";
      size_t k = strlen(want);
      for (const char *p = line + 8; *p && *p != '\n' && k + 2 < sizeof want; p++) {
        if (*p == '\\' && p[1]) {
          p++;
          want[k++] = *p == 'n' ? '\n' : *p;
        } else if (*p == '"' && p[1] == '}') {
          break;
        } else {
          want[k++] = *p;
        }
      }
      want[k] = 0;
      if (strcmp(want, c.err_msg))
        fail_msg("%s '%s':\n  jco:     %s\n  dagwood: %s", fixture, what, want, c.err_msg);
    } else {
      if (rc == 0 || !strstr(c.err_msg, "Component instantiation/call failed:"))
        fail_msg("%s '%s': jco trapped (%s), dagwood: %s", fixture, what, line,
                 rc ? c.err_msg : "ok");
    }
    dw_call_clear(&c);
    free(data);
    compared++;
  }
  free(line);
  pclose(f);
  dw_wasm_set_log_sink(NULL, NULL);
  static const char *const stream[] = {"stdout", "stderr"};
  const char *paths[] = {outp, errp};
  for (int k = 0; k < 2; k++) {
    char *want = slurp(paths[k]);
    const char *have = logs.text[k] ? logs.text[k] : "";
    if (strcmp(want, have))
      fail_msg("%s: the component's %s differs\n  jco:\n%s\n  dagwood:\n%s", fixture, stream[k],
               want, have);
    free(want);
    free(logs.text[k]);
    unlink(paths[k]);
  }
  free(cmd);
  dw_component_run_free(r);
}

static void test_oracle(void **state) {
  (void)state;
  compare("rle", rle_inputs, 0);
  /* preview1-adapter components, with no capability granted */
  compare("rle_wasi", rle_inputs, 0);
  compare("rle_rust", rle_inputs, 0);
  compare("rle_js", rle_inputs, 0);
  compare("hostile", hostile_inputs, 0);
  compare("bad_realloc", realloc_inputs, 0);
  fprintf(stderr, "compared %u calls with jco's reference host\n", compared);
  assert_true(compared >= 60);
}

int main(void) {
  /* a skip is reported as one (exit 77), never counted as a pass */
  if (!have_oracle()) return 77;
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_oracle)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
