/* SPDX-License-Identifier: MIT */
/* component.h: Kubeflow Pipelines v1 component specs (component.yaml): loading with
 * file:line:col diagnostics, and resolving one use of a component against its arguments the
 * way kfp 1.8's load_component_from_file() and ContainerOp do. */
#ifndef MNISTPIPE_CORE_COMPONENT_H
#define MNISTPIPE_CORE_COMPONENT_H

#include <mnistpipe/host.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

/* Where kfp 1.8 puts the files of inputPath and outputPath placeholders. */
#define MPI_COMPONENT_INPUTS_DIR "/tmp/inputs"
#define MPI_COMPONENT_OUTPUTS_DIR "/tmp/outputs"

/* One command-line item of implementation.container.command or args. */
enum mpi_cph_kind {
    MPI_CPH_STRING,      /* a constant (numbers and booleans as Python's str() prints them) */
    MPI_CPH_INPUT_VALUE, /* {inputValue: NAME} */
    MPI_CPH_INPUT_PATH,  /* {inputPath: NAME} */
    MPI_CPH_OUTPUT_PATH, /* {outputPath: NAME} */
    MPI_CPH_CONCAT,      /* {concat: [ITEM...]} */
    MPI_CPH_IF,          /* {if: {cond: ITEM, then: [ITEM...], else: [ITEM...]}} */
    MPI_CPH_IS_PRESENT   /* {isPresent: NAME} */
};

struct mpi_cph {
    enum mpi_cph_kind kind;
    const char *text;          /* the constant, or the input/output name */
    unsigned long line, col;   /* in the component file */
    struct mpi_cph **items;    /* concat items; if: then-list */
    size_t n;
    struct mpi_cph *cond;      /* if */
    struct mpi_cph **else_items;
    size_t n_else;
};

struct mpi_component_input {
    const char *name;
    const char *type;         /* the type as written when it is a string, else NULL */
    const char *default_value; /* Python's str() of the default, or NULL */
    bool optional;
    unsigned long line, col;  /* of the input's mapping */
};

struct mpi_component_output {
    const char *name;
    unsigned long line, col;
};

struct mpi_kv_pos {
    const char *key, *value;
    unsigned long line, col;
};

struct mpi_component {
    struct mpi_arena arena;
    const char *file;           /* the name given to the loader (component_ref's url) */
    char digest[65];            /* sha256 of the bytes, CRLF read as LF (kfp's digest) */
    const char *name;           /* NULL when the file has none */
    const char *description;
    struct mpi_component_input *inputs;
    size_t n_inputs;
    struct mpi_component_output *outputs;
    size_t n_outputs;
    const char *image;
    struct mpi_cph **command;
    size_t n_command;
    struct mpi_cph **args;
    size_t n_args;
    struct mpi_kv_pos *env, *file_outputs, *annotations, *labels;
    size_t n_env, n_file_outputs, n_annotations, n_labels;
    const char *spec_json;      /* kfp's json.dumps(spec.to_dict(), sort_keys=True) */
    unsigned long line, col;    /* of the top-level mapping */
};

/* Parse the component spec in @data (@len bytes, need not be NUL-terminated) named @name
 * (used in diagnostics and as component_ref's url). Every problem goes to @diags (its file
 * is set to @name); this is the entry point of the fuzz target.
 * Ownership: on MP_OK caller frees *@out with mpi_component_free(); @diags is the caller's.
 * Errors: MP_ERR_PARSE (the first problem in @err, all in @diags), MP_ERR_NOMEM,
 * MP_ERR_INVAL. */
int mpi_component_parse(const char *data, size_t len, const char *name,
                        struct mpi_component **out, struct mp_diags *diags,
                        struct mp_error *err);

/* mpi_component_parse() of the file at @path (at most 1 MiB), named @name in messages.
 * Errors: as mpi_component_parse(), and MP_ERR_IO (unreadable). */
int mpi_component_load(const char *path, const char *name, struct mpi_component **out,
                       struct mp_diags *diags, struct mp_error *err);

void mpi_component_free(struct mpi_component *c);

/* The input named @name, or NULL. Ownership: borrowed from @c. */
const struct mpi_component_input *mpi_component_input(const struct mpi_component *c,
                                                      const char *name);

/* ---- One use of a component (component_placeholders.c) ---- */

/* An argument given to an input: the value is a string that may hold {{params.X}} and
 * {{steps.S.outputs.O}} placeholders. */
struct mpi_component_arg {
    const char *name, *value;
    unsigned long line, col; /* in the pipeline file */
};

/* A file the container reads (inputPath) or writes (outputPath, fileOutputs). */
struct mpi_component_file {
    const char *name;   /* the input or output name */
    const char *path;
    const char *value;  /* inputs: the argument */
    unsigned long line, col; /* inputs: the argument's position in the pipeline file */
};

struct mpi_component_use {
    struct mpi_arena arena;
    const char **command, **args;
    size_t n_command, n_args;
    struct mpi_component_file *input_paths, *output_paths;
    size_t n_input_paths, n_output_paths;
    const char *arguments_json; /* kfp's arguments.parameters annotation, or NULL */
};

/* Resolve @c with @args: unknown arguments (with the nearest input name), missing required
 * inputs, defaults, inputValue/inputPath/outputPath/concat/if/isPresent. Problems go to
 * @diags at (@line, @col) of the pipeline file, or at the argument, naming the component file
 * and the line:col there.
 * Ownership: on MP_OK caller frees *@out with mpi_component_use_free().
 * Errors: MP_ERR_PARSE (see @diags), MP_ERR_NOMEM. */
int mpi_component_resolve(const struct mpi_component *c, const struct mpi_component_arg *args,
                          size_t n_args, unsigned long line, unsigned long col,
                          struct mpi_component_use **out, struct mp_diags *diags,
                          struct mp_error *err);

void mpi_component_use_free(struct mpi_component_use *u);

/* The file name kfp derives from a port name: runs of characters other than [-_.0-9a-zA-Z]
 * become '_'. Ownership: in @a. Errors: NULL when out of memory. */
char *mpi_component_file_name(struct mpi_arena *a, const char *port);

/* kfp's sanitize_k8s_name(name, allow_capital_underscore=True): runs of characters other than
 * [-A-Za-z0-9_] become '-', repeated '-' collapse, '-' trimmed at both ends.
 * Ownership: in @a. Errors: NULL when out of memory. */
char *mpi_component_k8s_name(struct mpi_arena *a, const char *name);

#endif /* MNISTPIPE_CORE_COMPONENT_H */
