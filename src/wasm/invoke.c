/* wasm/invoke: see invoke.h. Shared by wasm.c and component_run.c; the log
 * sink behind dw_wasm_set_log_sink (wasm.h) lives here so that both kinds
 * of call write their output the same way. */
#include "wasm/invoke.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/wasm.h"

/* ------------------------------------------------------------- load */

static pthread_mutex_t bind_mu = PTHREAD_MUTEX_INITIALIZER;

/* The name to dlopen the object open as fd by. glibc looks a name up among
 * the loaded objects before it opens anything, so "/proc/self/fd/N" given
 * again for another file behind N (descriptors are reused) would return
 * the object loaded first. Each load gets a name of its own: the fd folder
 * spelled with a run of "/." and "//." components that writes a counter in
 * binary. */
static void fd_name(int fd, char *out, size_t size) {
  static atomic_ulong loads; /* the one counter of such names */
  unsigned long k = atomic_fetch_add(&loads, 1) + 1;
  size_t n = (size_t)snprintf(out, size, "/proc/self/fd");
  for (; k && n + 4 < size; k >>= 1) n += (size_t)snprintf(out + n, size - n, k & 1 ? "//." : "/.");
  snprintf(out + n, size - n, "/%d", fd);
}

int dw_guest_load(dw_wasm_compiled *cc, const char *noun, const char *name, void **dl,
                  const dw_guest_desc **desc, char *err, size_t errlen) {
  *dl = NULL;
  if (cc->fd < 0) {
    snprintf(err, errlen, "%s '%s': no verified object to load", noun, name);
    return -1;
  }
  /* the descriptor that was checked and hashed is the one loaded: nothing
   * is looked up by path again */
  char path[256];
  fd_name(cc->fd, path, sizeof path);
  *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  dw_wasm_compiled_close(cc);
  if (!*dl) {
    const char *de = dlerror();
    snprintf(err, errlen, "%s '%s': cannot load its compiled form %s: %s", noun, name, cc->so_path,
             de ? de : "?");
    return -1;
  }
  const dw_guest_desc *d = dlsym(*dl, "dw_guest");
  /* a C-style module has both entry points, a test module (wasm/inst) neither */
  if (!d || d->abi != DW_GUEST_ABI || !d->key || strcmp(d->key, cc->key) != 0 ||
      !d->allocate != !d->process) {
    snprintf(err, errlen, "%s '%s': the cached object %s does not match (delete the cache folder)",
             noun, name, cc->so_path);
    return -1;
  }
  if (dw_rt_thread_init() == 0) dw_rt_ensure_handlers();
  pthread_mutex_lock(&bind_mu);
  d->bind(dw_rt_api());
  pthread_mutex_unlock(&bind_mu);
  *desc = d;
  return 0;
}

/* ------------------------------------------------------------ steps */

void dw_step_instantiate(void *arg) {
  dw_step *s = arg;
  s->desc->instantiate(s->inst, s->c);
  if (s->desc->initialize) s->desc->initialize(s->inst);
}

void dw_step_allocate(void *arg) {
  dw_step *s = arg;
  s->ret = s->desc->allocate(s->inst, s->a);
}

void dw_step_process(void *arg) {
  dw_step *s = arg;
  s->ret = s->desc->process(s->inst, s->a, s->b, s->d);
}

/* ------------------------------------------------------------- call */

static void (*log_sink)(void *, const char *, int, const char *, size_t);
static void *log_user;

void dw_wasm_set_log_sink(void (*fn)(void *user, const char *processor_id, int fd, const char *line,
                                     size_t len),
                          void *user) {
  log_sink = fn;
  log_user = user;
}

/* Length of the well-formed UTF-8 sequence at p (at most n bytes) that is
 * not a control character, or 0. */
static size_t printable_utf8(const uint8_t *p, size_t n) {
  if (p[0] >= 0x20 && p[0] < 0x7f) return 1;
  size_t len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
  if (!len || len > n || (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)) return 0; /* C1 controls */
  uint32_t cp = p[0] & (0x7f >> len);
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

/* The default sink: one line of a module's output on the process's stderr,
 * control characters and bytes that are not UTF-8 escaped, so a module
 * cannot drive the terminal. */
static void put_line(const char *id, int fd, const char *b, size_t n) {
  fprintf(stderr, "[%s %s] ", id, fd ? "stderr" : "stdout");
  const uint8_t *p = (const uint8_t *)b;
  for (size_t i = 0; i < n;) {
    size_t l = printable_utf8(p + i, n - i);
    if (l) {
      fwrite(p + i, 1, l, stderr);
      i += l;
    } else {
      if (p[i] == '\t')
        fputc('\t', stderr);
      else
        fprintf(stderr, "\\x%02x", p[i]);
      i++;
    }
  }
  fputc('\n', stderr);
}

static void emit_logs(const char *id, const dw_rt_call *c) {
  for (int fd = 0; fd < 2; fd++) {
    const char *b = c->log[fd];
    size_t n = c->log_len[fd];
    while (b && n) {
      const char *nl = memchr(b, '\n', n);
      size_t l = nl ? (size_t)(nl - b) : n;
      if (log_sink)
        log_sink(log_user, id, fd + 1, b, l);
      else
        put_line(id, fd, b, l);
      b += l + (nl ? 1 : 0);
      n -= l + (nl ? 1 : 0);
    }
    if (c->log_truncated[fd]) {
      static const char t[] = "(output truncated at 64 KiB)";
      if (log_sink)
        log_sink(log_user, id, fd + 1, t, sizeof t - 1);
      else
        fprintf(stderr, "[%s %s] %s\n", id, fd ? "stderr" : "stdout", t);
    }
  }
}

int dw_invoke_begin(dw_call *call, const char *noun, const char *name, dw_step *s) {
  if (dw_rt_thread_init())
    return dw_call_fail(call, 500, "%s '%s': cannot set up the sandbox on this thread", noun, name);
  if (call->input_len > UINT32_MAX / 2)
    return dw_call_fail(call, 413, "%s '%s': input of %zu bytes is too large", noun, name,
                        call->input_len);
  if (call->cancel && atomic_load(call->cancel))
    return dw_call_fail(call, 499, "%s '%s': cancelled before it started", noun, name);
  s->c->cancel = call->cancel;
  s->c->deadline_ns = call->deadline_ns;
  uint64_t cap = s->c->timeout_ns ? dw_rt_now_ns() + s->c->timeout_ns : 0;
  s->c->own_deadline = cap && (!call->deadline_ns || cap < call->deadline_ns);
  if (s->c->own_deadline) s->c->deadline_ns = cap;
  dw_rt_call_begin(s->c);
  s->inst = calloc(1, s->desc->instance_size);
  if (!s->inst) {
    dw_rt_call_done(s->c);
    return dw_call_fail(call, 500, "out of memory");
  }
  return 0;
}

void dw_invoke_end(dw_step *s, const char *processor_id) {
  emit_logs(processor_id, s->c);
  s->desc->free(s->inst);
  free(s->inst);
  dw_rt_call_done(s->c);
}

static uint64_t fuel_used(const dw_rt_call *c) {
  uint64_t left = c->fuel_left + (c->fuel > 0 ? (uint64_t)c->fuel : 0);
  return left > c->fuel_total ? 0 : c->fuel_total - left;
}

int dw_invoke_metadata(dw_call *call, const dw_rt_call *c, const char *processor_id,
                       const char *module, const char *artifact, const char *caps, uint32_t in_len,
                       uint32_t out_len) {
  char num[32];
  dw_call_add_metadata(call, "processor_id", processor_id);
  dw_call_add_metadata(call, "module_path", module);
  dw_call_add_metadata(call, "artifact_type", artifact);
  dw_call_add_metadata(call, "capabilities", caps);
  snprintf(num, sizeof num, "%u", in_len);
  dw_call_add_metadata(call, "input_length", num);
  snprintf(num, sizeof num, "%u", out_len);
  dw_call_add_metadata(call, "output_length", num);
  snprintf(num, sizeof num, "%" PRIu64, fuel_used(c));
  dw_call_add_metadata(call, "fuel_consumed", num);
  if (call->oom) return dw_call_fail(call, 500, "out of memory");
  return 0;
}
