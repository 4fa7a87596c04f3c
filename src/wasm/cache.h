/* wasm/cache: the trusted cache of compiled modules, what dagwood will load
 * into its own process.
 *
 * The cache folder (given, else $DAGWOOD_CACHE_DIR, $XDG_CACHE_HOME/dagwood,
 * ~/.cache/dagwood) and its wasm/ subfolder are created 0700 and must be
 * folders owned by the effective user, not writable by group or others, and
 * not symbolic links; so must every file used in them. Anything else is
 * refused with a message that names the path, what is wrong and what to do
 * (nothing is compiled elsewhere instead). Both folders are opened once and
 * everything inside goes through those descriptors (openat with O_NOFOLLOW,
 * renameat, unlinkat), so a path swapped after the check changes nothing: a
 * file is checked and read through the descriptor it was opened as, and the
 * caller loads that same descriptor.
 *
 * Names in wasm/: <key>.so (a compiled module), <key>.sha256 (its SHA-256:
 * integrity, the folder's owner being the authority), <key>.fail (a compile
 * that failed for a reason that does not depend on the caller: the
 * message), <key>.lock, tmp-* (private build folders, wasm/spawn), put-*
 * (a file being written; published by rename). */
#ifndef DW_WASM_CACHE_H
#define DW_WASM_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dw_cache {
  int dirfd;       /* <cache folder>/wasm */
  char path[4096]; /* its path, for messages */
} dw_cache;

/* Open the cache (creating what is missing, 0700, when create) and check
 * both folders. 0; 1 when it does not exist and !create; -1 with the
 * message in err. */
int dw_cache_open(const char *given, bool create, dw_cache *c, char *err, size_t errlen);
void dw_cache_close(dw_cache *c);

/* Open the cache file `name` for reading and check it: a regular file of
 * the effective user, not writable by group or others, not a link. The
 * descriptor; or -1 with err empty when there is no such file, or -1 with
 * the message when it fails the check. */
int dw_cache_open_file(const dw_cache *c, const char *name, char *err, size_t errlen);

/* A small cache file, checked, read whole and NUL-terminated (malloc'd);
 * NULL with err empty when absent or larger than max, NULL with the message
 * when it fails the check. */
char *dw_cache_read(const dw_cache *c, const char *name, size_t max, size_t *len, char *err,
                    size_t errlen);

/* The regular file open as fd, whole and NUL-terminated (malloc'd), fd
 * closed; NULL when it is not a regular file, is larger than max or cannot
 * be read. */
char *dw_read_fd(int fd, size_t max, size_t *len);

/* Write `name` whole, atomically: a new private file (put-*), then rename.
 * 0, or -1 with a message. */
int dw_cache_put(const dw_cache *c, const char *name, const void *data, size_t len, char *err,
                 size_t errlen);

/* Take the lock `name` (created 0600, O_NOFOLLOW, checked), waiting at most
 * until deadline_ns (CLOCK_MONOTONIC, 0: no limit). The locked descriptor
 * (close it to unlock); -1 with a message; -2 when the deadline passed. */
int dw_cache_lock(const dw_cache *c, const char *name, uint64_t deadline_ns, char *err,
                  size_t errlen);

void dw_cache_remove(const dw_cache *c, const char *name);

/* The SHA-256 of what descriptor fd holds, read from offset 0. 0 or -1. */
int dw_fd_sha256(int fd, char hex[65]);

/* dagwood cache list: fn per compiled module (<key>.so) and per remembered
 * failure (<key>.fail); returns the number of compiled modules, 0 when the
 * cache does not exist, -1 with the message. */
int dw_cache_list(const char *given,
                  void (*fn)(void *user, const char *path, uint64_t bytes, int64_t mtime),
                  void *user, char *err, size_t errlen);
/* dagwood cache clear: every entry, failures and locks, and build folders
 * no live compile holds. Returns the number of compiled modules removed, or
 * -1 with the message (a cache that fails the checks is left alone). */
int dw_cache_clear(const char *given, char *err, size_t errlen);

#endif
