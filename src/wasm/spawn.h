/* wasm/spawn: the confined child processes of a compile.
 *
 * A build (dw_build_open) is a private folder, created 0700 under a random
 * name inside a directory the caller has checked (the cache's wasm/), and a
 * small supervisor child that owns it. The supervisor runs each step
 * (dw_build_run) as a child in a process group of its own, in the private
 * folder, with stdin /dev/null, stdout and stderr to a log there, TMPDIR
 * there (so the C compiler's own temporary files go with it), LC_ALL=C (so
 * its messages can be read), no descriptor of the caller's, and rlimits:
 * CPU time, address space, file size, core 0 and, best effort, the number
 * of processes (RLIMIT_NPROC counts all of the real user's processes, so it
 * is set relative to their current number; it does not bind root with
 * CAP_SYS_RESOURCE). A step that outlives its wall-clock limit or the
 * caller's deadline is killed with its whole group.
 *
 * The supervisor removes the folder and kills any step still running when
 * the build closes, and also when its parent dies: it watches the other end
 * of its socket (and gets PR_SET_PDEATHSIG), so Ctrl-C, SIGTERM or even
 * SIGKILL of dagwood leave no tool running and no folder behind. It sits in
 * a process group of its own, out of reach of the terminal's Ctrl-C. The
 * calling process gets no signal handler; the child side uses only
 * async-signal-safe calls (the caller may have threads).
 *
 * dw_spawn_probe runs short commands (a tool's --version) under the same
 * limits, all at once, and captures their output. */
#ifndef DW_WASM_SPAWN_H
#define DW_WASM_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dw_limits {
  uint32_t cpu_s;      /* RLIMIT_CPU of each step (each of its processes) */
  uint32_t wall_s;     /* wall clock of each step */
  uint64_t mem_bytes;  /* RLIMIT_AS */
  uint64_t file_bytes; /* RLIMIT_FSIZE: the largest file a step may write */
} dw_limits;

/* How a step ended. */
typedef enum dw_step_end {
  DW_STEP_OK = 0,
  /* the tool failed on this input: it crashed, reported an error or hit a
   * CPU, memory or file-size limit; it would fail again (worth caching) */
  DW_STEP_FAILED,
  /* something outside the input stopped it: it could not start, it ran
   * past the wall-clock limit (a loaded machine), it was killed from
   * outside, the supervisor went away */
  DW_STEP_TRANSIENT,
  /* stopped at the caller's deadline */
  DW_STEP_DEADLINE
} dw_step_end;

typedef struct dw_build dw_build;

/* Start a build in directory dirfd (whose path, for messages and TMPDIR,
 * is dir_path): the folder "<prefix><random>" and its supervisor.
 * deadline_ns: CLOCK_MONOTONIC (dw_rt_now_ns), 0 none. 0, or -1 with a
 * reason in err. */
int dw_build_open(dw_build **out, int dirfd, const char *dir_path, const char *prefix,
                  const dw_limits *lim, uint64_t deadline_ns, char *err, size_t errlen);

/* The private folder: a descriptor (owned by the build) and its name in
 * dirfd. */
int dw_build_dirfd(const dw_build *b);
const char *dw_build_name(const dw_build *b);

/* Run argv (argv[0] an absolute path; file arguments relative to the
 * private folder) as one step. On anything but DW_STEP_OK, err holds one
 * line: "gcc crashed (signal 11, segmentation fault): ...", "gcc exceeded
 * dagwood's compile limit of 120 s CPU time", "wasm2c failed (exit status
 * 1): ...", "compile did not finish within the processor's timeout" (the
 * caller names the timeout), ... */
dw_step_end dw_build_run(dw_build *b, char *const argv[], char *err, size_t errlen);

/* End the build: the supervisor kills what is left of the steps, removes
 * the folder (unless keep, for debugging) and exits; returns when it has. */
void dw_build_close(dw_build *b, bool keep);

/* Run each argvs[i] at once (own process group, the limits above with a
 * few seconds of CPU, killed at timeout_ms), capturing at most outsize - 1
 * bytes of its stdout and stderr into outs[i] (NUL-terminated) and its exit
 * status into status[i] (-1: it could not run or did not finish). */
void dw_spawn_probe(size_t n, char *const *const argvs[], char *outs[], size_t outsize,
                    int status[], unsigned timeout_ms);

/* Remove folder `name` of parentfd and what it holds (fd: the folder, open;
 * nothing is followed). Async-signal-safe. */
void dw_spawn_remove_folder(int parentfd, const char *name, int fd);

#endif
