/* wasm/cache: see cache.h. */
#include "wasm/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/errf.h"
#include "wasm/compile.h"
#include "wasm/sha256.h"
#include "wasm/spawn.h"

enum { STALE_PUT_S = 3600 }; /* a put-* file this old was left by a process that died */

int dw_wasm_cache_dir(const char *given, char *out, size_t size) {
  const char *e;
  if (given && *given)
    snprintf(out, size, "%s", given);
  else if ((e = getenv("DAGWOOD_CACHE_DIR")) && *e)
    snprintf(out, size, "%s", e);
  else if ((e = getenv("XDG_CACHE_HOME")) && *e)
    snprintf(out, size, "%s/dagwood", e);
  else if ((e = getenv("HOME")) && *e)
    snprintf(out, size, "%s/.cache/dagwood", e);
  else
    return -1;
  return 0;
}

/* ------------------------------------------------------------ checks */

static void owner_text(uid_t uid, char *out, size_t size) {
  struct passwd pw, *r = NULL;
  char buf[1024];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &r) == 0 && r)
    snprintf(out, size, "%s (uid %u)", r->pw_name, (unsigned)uid);
  else
    snprintf(out, size, "uid %u", (unsigned)uid);
}

/* Is st (of `path`, a folder when dir) fit to trust? 0, or -1 with the
 * message. */
static int check(const struct stat *st, bool dir, const char *path, char *err, size_t errlen) {
  const char *what = dir ? "cache folder" : "cached file";
  const char *fix = dir ? "use a private folder (chmod 700) or set DAGWOOD_CACHE_DIR"
                        : "remove it (dagwood cache clear)";
  if (S_ISLNK(st->st_mode))
    return dw_errf(err, errlen, "%s %s is a symbolic link; %s", what, path,
                   dir ? "set DAGWOOD_CACHE_DIR to a real folder of your own"
                       : "remove it (dagwood cache clear)");
  if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
    return dw_errf(err, errlen, "%s %s is not a %s; %s", what, path,
                   dir ? "folder" : "regular file",
                   dir ? "set DAGWOOD_CACHE_DIR to a folder of your own" : fix);
  if (st->st_uid != geteuid()) {
    char who[300];
    owner_text(st->st_uid, who, sizeof who);
    return dw_errf(err, errlen, "%s %s belongs to %s, not to you (uid %u); %s", what, path, who,
                   (unsigned)geteuid(),
                   dir ? "use a folder of your own or set DAGWOOD_CACHE_DIR" : fix);
  }
  if (st->st_mode & 022)
    return dw_errf(err, errlen, "%s %s is writable by %s (mode %04o); %s", what, path,
                   st->st_mode & 002 ? "others" : "its group", (unsigned)(st->st_mode & 07777),
                   fix);
  return 0;
}

/* The parents of path, created 0700 where missing. */
static void make_parents(const char *path) {
  char tmp[4096];
  size_t n = strlen(path);
  if (n >= sizeof tmp) return;
  memcpy(tmp, path, n + 1);
  for (size_t i = 1; i < n; i++)
    if (tmp[i] == '/') {
      tmp[i] = 0;
      mkdir(tmp, 0700);
      tmp[i] = '/';
    }
}

/* Open folder `name` in `at` (shown as `shown`) and check it. The
 * descriptor; -2 when absent and !create; -1 with the message. */
static int open_dir(int at, const char *name, const char *shown, bool create, char *err,
                    size_t errlen) {
  const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = openat(at, name, flags);
  if (fd < 0 && errno == ENOENT && create) {
    if (at == AT_FDCWD) make_parents(name);
    if (mkdirat(at, name, 0700) != 0 && errno != EEXIST)
      return dw_errf(err, errlen, "cannot create the cache folder %s: %s", shown, strerror(errno));
    fd = openat(at, name, flags);
  }
  if (fd < 0) {
    int e = errno;
    struct stat st;
    if (e == ENOENT && !create) return -2;
    if ((e == ELOOP || e == ENOTDIR) && fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        check(&st, true, shown, err, errlen))
      return -1;
    return dw_errf(err, errlen, "cannot open the cache folder %s: %s", shown, strerror(e));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return dw_errf(err, errlen, "cannot read the cache folder %s: %s", shown, strerror(errno));
  }
  if (check(&st, true, shown, err, errlen)) {
    close(fd);
    return -1;
  }
  return fd;
}

int dw_cache_open(const char *given, bool create, dw_cache *c, char *err, size_t errlen) {
  c->dirfd = -1;
  char base[3800];
  if (dw_wasm_cache_dir(given, base, sizeof base))
    return dw_errf(err, errlen, "no cache folder: set DAGWOOD_CACHE_DIR or HOME");
  snprintf(c->path, sizeof c->path, "%s/wasm", base);
  int bfd = open_dir(AT_FDCWD, base, base, create, err, errlen);
  if (bfd == -2) return 1;
  if (bfd < 0) return -1;
  c->dirfd = open_dir(bfd, "wasm", c->path, create, err, errlen);
  close(bfd);
  if (c->dirfd == -2) {
    c->dirfd = -1;
    return 1;
  }
  return c->dirfd < 0 ? -1 : 0;
}

void dw_cache_close(dw_cache *c) {
  if (c->dirfd >= 0) close(c->dirfd);
  c->dirfd = -1;
}

int dw_cache_open_file(const dw_cache *c, const char *name, char *err, size_t errlen) {
  char shown[4400];
  err[0] = 0;
  /* O_NONBLOCK: a FIFO in its place must not hang the open */
  int fd = openat(c->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  snprintf(shown, sizeof shown, "%s/%s", c->path, name);
  struct stat st;
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT) return -1;
    if (e == ELOOP && fstatat(c->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        check(&st, false, shown, err, errlen))
      return -1;
    return dw_errf(err, errlen, "cannot open the cached file %s: %s", shown, strerror(e));
  }
  if (fstat(fd, &st) != 0 || check(&st, false, shown, err, errlen)) {
    if (!err[0]) dw_errf(err, errlen, "cannot read the cached file %s: %s", shown, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

char *dw_cache_read(const dw_cache *c, const char *name, size_t max, size_t *len, char *err,
                    size_t errlen) {
  int fd = dw_cache_open_file(c, name, err, errlen);
  return fd < 0 ? NULL : dw_read_fd(fd, max, len);
}

char *dw_read_fd(int fd, size_t max, size_t *len) {
  struct stat st;
  char *buf = NULL;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= max)
    buf = malloc((size_t)st.st_size + 1);
  size_t got = 0;
  while (buf && got < (size_t)st.st_size) {
    ssize_t r = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (!buf || got != (size_t)st.st_size) {
    free(buf);
    return NULL;
  }
  buf[got] = 0;
  if (len) *len = got;
  return buf;
}

static void random_suffix(char *out, size_t n) {
  static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  uint8_t r[16];
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20) ^ (uint64_t)(uintptr_t)out;
    for (size_t i = 0; i < sizeof r; i++)
      x = x * 6364136223846793005u + 1, r[i] = (uint8_t)(x >> 56);
  }
  size_t k = 0;
  for (; k + 1 < n && k < sizeof r; k++) out[k] = abc[r[k] % (sizeof abc - 1)];
  out[k] = 0;
}

int dw_cache_put(const dw_cache *c, const char *name, const void *data, size_t len, char *err,
                 size_t errlen) {
  char tmp[32] = "put-";
  random_suffix(tmp + 4, sizeof tmp - 4);
  int fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return dw_errf(err, errlen, "cannot write to the cache %s: %s", c->path, strerror(errno));
  const uint8_t *p = data;
  int e = 0;
  while (len && !e) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) e = w < 0 ? errno : EIO;
    if (w > 0) p += w, len -= (size_t)w;
  }
  if (!e && fsync(fd) != 0) e = errno;
  if (close(fd) != 0 && !e) e = errno;
  if (!e && renameat(c->dirfd, tmp, c->dirfd, name) != 0) e = errno;
  if (e) {
    unlinkat(c->dirfd, tmp, 0);
    return dw_errf(err, errlen, "cannot write to the cache %s: %s", c->path, strerror(e));
  }
  return 0;
}

int dw_cache_lock(const dw_cache *c, const char *name, uint64_t deadline_ns, char *err,
                  size_t errlen) {
  char shown[4400];
  snprintf(shown, sizeof shown, "%s/%s", c->path, name);
  int fd = openat(c->dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  struct stat st;
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP && fstatat(c->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        check(&st, false, shown, err, errlen))
      return -1;
    return dw_errf(err, errlen, "cannot create the lock %s: %s", shown, strerror(e));
  }
  if (fstat(fd, &st) != 0 || check(&st, false, shown, err, errlen)) {
    close(fd);
    return -1;
  }
  long nap_us = 2000;
  for (;;) {
    if (flock(fd, deadline_ns ? LOCK_EX | LOCK_NB : LOCK_EX) == 0) return fd;
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) {
      int e = errno;
      close(fd);
      return dw_errf(err, errlen, "cannot lock %s: %s", shown, strerror(e));
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (now >= deadline_ns) {
      close(fd);
      return -2;
    }
    /* another process compiles the same module: wait for it */
    uint64_t left_us = (deadline_ns - now) / 1000u + 1;
    ts.tv_sec = 0;
    ts.tv_nsec = (long)((uint64_t)nap_us < left_us ? (uint64_t)nap_us : left_us) * 1000;
    nanosleep(&ts, NULL);
    if (nap_us < 100000) nap_us *= 2;
  }
}

void dw_cache_remove(const dw_cache *c, const char *name) { unlinkat(c->dirfd, name, 0); }

int dw_fd_sha256(int fd, char hex[65]) {
  dw_sha256 s;
  dw_sha256_init(&s);
  static const size_t chunk = 65536;
  uint8_t *buf = malloc(chunk);
  if (!buf) return -1;
  off_t off = 0;
  for (;;) {
    ssize_t r = pread(fd, buf, chunk, off);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      free(buf);
      return -1;
    }
    if (r == 0) break;
    dw_sha256_update(&s, buf, (size_t)r);
    off += r;
  }
  free(buf);
  uint8_t d[32];
  dw_sha256_final(&s, d);
  dw_sha256_hex(d, hex);
  return 0;
}

/* ------------------------------------------------------ list and clear */

/* "<64 lowercase hex digits><suffix>"? */
static bool key_name(const char *name, const char *suffix) {
  for (int i = 0; i < 64; i++)
    if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f'))) return false;
  return !strcmp(name + 64, suffix);
}

/* The cache's entries, one by one: fn(c, name, user). */
static int each_entry(const dw_cache *c, void (*fn)(const dw_cache *, const char *, void *),
                      void *user, char *err, size_t errlen) {
  int fd = fcntl(c->dirfd, F_DUPFD_CLOEXEC, 3);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    if (fd >= 0) close(fd);
    return dw_errf(err, errlen, "cannot read the cache folder %s: %s", c->path, strerror(errno));
  }
  rewinddir(d);
  struct dirent *e;
  while ((e = readdir(d))) fn(c, e->d_name, user);
  closedir(d);
  return 0;
}

typedef struct list_ctx {
  void (*fn)(void *user, const char *path, uint64_t bytes, int64_t mtime);
  void *user;
  int n;
} list_ctx;

static void list_one(const dw_cache *c, const char *name, void *user) {
  list_ctx *l = user;
  bool so = key_name(name, ".so");
  if (!so && !key_name(name, ".fail")) return;
  struct stat st;
  if (fstatat(c->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", c->path, name);
  if (l->fn) l->fn(l->user, path, (uint64_t)st.st_size, (int64_t)st.st_mtime);
  if (so) l->n++;
}

int dw_cache_list(const char *given,
                  void (*fn)(void *user, const char *path, uint64_t bytes, int64_t mtime),
                  void *user, char *err, size_t errlen) {
  dw_cache c;
  int r = dw_cache_open(given, false, &c, err, errlen);
  if (r) return r > 0 ? 0 : -1;
  list_ctx l = {fn, user, 0};
  r = each_entry(&c, list_one, &l, err, errlen);
  dw_cache_close(&c);
  return r ? -1 : l.n;
}

static void clear_one(const dw_cache *c, const char *name, void *user) {
  int *n = user;
  if (key_name(name, ".so")) {
    if (unlinkat(c->dirfd, name, 0) == 0) ++*n;
  } else if (key_name(name, ".sha256") || key_name(name, ".fail") || key_name(name, ".lock")) {
    unlinkat(c->dirfd, name, 0);
  } else if (!strncmp(name, "put-", 4)) {
    struct stat st;
    if (fstatat(c->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        st.st_mtime + STALE_PUT_S < time(NULL))
      unlinkat(c->dirfd, name, 0);
  } else if (!strncmp(name, "tmp-", 4)) {
    /* a build folder: its supervisor holds a lock on it while it lives */
    int fd = openat(c->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) dw_spawn_remove_folder(c->dirfd, name, fd);
    close(fd);
  }
}

int dw_cache_clear(const char *given, char *err, size_t errlen) {
  dw_cache c;
  int r = dw_cache_open(given, false, &c, err, errlen);
  if (r) return r > 0 ? 0 : -1;
  int n = 0;
  r = each_entry(&c, clear_one, &n, err, errlen);
  dw_cache_close(&c);
  return r ? -1 : n;
}
