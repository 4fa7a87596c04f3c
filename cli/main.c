/* cli/main: the `dagwood` command — argument parsing and the sub-commands.
 * A thin layer: everything it shows comes from the public API. Human output
 * goes to stdout, diagnostics and logs to stderr. Exit status: 0 every
 * processor succeeded, 1 a processor failed, 2 usage or pipeline error. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dagwood/dagwood.h"
#include "render.h"

static void usage(FILE *out) {
  fputs(
      "usage: dagwood COMMAND [OPTIONS]\n"
      "\n"
      "commands:\n"
      "  run CONFIG... [--input TEXT | --input-file PATH | -]   run each pipeline on the input\n"
      "  validate CONFIG...                  check only; every error at once\n"
      "  inspect CONFIG [--graph dot|mermaid] [--format json]   order, ranks, levels, strategy\n"
      "  processors                          list the built-in processors\n"
      "  cache list|clear                    the compiled WebAssembly modules\n"
      "  demo                                a guided tour of the bundled examples\n"
      "  CONFIG... INPUT                     the original's form: run each CONFIG on INPUT\n"
      "  --demo-mode                         the original's form of `demo`\n"
      "\n"
      "options:\n"
      "  --input TEXT, --input-file PATH, -  the run's input (default: standard input)\n"
      "  --strategy NAME                     work_queue, level, reactive or hybrid\n"
      "  --failure-strategy NAME             fail_fast, continue_on_error or best_effort\n"
      "  --max-concurrency N                 most processors running at once\n"
      "  --format text|json|raw|protobuf     report format (default text)\n"
      "  --graph dot|mermaid                 inspect: draw the graph\n"
      "  --trace FILE                        write a Chrome trace-event JSON (Perfetto)\n"
      "  --strict                            warnings are errors\n"
      "  --quiet, --verbose                  less or more on stderr\n"
      "  --help, --version\n"
      "\n"
      "exit status: 0 all processors succeeded, 1 a processor failed, 2 usage or pipeline error\n",
      out);
}

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "dagwood: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nrun 'dagwood --help' for usage\n");
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
  if (argc == 0) return usage_error("validate needs at least one CONFIG%s", "");
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
  if (argc != 1) return usage_error("inspect takes exactly one CONFIG%s", "");
  dw_pipeline *p = dw_cli_load(c, argv[0]);
  if (!p) return 2;
  int rc;
  if (c->graph && strcmp(c->graph, "dot") == 0)
    rc = dw_render_dot(stdout, p);
  else if (c->graph && strcmp(c->graph, "mermaid") == 0)
    rc = dw_render_mermaid(stdout, p);
  else if (c->format == DW_FMT_JSON)
    rc = dw_render_inspect_json(stdout, p);
  else
    rc = dw_render_inspect_text(stdout, p);
  dw_pipeline_free(p);
  return rc == 0 ? 0 : 2;
}

static int cmd_processors(dw_cli *c) {
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

/* Run each pipeline on the input; the worst status decides the exit. */
int dw_cli_run_all(dw_cli *c, char **configs, int nconfigs, const char *input, size_t len) {
  int rc = 0;
  for (int i = 0; i < nconfigs; i++) {
    dw_pipeline *p = dw_cli_load(c, configs[i]);
    if (!p) {
      rc = 2;
      continue;
    }
    int r = dw_cli_run_one(c, p, input, len);
    if (r > rc) rc = r;
    dw_pipeline_free(p);
  }
  return rc;
}

static int cmd_run(dw_cli *c, int argc, char **argv) {
  if (argc == 0) return usage_error("run needs at least one CONFIG%s", "");
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
  if (argc != 1 || (strcmp(argv[0], "list") && strcmp(argv[0], "clear")))
    return usage_error("cache takes one of: list, clear%s", "");
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

static int has_suffix(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

int main(int argc, char **argv) {
  dw_cli c;
  memset(&c, 0, sizeof c);
  c.strategy = -1;
  c.failure = -1;
  c.format = DW_FMT_TEXT;
  enum { O_STRATEGY = 1000, O_FAILURE, O_MAXC, O_FORMAT, O_GRAPH, O_TRACE, O_INPUT_FILE, O_DEMO };
  static const struct option longopts[] = {{"input", required_argument, 0, 'i'},
                                           {"input-file", required_argument, 0, O_INPUT_FILE},
                                           {"strategy", required_argument, 0, O_STRATEGY},
                                           {"failure-strategy", required_argument, 0, O_FAILURE},
                                           {"max-concurrency", required_argument, 0, O_MAXC},
                                           {"format", required_argument, 0, O_FORMAT},
                                           {"graph", required_argument, 0, O_GRAPH},
                                           {"trace", required_argument, 0, O_TRACE},
                                           {"strict", no_argument, 0, 's'},
                                           {"quiet", no_argument, 0, 'q'},
                                           {"verbose", no_argument, 0, 'v'},
                                           {"help", no_argument, 0, 'h'},
                                           {"version", no_argument, 0, 'V'},
                                           {"demo-mode", no_argument, 0, O_DEMO},
                                           {0, 0, 0, 0}};
  int demo_mode = 0, opt;
  opterr = 0;
  /* GNU getopt permutes: options may follow the configs; "-" is an operand */
  while ((opt = getopt_long(argc, argv, "i:qvhV", longopts, NULL)) != -1) {
    switch (opt) {
      case 'i':
        c.input = optarg;
        break;
      case O_INPUT_FILE:
        c.input_file = optarg;
        break;
      case O_STRATEGY: {
        dw_strategy s;
        if (dw_strategy_parse(optarg, &s) != 0)
          return usage_error("unknown strategy '%s' (valid: work_queue, level, reactive, hybrid)",
                             optarg);
        c.strategy = (int)s;
        break;
      }
      case O_FAILURE:
        if (!strcmp(optarg, "fail_fast"))
          c.failure = DW_FAILURE_FAIL_FAST;
        else if (!strcmp(optarg, "continue_on_error"))
          c.failure = DW_FAILURE_CONTINUE_ON_ERROR;
        else if (!strcmp(optarg, "best_effort"))
          c.failure = DW_FAILURE_BEST_EFFORT;
        else
          return usage_error(
              "unknown failure strategy '%s' (valid: fail_fast, continue_on_error, best_effort)",
              optarg);
        break;
      case O_MAXC:
        if (parse_uint(optarg, &c.max_concurrency) != 0)
          return usage_error("--max-concurrency needs an integer from 1 to 100000, got '%s'",
                             optarg);
        break;
      case O_FORMAT:
        if (!strcmp(optarg, "text"))
          c.format = DW_FMT_TEXT;
        else if (!strcmp(optarg, "json"))
          c.format = DW_FMT_JSON;
        else if (!strcmp(optarg, "raw"))
          c.format = DW_FMT_RAW;
        else if (!strcmp(optarg, "protobuf"))
          c.format = DW_FMT_PROTOBUF;
        else
          return usage_error("unknown format '%s' (valid: text, json, raw, protobuf)", optarg);
        break;
      case O_GRAPH:
        if (strcmp(optarg, "dot") && strcmp(optarg, "mermaid"))
          return usage_error("unknown graph format '%s' (valid: dot, mermaid)", optarg);
        c.graph = optarg;
        break;
      case O_TRACE:
        c.trace = optarg;
        break;
      case 's':
        c.strict = 1;
        break;
      case 'q':
        c.quiet = 1;
        break;
      case 'v':
        c.verbose = 1;
        break;
      case 'h':
        usage(stdout);
        return 0;
      case 'V':
        printf("dagwood %s\n", dw_version());
        return 0;
      case O_DEMO:
        demo_mode = 1;
        break;
      case '?':
      default:
        if (optopt)
          return usage_error("option -%c is unknown or needs a value", (char[]){(char)optopt, 0});
        return usage_error("unknown option '%s'", argv[optind - 1]);
    }
  }
  while (optind < argc) {
    if (c.nargs == DW_CLI_MAX_ARGS) return usage_error("too many arguments%s", "");
    c.args[c.nargs++] = argv[optind++];
  }

  c.engine = dw_engine_new(NULL);
  if (!c.engine) {
    fprintf(stderr, "dagwood: out of memory\n");
    return 2;
  }
  int rc;
  const char *cmd = c.nargs ? c.args[0] : NULL;
  char **rest = c.args + 1;
  int nrest = c.nargs - 1;
  /* "-" among the run operands means: input from stdin */
  if (cmd && !strcmp(cmd, "run")) {
    int j = 0;
    for (int i = 0; i < nrest; i++)
      if (!strcmp(rest[i], "-"))
        c.input_file = "-";
      else
        rest[j++] = rest[i];
    nrest = j;
  }
  if (demo_mode || (cmd && !strcmp(cmd, "demo")))
    rc = dw_cli_demo(&c);
  else if (!cmd) {
    usage(stderr);
    rc = 2;
  } else if (!strcmp(cmd, "run"))
    rc = cmd_run(&c, nrest, rest);
  else if (!strcmp(cmd, "validate"))
    rc = cmd_validate(&c, nrest, rest);
  else if (!strcmp(cmd, "inspect"))
    rc = cmd_inspect(&c, nrest, rest);
  else if (!strcmp(cmd, "processors"))
    rc = cmd_processors(&c);
  else if (!strcmp(cmd, "cache"))
    rc = cmd_cache(&c, nrest, rest);
  else if (has_suffix(cmd, ".yaml") || has_suffix(cmd, ".yml") || access(cmd, R_OK) == 0) {
    /* the original's form: dagwood CONFIG... INPUT */
    if (c.nargs < 2) {
      rc = usage_error("give the input after the config: dagwood %s \"some text\"", cmd);
    } else {
      const char *in = c.args[c.nargs - 1];
      rc = dw_cli_run_all(&c, c.args, c.nargs - 1, in, strlen(in));
    }
  } else {
    rc = usage_error("unknown command or missing file '%s'", cmd);
  }
  dw_engine_free(c.engine);
  return rc;
}
