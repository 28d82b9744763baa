/* SPDX-License-Identifier: MIT */
/* check_yaml_load.c: pipeline files to the graph, every problem with line:col, input limits. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mnistpipe/host.h>

#include "textfile.h"
#include "yaml_load.h"
#include "yaml_load_int.h"
#include "yaml_same.h"

static struct mp_error *err;
static struct mp_diags *diags;
static char dir[] = "/tmp/mp-yaml-XXXXXX";
static char path[64];

static void setup(void)
{
    err = mp_error_new();
    diags = mp_diags_new();
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/p.yaml", dir);
}

static void teardown(void)
{
    unlink(path);
    rmdir(dir);
    memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
    mp_diags_free(diags);
    mp_error_free(err);
}

static void write_file(const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    fclose(f);
}

static int load(const char *text, const char *platform, struct mp_pipeline **out)
{
    write_file(text, strlen(text));
    const char *plats[] = {platform};
    *out = NULL;
    return mp_pipeline_load_file(path, plats, platform ? 1 : 0, out, diags, err);
}

static const char *example(void)
{
    static char buf[4096];
    const char *top = getenv("MP_TOP_SRCDIR");
    snprintf(buf, sizeof(buf), "%s/examples/mnist/pipeline.yaml", top ? top : "..");
    return buf;
}

START_TEST(test_example)
{
    const char *onprem[] = {"onprem"}, *gcp[] = {"gcp"};
    struct mp_pipeline *a, *b;
    ck_assert_int_eq(mp_pipeline_load_file(example(), gcp, 1, &a, diags, err), MP_OK);
    ck_assert_uint_eq(mp_diags_count(diags), 0);
    ck_assert_str_eq(mp_pipeline_name(a), "MNIST");
    ck_assert_uint_eq(mp_pipeline_param_count(a), 5);
    ck_assert_str_eq(mp_param_default(mp_pipeline_find_param(a, "pvc_name")), "");
    ck_assert_uint_eq(mp_op_arg_count(mp_pipeline_find_op(a, "serve")), 4);
    ck_assert_str_eq(mp_op_dependency_at(mp_pipeline_find_op(a, "web-ui"), 0), "serve");
    ck_assert_int_eq(mp_pipeline_load_file(example(), onprem, 1, &b, NULL, err), MP_OK);
    ck_assert_uint_eq(mp_op_arg_count(mp_pipeline_find_op(b, "serve")), 8);
    ck_assert_str_eq(mp_op_arg_at(mp_pipeline_find_op(b, "serve"), 7), "{{params.pvc_name}}");
    ck_assert_uint_eq(mp_op_arg_count(mp_pipeline_find_op(b, "web-ui")), 12);
    ck_assert_int_eq(mp_pipeline_validate(b, err), MP_OK);
    mp_pipeline_free(a);
    mp_pipeline_free(b);
}
END_TEST

START_TEST(test_every_option)
{
    struct mp_pipeline *p;
    ck_assert_int_eq(load("name: all\nparameters:\n  - {name: x, default: '1', type: Integer}\n"
                          "  - name: y\nsteps:\n  - name: a\n    image: busybox\n"
                          "    command: [sh, -c]\n    args: 'echo {{params.x}}'\n"
                          "    env:\n      - {name: A, value: '{{params.y}}'}\n"
                          "      - {name: B, secretKeyRef: {name: s, key: k}}\n"
                          "    volumes:\n      - {name: d, persistentVolumeClaim: {claimName: c}}\n"
                          "      - {name: e, emptyDir: {}}\n"
                          "    volumeMounts: [{name: d, mountPath: /d, readOnly: true}]\n"
                          "    labels: {team: ml}\n    annotations: {note: hi}\n"
                          "  - name: b\n    image: busybox\n    after: [a]\n    variants:\n"
                          "      - {when-platform: gcp, args+: [g]}\n"
                          "      - {unless-platform: gcp, command+: [o]}\n",
                          "onprem", &p), MP_OK);
    struct mp_op *a = mp_pipeline_find_op(p, "a"), *b = mp_pipeline_find_op(p, "b");
    ck_assert_ptr_null(mp_param_default(mp_pipeline_find_param(p, "y")));
    ck_assert_str_eq(mp_param_type(mp_pipeline_find_param(p, "x")), "Integer");
    ck_assert_uint_eq(mp_op_command_count(a), 2);
    ck_assert_str_eq(mp_op_arg_at(a, 0), "echo {{params.x}}");
    ck_assert_str_eq(mp_op_env_secret_key(a, 1), "k");
    ck_assert_int_eq(mp_op_volume_kind(a, 1), MP_VOLUME_EMPTY_DIR);
    ck_assert(mp_op_volume_mount_read_only(a, 0));
    ck_assert_str_eq(mp_op_label_value(a, 0), "ml");
    ck_assert_str_eq(mp_op_annotation_value(a, 0), "hi");
    ck_assert_uint_eq(mp_op_arg_count(b), 0);
    ck_assert_str_eq(mp_op_command_at(b, 0), "o");
    mp_pipeline_free(p);
}
END_TEST

START_TEST(test_all_problems)
{
    struct mp_pipeline *p;
    ck_assert_int_eq(load("name: p\nsteps:\n  - name: A\n    image: x\n  - name: b\n"
                          "    args: ['{{params.nope}}']\n    after: z\n    imag: y\n",
                          NULL, &p), MP_ERR_PARSE);
    ck_assert_ptr_null(p);
    ck_assert_uint_eq(mp_diags_error_count(diags), 5);
    struct mp_buf *b = mp_buf_new();
    ck_assert_int_eq(mp_diags_format(diags, false, b), MP_OK);
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), "p.yaml:3:11: error: step name 'A'"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), ":5:5: error: step 'b' has no image"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), ":6:13: error: args refers to {{params.nope}}"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), ":7:12: error: step 'b' runs after 'z'"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), "did you mean 'image'?"));
    mp_buf_reset(b);
    ck_assert_int_eq(mp_diags_format(diags, true, b), MP_OK);
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), "\"errors\":5"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), "\"line\":3,\"column\":11"));
    mp_buf_free(b);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "p.yaml:3:11:"));
}
END_TEST

/* Keys given twice in a step (whose keys the loader indexes) and at the top level: each
 * later occurrence is reported against each earlier one. */
START_TEST(test_duplicate_keys)
{
    struct mp_pipeline *p;
    ck_assert_int_eq(load("name: p\nsteps:\n  - name: a\n    image: x\n    args: [1]\n"
                          "    image: y\n    env: []\n    image: z\n    \"\": 1\n"
                          "    \"\": 2\nname: q\n", NULL, &p), MP_ERR_PARSE);
    ck_assert_uint_eq(mp_diags_error_count(diags), 7);
    struct mp_buf *b = mp_buf_new();
    ck_assert_int_eq(mp_diags_format(diags, false, b), MP_OK);
    const char *out = mp_buf_data(b);
    ck_assert_ptr_nonnull(strstr(out, ":6:5: error: step: key 'image' given twice (first at "
                                      "line 4)"));
    ck_assert_ptr_nonnull(strstr(out, ":8:5: error: step: key 'image' given twice (first at "
                                      "line 4)"));
    ck_assert_ptr_nonnull(strstr(out, ":8:5: error: step: key 'image' given twice (first at "
                                      "line 6)"));
    ck_assert_ptr_nonnull(strstr(out, ":10:5: error: step: key '' given twice (first at "
                                      "line 9)"));
    ck_assert_ptr_nonnull(strstr(out, ":11:1: error: pipeline: key 'name' given twice (first "
                                      "at line 1)"));
    mp_buf_free(b);
}
END_TEST

START_TEST(test_hostile)
{
    struct mp_pipeline *p;
    ck_assert_int_eq(load("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", NULL, &p), MP_ERR_PARSE);
    ck_assert_uint_eq(mp_diags_count(diags), 1);
    ck_assert_uint_eq(mp_diag_line(diags, 0), 2);
    ck_assert_uint_eq(mp_diag_column(diags, 0), 8);
    char deep[400];
    memset(deep, '[', 200);
    memset(deep + 200, ']', 199);
    deep[399] = '\0';
    ck_assert_int_eq(load(deep, NULL, &p), MP_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(mp_diag_message(diags, 0), "nesting deeper"));
    write_file("name: p\n\0", 9);
    ck_assert_int_eq(mp_pipeline_load_file(path, NULL, 0, &p, diags, err), MP_ERR_PARSE);
    ck_assert_uint_eq(mp_diag_line(diags, 0), 2);
    ck_assert_int_eq(load("name: \xed\xa0\x80\n", NULL, &p), MP_ERR_PARSE); /* a surrogate */
    ck_assert_uint_eq(mp_diag_column(diags, 0), 7);
    FILE *f = fopen(path, "wb");
    ck_assert_int_eq(ftruncate(fileno(f), (off_t)MPI_YAML_MAX_BYTES + 1), 0);
    fclose(f);
    ck_assert_int_eq(mp_pipeline_load_file(path, NULL, 0, &p, diags, err), MP_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "limit is 64 MiB"));
    ck_assert_int_eq(mp_pipeline_load_file("/nonexistent/x.yaml", NULL, 0, &p, diags, err),
                     MP_ERR_IO);
}
END_TEST

static bool same_mark(yaml_mark_t a, yaml_mark_t b)
{
    return a.index == b.index && a.line == b.line && a.column == b.column;
}

/* The one-pass parse composes what yaml_parser_load() composes, and fails where it fails. */
static void same_document(const char *data, size_t len, const char *what)
{
    yaml_document_t mine, theirs;
    yaml_parser_t ps;
    mp_diags_clear(diags);
    bool ok = mpi_yl_parse(diags, data, len, &mine);
    ck_assert_int_eq(yaml_parser_initialize(&ps), 1);
    yaml_parser_set_input_string(&ps, (const unsigned char *)data, len);
    bool loaded = yaml_parser_load(&ps, &theirs);
    yaml_parser_delete(&ps);
    if (!ok) {
        ck_assert_msg(mp_diags_error_count(diags) > 0, "%s: no problem reported", what);
        ck_assert_ptr_null(mine.nodes.start);
        /* A syntax error or a duplicate anchor is libyaml's too; the limits are ours. */
        if (!strncmp(mp_diag_message(diags, 0), "YAML syntax:", 12))
            ck_assert_msg(!loaded, "%s: libyaml loads it", what);
        if (loaded)
            yaml_document_delete(&theirs);
        return;
    }
    ck_assert_msg(loaded, "%s: libyaml does not load it", what);
    ck_assert_int_eq(mine.start_implicit, theirs.start_implicit);
    ck_assert_int_eq(mine.end_implicit, theirs.end_implicit);
    ck_assert(same_mark(mine.start_mark, theirs.start_mark));
    ck_assert(same_mark(mine.end_mark, theirs.end_mark));
    ck_assert_int_eq(mine.nodes.top - mine.nodes.start, theirs.nodes.top - theirs.nodes.start);
    for (yaml_node_t *a = mine.nodes.start, *b = theirs.nodes.start; a < mine.nodes.top;
         a++, b++) {
        ck_assert_msg(a->type == b->type, "%s: node %d", what, (int)(a - mine.nodes.start));
        ck_assert_str_eq((const char *)a->tag, (const char *)b->tag);
        ck_assert_msg(same_mark(a->start_mark, b->start_mark) &&
                          same_mark(a->end_mark, b->end_mark),
                      "%s: marks of node %d", what, (int)(a - mine.nodes.start));
        if (a->type == YAML_SCALAR_NODE) {
            ck_assert_uint_eq(a->data.scalar.length, b->data.scalar.length);
            ck_assert(!memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length));
            ck_assert_int_eq(a->data.scalar.style, b->data.scalar.style);
        } else if (a->type == YAML_SEQUENCE_NODE) {
            size_t n = (size_t)(a->data.sequence.items.top - a->data.sequence.items.start);
            ck_assert_int_eq(a->data.sequence.style, b->data.sequence.style);
            ck_assert_uint_eq(n, b->data.sequence.items.top - b->data.sequence.items.start);
            ck_assert(!n || !memcmp(a->data.sequence.items.start, b->data.sequence.items.start,
                                    n * sizeof(yaml_node_item_t)));
        } else {
            size_t n = (size_t)(a->data.mapping.pairs.top - a->data.mapping.pairs.start);
            ck_assert_int_eq(a->data.mapping.style, b->data.mapping.style);
            ck_assert_uint_eq(n, b->data.mapping.pairs.top - b->data.mapping.pairs.start);
            ck_assert(!n || !memcmp(a->data.mapping.pairs.start, b->data.mapping.pairs.start,
                                    n * sizeof(yaml_node_pair_t)));
        }
    }
    mpi_yl_doc_free(&mine);
    yaml_document_delete(&theirs);
}

/* @check on every file of @sub (directories skipped); the number of files for which it
 * returned true (*@files: the number read). */
static size_t each_file_in(const char *sub, bool (*check)(const char *, size_t, const char *),
                           size_t *files)
{
    char d[4096], f[4096];
    const char *top = getenv("MP_TOP_SRCDIR");
    size_t n = 0;
    *files = 0;
    snprintf(d, sizeof(d), "%s/%s", top ? top : "..", sub);
    DIR *dp = opendir(d);
    ck_assert_msg(dp != NULL, "%s", d);
    for (struct dirent *e; (e = readdir(dp));) {
        char *data;
        size_t len;
        if (e->d_name[0] == '.')
            continue;
        snprintf(f, sizeof(f), "%s/%s", d, e->d_name);
        if (mpi_textfile_read(f, MPI_YAML_MAX_BYTES, &data, &len, err) != MP_OK) {
            mp_error_clear(err);
            continue; /* a directory */
        }
        n += check(data, len, f);
        free(data);
        (*files)++;
    }
    closedir(dp);
    return n;
}

static bool same_document_file(const char *data, size_t len, const char *what)
{
    same_document(data, len, what);
    return true;
}

static size_t same_documents_in(const char *sub)
{
    size_t files;
    return each_file_in(sub, same_document_file, &files);
}

START_TEST(test_same_document)
{
    static const char *const texts[] = {
        "", "# only a comment\n", "---\n", "--- x\n...\n", "%YAML 1.1\n--- {a: b}\n",
        "%TAG !e! tag:example.com,2000:\n--- !e!x {a: !e!y b}\n",
        "a: !!str 1\nb: ! 2\nc: !local [x]\nd: !!map {}\n",
        "a: &x 1\nb: &y [2]\nc: &x 3\n", "a: &x {b: &x c}\n", "? [a, b]\n: c\n? d\n",
        "a:\nb: ~\nc: []\nd: {}\ne: [[], {}, [[x]]]\n",
        "s: |\n  one\n  two\nf: >-\n  three\n  four\np: plain\n  continued\n",
        "q: 'it''s'\nd: \"tab\\t\\u00e9\"\nu: caf\xc3\xa9 \xe2\x82\xac\n",
        "a: b\r\nc:\r\n  - d\r\n", "- a\n- - b\n  - c\n- d: e\n  f: g\n",
        "a: [b, {c: d}, e: f]\n", "a: b\n---\nc: d\n", "a: *b\n", "a: [b\n", "a: b: c\n",
        "\xef\xbb\xbf" "a: b\n", "{a: 1, a: 2}\n", "a:\n  - b\n c\n",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        same_document(texts[i], strlen(texts[i]), texts[i]);
    ck_assert_uint_gt(same_documents_in("tests/data/bad"), 50);
    ck_assert_uint_gt(same_documents_in("tests/fuzz/yaml_load"), 5);
    ck_assert_uint_gt(same_documents_in("tests/pipelines"), 0);
}
END_TEST

/* yaml_fast.c on @data: what it takes composes as the libyaml path does. True when taken. */
static bool fast_same(const char *data, size_t len, const char *what)
{
    char why[512];
    const char *diff = mpt_yaml_fast_check(data, len, why, sizeof(why));
    ck_assert_msg(!diff, "%s: %s", what, diff);
    yaml_document_t doc;
    bool taken = mpi_yl_fast_parse(data, len, &doc);
    if (taken) {
        ck_assert(mpi_yl_fast_doc(&doc));
        mpi_yl_doc_free(&doc);
    }
    return taken;
}

/* fast_same() on every file of @sub; the number taken (*@files: read). */
static size_t fast_same_in(const char *sub, size_t *files)
{
    return each_file_in(sub, fast_same, files);
}

/* Generated documents: pipeline-like YAML of random shape (xorshift, fixed seed), some with a
 * few bytes changed. */
static unsigned long long rng = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *const gen_atoms[] = {
    "a", "name", "after", "x y", "--step", "-x", "a:b", "a#b", "http://x/y", "\xc3\xa9",
    "\xe6\x97\xa5", "{{params.size}}", "1", "~", "ab  cd", "x,y", "x]y", "-", "---x", "a?b",
    "\xf0\x9f\x98\x80", "a'b", "'q'", "\"d\"", "'it''s'", "\"\\t\\u00e9\\x41\\/\"", "\"\\q\"",
    "\" lead \"", "''", "\"a # b\"", "\"\t\"", "[]", "{}", "[a, b]", "[a,b , \"c\"]",
    "{k: v, after: [x]}", "[a,\n    b]", "{k: v,\n  # c\n  l: w}", "[[x], {y: z}]", "[a,]",
    "&x a", "*x", "!t a", "? a", "a: b",
};

static void gen_put(struct mp_buf *b, const char *s)
{
    ck_assert_int_eq(mp_buf_append(b, s, strlen(s)), MP_OK);
}

static void gen_indent(struct mp_buf *b, int n)
{
    for (int i = 0; i < n; i++)
        gen_put(b, " ");
}

static void gen_block(struct mp_buf *b, int ind, int depth, bool seq);

static void gen_value(struct mp_buf *b, int ind, int depth)
{
    static const char *const comments[] = {"", "", " # c", "  #\xc3\xa9"};
    static const char *const headers[] = {"|", ">", "|-", ">-", "|+", ">+", "|2", ">1-",
                                          "| # c"};
    unsigned r = rnd(10);
    if (depth > 4 || r < 6) {
        gen_put(b, " ");
        gen_put(b, gen_atoms[rnd(sizeof(gen_atoms) / sizeof(gen_atoms[0]))]);
        gen_put(b, comments[rnd(4)]);
        gen_put(b, "\n");
    } else if (r < 7) {
        gen_put(b, " ");
        gen_put(b, headers[rnd(9)]);
        gen_put(b, "\n");
        int k = ind + 1 + (int)rnd(3);
        for (unsigned i = rnd(5); i; i--) {
            unsigned l = rnd(6);
            gen_indent(b, l == 0 ? 0 : l == 1 ? (int)rnd(8) : l == 2 ? k + 2 : k);
            gen_put(b, l < 2 ? "" : gen_atoms[rnd(12)]);
            gen_put(b, "\n");
        }
    } else {
        gen_put(b, comments[rnd(4)]);
        gen_put(b, "\n");
        gen_block(b, r == 9 && rnd(3) == 0 ? ind : ind + 1 + (int)rnd(4), depth + 1, r > 7);
    }
}

static void gen_block(struct mp_buf *b, int ind, int depth, bool seq)
{
    static const char *const keys[] = {"name", "after", "image", "'q k'", "\"d\"", "x y", "-k",
                                       "a:b"};
    for (unsigned i = 1 + rnd(4); i; i--) {
        if (!rnd(10))
            gen_put(b, rnd(2) ? "\n" : "  # c\n");
        gen_indent(b, ind);
        if (seq) {
            gen_put(b, "-");
            if (rnd(3) == 0) {
                gen_put(b, " ");
                gen_put(b, keys[rnd(8)]);
                gen_put(b, ":");
                gen_value(b, ind + 2, depth + 1);
                if (rnd(2)) {
                    gen_indent(b, ind + 2);
                    gen_put(b, keys[rnd(8)]);
                    gen_put(b, ":");
                    gen_value(b, ind + 2, depth + 1);
                }
                continue;
            }
        } else {
            gen_put(b, keys[rnd(8)]);
            gen_put(b, rnd(5) ? ":" : " :");
        }
        gen_value(b, ind, depth);
    }
}

START_TEST(test_fast_parser)
{
    static const char *const texts[] = {
        "a: b\n", "a: b", "a:\n  b: c", "a:\n- b\n- c  ", "a: |\n  x\n  y", "a: |+\n  x\n\n  ",
        "a: b\n...\n# c\n", "a: b\n... # c", "a: b\n...\nx: y\n", "---\na: b\n---\nc: d\n",
        "--- # c\na: b\n", "  a: b\n  c: d\n", "  a: b\nc: d\n",
        "a: >\n  one\n  two\n\n  three\n    more\n  four\n\n\nb: x\n",
        "a: >-\n\n  one\n   two\n  three\n\nb: |2\n    x\n   y\n",
        "s:\n  - |\n    #!/bin/sh\n    echo \"$X\"\n\n  - >+\n    z\n\n\n",
        "a: b:c\nd: http://x:8080/y\n", "'': \"\"\n", "- a: b\n  c: d\n- - x\n  - y\n-\n- z\n",
        "a: \"b\n  c\"\n", "a: b\n  c\n", "a: [b,\n  c]\nd: {e: f,\n g: h}\n", "a: [b\n  c]\n",
        "a: [b, c,]\n", "a: []\nb: {}\nc: [ ]\n", "a: {\"b\":c}\n", "a:\tb\n", "a: \"x\ty\"\n",
        "a: \"b\"#c\nd: [e]#f\n", "a: \"\\0\\a\\b\\t\\n\\v\\f\\r\\e\\ \\\"\\/\\\\\\N\\_\\L\\P\"\n",
        "a: \"\\x41\\u263A\\U0001F600\"\n", "a: \"\\uD800\"\n", "a: [b,\n--- ]\n",
        "a:\nb:\n  c:\n  d: [x]\n", "a: b\n# x\n  # y\n", "a: b\n   \n\n  \nc: d\n",
        "a:\n  b: c\n   ", "a   : b\n\"q\"  : c\n", "-a: b\n--: c\n", "a: 50%\nb: x@y\n",
        "a: |#c\n  x\nb: >2-\n   y\nc: |-2\n   z\n", "a: |\nb: |+\n\n\nc: >-\n",
        "a:\n  - |\n   x\n  - y\n", "a: |\n      \n    x\n", "\xc3\xa9: \xc3\xbc\nd: [\xc3\xa9, x]\n",
        "a:\n  b: [x,\ny]\n  c: d\n", "a:\n  b: [x,\n]  c: d\n", "- [x,\n] - b\n",
        "a: {b: c,\n# x\nd: e}\n", "a: [\n]\nb: {\n}\n", "a: b\xc2\x85" "c\n", "a: b\xe2\x80\xa8" "c\n", "a: b\r\n", "a: b\x01\n", "a: \x7f\n",
    };
    size_t taken = 0, files;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        taken += fast_same(texts[i], strlen(texts[i]), texts[i]);
    ck_assert_uint_gt(taken, 30);
    /* Every pipeline of the test suite and of the examples is read directly. */
    ck_assert_uint_eq(fast_same_in("tests/pipelines", &files), files);
    ck_assert_uint_gt(files, 10);
    ck_assert_uint_eq(fast_same_in("examples/mnist", &files), files);
    fast_same_in("tests/data", &files);
    fast_same_in("tests/data/bad", &files);
    fast_same_in("tests/fuzz/yaml_load", &files);
    fast_same_in("tests/fuzz/compile", &files);
    /* Large inputs: a fan-in of 20,000 steps, and one list entry beyond the limit. */
    struct mp_buf *b = mp_buf_new();
    ck_assert_ptr_nonnull(b);
    gen_put(b, "name: fan\nsteps:\n  - name: sink\n    after:\n");
    for (int i = 0; i < 20000; i++) {
        char line[64];
        snprintf(line, sizeof(line), "      - s%d\n", i);
        gen_put(b, line);
    }
    ck_assert(fast_same(mp_buf_data(b), mp_buf_len(b), "fan-in"));
    mp_buf_reset(b);
    gen_put(b, "name: p\nsteps:\n  - env:\n      - x:\n");
    for (int i = 0; i <= MPI_YAML_MAX_ITEMS; i++)
        gen_put(b, "        - y\n");
    ck_assert(!fast_same(mp_buf_data(b), mp_buf_len(b), "too long"));
    /* Scalars about 16 bytes long (they are read 16 at a time), of ASCII, UTF-8 before and
     * after the 16th byte, ':' and blanks inside, in block and flow context, quoted with
     * escapes and doubled quotes, deep indentation and comments; then each again with the
     * input ending right after it. */
    static const char *const longs[] = {
        "abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopq",
        "abcdefghijklmnopqrstuvwxyz01234", "abcdefghijklmnopqrstuvwxyz012345",
        "abcdefghijklmnopqrstuvwxyz0123456", "abcdefghijklmn\xc3\xa9xyz", "abcdefghijklmno\xc3\xa9",
        "\xe6\x97\xa5" "abcdefghijklmnopqrs",
        "abcdefghijklmnopqrstu\xf0\x9f\x98\x80z", "http://example.com:8080/a/b/c/d",
        "abcdefghijklmnop qrstuvwxyz", "abcdefghijklmnopqrs   tu", "a-b_c.d/e=f+g(h)i;j~k*l&m",
        "'abcdefghijklmnopqrstuvwxyz'", "'abcdefghijklmno''pqrstuvwxyz'", "\"abcdefghijklmnop\"",
        "\"abcdefghijklmnopq\\tr\\u00e9s\"", "\"abcdefghijklmn\xc3\xa9opqrstu\"",
        "\"abcdefghijklmno\\\"p\"",
    };
    for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++) {
        const char *v = longs[i];
        char t[1024];
        ck_assert_int_lt(snprintf(t, sizeof(t), "%s: %s\nk: [%s, %s]\nm: {%s: %s}\n"
                                      "deep:\n  a:\n    b:\n      c:\n        d:\n"
                                      "                  - %s # \xc3\xa9 %s\n"
                                      "                  - x\n# %s\nlast: %s",
                                  v, v, v, v, v, v, v, v, v, v), (int)sizeof(t));
        size_t n = strlen(t);
        /* (A ':' in a plain scalar of a flow collection is left to libyaml.) */
        ck_assert_msg(fast_same(t, n, t) || strchr(v, ':'), "not taken: %s", t);
        for (size_t cut = n - 1; cut > 0 && t[cut] != ' '; cut--)
            fast_same(t, cut, t);
    }
    /* Every byte value before, at and after the 16th byte of a scalar, in each context. */
    for (int c = 1; c < 256; c++) {
        static const int at[] = {0, 14, 15, 16, 17, 31};
        for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
            char v[64], t[512];
            memset(v, 'x', sizeof(v));
            v[at[i]] = (char)c;
            v[at[i] + 20] = '\0';
            int n = snprintf(t, sizeof(t), "a: %s\nb: [%s, z]\nc: {%s: w}\nd: \"%s\"\ne: '%s'\n",
                             v, v, v, v, v);
            ck_assert_int_lt(n, (int)sizeof(t));
            fast_same(t, (size_t)n, t);
        }
    }
    /* Documents with more nodes for their size than the parser makes room for at first
     * (values and items move as it grows), and a value longer than its text (escapes). */
    mp_buf_reset(b);
    for (int i = 0; i < 3000; i++) {
        char line[64];
        snprintf(line, sizeof(line), "k%d: [a, b]\nl%d: {c: d}\n", i, i);
        gen_put(b, line);
    }
    gen_put(b, "x: [");
    for (int i = 0; i < 20000; i++)
        gen_put(b, "y,");
    gen_put(b, "z]\nlast: [e, {f: g}]\n");
    ck_assert(fast_same(mp_buf_data(b), mp_buf_len(b), "many nodes"));
    mp_buf_reset(b);
    gen_put(b, "a: [b, {c: d}]\ne: {f: [g]}\nq: \"");
    for (int i = 0; i < 20000; i++)
        gen_put(b, "\\L\\P");
    gen_put(b, "\"\nlast: [h, {i: j}]\n");
    ck_assert(fast_same(mp_buf_data(b), mp_buf_len(b), "long text"));
    /* Generated documents, and the same with bytes changed. */
    size_t gen_taken = 0;
    for (int i = 0; i < 4000; i++) {
        mp_buf_reset(b);
        gen_put(b, rnd(4) ? "" : rnd(2) ? "---\n" : "# head\n");
        gen_block(b, 0, 0, rnd(6) == 0);
        size_t n = mp_buf_len(b);
        char *t = malloc(n + 1);
        ck_assert_ptr_nonnull(t);
        memcpy(t, mp_buf_data(b), n + 1);
        for (unsigned k = i % 2 ? 1 + rnd(3) : 0; k && n; k--) {
            static const char set[] = " \n:-#'\"[]{},|>\t&*!?x\\";
            t[rnd((unsigned)n)] = set[rnd(sizeof(set) - 1)];
        }
        gen_taken += fast_same(t, n, t);
        free(t);
    }
    ck_assert_uint_gt(gen_taken, 1000);
    mp_buf_free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("yaml_load");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_example);
    tcase_add_test(tc, test_every_option);
    tcase_add_test(tc, test_all_problems);
    tcase_add_test(tc, test_duplicate_keys);
    tcase_add_test(tc, test_hostile);
    tcase_add_test(tc, test_same_document);
    tcase_add_test(tc, test_fast_parser);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
