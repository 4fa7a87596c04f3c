/* wasm/wasi: see wasi.h. Every pointer and length a module passes is checked
 * against its memory's current size (64-bit arithmetic) before it is read or
 * written; a bad one gets EFAULT, not a host fault. */
#include "wasm/wasi.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "wasm/parse.h"
#include "wasm/rt.h"

enum {
  E_SUCCESS = 0,
  E_BADF = 8,
  E_FAULT = 21,
  E_INVAL = 28,
  E_IO = 29,
  E_NOSYS = 52,
  E_SPIPE = 70
};

enum {
  F_FD_WRITE,
  F_FD_CLOSE,
  F_FD_SEEK,
  F_FD_FDSTAT_GET,
  F_ENVIRON_SIZES_GET,
  F_ENVIRON_GET,
  F_ARGS_SIZES_GET,
  F_ARGS_GET,
  F_CLOCK_TIME_GET,
  F_CLOCK_RES_GET,
  F_RANDOM_GET,
  F_PROC_EXIT
};

#define I "\x7f"
#define L "\x7e"

const dw_wasi_fn dw_wasi_fns[] = {
    [F_FD_WRITE] = {"fd_write", I I I I, I, DW_CAP_STDOUT | DW_CAP_STDERR},
    [F_FD_CLOSE] = {"fd_close", I, I, 0},
    [F_FD_SEEK] = {"fd_seek", I L I I, I, 0},
    [F_FD_FDSTAT_GET] = {"fd_fdstat_get", I I, I, 0},
    [F_ENVIRON_SIZES_GET] = {"environ_sizes_get", I I, I, DW_CAP_ENVIRON},
    [F_ENVIRON_GET] = {"environ_get", I I, I, DW_CAP_ENVIRON},
    [F_ARGS_SIZES_GET] = {"args_sizes_get", I I, I, DW_CAP_ARGS},
    [F_ARGS_GET] = {"args_get", I I, I, DW_CAP_ARGS},
    [F_CLOCK_TIME_GET] = {"clock_time_get", I L I, I, DW_CAP_CLOCK},
    [F_CLOCK_RES_GET] = {"clock_res_get", I I, I, DW_CAP_CLOCK},
    [F_RANDOM_GET] = {"random_get", I I, I, DW_CAP_RANDOM},
    [F_PROC_EXIT] = {"proc_exit", I, "", DW_CAP_PROC_EXIT},
};
const size_t dw_wasi_nfns = sizeof dw_wasi_fns / sizeof *dw_wasi_fns;

const char *const dw_cap_names[] = {"stdout", "stderr",  "clock",    "random",
                                    "args",   "environ", "proc_exit"};
const size_t dw_cap_count = sizeof dw_cap_names / sizeof *dw_cap_names;

int dw_wasi_lookup(const char *name) {
  for (size_t i = 0; i < dw_wasi_nfns; i++)
    if (!strcmp(dw_wasi_fns[i].name, name)) return (int)i;
  return -1;
}

uint32_t dw_cap_parse(const char *name) {
  for (size_t i = 0; i < dw_cap_count; i++)
    if (!strcmp(dw_cap_names[i], name)) return 1u << i;
  return 0;
}

void dw_cap_text(uint32_t caps, char *buf, size_t size) {
  size_t n = 0;
  if (size) buf[0] = 0;
  for (size_t i = 0; i < dw_cap_count; i++)
    if (caps & (1u << i))
      n += snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? "," : "", dw_cap_names[i]);
}

void dw_wasi_caps_text(const dw_wasi_fn *f, char *buf, size_t size) {
  size_t n = 0;
  if (size) buf[0] = 0;
  for (size_t i = 0; i < dw_cap_count; i++)
    if (f->caps_any & (1u << i))
      n += snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? " or " : "", dw_cap_names[i]);
}

/* name is one of the space-separated words of list */
static bool in_list(const char *list, const char *name) {
  size_t n = strlen(name);
  if (!n || strchr(name, ' ')) return false;
  for (const char *p = list; (p = strstr(p, name)); p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n])) return true;
  return false;
}

const char *dw_wasi_missing_kind(const char *name) {
  /* the rest of wasi_snapshot_preview1, outside dagwood's subset */
  static const char files[] =
      "fd_advise fd_allocate fd_datasync fd_fdstat_set_flags fd_fdstat_set_rights "
      "fd_filestat_get fd_filestat_set_size fd_filestat_set_times fd_pread fd_prestat_get "
      "fd_prestat_dir_name fd_pwrite fd_read fd_readdir fd_renumber fd_sync fd_tell "
      "path_create_directory path_filestat_get path_filestat_set_times path_link path_open "
      "path_readlink path_remove_directory path_rename path_symlink path_unlink_file";
  if (in_list(files, name)) return "file";
  if (in_list("sock_accept sock_recv sock_send sock_shutdown", name)) return "network";
  if (in_list("poll_oneoff proc_raise sched_yield", name)) return "other";
  return NULL;
}

/* guest memory access ------------------------------------------------- */

static uint8_t *gptr(dw_rt_call *c, uint64_t p, uint64_t len) {
  if (!c->mem || !c->mem->data) return NULL;
  if (p > c->mem->size || len > c->mem->size - p) return NULL;
  return c->mem->data + p;
}

static int put32(dw_rt_call *c, uint64_t p, uint32_t v) {
  uint8_t *d = gptr(c, p, 4);
  if (!d) return -1;
  memcpy(d, &v, 4); /* little-endian host */
  return 0;
}

static int put64(dw_rt_call *c, uint64_t p, uint64_t v) {
  uint8_t *d = gptr(c, p, 8);
  if (!d) return -1;
  memcpy(d, &v, 8);
  return 0;
}

static void log_append(dw_rt_call *c, int which, const uint8_t *p, size_t n) {
  size_t room = DW_RT_LOG_CAP - c->log_len[which];
  if (n > room) {
    n = room;
    c->log_truncated[which] = true;
  }
  if (!n) return;
  if (!c->log[which]) {
    c->log[which] = malloc(DW_RT_LOG_CAP);
    if (!c->log[which]) {
      c->log_truncated[which] = true;
      return;
    }
  }
  memcpy(c->log[which] + c->log_len[which], p, n);
  c->log_len[which] += n;
}

static bool fd_granted(dw_rt_call *c, uint64_t fd) {
  return (fd == 1 && (c->caps & DW_CAP_STDOUT)) || (fd == 2 && (c->caps & DW_CAP_STDERR));
}

static uint32_t fd_write(dw_rt_call *c, const uint64_t *a) {
  uint64_t fd = a[0], iovs = a[1], n = a[2], nw = a[3];
  if (!fd_granted(c, fd)) return E_BADF;
  if (n > 1024) return E_INVAL;
  const uint8_t *v = gptr(c, iovs, n * 8);
  if (!v) return E_FAULT;
  uint64_t total = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint32_t bp, bl;
    memcpy(&bp, v + i * 8, 4);
    memcpy(&bl, v + i * 8 + 4, 4);
    const uint8_t *b = gptr(c, bp, bl);
    if (!b) return E_FAULT;
    log_append(c, (int)fd - 1, b, bl);
    total += bl;
  }
  if (put32(c, nw, (uint32_t)total)) return E_FAULT;
  return E_SUCCESS;
}

static uint32_t clock_get(dw_rt_call *c, const uint64_t *a, bool res) {
  clockid_t id;
  switch (a[0]) {
    case 0:
      id = CLOCK_REALTIME;
      break;
    case 1:
      id = CLOCK_MONOTONIC;
      break;
    case 2:
      id = CLOCK_PROCESS_CPUTIME_ID;
      break;
    case 3:
      id = CLOCK_THREAD_CPUTIME_ID;
      break;
    default:
      return E_INVAL;
  }
  struct timespec ts;
  if ((res ? clock_getres(id, &ts) : clock_gettime(id, &ts)) != 0) return E_IO;
  uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  return put64(c, res ? a[1] : a[2], ns) ? E_FAULT : E_SUCCESS;
}

uint32_t dw_wasi_dispatch(void *ctx, uint32_t fn, const uint64_t *a, int *trap) {
  dw_rt_call *c = ctx;
  *trap = 0;
  if (fn >= dw_wasi_nfns) return E_NOSYS;
  /* Checked at validation too; a module cannot reach a function it was not
   * granted, but stay safe. */
  if (dw_wasi_fns[fn].caps_any && !(dw_wasi_fns[fn].caps_any & c->caps)) return E_NOSYS;
  switch (fn) {
    case F_FD_WRITE:
      return fd_write(c, a);
    case F_FD_CLOSE:
      return E_BADF;
    case F_FD_SEEK:
      return fd_granted(c, a[0]) ? E_SPIPE : E_BADF;
    case F_FD_FDSTAT_GET: {
      if (!fd_granted(c, a[0])) return E_BADF;
      uint8_t *d = gptr(c, a[1], 24);
      if (!d) return E_FAULT;
      memset(d, 0, 24);
      d[0] = 2;                 /* character device */
      uint64_t rights = 1 << 6; /* fd_write */
      memcpy(d + 8, &rights, 8);
      return E_SUCCESS;
    }
    case F_ARGS_SIZES_GET:
      if (c->argv0) { /* components see the original's ["dagwood-component"] */
        if (put32(c, a[0], 1) || put32(c, a[1], (uint32_t)strlen(c->argv0) + 1)) return E_FAULT;
        return E_SUCCESS;
      }
      __attribute__((fallthrough)); /* no arguments */
    case F_ENVIRON_SIZES_GET:
      if (put32(c, a[0], 0) || put32(c, a[1], 0)) return E_FAULT;
      return E_SUCCESS;
    case F_ARGS_GET:
      if (c->argv0) {
        size_t n = strlen(c->argv0) + 1;
        uint8_t *buf = gptr(c, a[1], n);
        if (!buf || put32(c, a[0], (uint32_t)a[1])) return E_FAULT;
        memcpy(buf, c->argv0, n);
      }
      return E_SUCCESS;
    case F_ENVIRON_GET:
      return E_SUCCESS;
    case F_CLOCK_TIME_GET:
      return clock_get(c, a, false);
    case F_CLOCK_RES_GET:
      return clock_get(c, a, true);
    case F_RANDOM_GET: {
      uint8_t *d = gptr(c, a[0], a[1]);
      if (!d) return E_FAULT;
      size_t len = (size_t)a[1], got = 0;
      while (got < len) {
        ssize_t r = getrandom(d + got, len - got, 0);
        if (r <= 0) return E_IO;
        got += (size_t)r;
      }
      return E_SUCCESS;
    }
    case F_PROC_EXIT:
      c->exit_code = (int)(uint32_t)a[0];
      *trap = DW_TRAP_EXIT;
      return 0;
  }
  return E_NOSYS;
}
