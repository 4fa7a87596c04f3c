/* util/arena: a bump allocator for data that lives exactly as long as its
 * owner (a pipeline's strings and nodes, a result's reports). One free() of
 * the arena releases everything; allocation failure returns NULL. */
#ifndef DW_UTIL_ARENA_H
#define DW_UTIL_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct dw_arena_block dw_arena_block;

typedef struct dw_arena {
  dw_arena_block *head;
  size_t total; /* bytes handed out, for memory accounting */
  bool large;   /* dw_arena_init_large */
} dw_arena;

void dw_arena_init(dw_arena *a);
/* For a big, short-lived arena (a YAML document being read): larger blocks,
 * backed by transparent huge pages where the system allows. */
void dw_arena_init_large(dw_arena *a);
void dw_arena_free(dw_arena *a);
void *dw_arena_alloc(dw_arena *a, size_t size);            /* 16-byte aligned, zeroed */
void *dw_arena_alloc_raw(dw_arena *a, size_t size);        /* the same: may be left unzeroed */
void *dw_arena_calloc(dw_arena *a, size_t n, size_t size); /* overflow-checked */
char *dw_arena_strdup(dw_arena *a, const char *s);
char *dw_arena_strndup(dw_arena *a, const char *s, size_t n); /* unaligned */
char *dw_arena_printf(dw_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
