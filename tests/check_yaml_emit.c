/* SPDX-License-Identifier: MIT */
/* check_yaml_emit.c: mp_write_yaml() (core/write.c's own emitter) writes exactly the bytes
 * that libyaml's emitter writes (tests/yaml_ref.c), for every YAML file and text file in the
 * source tree (pipeline files, components, kfp cases, goldens, fuzz corpora, as trees, as
 * lines and as whole multi-line strings) and for random trees of tricky strings. */
#include "config.h"

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "buf.h"
#include "doc.h"
#include "yaml_ref.h"

static int compared, mismatches;

/* Both writers on @root: the same success, and on success the same bytes. */
static void compare(const struct mp_node *root, const char *what)
{
    struct mp_buf ref, ours;
    mpi_buf_init(&ref);
    mpi_buf_init(&ours);
    int rc_ref = mpt_ref_write_yaml(root, &ref);
    int rc_ours = mp_write_yaml(root, &ours, NULL);
    compared++;
    if ((rc_ref == MP_OK) != (rc_ours == MP_OK)) {
        mismatches++;
        fprintf(stderr, "%s: libyaml says %d, mp_write_yaml %d\n", what, rc_ref, rc_ours);
    } else if (rc_ref == MP_OK &&
               (ref.len != ours.len || memcmp(mp_buf_data(&ref), mp_buf_data(&ours), ref.len))) {
        mismatches++;
        size_t at = 0;
        while (at < ref.len && at < ours.len && ref.data[at] == ours.data[at])
            at++;
        size_t from = at > 60 ? at - 60 : 0;
        fprintf(stderr, "%s: differs at byte %zu\n--- libyaml:\n%.*s\n--- ours:\n%.*s\n", what,
                at, (int)(ref.len - from < 160 ? ref.len - from : 160), ref.data + from,
                (int)(ours.len - from < 160 ? ours.len - from : 160), ours.data + from);
    }
    mpi_buf_release(&ref);
    mpi_buf_release(&ours);
}

/* ---- trees from YAML files ---- */

static struct mp_node *scalar_node(struct mp_doc *doc, const yaml_node_t *n)
{
    const char *v = (const char *)n->data.scalar.value;
    if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
            return mp_doc_bool(doc, v[0] == 't');
        if (strcmp(v, "null") == 0)
            return mp_doc_null(doc);
        char *end;
        long long x = strtoll(v, &end, 10);
        if (*v && !*end && strlen(v) < 15)
            return mp_doc_int(doc, x);
    }
    return mp_doc_str(doc, v);
}

static struct mp_node *tree(struct mp_doc *doc, yaml_document_t *yd, yaml_node_t *n, int depth)
{
    if (!n || depth > 64)
        return mp_doc_str(doc, "too deep");
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return scalar_node(doc, n);
    case YAML_SEQUENCE_NODE: {
        struct mp_node *seq = mp_doc_seq(doc);
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++)
            mp_node_push(seq, tree(doc, yd, yaml_document_get_node(yd, *i), depth + 1));
        return seq;
    }
    case YAML_MAPPING_NODE: {
        struct mp_node *map = mp_doc_map(doc);
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(yd, p->key);
            const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value
                                                               : "complex key";
            mp_node_put(map, key, tree(doc, yd, yaml_document_get_node(yd, p->value), depth + 1));
        }
        return map;
    }
    default:
        return mp_doc_null(doc);
    }
}

static void compare_file_yaml(const char *path, const char *text, size_t len)
{
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    for (int docs = 0; docs < 100; docs++) {
        yaml_document_t yd;
        if (!yaml_parser_load(&parser, &yd))
            break;
        yaml_node_t *root = yaml_document_get_root_node(&yd);
        if (!root) {
            yaml_document_delete(&yd);
            break;
        }
        struct mp_doc *doc = mp_doc_new();
        char what[4200];
        snprintf(what, sizeof(what), "%s (document %d)", path, docs);
        compare(tree(doc, &yd, root, 0), what);
        mp_doc_free(doc);
        yaml_document_delete(&yd);
    }
    yaml_parser_delete(&parser);
}

/* The file's text as strings: each line as a key, as a value and in a flow list, and the
 * whole text as one multi-line value. */
static void compare_file_text(const char *path, char *text)
{
    struct mp_doc *doc = mp_doc_new();
    struct mp_node *root = mp_doc_map(doc);
    struct mp_node *lines = mp_node_put_seq(root, "lines");
    struct mp_node *keys = mp_doc_map(doc);
    mp_node_push(lines, keys);
    struct mp_node *flow = mp_node_put_seq(mp_node_put_map(root, "in"), "flow");
    mp_node_put_str(root, "text", text);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        mp_node_push(lines, mp_doc_str(doc, line));
        mp_node_put_str(keys, line, line);
        mp_node_push(flow, mp_doc_str(doc, line));
    }
    char what[4200];
    snprintf(what, sizeof(what), "%s (as text)", path);
    compare(root, what);
    mp_doc_free(doc);
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_F || st->st_size > 256 * 1024 || strstr(path, "/.git"))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *text = malloc((size_t)st->st_size + 1);
    size_t len = text ? fread(text, 1, (size_t)st->st_size, f) : 0;
    fclose(f);
    if (!text)
        return 0;
    text[len] = '\0';
    if (strlen(text) == len) { /* text, not binary */
        compare_file_yaml(path, text, len);
        compare_file_text(path, text);
    }
    free(text);
    return 0;
}

START_TEST(test_source_tree)
{
    const char *top = getenv("MP_TOP_SRCDIR");
    if (!top)
        top = "..";
    static const char *const dirs[] = {"tests", "examples", "doc", "bench", NULL};
    compared = mismatches = 0;
    for (const char *const *d = dirs; *d; d++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", top, *d);
        nftw(path, visit, 16, FTW_PHYS);
    }
    /* Under valgrind the source tree is enough (the same code, a tenth of the time). */
    const char *shared = getenv("MP_VALGRIND") ? NULL : getenv("MNISTPIPE_SHARED");
    if (shared) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/reference", shared);
        nftw(path, visit, 16, FTW_PHYS);
    }
    ck_assert_msg(compared > 500, "only %d documents compared: is MP_TOP_SRCDIR set?", compared);
    fprintf(stderr, "source tree: %d documents compared\n", compared);
    ck_assert_msg(mismatches == 0, "%d of %d documents differ (see above)", mismatches, compared);
}
END_TEST

/* ---- random trees ---- */

static unsigned long long rng_state;

static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(rng_state >> 33) % n;
}

/* Pieces that libyaml's scalar analysis and writers treat specially. */
static const char *const pieces[] = {
    " ", " ", "  ", "\n", "\n\n", "\t", "'", "\"", "\\", ":", ": ", "#", " #", "-", "- ", "?",
    "? ", ",", "[", "]", "{", "}", "&", "*", "!", "|", ">", "%", "@", "`", ".", "---", "...",
    "\r", "\x01", "\x1b", "\x7f", "\xc3\xa9", "\xc2\xa0", "\xc2\x85", "\xe2\x80\xa8",
    "\xe2\x80\xa9", "\xef\xbb\xbf", "\xef\xbf\xbe", "\xf0\x9f\x98\x80", "\xed\x9f\xbf",
    "\xe4\xb8\xad\xe6\x96\x87", "yes", "no", "true", "null", "~", "1", "0x1f", "1.5", "1e3",
    "2024-01-02", "<<", "=", "a", "b", "word", "longerword", "--flag", "x=y", "gs://bucket/p",
    "{{inputs.parameters.x}}", "$(HOME)", "/", "0", "-1", "\xff", "\xc3", "\xe2\x80"};

static char *random_string(char *buf, size_t cap)
{
    size_t len = 0;
    unsigned n = rnd(5) == 0 ? rnd(80) : rnd(8);
    buf[0] = '\0';
    for (unsigned i = 0; i < n; i++) {
        const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
        /* invalid UTF-8 now and then only, so that most documents get written */
        if ((unsigned char)p[0] >= 0xc3 && strlen(p) <= 2 && p[1] != '\xa9' && rnd(20))
            p = "z";
        size_t m = strlen(p);
        if (len + m + 1 >= cap)
            break;
        memcpy(buf + len, p, m + 1);
        len += m;
    }
    return buf;
}

static struct mp_node *random_node(struct mp_doc *doc, int depth)
{
    char buf[1024];
    unsigned kind = depth > 5 ? rnd(4) : rnd(7);
    switch (kind) {
    case 0:
    case 1:
        return mp_doc_str(doc, random_string(buf, sizeof(buf)));
    case 2:
        return mp_doc_int(doc, (long long)rnd(100000) - 50000);
    case 3:
        return rnd(2) ? mp_doc_bool(doc, rnd(2)) : mp_doc_null(doc);
    case 4:
    case 5: {
        struct mp_node *map = mp_doc_map(doc);
        for (unsigned i = rnd(5); i > 0; i--) {
            const char *key = rnd(10) ? random_string(buf, sizeof(buf)) : "";
            if (rnd(8) == 0) { /* a long key: written as "? key" */
                memset(buf, 'k', 140);
                buf[140] = '\0';
                key = buf;
            }
            char k[1024];
            snprintf(k, sizeof(k), "%s", key);
            mp_node_put(map, k, random_node(doc, depth + 1));
        }
        return map;
    }
    default: {
        struct mp_node *seq = mp_doc_seq(doc);
        for (unsigned i = rnd(5); i > 0; i--)
            mp_node_push(seq, random_node(doc, depth + 1));
        return seq;
    }
    }
}

START_TEST(test_random_trees)
{
    rng_state = 0x6d6e69737470697eull + (unsigned long long)_i;
    compared = mismatches = 0;
    int trees = getenv("MP_VALGRIND") ? 80 : 400; /* valgrind: the same paths, in less time */
    for (int i = 0; i < trees; i++) {
        struct mp_doc *doc = mp_doc_new();
        char what[64];
        snprintf(what, sizeof(what), "random tree %d.%d", _i, i);
        compare(random_node(doc, 0), what);
        mp_doc_free(doc);
    }
    ck_assert_msg(mismatches == 0, "%d of %d random trees differ (see above)", mismatches,
                  compared);
}
END_TEST

/* Trees that repeat the same small flow collections of strings at many columns and depths
 * (as a workflow repeats its labels and one-item lists in every template): the writer copies
 * a collection it wrote before from the same state, and must still write libyaml's bytes. */
static struct mp_node *pool_flow(struct mp_doc *doc, char pool[][256], unsigned npool)
{
    bool map = rnd(2);
    struct mp_node *n = map ? mp_doc_map(doc) : mp_doc_seq(doc);
    for (unsigned i = rnd(3) + 1; i > 0; i--) {
        const char *v = pool[rnd(npool)];
        if (map)
            mp_node_put_str(n, pool[rnd(npool)], v);
        else
            mp_node_push(n, mp_doc_str(doc, v));
    }
    return n;
}

START_TEST(test_repeated_flows)
{
    rng_state = 0x666c6f7773ull + (unsigned long long)_i;
    compared = mismatches = 0;
    for (int t = 0; t < 20; t++) {
        char pool[5][256];
        for (unsigned i = 0; i < 5; i++)
            if (rnd(3)) /* short words, else anything (long ones fold) */
                snprintf(pool[i], sizeof(pool[i]), "%s",
                         pieces[rnd(sizeof(pieces) / sizeof(pieces[0]) - 6) + 6]);
            else
                random_string(pool[i], sizeof(pool[i]));
        struct mp_doc *doc = mp_doc_new();
        struct mp_node *root = mp_doc_seq(doc);
        for (int i = 0; i < 60; i++) {
            struct mp_node *m = mp_node_push(root, mp_doc_map(doc));
            for (unsigned k = rnd(4) + 1; k > 0; k--) {
                const char *key = pool[rnd(5)];
                if (rnd(3) == 0) {
                    struct mp_node *inner = mp_node_put_map(m, key);
                    mp_node_put(inner, pool[rnd(5)], pool_flow(doc, pool, 5));
                    mp_node_push(mp_node_put_seq(inner, "l"), pool_flow(doc, pool, 5));
                } else {
                    mp_node_put(m, key, pool_flow(doc, pool, 5));
                }
            }
        }
        char what[64];
        snprintf(what, sizeof(what), "repeated flows %d.%d", _i, t);
        compare(root, what);
        mp_doc_free(doc);
    }
    ck_assert_msg(mismatches == 0, "%d of %d trees differ (see above)", mismatches, compared);
}
END_TEST

/* Block collections built once, marked shared and used again at other depths, after keys
 * and as list items, inside flows and at the root: each copy written as libyaml writes it. */
START_TEST(test_shared_blocks)
{
    rng_state = 0x736861726564ull + (unsigned long long)_i;
    compared = mismatches = 0;
    static const char *const words[] = {"name", "value", "a b", "x", "'q'", "-", "true", ""};
    size_t nw = sizeof(words) / sizeof(words[0]);
    for (int t = 0; t < 20; t++) {
        struct mp_doc *doc = mp_doc_new();
        struct mp_node *shared[4];
        for (int i = 0; i < 4; i++) {
            /* a mapping with a nested list of mappings, or a list of mappings */
            struct mp_node *n = rnd(2) ? mp_doc_map(doc) : mp_doc_seq(doc);
            for (unsigned k = rnd(3) + 1; k > 0; k--) {
                struct mp_node *m = mp_doc_map(doc);
                mp_node_put_str(m, words[rnd(nw)], words[rnd(nw)]);
                struct mp_node *l = mp_node_put_seq(m, "l");
                mp_node_put_str(mp_node_push(l, mp_doc_map(doc)), words[rnd(nw)],
                                words[rnd(nw)]);
                if (n->kind == MPI_NODE_MAP)
                    mp_node_put(n, words[rnd(nw)], m);
                else
                    mp_node_push(n, m);
            }
            shared[i] = mpi_node_share(n);
        }
        struct mp_node *root = mp_doc_seq(doc);
        for (int i = 0; i < 40; i++) {
            struct mp_node *use = shared[rnd(4)];
            switch (rnd(4)) {
            case 0:
                mp_node_push(root, use);
                break;
            case 1:
                mp_node_put(mp_node_push(root, mp_doc_map(doc)), words[rnd(nw)], use);
                break;
            case 2: {
                struct mp_node *m = mp_node_push(root, mp_doc_map(doc));
                mp_node_put(mp_node_put_map(m, words[rnd(nw)]), "in", use);
                break;
            }
            default: /* in a flow collection: written as a flow */
                mp_node_push(mp_node_push(root, mp_doc_seq(doc)), mp_doc_str(doc, "s"));
                mp_node_push(root->items[root->n - 1], use);
                break;
            }
        }
        char what[64];
        snprintf(what, sizeof(what), "shared blocks %d.%d", _i, t);
        compare(root, what);
        compare(shared[0], what);
        mp_doc_free(doc);
    }
    ck_assert_msg(mismatches == 0, "%d of %d trees differ (see above)", mismatches, compared);
}
END_TEST

/* Long block sequences (the first of at least 256 items in a document is written by two
 * threads, its second half into a buffer of its own): at the root, under a key, in an item of
 * another sequence, with shared collections among the items, and a second long one after it. */
START_TEST(test_long_sequences)
{
    rng_state = 0x6c6f6e67736571ull + (unsigned long long)_i;
    compared = mismatches = 0;
    int docs = getenv("MP_VALGRIND") ? 4 : 12;
    for (int t = 0; t < docs; t++) {
        struct mp_doc *doc = mp_doc_new();
        struct mp_node *shared = mpi_node_share(random_node(doc, 1));
        struct mp_node *root = rnd(3) == 0 ? mp_doc_seq(doc) : mp_doc_map(doc), *seq = root;
        if (root->kind == MPI_NODE_MAP) {
            mp_node_put_str(root, "kind", "Workflow");
            struct mp_node *spec = mp_node_put_map(root, "spec");
            seq = rnd(2) ? mp_node_put_seq(spec, "templates")
                         : mp_node_put_seq(mp_node_push(mp_node_put_seq(spec, "l"),
                                                        mp_doc_map(doc)), "items");
        }
        for (unsigned i = 256 + rnd(400); i > 0; i--)
            mp_node_push(seq, rnd(10) == 0 ? shared : random_node(doc, 1));
        if (root->kind == MPI_NODE_MAP) {
            struct mp_node *more = mp_node_put_seq(root, "more");
            for (unsigned i = 300; i > 0; i--)
                mp_node_push(more, random_node(doc, 2));
            mp_node_put_str(root, "end", "x");
        }
        char what[64];
        snprintf(what, sizeof(what), "long sequences %d.%d", _i, t);
        compare(root, what);
        mp_doc_free(doc);
    }
    ck_assert_msg(mismatches == 0, "%d of %d trees differ (see above)", mismatches, compared);
}
END_TEST

START_TEST(test_scalars)
{
    /* Each piece alone and in pairs, as a value, a key, a list item and the root. */
    size_t n = sizeof(pieces) / sizeof(pieces[0]);
    size_t step = getenv("MP_VALGRIND") ? 7 : 1; /* valgrind: every 7th pair */
    compared = mismatches = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i % step; j <= n; j += step) {
            char s[64];
            snprintf(s, sizeof(s), "%s%s", pieces[i], j < n ? pieces[j] : "");
            struct mp_doc *doc = mp_doc_new();
            struct mp_node *root = mp_doc_map(doc);
            mp_node_put_str(root, "v", s);
            mp_node_put_str(root, s, "v");
            struct mp_node *seq = mp_node_put_seq(root, "s");
            mp_node_push(seq, mp_doc_str(doc, s));
            mp_node_push(seq, mp_doc_map(doc));
            compare(root, s);
            compare(mp_doc_str(doc, s), s);
            mp_doc_free(doc);
        }
    ck_assert_int_eq(mismatches, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("yaml_emit");
    TCase *tc = tcase_create("yaml_emit");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_scalars);
    tcase_add_loop_test(tc, test_random_trees, 0, 5);
    tcase_add_loop_test(tc, test_repeated_flows, 0, 3);
    tcase_add_loop_test(tc, test_shared_blocks, 0, 3);
    tcase_add_loop_test(tc, test_long_sequences, 0, 2);
    tcase_add_test(tc, test_source_tree);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
