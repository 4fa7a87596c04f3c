/* cli/main: the `dagwood` command — argument parsing, the help texts and
 * the sub-commands. A thin layer: everything it shows comes from the public
 * API. Human output goes to stdout, diagnostics and logs to stderr. Exit
 * status: 0 every processor succeeded, 1 a processor failed, 2 usage or
 * pipeline error, or output that could not be written (standard output is
 * checked when the command ends: a full disk is not a success). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dagwood/dagwood.h"
#include "render.h"
#include "util/suggest.h"

/* ------------------------------------------------------------------ help */

static const char USAGE[] =
    "usage: dagwood COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  run CONFIG... [--input TEXT | --input-file PATH | -]   run each pipeline on the input\n"
    "  validate CONFIG...                  check only; every error at once\n"
    "  inspect CONFIG [--graph dot|mermaid] [--format json]   order, ranks, levels, strategy\n"
    "  processors [--format json]          list the built-in processors\n"
    "  cache list|clear                    the compiled WebAssembly modules\n"
    "  demo                                a guided tour of the bundled examples\n"
    "  help [COMMAND]                      this text, or a command's own\n"
    "  CONFIG... INPUT                     the original's form: run each CONFIG on INPUT\n"
    "  --demo-mode                         the original's form of `demo`\n"
    "\n"
    "options:\n"
    "  -i, --input TEXT, --input-file PATH, -   the run's input (default: standard input)\n"
    "  --strategy NAME                     work_queue, level, reactive or hybrid\n"
    "  --failure-strategy NAME             fail_fast, continue_on_error or best_effort\n"
    "  --max-concurrency N                 most processors running at once (1-100000)\n"
    "  --format text|json|raw|protobuf     report format (default text)\n"
    "  --graph dot|mermaid                 inspect: draw the graph\n"
    "  --trace FILE                        write a Chrome trace-event JSON (Perfetto)\n"
    "  --strict                            warnings are errors\n"
    "  -q, --quiet, -v, --verbose          less or more on standard error\n"
    "  -h, --help, -V, --version\n"
    "\n"
    "'dagwood COMMAND --help' shows a command's options and examples; `man dagwood` and\n"
    "docs/PIPELINES.md have the rest.\n"
    "\n"
    "exit status: 0 all processors succeeded, 1 a processor failed, 2 usage or pipeline\n"
    "error, or output that could not be written\n";

static const char RUN_HELP[] =
    "usage: dagwood run CONFIG... [--input TEXT | --input-file PATH | -] [OPTIONS]\n"
    "\n"
    "Load each pipeline and run it on the same input; one report per pipeline on\n"
    "standard output, diagnostics and failures on standard error.\n"
    "\n"
    "options:\n"
    "  -i, --input TEXT          the input text\n"
    "  --input-file PATH         the input is this file's contents (- : standard input)\n"
    "  -                         read the input from standard input (the default when it\n"
    "                            is not a terminal); at most 256 MiB\n"
    "  --strategy NAME           run with this executor: work_queue, level, reactive, hybrid\n"
    "  --failure-strategy NAME   fail_fast, continue_on_error or best_effort\n"
    "  --max-concurrency N       at most N processors at once (1-100000)\n"
    "  --format FORMAT           text (default; a heading per pipeline when there are\n"
    "                            several), json (one object per line and pipeline), raw\n"
    "                            (the output's bytes only, nothing when the run did not\n"
    "                            succeed; one CONFIG; the other outputs are freed as\n"
    "                            soon as nothing needs them), protobuf (length-delimited\n"
    "                            processor.v1.RunReport messages)\n"
    "  --trace FILE              also write the run as a Chrome trace-event JSON file\n"
    "                            (opens in Perfetto; one CONFIG)\n"
    "  --strict                  the pipeline's warnings are errors\n"
    "  -q, --quiet               no warnings or failure lines on standard error\n"
    "  -v, --verbose             one summary line per run on standard error\n"
    "\n"
    "examples:\n"
    "  dagwood run examples/pipelines/chain.yaml --input \"hello world\"\n"
    "  echo \"hello world\" | dagwood run examples/pipelines/demo.yaml --format json\n"
    "  dagwood run examples/pipelines/chain.yaml --input-file notes.txt --format raw >out.txt\n"
    "  dagwood run a.yaml b.yaml --input hi --strategy level --max-concurrency 4\n"
    "\n"
    "exit status: 0 every processor of every pipeline succeeded, 1 a processor failed\n"
    "(a run failed or partial), 2 usage error, a pipeline that did not load, an unreadable\n"
    "input, or a report or trace that could not be written\n";

static const char VALIDATE_HELP[] =
    "usage: dagwood validate CONFIG... [--strict] [--quiet]\n"
    "\n"
    "Check each pipeline completely without running anything: every problem at once,\n"
    "one line each as FILE:LINE:COL: error|warning: MESSAGE, on standard error; then\n"
    "FILE: ok (N processors, L levels) on standard output for each valid one.\n"
    "\n"
    "options:\n"
    "  --strict                  warnings (unknown keys, unused options) are errors\n"
    "  -q, --quiet               no warnings and no \"ok\" lines; only errors\n"
    "\n"
    "examples:\n"
    "  dagwood validate examples/pipelines/*.yaml\n"
    "  dagwood validate --strict examples/pipelines/demo.yaml\n"
    "\n"
    "exit status: 0 every pipeline is valid, 2 one is not (or a usage error)\n";

static const char INSPECT_HELP[] =
    "usage: dagwood inspect CONFIG [--graph dot|mermaid | --format json] [OPTIONS]\n"
    "\n"
    "Show a pipeline without running it: the canonical order with ranks, levels and\n"
    "dependencies, the entry points, the critical path and the executor hybrid would\n"
    "choose, with its reason.\n"
    "\n"
    "options:\n"
    "  --graph dot|mermaid       draw the graph instead, for Graphviz or Mermaid\n"
    "  --format json             the same facts as one JSON object\n"
    "  --max-concurrency N       what hybrid would choose with N workers (default: the\n"
    "                            pipeline's max_concurrency, else the number of CPUs)\n"
    "  --strict                  the pipeline's warnings are errors\n"
    "\n"
    "examples:\n"
    "  dagwood inspect examples/pipelines/demo.yaml\n"
    "  dagwood inspect examples/pipelines/demo.yaml --graph dot | dot -Tsvg >graph.svg\n"
    "  dagwood inspect examples/pipelines/demo.yaml --format json | jq .hybrid_choice\n"
    "\n"
    "exit status: 0 shown, 2 the pipeline did not load or the output could not be written\n";

static const char PROCESSORS_HELP[] =
    "usage: dagwood processors [--format json]\n"
    "\n"
    "List the built-in processors: name, intent (transform or analyze) and what each\n"
    "does.\n"
    "\n"
    "options:\n"
    "  --format json             an array of {\"name\", \"intent\"}\n"
    "\n"
    "examples:\n"
    "  dagwood processors\n"
    "  dagwood processors --format json | jq -r '.[].name'\n";

static const char CACHE_HELP[] =
    "usage: dagwood cache list|clear [--quiet]\n"
    "\n"
    "The cache of compiled WebAssembly modules ($DAGWOOD_CACHE_DIR, else\n"
    "$XDG_CACHE_HOME/dagwood, else ~/.cache/dagwood), and the compiles that failed\n"
    "whatever the time allowed (remembered so that the next load fails at once).\n"
    "\n"
    "  list                      size, date and path of each entry, then a count\n"
    "  clear                     remove them all\n"
    "\n"
    "options:\n"
    "  -q, --quiet               no count line\n"
    "\n"
    "examples:\n"
    "  dagwood cache list\n"
    "  DAGWOOD_CACHE_DIR=/tmp/dw-cache dagwood cache clear\n";

static const char DEMO_HELP[] =
    "usage: dagwood demo [OPTIONS]   (also: dagwood --demo-mode)\n"
    "\n"
    "A guided tour: runs the bundled example pipelines (a chain, a diamond with\n"
    "analyzers, branches with input_from, WebAssembly processors) with an explanation\n"
    "before each. It waits for Enter between them only when standard input and output\n"
    "are a terminal. The pipelines come from $DAGWOOD_EXAMPLES, else the examples\n"
    "folder beside the binary (a build tree) or the installed share/dagwood/examples.\n"
    "\n"
    "options: those of run (--strategy, --max-concurrency, --format, ...) apply to\n"
    "each example.\n"
    "\n"
    "examples:\n"
    "  dagwood demo\n"
    "  dagwood demo --strategy level </dev/null\n";

static const char HELP_HELP[] =
    "usage: dagwood help [COMMAND]\n"
    "\n"
    "The overview of commands and options, or COMMAND's own help (the same as\n"
    "dagwood COMMAND --help).\n";

static const struct {
  const char *name, *help;
} COMMANDS[] = {{"run", RUN_HELP},         {"validate", VALIDATE_HELP},
                {"inspect", INSPECT_HELP}, {"processors", PROCESSORS_HELP},
                {"cache", CACHE_HELP},     {"demo", DEMO_HELP},
                {"help", HELP_HELP}};
enum { NCOMMANDS = sizeof COMMANDS / sizeof COMMANDS[0] };

/* The help text of a command, or NULL when `name` is none. */
static const char *command_help(const char *name) {
  for (size_t i = 0; name && i < NCOMMANDS; i++)
    if (!strcmp(name, COMMANDS[i].name)) return COMMANDS[i].help;
  return NULL;
}

/* The command most like `word` (a typo of one), or NULL. */
static const char *suggest_command(const char *word) {
  const char *names[NCOMMANDS];
  for (size_t i = 0; i < NCOMMANDS; i++) names[i] = COMMANDS[i].name;
  return dw_suggest(word, names, NCOMMANDS);
}

/* Record a usage error (only the first one counts: later ones are often
 * its consequences); reported once parsing is over, with the command's
 * help named. */
__attribute__((format(printf, 2, 3))) static void usage_error(dw_cli *c, const char *fmt, ...) {
  if (c->usage[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->usage, sizeof c->usage, fmt, ap);
  va_end(ap);
}

/* Print the recorded usage error; returns 2. */
static int report_usage(const dw_cli *c, const char *cmd) {
  fputs("dagwood: ", stderr);
  dw_render_text(stderr, c->usage);
  if (command_help(cmd) && strcmp(cmd, "help") != 0)
    fprintf(stderr, "\nrun 'dagwood %s --help' for its usage\n", cmd);
  else
    fputs("\nrun 'dagwood --help' for usage\n", stderr);
  return 2;
}

static int parse_uint(const char *s, unsigned *out) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || end == s || *end || v == 0 || v > 100000 || s[0] == '-') return -1;
  *out = (unsigned)v;
  return 0;
}

enum { DW_CLI_MAX_INPUT = 256 << 20 }; /* a run's input: 256 MiB at most */

/* Read all of a stream (the run's input), refusing more than the cap so
 * that /dev/zero or an endless pipe is an error, not memory exhaustion. */
static char *slurp(FILE *f, size_t *len, int *too_big) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  *too_big = 0;
  while (buf) {
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
    if (n == cap) {
      if (cap > DW_CLI_MAX_INPUT) {
        *too_big = 1;
        free(buf);
        return NULL;
      }
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        return NULL;
      }
      buf = nb;
      cap *= 2;
    }
  }
  if (buf && ferror(f)) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

static void print_diags(const dw_cli *c, const dw_diags *d) {
  for (size_t i = 0; i < dw_diags_count(d); i++) {
    const dw_diag *x = dw_diags_get(d, i);
    if (c->quiet && x->severity == DW_SEV_WARNING) continue;
    char buf[2048];
    dw_diag_format(x, buf, sizeof buf);
    dw_render_text(stderr, buf);
    fputc('\n', stderr);
  }
}

dw_pipeline *dw_cli_load(dw_cli *c, const char *path) {
  dw_diags *d = NULL;
  dw_load_options lo = {c->strict};
  dw_pipeline *p = dw_pipeline_load_file(c->engine, path, &lo, &d);
  if (d) print_diags(c, d);
  if (!p && d && dw_diags_errors(d))
    fprintf(stderr, "%s: %zu error%s; nothing ran\n", path, dw_diags_errors(d),
            dw_diags_errors(d) == 1 ? "" : "s");
  else if (!p)
    fprintf(stderr, "%s: cannot load (out of memory)\n", path);
  dw_diags_free(d);
  return p;
}

static int cmd_validate(dw_cli *c, int argc, char **argv) {
  if (argc == 0) {
    usage_error(c, "validate needs at least one CONFIG");
    return report_usage(c, "validate");
  }
  int rc = 0;
  for (int i = 0; i < argc; i++) {
    dw_pipeline *p = dw_cli_load(c, argv[i]);
    if (!p) {
      rc = 2;
      continue;
    }
    if (!c->quiet)
      printf("%s: ok (%zu processor%s, %u level%s)\n", argv[i], dw_pipeline_count(p),
             dw_pipeline_count(p) == 1 ? "" : "s", dw_pipeline_levels(p),
             dw_pipeline_levels(p) == 1 ? "" : "s");
    dw_pipeline_free(p);
  }
  return rc;
}

static int cmd_inspect(dw_cli *c, int argc, char **argv) {
  if (argc != 1) {
    usage_error(c, "inspect takes exactly one CONFIG, got %d", argc);
    return report_usage(c, "inspect");
  }
  dw_pipeline *p = dw_cli_load(c, argv[0]);
  if (!p) return 2;
  int rc;
  errno = 0;
  if (c->graph && strcmp(c->graph, "dot") == 0)
    rc = dw_render_dot(stdout, p);
  else if (c->graph && strcmp(c->graph, "mermaid") == 0)
    rc = dw_render_mermaid(stdout, p);
  else if (c->format == DW_FMT_JSON)
    rc = dw_render_inspect_json(stdout, p, c->max_concurrency);
  else
    rc = dw_render_inspect_text(stdout, p, c->max_concurrency);
  if (rc != 0 && ferror(stdout)) {
    int err = errno;
    fputs("dagwood: cannot write the inspection of ", stderr);
    dw_render_text(stderr, argv[0]);
    fprintf(stderr, " to standard output: %s\n", err ? strerror(err) : "write error");
    c->out_failed = 1;
  } else if (rc != 0) {
    fprintf(stderr, "dagwood: out of memory inspecting %s\n", argv[0]);
  }
  dw_pipeline_free(p);
  return rc == 0 ? 0 : 2;
}

static int cmd_processors(dw_cli *c, int argc, char **argv) {
  if (argc) {
    usage_error(c, "processors takes no arguments, got '%s'", argv[0]);
    return report_usage(c, "processors");
  }
  if (c->format == DW_FMT_JSON) {
    printf("[");
    for (size_t i = 0; i < dw_engine_processor_count(c->engine); i++) {
      const dw_processor_def *d = dw_engine_processor(c->engine, i);
      printf("%s{\"name\":\"%s\",\"intent\":\"%s\"}", i ? "," : "", d->name,
             dw_intent_name(d->intent));
    }
    printf("]\n");
    return 0;
  }
  for (size_t i = 0; i < dw_engine_processor_count(c->engine); i++) {
    const dw_processor_def *d = dw_engine_processor(c->engine, i);
    printf("%-26s %-9s %s\n", d->name, dw_intent_name(d->intent),
           d->description ? d->description : "");
  }
  return 0;
}

/* Run each pipeline on the input; the worst status decides the exit. With
 * several configs the text reports each come under a heading, so that one
 * cannot be read as part of the previous; json and protobuf are framed by
 * their format (a line, a length). After a failed write to standard output
 * nothing more runs: its report could not be written either. */
int dw_cli_run_all(dw_cli *c, char **configs, int nconfigs, const char *input, size_t len) {
  int rc = 0;
  bool headings = nconfigs > 1 && c->format == DW_FMT_TEXT;
  for (int i = 0; i < nconfigs && !c->out_failed; i++) {
    if (headings) {
      fputs(i ? "\n=== " : "=== ", stdout);
      dw_render_text(stdout, configs[i]);
      printf(" (%d of %d) ===\n\n", i + 1, nconfigs);
      fflush(stdout); /* before the load's diagnostics on stderr */
    }
    dw_pipeline *p = dw_cli_load(c, configs[i]);
    if (!p) {
      if (headings)
        printf("not run: the pipeline did not load (the errors are on standard error)\n");
      rc = 2;
      continue;
    }
    int r = dw_cli_run_one(c, p, input, len);
    if (r > rc) rc = r;
    dw_pipeline_free(p);
  }
  return rc;
}

/* What several configs cannot share: raw output has no framing (any bytes,
 * no length), and one trace file holds one run. 0, or a usage error. */
static int one_config_only(dw_cli *c, int nconfigs) {
  if (nconfigs > 1 && c->format == DW_FMT_RAW)
    usage_error(c,
                "--format raw writes one run's output bytes with nothing around them, so it "
                "takes one CONFIG (got %d); use --format json or protobuf for several",
                nconfigs);
  else if (nconfigs > 1 && c->trace)
    usage_error(c, "--trace writes one run, so it takes one CONFIG (got %d)", nconfigs);
  return c->usage[0] ? -1 : 0;
}

static int cmd_run(dw_cli *c, int argc, char **argv) {
  if (argc == 0) usage_error(c, "run needs at least one CONFIG");
  if (c->usage[0] || one_config_only(c, argc)) return report_usage(c, "run");
  char *owned = NULL;
  const char *input = c->input;
  size_t len = input ? strlen(input) : 0;
  if (!input) {
    FILE *f = stdin;
    if (c->input_file && strcmp(c->input_file, "-") != 0) {
      f = fopen(c->input_file, "rb");
      if (!f) {
        fprintf(stderr, "dagwood: cannot read input file %s: %s\n", c->input_file, strerror(errno));
        return 2;
      }
    } else if (isatty(STDIN_FILENO) && !c->input_file) {
      fprintf(stderr, "dagwood: no input: give --input TEXT, --input-file PATH, or pipe it in\n");
      return 2;
    }
    int too_big;
    owned = slurp(f, &len, &too_big);
    if (f != stdin) fclose(f);
    if (!owned) {
      if (too_big)
        fprintf(stderr, "dagwood: the input is larger than %d MiB; give a smaller one\n",
                DW_CLI_MAX_INPUT >> 20);
      else
        fprintf(stderr, "dagwood: cannot read the input: %s\n", strerror(errno));
      return 2;
    }
    input = owned;
  }
  int rc = dw_cli_run_all(c, argv, argc, input, len);
  free(owned);
  return rc;
}

static bool is_failure(const char *path) {
  size_t n = strlen(path);
  return n > 5 && !strcmp(path + n - 5, ".fail");
}

/* user: the count of remembered failures */
static void print_cache_entry(void *user, const char *path, uint64_t bytes, int64_t mtime) {
  char when[32] = "?";
  time_t t = (time_t)mtime;
  struct tm tm;
  if (localtime_r(&t, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
  bool failed = is_failure(path);
  if (failed) ++*(unsigned *)user;
  printf("%10llu  %s  %s%s\n", (unsigned long long)bytes, when, path,
         failed ? "  (failed compile, remembered)" : "");
}

static void count_failure(void *user, const char *path, uint64_t bytes, int64_t mtime) {
  (void)bytes, (void)mtime;
  if (is_failure(path)) ++*(unsigned *)user;
}

/* dagwood cache list|clear: the compiled WebAssembly modules, and the
 * compiles that failed whatever the timeout (remembered so that the next
 * run fails at once). */
static int cmd_cache(dw_cli *c, int argc, char **argv) {
  static const char *const actions[] = {"list", "clear"};
  if (argc != 1 || (strcmp(argv[0], "list") && strcmp(argv[0], "clear"))) {
    const char *sugg = argc == 1 ? dw_suggest(argv[0], actions, 2) : NULL;
    if (sugg)
      usage_error(c, "unknown cache action '%s'; did you mean '%s'?", argv[0], sugg);
    else
      usage_error(c, "cache takes one of: list, clear");
    return report_usage(c, "cache");
  }
  char why[1024];
  if (dw_engine_cache_check(c->engine, why, sizeof why)) {
    fprintf(stderr, "dagwood: %s\n", why);
    return 2;
  }
  unsigned failed = 0;
  bool list = !strcmp(argv[0], "list");
  int n = dw_engine_cache_list(c->engine, list ? print_cache_entry : count_failure, &failed);
  if (n >= 0 && !list) n = dw_engine_cache_clear(c->engine);
  if (n < 0) {
    fprintf(stderr, "dagwood: cannot %s the WebAssembly cache\n", list ? "read" : "clear");
    return 2;
  }
  if (c->quiet) return 0;
  printf("%s%d compiled module%s", list ? "" : "removed ", n, n == 1 ? "" : "s");
  if (failed)
    printf("%s%u failed compile%s", list ? ", " : " and ", failed, failed == 1 ? "" : "s");
  printf("\n");
  return 0;
}

/* The long options, with "--" in front, for "did you mean". */
static const struct option LONGOPTS[] = {{"input", required_argument, 0, 'i'},
                                         {"input-file", required_argument, 0, 'F'},
                                         {"strategy", required_argument, 0, 'S'},
                                         {"failure-strategy", required_argument, 0, 'f'},
                                         {"max-concurrency", required_argument, 0, 'c'},
                                         {"format", required_argument, 0, 'o'},
                                         {"graph", required_argument, 0, 'g'},
                                         {"trace", required_argument, 0, 't'},
                                         {"strict", no_argument, 0, 's'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {"version", no_argument, 0, 'V'},
                                         {"demo-mode", no_argument, 0, 'D'},
                                         {0, 0, 0, 0}};
enum { NLONGOPTS = sizeof LONGOPTS / sizeof LONGOPTS[0] - 1 };
/* The short options: a leading ':' makes getopt tell a missing value
 * (':') from an unknown option ('?'). The other letters above are only
 * the long options' codes. */
static const char SHORTOPTS[] = ":i:qvhV";

/* "unknown option 'X'" with a suggestion among the long options: `word` as
 * typed (a "-format" with one dash is taken for "--format"). */
static void unknown_option(dw_cli *c, const char *word) {
  char name[128];
  const char *w = word + (word[1] == '-' ? 2 : 1);
  size_t n = strcspn(w, "=");
  snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), w);
  const char *names[NLONGOPTS];
  for (size_t i = 0; i < NLONGOPTS; i++) names[i] = LONGOPTS[i].name;
  /* getopt takes any unambiguous prefix: one that fits several is refused */
  char fits[160] = "";
  size_t nfit = 0;
  for (size_t i = 0; i < NLONGOPTS && word[1] == '-'; i++)
    if (n && !strncmp(names[i], name, n) && strlen(fits) + strlen(names[i]) + 8 < sizeof fits)
      snprintf(fits + strlen(fits), sizeof fits - strlen(fits), "%s--%s", nfit++ ? ", " : "",
               names[i]);
  const char *sugg = strlen(name) > 1 ? dw_suggest(name, names, NLONGOPTS) : NULL;
  for (size_t i = 0; i < NLONGOPTS && word[1] != '-'; i++)
    if (!strcmp(name, names[i])) sugg = names[i]; /* "-format": one dash short */
  if (nfit > 1)
    usage_error(c, "ambiguous option '%.*s': it could be %s", (int)(w - word + n), word, fits);
  else if (sugg)
    usage_error(c, "unknown option '%.*s'; did you mean '--%s'?", (int)(w - word + n), word, sugg);
  else
    usage_error(c, "unknown option '%.*s'", (int)(w - word + n), word);
}

/* The argument getopt was looking at when it stopped on a bad short
 * option: the current element while inside a cluster ("-format"), else the
 * previous one. */
static const char *bad_short(int argc, char **argv, int opt) {
  if (optind < argc && argv[optind][0] == '-' && argv[optind][1] != '-' &&
      strchr(argv[optind] + 1, opt))
    return argv[optind];
  return optind > 0 ? argv[optind - 1] : "?";
}

static void parse_args(dw_cli *c, int argc, char **argv) {
  int opt;
  opterr = 0;
  /* GNU getopt permutes: options may follow the configs; "-" is an operand */
  while ((opt = getopt_long(argc, argv, SHORTOPTS, LONGOPTS, NULL)) != -1) {
    switch (opt) {
      case 'i':
        c->input = optarg;
        break;
      case 'F':
        c->input_file = optarg;
        break;
      case 'S': {
        dw_strategy s;
        if (dw_strategy_parse(optarg, &s) != 0)
          usage_error(c, "unknown strategy '%s' (valid: work_queue, level, reactive, hybrid)",
                      optarg);
        else
          c->strategy = (int)s;
        break;
      }
      case 'f':
        if (!strcmp(optarg, "fail_fast"))
          c->failure = DW_FAILURE_FAIL_FAST;
        else if (!strcmp(optarg, "continue_on_error"))
          c->failure = DW_FAILURE_CONTINUE_ON_ERROR;
        else if (!strcmp(optarg, "best_effort"))
          c->failure = DW_FAILURE_BEST_EFFORT;
        else
          usage_error(
              c, "unknown failure strategy '%s' (valid: fail_fast, continue_on_error, best_effort)",
              optarg);
        break;
      case 'c':
        if (parse_uint(optarg, &c->max_concurrency) != 0)
          usage_error(c, "--max-concurrency needs an integer from 1 to 100000, got '%s'", optarg);
        break;
      case 'o':
        if (!strcmp(optarg, "text"))
          c->format = DW_FMT_TEXT;
        else if (!strcmp(optarg, "json"))
          c->format = DW_FMT_JSON;
        else if (!strcmp(optarg, "raw"))
          c->format = DW_FMT_RAW;
        else if (!strcmp(optarg, "protobuf"))
          c->format = DW_FMT_PROTOBUF;
        else
          usage_error(c, "unknown format '%s' (valid: text, json, raw, protobuf)", optarg);
        break;
      case 'g':
        if (strcmp(optarg, "dot") && strcmp(optarg, "mermaid"))
          usage_error(c, "unknown graph format '%s' (valid: dot, mermaid)", optarg);
        else
          c->graph = optarg;
        break;
      case 't':
        c->trace = optarg;
        break;
      case 's':
        c->strict = 1;
        break;
      case 'q':
        c->quiet = 1;
        break;
      case 'v':
        c->verbose = 1;
        break;
      case 'h':
        c->help = 1;
        break;
      case 'V':
        c->version = 1;
        break;
      case 'D':
        c->demo_mode = 1;
        break;
      case ':': /* a value is missing: optopt is the short letter or the long code */
        if (argv[optind - 1][1] != '-')
          usage_error(c, "option '-%c' needs a value", optopt);
        else
          usage_error(c, "option '%s' needs a value", argv[optind - 1]);
        break;
      default: /* '?' */
        if (optopt)
          unknown_option(c, bad_short(argc, argv, optopt));
        else
          unknown_option(c, argv[optind - 1]);
    }
  }
  while (optind < argc) {
    if (c->nargs == DW_CLI_MAX_ARGS) {
      usage_error(c, "too many arguments (at most %d)", DW_CLI_MAX_ARGS);
      break;
    }
    c->args[c->nargs++] = argv[optind++];
  }
}

/* Standard output is buffered: a full disk or a closed pipe shows only when
 * it is flushed or closed. Every command ends here, so that such a failure
 * never exits 0; what run already reported is not repeated. */
static int close_stdout(const dw_cli *c, int rc) {
  errno = 0;
  bool bad = fflush(stdout) != 0 || ferror(stdout);
  int err = errno;
  if (fclose(stdout) != 0 && !bad) {
    bad = true;
    err = errno;
  }
  if (!bad) return rc;
  if (!c->out_failed)
    fprintf(stderr, "dagwood: cannot write to standard output: %s\n",
            err ? strerror(err) : "write error");
  return 2;
}

static int has_suffix(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

/* `dagwood help [COMMAND]`, `dagwood [COMMAND] --help`: the overview when
 * topic is NULL, else the command's own text. */
static int show_help(dw_cli *c, const char *cmd, const char *topic) {
  const char *text = topic ? command_help(topic) : USAGE;
  if (!text) {
    const char *sugg = suggest_command(topic);
    if (sugg)
      usage_error(c, "no help for '%s': not a command; did you mean '%s'?", topic, sugg);
    else
      usage_error(c,
                  "no help for '%s': not a command (commands: run, validate, inspect, "
                  "processors, cache, demo, help)",
                  topic);
    return report_usage(c, cmd);
  }
  fputs(text, stdout);
  return 0;
}

static int dispatch(dw_cli *c) {
  const char *cmd = c->nargs ? c->args[0] : NULL;
  char **rest = c->args + 1;
  int nrest = c->nargs - 1;
  const char *known = command_help(cmd) ? cmd : NULL;
  bool help_cmd = known && !strcmp(known, "help");
  if (c->help && !help_cmd) return show_help(c, NULL, known);
  if (c->usage[0]) return report_usage(c, known);
  if (c->version) {
    printf("dagwood %s\n", dw_version());
    return 0;
  }
  if (c->demo_mode || (cmd && !strcmp(cmd, "demo"))) return dw_cli_demo(c);
  if (!cmd) {
    fputs(USAGE, stderr);
    return 2;
  }
  if (!strcmp(cmd, "help")) {
    if (nrest > 1) {
      usage_error(c, "help takes at most one COMMAND");
      return report_usage(c, "help");
    }
    return show_help(c, "help", nrest ? rest[0] : c->help ? "help" : NULL);
  }
  if (!strcmp(cmd, "run")) {
    /* "-" among the run operands means: input from stdin */
    int j = 0;
    for (int i = 0; i < nrest; i++)
      if (!strcmp(rest[i], "-"))
        c->input_file = "-";
      else
        rest[j++] = rest[i];
    return cmd_run(c, j, rest);
  }
  if (!strcmp(cmd, "validate")) return cmd_validate(c, nrest, rest);
  if (!strcmp(cmd, "inspect")) return cmd_inspect(c, nrest, rest);
  if (!strcmp(cmd, "processors")) return cmd_processors(c, nrest, rest);
  if (!strcmp(cmd, "cache")) return cmd_cache(c, nrest, rest);
  if (has_suffix(cmd, ".yaml") || has_suffix(cmd, ".yml") || access(cmd, R_OK) == 0) {
    /* the original's form: dagwood CONFIG... INPUT */
    if (c->nargs < 2) {
      usage_error(c, "give the input after the config: dagwood %s \"some text\"", cmd);
      return report_usage(c, NULL);
    }
    if (one_config_only(c, c->nargs - 1)) return report_usage(c, "run");
    const char *in = c->args[c->nargs - 1];
    return dw_cli_run_all(c, c->args, c->nargs - 1, in, strlen(in));
  }
  const char *sugg = suggest_command(cmd);
  if (sugg)
    usage_error(c, "unknown command '%s'; did you mean '%s'?", cmd, sugg);
  else
    usage_error(c,
                "unknown command '%s' (commands: run, validate, inspect, processors, cache, "
                "demo, help), and no pipeline file of that name",
                cmd);
  return report_usage(c, NULL);
}

int main(int argc, char **argv) {
  dw_cli c;
  memset(&c, 0, sizeof c);
  c.strategy = -1;
  c.failure = -1;
  c.format = DW_FMT_TEXT;
  parse_args(&c, argc, argv);
  c.engine = dw_engine_new(NULL);
  if (!c.engine) {
    fprintf(stderr, "dagwood: out of memory\n");
    return 2;
  }
  int rc = dispatch(&c);
  dw_engine_free(c.engine);
  return close_stdout(&c, rc);
}
