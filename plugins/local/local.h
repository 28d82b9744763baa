/* SPDX-License-Identifier: MIT */
/* local.h: the local runner plugin's private types, shared by its files (never installed). */
#ifndef MNISTPIPE_PLUGINS_LOCAL_H
#define MNISTPIPE_PLUGINS_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <mnistpipe/plugin.h>

/* What a mapped image is: a job that runs to completion, a long-lived service, or one of the
 * MNIST programs whose arguments and readiness the runner knows. */
enum lr_profile { LR_JOB = 0, LR_SERVICE, LR_TRAIN, LR_SERVE, LR_WEBUI };

/* When a failed attempt is retried (Argo's retryStrategy.retryPolicy). A failure is a non-zero
 * exit, a signal or a timeout; an error is a program that could not be started (the local
 * counterpart of a pod that never ran its container). */
enum lr_retry_policy { LR_RETRY_ON_FAILURE = 0, LR_RETRY_ALWAYS, LR_RETRY_ON_ERROR };

enum lr_state {
    LR_PENDING = 0, LR_RUNNING, LR_SUCCEEDED, LR_FAILED, LR_SKIPPED, LR_CANCELLED,
    LR_SERVING, /* a service that answered its readiness check and stays up */
    LR_STOPPED  /* a service ended by stop, or a job ended by Ctrl-C */
};

/* One iteration of a parallelFor: the loop, the item's index, the item. */
struct lr_iter {
    const void *loop; /* the parallelFor group */
    int index;
    json_t *item;
};

struct lr_step {
    char *name, *image, *program;
    size_t op;             /* the op it runs: mp_pipeline_op_at(p, op) */
    const void *loop;      /* the parallelFor group it is an iteration of, or NULL */
    int iteration;         /* its item's index in the loop, -1 outside one */
    long long loop_parallelism; /* the loop's bound on its running steps; <= 0: none */
    json_t *item;          /* the loop item ({{item}}), or NULL */
    struct lr_iter *path;  /* the iteration of each loop around it, outermost first (owned,
                            * items referenced); NULL outside loops */
    size_t depth;
    char **argv;  /* NULL-terminated; argv[0] is the program */
    char **env;   /* NULL-terminated "NAME=VALUE" added to the runner's environment */
    size_t *deps; /* indices into run->steps */
    size_t ndeps, deps_cap;
    enum lr_profile profile;
    bool service;
    int port;          /* services: the loopback port they listen on, 0 if unknown */
    char *ready_path;  /* services: HTTP path of the readiness check, NULL: alive is ready */
    char *claim_dir;   /* the per-claim directory seen as mount_path, or NULL */
    char *mount_path;  /* e.g. "/mnt" */
    bool use_ns;       /* bind claim_dir at mount_path; else mount_path is rewritten in args */
    enum lr_state state;
    bool cond_false;   /* LR_SKIPPED because a `when` condition is false (not a failure) */
    bool exit_handler; /* the pipeline's onExit step: runs when all others have ended */
    int attempts, exit_code, signo;
    pid_t pid;
    double started, finished, deadline, kill_at;
    /* Retries and the timeout of one attempt, as the pipeline (or the command line) gives. */
    int retry_limit;             /* attempts after the first */
    enum lr_retry_policy policy;
    double backoff, backoff_max; /* seconds; 0: none */
    unsigned backoff_factor;     /* 0: none */
    double timeout;              /* seconds per attempt; 0: none */
    double first_started, next_try;
    bool start_error;            /* the last attempt could not start its program */
    char reason[256];            /* why it failed, was skipped or retried, e.g. "timed out after 2s" */
    char *pid_file;              /* RUNDIR/pids/STEP, written by the child before exec */
    int out_fd, log_fd;
    int err_fd; /* close-on-exec pipe from the child: a byte when it could not start */
    char line[2048];
    size_t linelen;
    char progress[96]; /* the step's own progress, e.g. "step 40/200" */
    char summary[160]; /* e.g. "test_acc=0.9781" or a URL */
    /* Outputs passed between steps (outputs.c). */
    bool tmpl;          /* stands for the iterations of a loop over another step's output
                         * until that output is known (then expanded into them) */
    bool hidden;        /* an expanded stand-in: neither run nor shown */
    bool deferred_cond; /* a `when` around it reads an output: evaluated when it is ready */
    char *files_dir;    /* RUNDIR/files/STEP: where its output and input paths are placed */
    json_t *outputs;    /* {NAME: {kind, path, file, value}} once it succeeded, or NULL */
    unsigned outputs_gen; /* counts the replacements of outputs */
    /* Its entry in status.json as last written (state.c), and the fingerprint of the fields
     * it was made from: a step whose fields did not change is not serialised again. */
    char *status_text;
    size_t status_len;
    uint64_t status_fp;
};

struct lr_run {
    const struct mp_plugin_ctx *ctx;
    char *id, *dir, *pipeline;
    struct lr_step *steps;
    size_t n;
    int jobs;
    double ready_timeout;
    double timeout, deadline; /* the pipeline's timeout (seconds, 0: none) and when it ends */
    bool timed_out;
    bool tty, use_ns;
    const char *state; /* running, succeeded, failed, interrupted */
    bool state_dirty;  /* steps started or ended since status.json was last written */
    char message[256];
    double started, finished;
    int view_lines; /* lines of the live view currently on the terminal */
    const struct mp_pipeline *p;
    void *setup; /* setup.c's state, for the iterations of loops expanded while running */
};

/* ---- state.c ---- */
/* The state root ($XDG_STATE_HOME/mnistpipe, else ~/.local/state/mnistpipe) into @out.
 * Errors: MP_ERR_IO when neither is set or it cannot be created. */
int lr_state_root(char *out, size_t size, struct mp_error *err);
double lr_now(void);
/* mkdir -p. Errors: MP_ERR_IO. */
int lr_mkdirs(const char *path, struct mp_error *err);
/* Write @run's status.json atomically (tmp + rename). Errors: MP_ERR_IO, MP_ERR_NOMEM. */
int lr_state_write(const struct lr_run *run, struct mp_error *err);
const char *lr_state_name(enum lr_state s);
/* True when @pid is a live process (not a zombie). */
bool lr_pid_alive(pid_t pid);
/* An Argo duration ("30s", "1m30s", "1.5h", "250ms", or plain seconds "10") in seconds;
 * -1 when it is not one. */
double lr_parse_duration(const char *s);
/* The pid file of a step: "PID ATTEMPT\n", written by the child before it execs; a record of
 * a start that survives a runner killed before status.json says so. False when there is none. */
bool lr_pid_file_read(const char *path, pid_t *pid, int *attempt);

/* ---- image_map.c ---- */
struct lr_image_map;
/* The built-in map plus @file's lines (may be NULL or ""). Ownership: free with
 * lr_image_map_free(). Errors: MP_ERR_IO, MP_ERR_PARSE with file:line. */
int lr_image_map_load(const char *file, struct lr_image_map **out, struct mp_error *err);
void lr_image_map_free(struct lr_image_map *m);
/* Resolve @image to an absolute program and profile. Ownership: *program is the caller's.
 * Errors: MP_ERR_NOTFOUND naming the image, or the program and where it was looked for. */
int lr_image_map_resolve(const struct lr_image_map *m, const char *step, const char *image,
                         char **program, enum lr_profile *profile, struct mp_error *err);

/* ---- runner.c ---- */
/* Run @run's steps to the end. Returns MP_OK, MP_ERR_FAILED, MP_ERR_INTERRUPTED or an error. */
int lr_run_execute(struct lr_run *run, struct mp_error *err);
/* The probe: can a child get a private mount namespace with a bind mount? @why gets the
 * reason when not. */
bool lr_mount_ns_works(char *why, size_t size);
/* SIGTERM the process group @pid, then SIGKILL after @grace seconds. True when it is gone. */
bool lr_kill_group(pid_t pid, double grace);

/* ---- setup.c: while running ---- */
/* Expand the loop that stand-in step @t belongs to into one step per item of @items (a JSON
 * array): each stand-in of the loop becomes ITEM-count steps named STEP-INDEX, appended to
 * run->steps (which may move), and the steps that waited for a stand-in wait for its
 * iterations. Errors: as setting up a step. */
/* Adds step index @j to @s's dependencies unless it is there already. */
int lr_step_add_dep(struct lr_step *s, size_t j, struct mp_error *err);
int lr_setup_expand(struct lr_run *run, size_t t, json_t *items, struct mp_error *err);
/* Evaluate the `when` conditions around @s, outputs included. *@holds false: @reason says
 * which one is false. Errors: MP_ERR_VALIDATE (an operand that cannot be rendered). */
int lr_setup_conditions(struct lr_run *run, struct lr_step *s, bool *holds, char *reason,
                        size_t size, struct mp_error *err);

/* ---- outputs.c ---- */
/* Argo's bound on an output parameter (the pod annotation that carries outputs): 256 KiB. */
#define LR_PARAM_MAX (256 * 1024)
/* Where the file that @s sees at the absolute @path is on this machine: under its claim
 * directory for a path under its mount path, else under its files directory. */
void lr_local_path(const struct lr_step *s, const char *path, char *out, size_t size);
/* Rewrite, in @text, each declared output path and input artifact path of @op to where that
 * file is on this machine (paths under a claim bound in a mount namespace stay).
 * *@out: the new string, or NULL when nothing changed. Errors: MP_ERR_NOMEM. */
int lr_paths_rewrite(const struct mp_op *op, const struct lr_step *s, const char *text,
                     char **out, struct mp_error *err);
/* Tell where the step's declared output and input paths are on this machine. */
void lr_outputs_note(const struct lr_run *run, const struct lr_step *s);
/* Replace {{steps.S.outputs.O}} in @text by the values @s reads. Errors: MP_ERR_VALIDATE
 * naming the step and the output that has no value. */
int lr_outputs_render(struct lr_run *run, const struct lr_step *s, const char *text, char **out,
                      struct mp_error *err);
/* Make each step depend on the steps whose outputs it reads (strings, files, conditions,
 * loop lists). Errors: MP_ERR_NOMEM. */
int lr_link_data_deps(struct lr_run *run, size_t i, struct mp_error *err);
/* Just before @s starts: conditions on outputs, output values in its arguments and
 * environment, its input files in place. LR_PREP_START, or LR_PREP_SKIP / LR_PREP_FAIL with
 * its state and reason set. */
enum lr_prep { LR_PREP_START = 0, LR_PREP_SKIP, LR_PREP_FAIL };
enum lr_prep lr_outputs_prepare(struct lr_run *run, struct lr_step *s);
/* After @s exited 0: read its parameter outputs and keep each output's file in the run's
 * state. False (the reason set) when one is missing, too large or not text. */
bool lr_outputs_collect(struct lr_run *run, struct lr_step *s);
/* A stand-in @t is ready: parse the list it loops over and expand its loop. False (its
 * loop's stand-ins failed, reasons set) when the list is no JSON list. Errors: as
 * lr_setup_expand(). */
int lr_outputs_expand(struct lr_run *run, size_t t, bool *ok, struct mp_error *err);

/* ---- tree.c ---- */
/* The bounds of a directory artifact: its regular files' bytes, its entries, its depth. */
#define LR_DIR_MAX (1024LL * 1024 * 1024)
#define LR_DIR_ENTRIES 100000
#define LR_DIR_DEPTH 64
/* Copy the directory @src (a link to one is followed at the top only) to @dst, replacing
 * what is there at once (a temporary sibling renamed into place): modes and times kept,
 * symbolic links copied as links and never followed, regular files hard-linked when @link
 * and the file system allows. *@entries and *@bytes (either may be NULL): what it holds.
 * -1 with @why set (the entry, named under @name, or the bound passed) and nothing left
 * behind on failure. */
int lr_tree_copy(const char *src, const char *dst, const char *name, bool link, long *entries,
                 long long *bytes, char *why, size_t size);
/* Remove @path: a file, a link (not followed) or a directory with all it holds; a missing
 * one is no failure. -1 with errno set on failure. */
int lr_tree_remove(const char *path);

/* ---- gojson.c ---- */
/* Append @j to @out as Go's json.Marshal writes what it read from @j's text (compact, keys
 * sorted, numbers as float64, '<' '>' '&' escaped). Errors: mp_buf_error(@out), MP_ERR_NOMEM. */
int lr_go_json(const json_t *j, struct mp_buf *out);

/* ---- progress.c ---- */
/* A state change of @s (or of the run when @s is NULL): a plain line or a redraw. */
void lr_progress_event(struct lr_run *run, const struct lr_step *s, const char *fmt, ...)
    MP_PRINTF(3, 4);
/* One line of a step's output: to the terminal, prefixed. */
void lr_progress_line(struct lr_run *run, struct lr_step *s, const char *line);
/* Redraw the live view (tty only). */
void lr_progress_draw(struct lr_run *run);
/* Print the final table. */
void lr_progress_final(struct lr_run *run);

#endif /* MNISTPIPE_PLUGINS_LOCAL_H */
