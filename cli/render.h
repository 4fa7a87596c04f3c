/* cli/render: what `dagwood inspect` prints — a Graphviz digraph, a Mermaid
 * flowchart, a human table and one JSON object — built from the public API
 * alone. Each returns 0, or -1 on a write error or when memory ran out. */
#ifndef DW_CLI_RENDER_H
#define DW_CLI_RENDER_H

#include <stdio.h>

#include "dagwood/dagwood.h"

/* Nodes labelled id + processor (+ "(analyze)"), edges dependency ->
 * dependent (input_from bold), one rank=same group per level. */
/* s on a terminal: control characters and bytes that are not UTF-8 as C
 * escapes (a message can hold a module's names or an id: none of them may
 * move the cursor or retitle the window). */
void dw_render_text(FILE *out, const char *s);

int dw_render_dot(FILE *out, const dw_pipeline *p);
/* "flowchart TD"; node names sanitised to [A-Za-z0-9_] and unique, the real
 * id in the label with Mermaid's #entity; escapes. */
int dw_render_mermaid(FILE *out, const dw_pipeline *p);
/* The table (rank, level, id, processor, intent, depends_on), entry points,
 * levels, critical path and what hybrid would choose, and why, with
 * max_concurrency workers (0: the pipeline's; --max-concurrency). */
int dw_render_inspect_text(FILE *out, const dw_pipeline *p, unsigned max_concurrency);
/* The same as one JSON object on one line. */
int dw_render_inspect_json(FILE *out, const dw_pipeline *p, unsigned max_concurrency);

#endif
