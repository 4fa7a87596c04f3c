/* wasm/spawn: see spawn.h. The caller (any thread) and the supervisor talk
 * over a SOCK_SEQPACKET socket pair: the caller sends RUN (limits, log
 * name, argv), the supervisor answers STARTED (the step's pid) and then how
 * the step ended; KEEP asks it to leave the folder; the end of the socket
 * (the build closed, or the caller died) makes it clean up and exit. */
#include "wasm/spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/errf.h"

extern char **environ;

enum {
  MSG_MAX = 32768,
  MAX_ARGS = 64,
  NPROC_MARGIN = 1024,    /* processes a step may add to the user's current count */
  REPLY_GRACE_MS = 10000, /* how much longer than a step the caller waits for its reply */
  PROBE_CPU_S = 10,
  TAIL_BYTES = 480, /* of a failed step's log, in its message */
};

enum { MSG_RUN = 1, MSG_KEEP, MSG_READY, MSG_STARTED, MSG_END };
/* how a step ended (MSG_END.what) */
enum { END_EXITED = 1, END_SIGNALED, END_TIMEOUT, END_NO_FORK, END_NO_EXEC };

typedef struct run_msg {
  uint32_t type; /* MSG_RUN */
  uint32_t cpu_s;
  uint64_t mem_bytes, file_bytes, nproc;
  uint64_t wall_ms;
  uint32_t nstr; /* NUL-terminated strings that follow: the log name, then argv */
} run_msg;

typedef struct reply_msg {
  uint32_t type; /* MSG_READY, MSG_STARTED, MSG_END */
  int32_t what;  /* MSG_END: END_* */
  int32_t code;  /* READY: errno; STARTED: pid; END: status, signal or errno */
  uint64_t cpu_us;
} reply_msg;

struct dw_build {
  pid_t sup;    /* the supervisor; 0 once reaped */
  int sock;     /* to the supervisor; -1 once it is gone */
  int parentfd; /* the directory the folder is in (a dup) */
  int dirfd;    /* the private folder */
  char name[64];
  dw_limits lim;
  uint64_t deadline_ns;
  uint64_t nproc;
  unsigned steps;
  char **envp; /* the caller's environment with TMPDIR and LC_ALL set */
  char *tmpdir_var;
  char msg[MSG_MAX];
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------ child side (signal-safe) */

static void close_range_(unsigned lo, unsigned hi) {
  if (lo > hi) return;
  if (syscall(SYS_close_range, lo, hi, 0) == 0) return;
  for (unsigned fd = lo; fd <= hi && fd < 65536; fd++) close((int)fd);
}

/* Close every descriptor from 3 up except keep_a and keep_b (-1: none). */
static void close_others(int keep_a, int keep_b) {
  int a = keep_a < keep_b ? keep_a : keep_b, b = keep_a < keep_b ? keep_b : keep_a;
  unsigned lo = 3;
  if (a >= 3) close_range_(lo, (unsigned)a - 1), lo = (unsigned)a + 1;
  if (b >= 3 && b != a) close_range_(lo, (unsigned)b - 1), lo = (unsigned)b + 1;
  close_range_(lo, ~0u);
}

/* Every handler back to the default (the caller's handlers are not meant
 * for a child), nothing blocked. */
static void default_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP) sigaction(s, &sa, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Lower (never raise) a limit: the hard limit too, so the tool cannot lift
 * it again. */
static void limit(int res, rlim_t soft, rlim_t hard) {
  struct rlimit cur;
  if (getrlimit(res, &cur) != 0) return;
  if (cur.rlim_max != RLIM_INFINITY && hard > cur.rlim_max) hard = cur.rlim_max;
  if (soft > hard) soft = hard;
  if (cur.rlim_cur != RLIM_INFINITY && soft > cur.rlim_cur) soft = cur.rlim_cur;
  struct rlimit r = {soft, hard};
  setrlimit(res, &r);
}

static void apply_limits(uint32_t cpu_s, uint64_t mem, uint64_t fsize, uint64_t nproc) {
  /* SIGXCPU at the soft limit, SIGKILL a little later if it is caught */
  limit(RLIMIT_CPU, cpu_s, (rlim_t)cpu_s + 2);
  limit(RLIMIT_AS, mem, mem);
  limit(RLIMIT_FSIZE, fsize, fsize);
  limit(RLIMIT_CORE, 0, 0);
  if (nproc) limit(RLIMIT_NPROC, nproc, nproc);
}

/* Make the child die with the process that forked it; 0, or -1 when that
 * one is gone already (the race prctl leaves). */
static int die_with(pid_t parent, int sig) {
  prctl(PR_SET_PDEATHSIG, sig);
  return getppid() == parent ? 0 : -1;
}

static void put(int sock, uint32_t type, int32_t what, int32_t code, uint64_t cpu_us) {
  reply_msg r;
  memset(&r, 0, sizeof r); /* the padding too: it crosses a socket */
  r.type = type, r.what = what, r.code = code, r.cpu_us = cpu_us;
  while (send(sock, &r, sizeof r, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

/* Remove what is in the folder fd (depth-first, never following a link),
 * without malloc. */
static void empty_dir(int fd, int depth) {
  _Alignas(8) char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    int removed = 0;
    for (long off = 0; off < n;) {
      struct dirent64_ {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[];
      } *d = (void *)(buf + off);
      off += d->reclen;
      if (!strcmp(d->name, ".") || !strcmp(d->name, "..")) continue;
      if (unlinkat(fd, d->name, 0) == 0) {
        removed++;
        continue;
      }
      if (depth < 8) {
        int sub = openat(fd, d->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) {
          empty_dir(sub, depth + 1);
          close(sub);
        }
      }
      if (unlinkat(fd, d->name, AT_REMOVEDIR) == 0) removed++;
    }
    /* entries went away under the reading position: read from the start */
    if (removed) lseek(fd, 0, SEEK_SET);
  }
}

void dw_spawn_remove_folder(int parentfd, const char *name, int fd) {
  if (fd >= 0) {
    lseek(fd, 0, SEEK_SET);
    empty_dir(fd, 0);
  }
  unlinkat(parentfd, name, AT_REMOVEDIR);
}

static void wake(int sig) { (void)sig; }

/* Kill and reap every child of the supervisor: a step's processes left
 * behind come to it (it is their subreaper) wherever they went. */
static void reap_all(void) {
  char path[64] = "/proc/self/task/", buf[4096];
  pid_t self = getpid();
  /* the path by hand: snprintf is not async-signal-safe */
  size_t n = strlen(path), d = 0;
  char digits[16];
  for (pid_t v = self; v > 0 && d < sizeof digits; v /= 10) digits[d++] = (char)('0' + v % 10);
  while (d) path[n++] = digits[--d];
  memcpy(path + n, "/children", sizeof "/children");
  for (int round = 0; round < 200; round++) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0) close(fd);
    for (ssize_t i = 0; i < got;) {
      pid_t pid = 0;
      while (i < got && buf[i] >= '0' && buf[i] <= '9') pid = pid * 10 + (buf[i++] - '0');
      if (pid > 0) kill(pid, SIGKILL);
      i++;
    }
    pid_t r;
    while ((r = waitpid(-1, NULL, WNOHANG)) > 0) {
    }
    if (r < 0 && errno == ECHILD) return;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
}

/* A step: the tool, in its own process group, in the folder. */
static _Noreturn void step_child(pid_t sup, int folder, const char *logname, char *const argv[],
                                 char *const envp[], const run_msg *m, int errpipe) {
  setpgid(0, 0);
  if (die_with(sup, SIGKILL)) _exit(127);
  default_signals();
  int e = 0;
  int log = -1, nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fchdir(folder) != 0 ||
      (log = openat(folder, logname, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                    0600)) < 0 ||
      nul < 0 || dup2(nul, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0)
    e = errno ? errno : EIO;
  if (!e) {
    apply_limits(m->cpu_s, m->mem_bytes, m->file_bytes, m->nproc);
    close_others(errpipe, -1);
    execve(argv[0], argv, envp);
    e = errno;
  }
  while (write(errpipe, &e, sizeof e) < 0 && errno == EINTR) {
  }
  _exit(127);
}

/* Is the caller gone? Its end of the socket closed, or it died. A message
 * out of turn is dropped. */
static int caller_gone(int sock, pid_t parent) {
  if (getppid() != parent) return 1;
  char c;
  ssize_t r = recv(sock, &c, 1, MSG_DONTWAIT | MSG_TRUNC);
  return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void kill_step(pid_t pid, struct rusage *ru, int *status) {
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
  while (wait4(pid, status, 0, ru) < 0 && errno == EINTR) {
  }
  reap_all();
}

/* Run one step and report it. 0, or -1 when the caller is gone (the step
 * killed). */
static int run_step(int sock, pid_t parent, int folder, char *msg, size_t len, char *const envp[]) {
  run_msg m;
  memcpy(&m, msg, sizeof m);
  char *argv[MAX_ARGS + 1];
  const char *logname = NULL;
  size_t k = 0, pos = sizeof m;
  for (uint32_t i = 0; i < m.nstr && pos < len && k < MAX_ARGS; i++) {
    char *s = msg + pos;
    char *end = memchr(s, 0, len - pos);
    if (!end) break;
    if (i == 0)
      logname = s;
    else
      argv[k++] = s;
    pos = (size_t)(end - msg) + 1;
  }
  argv[k] = NULL;
  if (!logname || k == 0) {
    put(sock, MSG_END, END_NO_EXEC, EINVAL, 0);
    return 0;
  }
  int ep[2];
  if (pipe2(ep, O_CLOEXEC) != 0) {
    put(sock, MSG_END, END_NO_FORK, errno, 0);
    return 0;
  }
  pid_t self = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    close(ep[0]);
    step_child(self, folder, logname, argv, envp, &m, ep[1]);
  }
  int fork_errno = errno;
  close(ep[1]);
  if (pid < 0) {
    close(ep[0]);
    put(sock, MSG_END, END_NO_FORK, fork_errno, 0);
    return 0;
  }
  setpgid(pid, pid); /* also here: no window where it is in ours */
  put(sock, MSG_STARTED, 0, pid, 0);
  int e = 0;
  ssize_t got;
  while ((got = read(ep[0], &e, sizeof e)) < 0 && errno == EINTR) {
  }
  close(ep[0]);
  struct rusage ru;
  int status = 0;
  memset(&ru, 0, sizeof ru);
  if (got == (ssize_t)sizeof e) {
    kill_step(pid, &ru, &status);
    put(sock, MSG_END, END_NO_EXEC, e, 0);
    return 0;
  }
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  uint64_t end = now_ns() + m.wall_ms * 1000000u;
  int done = 0, timed_out = 0;
  for (;;) {
    if (pfd < 0) {
      pid_t r = wait4(pid, &status, WNOHANG, &ru);
      if (r == pid) {
        done = 1;
        break;
      }
    }
    uint64_t now = now_ns();
    if (now >= end) {
      timed_out = 1;
      break;
    }
    uint64_t left_ms = (end - now) / 1000000u + 1;
    int wait_ms = pfd < 0 ? 20 : left_ms > 60000 ? 60000 : (int)left_ms;
    if (pfd < 0 && left_ms < 20) wait_ms = (int)left_ms;
    struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = pfd, .events = POLLIN}};
    int n = poll(p, pfd < 0 ? 1 : 2, wait_ms);
    if ((n < 0 && errno == EINTR) || (n > 0 && p[0].revents)) {
      if (caller_gone(sock, parent)) {
        kill_step(pid, &ru, &status);
        if (pfd >= 0) close(pfd);
        return -1;
      }
    }
    if (n > 0 && pfd >= 0 && p[1].revents) break;
  }
  if (pfd >= 0) close(pfd);
  if (timed_out) {
    kill_step(pid, &ru, &status);
    put(sock, MSG_END, END_TIMEOUT, 0, 0);
    return 0;
  }
  if (!done)
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
  kill(-pid, SIGKILL); /* what the tool left running in its group */
  reap_all();
  uint64_t cpu = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec +
                 (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
  if (WIFSIGNALED(status))
    put(sock, MSG_END, END_SIGNALED, WTERMSIG(status), cpu);
  else
    put(sock, MSG_END, END_EXITED, WEXITSTATUS(status), cpu);
  return 0;
}

static _Noreturn void supervise(int sock, int parentfd, const char *name, char *const envp[],
                                pid_t parent, char *msg) {
  /* out of the terminal's foreground group: Ctrl-C reaches the caller only */
  setpgid(0, 0);
  default_signals();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = wake; /* only to interrupt poll: then the parent is checked */
  sigaction(SIGHUP, &sa, NULL);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, NULL);
  if (die_with(parent, SIGHUP)) _exit(0);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  /* descriptors: ours above 2, the standard ones on /dev/null, no other */
  if (sock <= 2) sock = fcntl(sock, F_DUPFD_CLOEXEC, 3);
  if (parentfd <= 2) parentfd = fcntl(parentfd, F_DUPFD_CLOEXEC, 3);
  int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (nul >= 0) dup2(nul, 0), dup2(nul, 1), dup2(nul, 2);
  close_others(sock, parentfd);
  int folder = -1, e = 0;
  if (mkdirat(parentfd, name, 0700) != 0) {
    put(sock, MSG_READY, 0, errno, 0);
    _exit(1);
  }
  if ((folder = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    e = errno;
  else
    flock(folder, LOCK_EX | LOCK_NB); /* "in use", for dagwood cache clear */
  put(sock, MSG_READY, 0, e, 0);
  if (e) {
    unlinkat(parentfd, name, AT_REMOVEDIR);
    _exit(1);
  }
  int keep = 0;
  for (;;) {
    struct pollfd p = {.fd = sock, .events = POLLIN};
    int n = poll(&p, 1, -1);
    if (n < 0) {
      if (errno == EINTR && getppid() == parent) continue;
      break;
    }
    ssize_t got = recv(sock, msg, MSG_MAX, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < (ssize_t)sizeof(uint32_t)) break; /* the end: closed, or the caller died */
    uint32_t type;
    memcpy(&type, msg, sizeof type);
    if (type == MSG_KEEP) {
      keep = 1;
    } else if (type == MSG_RUN && (size_t)got >= sizeof(run_msg)) {
      if (run_step(sock, parent, folder, msg, (size_t)got, envp)) {
        keep = 0;
        break;
      }
    }
  }
  if (!keep || getppid() != parent) dw_spawn_remove_folder(parentfd, name, folder);
  _exit(0);
}

/* ----------------------------------------------------- caller side */

/* How many tasks the real user runs now (RLIMIT_NPROC counts threads):
 * best effort, 0 when /proc cannot be read. */
static uint64_t user_tasks(void) {
  DIR *d = opendir("/proc");
  if (!d) return 0;
  uid_t me = getuid();
  uint64_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, 0) != 0 || st.st_uid != me) continue;
    char path[300], buf[1024];
    snprintf(path, sizeof path, "%s/stat", e->d_name);
    int fd = openat(dirfd(d), path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0) continue;
    buf[r] = 0;
    /* num_threads is the 18th field after the command's closing ')' */
    char *p = strrchr(buf, ')');
    for (int f = 0; p && f < 18; f++) p = strchr(p + 1, ' ');
    n += p ? strtoull(p + 1, NULL, 10) : 1;
  }
  closedir(d);
  return n;
}

/* The caller's environment with TMPDIR=tmpdir (when given) and LC_ALL=C. */
static char **child_env(char *tmpdir_var) {
  size_t n = 0;
  for (char **e = environ; e && *e; e++) n++;
  char **env = malloc((n + 3) * sizeof *env);
  if (!env) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const char *v = environ[i];
    if ((tmpdir_var && !strncmp(v, "TMPDIR=", 7)) || !strncmp(v, "LC_ALL=", 7)) continue;
    env[k++] = environ[i];
  }
  if (tmpdir_var) env[k++] = tmpdir_var;
  env[k++] = "LC_ALL=C";
  env[k] = NULL;
  return env;
}

static void random_name(const char *prefix, char *out, size_t size) {
  static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint8_t r[12];
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
    uint64_t x = now_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)out;
    for (size_t i = 0; i < sizeof r; i++)
      x = x * 6364136223846793005u + 1, r[i] = (uint8_t)(x >> 56);
  }
  size_t n = (size_t)snprintf(out, size, "%s", prefix);
  for (size_t i = 0; i < sizeof r && n + 1 < size; i++) out[n++] = abc[r[i] % (sizeof abc - 1)];
  out[n < size ? n : size - 1] = 0;
}

/* One reply from the supervisor within timeout_ms. 0, or -1 (gone, or no
 * answer in time). */
static int get_reply(dw_build *b, reply_msg *r, uint64_t timeout_ms) {
  uint64_t end = now_ns() + timeout_ms * 1000000u;
  for (;;) {
    uint64_t now = now_ns();
    if (now >= end) return -1;
    uint64_t left = (end - now) / 1000000u + 1;
    struct pollfd p = {.fd = b->sock, .events = POLLIN};
    int n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
    if (n < 0 && errno != EINTR) return -1;
    if (n <= 0) continue;
    ssize_t got = recv(b->sock, r, sizeof *r, 0);
    if (got < 0 && errno == EINTR) continue;
    return got == (ssize_t)sizeof *r ? 0 : -1;
  }
}

/* The supervisor stopped answering: kill it, and the step it ran. */
static void abandon(dw_build *b, pid_t step) {
  if (step > 0) kill(-step, SIGKILL);
  if (b->sup > 0) {
    kill(b->sup, SIGKILL);
    while (waitpid(b->sup, NULL, 0) < 0 && errno == EINTR) {
    }
    b->sup = 0;
  }
  if (b->sock >= 0) close(b->sock);
  b->sock = -1;
}

void dw_build_close(dw_build *b, bool keep) {
  if (!b) return;
  if (b->sock >= 0) {
    if (keep) {
      uint32_t t = MSG_KEEP;
      send(b->sock, &t, sizeof t, MSG_NOSIGNAL);
    }
    close(b->sock);
    b->sock = -1;
  }
  if (b->sup > 0)
    while (waitpid(b->sup, NULL, 0) < 0 && errno == EINTR) {
    }
  else if (!keep && b->dirfd >= 0)
    dw_spawn_remove_folder(b->parentfd, b->name, b->dirfd); /* the supervisor could not */
  if (b->dirfd >= 0) close(b->dirfd);
  if (b->parentfd >= 0) close(b->parentfd);
  free(b->envp);
  free(b->tmpdir_var);
  free(b);
}

int dw_build_open(dw_build **out, int dirfd, const char *dir_path, const char *prefix,
                  const dw_limits *lim, uint64_t deadline_ns, char *err, size_t errlen) {
  *out = NULL;
  dw_build *b = calloc(1, sizeof *b);
  if (!b) return dw_errf(err, errlen, "out of memory");
  b->sock = b->dirfd = b->parentfd = -1;
  b->lim = *lim;
  b->deadline_ns = deadline_ns;
  random_name(prefix, b->name, sizeof b->name);
  size_t tl = strlen(dir_path) + strlen(b->name) + 16;
  b->tmpdir_var = malloc(tl);
  if (b->tmpdir_var) snprintf(b->tmpdir_var, tl, "TMPDIR=%s/%s", dir_path, b->name);
  b->envp = b->tmpdir_var ? child_env(b->tmpdir_var) : NULL;
  if (!b->envp) {
    dw_build_close(b, false);
    return dw_errf(err, errlen, "out of memory");
  }
  uint64_t tasks = user_tasks();
  b->nproc = tasks ? tasks + NPROC_MARGIN : 0;
  b->parentfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
  int sv[2];
  if (b->parentfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    dw_errf(err, errlen, "cannot start the compile supervisor: %s", strerror(errno));
    dw_build_close(b, false);
    return -1;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    supervise(sv[1], b->parentfd, b->name, b->envp, parent, b->msg);
  }
  int fork_errno = errno;
  close(sv[1]);
  b->sock = sv[0];
  if (pid < 0) {
    dw_errf(err, errlen, "cannot start the compile supervisor: %s", strerror(fork_errno));
    dw_build_close(b, false);
    return -1;
  }
  b->sup = pid;
  reply_msg r;
  if (get_reply(b, &r, REPLY_GRACE_MS) || r.type != MSG_READY) {
    abandon(b, 0);
    dw_errf(err, errlen, "the compile supervisor did not start");
    dw_build_close(b, false);
    return -1;
  }
  if (r.code) {
    dw_errf(err, errlen, "cannot create a build folder in %s: %s", dir_path, strerror(r.code));
    dw_build_close(b, false);
    return -1;
  }
  b->dirfd = openat(b->parentfd, b->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (b->dirfd < 0 || fstat(b->dirfd, &st) != 0 || st.st_uid != geteuid() ||
      (st.st_mode & 077) != 0) {
    dw_errf(err, errlen, "the build folder %s/%s is not the private folder just made", dir_path,
            b->name);
    dw_build_close(b, false);
    return -1;
  }
  *out = b;
  return 0;
}

int dw_build_dirfd(const dw_build *b) { return b->dirfd; }
const char *dw_build_name(const dw_build *b) { return b->name; }

/* ------------------------------------------------------- the verdict */

static void fmt_bytes(uint64_t n, char *out, size_t size) {
  if (n >= (1u << 30) && n % (1u << 30) == 0)
    snprintf(out, size, "%llu GiB", (unsigned long long)(n >> 30));
  else
    snprintf(out, size, "%llu MiB", (unsigned long long)(n >> 20));
}

/* The end of a step's log, on one line of printable text. */
static void log_tail(int dirfd, const char *name, char *out, size_t size) {
  out[0] = 0;
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  char buf[TAIL_BYTES + 1];
  ssize_t n = 0;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    off_t from = st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
    n = pread(fd, buf, TAIL_BYTES, from);
  }
  close(fd);
  size_t k = 0;
  for (ssize_t i = 0; i < n && k + 1 < size; i++) {
    unsigned char c = (unsigned char)buf[i];
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c < 32 || c > 126) c = '?';
    if (c == ' ' && (k == 0 || out[k - 1] == ' ')) continue;
    out[k++] = (char)c;
  }
  while (k && out[k - 1] == ' ') k--;
  out[k] = 0;
}

static bool log_says(const char *tail, const char *const *what) {
  for (; *what; what++)
    if (strstr(tail, *what)) return true;
  return false;
}

static const char *const cpu_words[] = {"CPU time limit exceeded", NULL};
static const char *const fsize_words[] = {"File size limit exceeded", NULL};
static const char *const mem_words[] = {"out of memory", "memory exhausted",
                                        "Cannot allocate memory", "std::bad_alloc", NULL};
/* the system, not the input: a process of the tool killed from outside
 * (the kernel's OOM killer), no process slot or no disk space left */
static const char *const system_words[] = {"Killed signal terminated",
                                           "Resource temporarily unavailable",
                                           "No space left on device", "Disk quota exceeded", NULL};

static dw_step_end verdict(const dw_build *b, const char *tool, const reply_msg *r,
                           const char *logname, char *err, size_t errlen) {
  char tail[TAIL_BYTES + 8], sz[32];
  log_tail(b->dirfd, logname, tail, sizeof tail);
  const char *sep = tail[0] ? ": " : "";
  bool cpu_hit = r->cpu_us >= (uint64_t)b->lim.cpu_s * 1000000u;
  if (r->what == END_SIGNALED) {
    int sig = r->code;
    if (sig == SIGXCPU || (sig == SIGKILL && cpu_hit) ||
        (sig != SIGKILL && log_says(tail, cpu_words))) {
      dw_errf(err, errlen, "%s exceeded dagwood's compile limit of %u s CPU time", tool,
              b->lim.cpu_s);
      return DW_STEP_FAILED;
    }
    if (sig == SIGXFSZ) {
      fmt_bytes(b->lim.file_bytes, sz, sizeof sz);
      dw_errf(err, errlen, "%s exceeded dagwood's compile limit of %s per output file", tool, sz);
      return DW_STEP_FAILED;
    }
    if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT) {
      dw_errf(err, errlen, "%s was stopped from outside (signal %d)", tool, sig);
      return DW_STEP_TRANSIENT;
    }
    if (log_says(tail, mem_words)) {
      fmt_bytes(b->lim.mem_bytes, sz, sizeof sz);
      dw_errf(err, errlen, "%s exceeded dagwood's compile limit of %s of memory%s%s", tool, sz, sep,
              tail);
      return DW_STEP_FAILED;
    }
    const char *d = sigdescr_np(sig);
    char desc[64];
    snprintf(desc, sizeof desc, "%s", d ? d : "unknown signal");
    desc[0] = (char)(desc[0] >= 'A' && desc[0] <= 'Z' ? desc[0] - 'A' + 'a' : desc[0]);
    dw_errf(err, errlen, "%s crashed (signal %d, %s)%s%s", tool, sig, desc, sep, tail);
    return DW_STEP_FAILED;
  }
  /* exited with a status: the tool's own error, or one of its processes
   * (cc1, as, ld) stopped by a limit, as the tool reports it */
  if (log_says(tail, cpu_words)) {
    dw_errf(err, errlen, "%s exceeded dagwood's compile limit of %u s CPU time", tool,
            b->lim.cpu_s);
    return DW_STEP_FAILED;
  }
  if (log_says(tail, fsize_words)) {
    fmt_bytes(b->lim.file_bytes, sz, sizeof sz);
    dw_errf(err, errlen, "%s exceeded dagwood's compile limit of %s per output file", tool, sz);
    return DW_STEP_FAILED;
  }
  if (log_says(tail, system_words)) {
    dw_errf(err, errlen, "%s failed for want of system resources (not remembered)%s%s", tool, sep,
            tail);
    return DW_STEP_TRANSIENT;
  }
  if (log_says(tail, mem_words)) {
    fmt_bytes(b->lim.mem_bytes, sz, sizeof sz);
    dw_errf(err, errlen, "%s exceeded dagwood's compile limit of %s of memory%s%s", tool, sz, sep,
            tail);
    return DW_STEP_FAILED;
  }
  dw_errf(err, errlen, "%s failed (exit status %d)%s%s", tool, r->code, sep, tail);
  return DW_STEP_FAILED;
}

dw_step_end dw_build_run(dw_build *b, char *const argv[], char *err, size_t errlen) {
  const char *tool = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  if (b->sock < 0) {
    dw_errf(err, errlen, "the compile supervisor is gone");
    return DW_STEP_TRANSIENT;
  }
  uint64_t wall_ms = (uint64_t)b->lim.wall_s * 1000u;
  bool by_deadline = false;
  if (b->deadline_ns) {
    uint64_t now = now_ns();
    if (now >= b->deadline_ns) {
      dw_errf(err, errlen, "compile did not finish within the processor's timeout");
      return DW_STEP_DEADLINE;
    }
    uint64_t left = (b->deadline_ns - now + 999999u) / 1000000u;
    if (left < wall_ms) wall_ms = left, by_deadline = true;
  }
  char logname[32];
  snprintf(logname, sizeof logname, "step%u.log", ++b->steps);
  run_msg m;
  memset(&m, 0, sizeof m); /* the padding too: it crosses a socket */
  m.type = MSG_RUN, m.cpu_s = b->lim.cpu_s, m.mem_bytes = b->lim.mem_bytes;
  m.file_bytes = b->lim.file_bytes, m.nproc = b->nproc, m.wall_ms = wall_ms, m.nstr = 1;
  size_t len = sizeof m;
  const char *strs[MAX_ARGS + 1];
  size_t ns = 0;
  strs[ns++] = logname;
  for (size_t i = 0; argv[i]; i++) {
    if (ns > MAX_ARGS) {
      dw_errf(err, errlen, "%s: too many arguments", tool);
      return DW_STEP_TRANSIENT;
    }
    strs[ns++] = argv[i];
  }
  for (size_t i = 0; i < ns; i++) {
    size_t l = strlen(strs[i]) + 1;
    if (len + l > MSG_MAX) {
      dw_errf(err, errlen, "%s: arguments too long", tool);
      return DW_STEP_TRANSIENT;
    }
    memcpy(b->msg + len, strs[i], l);
    len += l;
  }
  m.nstr = (uint32_t)ns;
  memcpy(b->msg, &m, sizeof m);
  reply_msg r = {0};
  pid_t step = 0;
  if (send(b->sock, b->msg, len, MSG_NOSIGNAL) != (ssize_t)len ||
      get_reply(b, &r, REPLY_GRACE_MS)) {
    abandon(b, 0);
    dw_errf(err, errlen, "the compile supervisor stopped answering");
    return DW_STEP_TRANSIENT;
  }
  if (r.type == MSG_STARTED) {
    step = r.code;
    if (get_reply(b, &r, wall_ms + REPLY_GRACE_MS)) {
      abandon(b, step);
      dw_errf(err, errlen, "the compile supervisor stopped answering while %s ran", tool);
      return DW_STEP_TRANSIENT;
    }
  }
  if (r.type != MSG_END) {
    abandon(b, step);
    dw_errf(err, errlen, "the compile supervisor answered out of turn");
    return DW_STEP_TRANSIENT;
  }
  switch (r.what) {
    case END_EXITED:
      if (r.code == 0) return DW_STEP_OK;
      /* fall through */
    case END_SIGNALED:
      return verdict(b, tool, &r, logname, err, errlen);
    case END_TIMEOUT:
      if (by_deadline) {
        dw_errf(err, errlen, "compile did not finish within the processor's timeout");
        return DW_STEP_DEADLINE;
      }
      dw_errf(err, errlen, "%s did not finish within dagwood's compile limit of %u s (wall clock)",
              tool, b->lim.wall_s);
      return DW_STEP_TRANSIENT;
    case END_NO_FORK:
      dw_errf(err, errlen, "cannot start %s: %s", tool, strerror(r.code));
      return DW_STEP_TRANSIENT;
    default:
      dw_errf(err, errlen, "cannot run %s: %s", argv[0], strerror(r.code));
      return DW_STEP_TRANSIENT;
  }
}

/* ------------------------------------------------------------ probes */

void dw_spawn_probe(size_t n, char *const *const argvs[], char *outs[], size_t outsize,
                    int status[], unsigned timeout_ms) {
  char **env = child_env(NULL);
  pid_t pids[16];
  int fds[16];
  size_t got[16];
  if (n > 16) n = 16;
  pid_t parent = getpid();
  for (size_t i = 0; i < n; i++) {
    pids[i] = -1, fds[i] = -1, got[i] = 0, status[i] = -1;
    outs[i][0] = 0;
    int p[2];
    if (!env || pipe2(p, O_CLOEXEC) != 0) continue;
    pid_t pid = fork();
    if (pid == 0) {
      setpgid(0, 0);
      if (die_with(parent, SIGKILL)) _exit(127);
      default_signals();
      int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (nul < 0 || dup2(nul, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0) _exit(127);
      apply_limits(PROBE_CPU_S, (uint64_t)4 << 30, (uint64_t)1 << 20, 0);
      close_others(-1, -1);
      execve(argvs[i][0], argvs[i], env);
      _exit(127);
    }
    close(p[1]);
    if (pid < 0) {
      close(p[0]);
      continue;
    }
    setpgid(pid, pid);
    pids[i] = pid, fds[i] = p[0];
  }
  uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000u;
  for (;;) {
    struct pollfd p[16];
    size_t idx[16], m = 0;
    for (size_t i = 0; i < n; i++)
      if (fds[i] >= 0) p[m] = (struct pollfd){.fd = fds[i], .events = POLLIN}, idx[m++] = i;
    uint64_t now = now_ns();
    if (!m || now >= end) break;
    int r = poll(p, m, (int)((end - now) / 1000000u + 1));
    if (r < 0 && errno != EINTR) break;
    for (size_t j = 0; r > 0 && j < m; j++) {
      if (!p[j].revents) continue;
      size_t i = idx[j];
      char sink[512];
      char *dst = got[i] + 1 < outsize ? outs[i] + got[i] : sink;
      size_t room = got[i] + 1 < outsize ? outsize - 1 - got[i] : sizeof sink;
      ssize_t k = read(fds[i], dst, room);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) {
        close(fds[i]);
        fds[i] = -1;
      } else if (dst != sink) {
        got[i] += (size_t)k;
        outs[i][got[i]] = 0;
      }
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (pids[i] <= 0) continue;
    int st = 0;
    pid_t r = 0;
    /* its output ended: it is exiting, give it until the timeout */
    while (fds[i] < 0 && (r = waitpid(pids[i], &st, WNOHANG)) == 0 && now_ns() < end) {
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
    }
    if (r != pids[i]) {
      kill(-pids[i], SIGKILL), kill(pids[i], SIGKILL);
      while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR) {
      }
    } else if (WIFEXITED(st)) {
      status[i] = WEXITSTATUS(st);
    }
    if (fds[i] >= 0) close(fds[i]);
  }
  free(env);
}
