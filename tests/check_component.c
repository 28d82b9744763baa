/* SPDX-License-Identifier: MIT */
/* check_component.c: unit tests of the kfp v1 component loader and placeholder resolution. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "diag.h"
#include "sha256.h"

static struct mp_diags *d;
static struct mp_error *err;

static void setup(void)
{
    d = mp_diags_new();
    err = mp_error_new();
}

static void teardown(void)
{
    mp_diags_free(d);
    mp_error_free(err);
}

static struct mpi_component *parse(const char *text)
{
    struct mpi_component *c = NULL;
    int rc = mpi_component_parse(text, strlen(text), "c.yaml", &c, d, err);
    ck_assert_msg(rc == MP_OK, "parse failed: %s", mp_error_message(err));
    return c;
}

/* The first diagnostic, as "LINE:COL: MESSAGE". */
static const char *first_problem(char *buf, size_t n)
{
    ck_assert_uint_gt(mp_diags_count(d), 0);
    snprintf(buf, n, "%lu:%lu: %s", mp_diag_line(d, 0), mp_diag_column(d, 0),
             mp_diag_message(d, 0));
    return buf;
}

static const char *parse_error(const char *text, char *buf, size_t n)
{
    struct mpi_component *c = NULL;
    int rc = mpi_component_parse(text, strlen(text), "c.yaml", &c, d, err);
    ck_assert_int_eq(rc, MP_ERR_PARSE);
    ck_assert_ptr_null(c);
    ck_assert_str_eq(mp_diags_file(d), "c.yaml");
    return first_problem(buf, n);
}

START_TEST(sha256_vectors)
{
    char hex[65];
    struct mpi_sha256 s;
    mpi_sha256_init(&s);
    mpi_sha256_update(&s, "abc", 3);
    mpi_sha256_final(&s, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    mpi_sha256_init(&s);
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    for (const char *p = two; *p; p++) /* byte by byte across the block boundary */
        mpi_sha256_update(&s, p, 1);
    mpi_sha256_final(&s, hex);
    ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    mpi_sha256_init(&s);
    mpi_sha256_final(&s, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

static const char *const small =
    "name: Add\n"
    "description: Adds two numbers\n"
    "inputs:\n"
    "- {name: a, type: Float, default: '0.10'}\n"
    "- {name: b, type: Integer, optional: false}\n"
    "- {name: c, optional: true, description: ~}\n"
    "outputs:\n"
    "- {name: Sum, type: Float}\n"
    "implementation:\n"
    "  container:\n"
    "    image: python:3.9\n"
    "    command: [python3, -c, 'print(1)', 7, 1.50, yes]\n"
    "    args: [{inputValue: a}, {outputPath: Sum}]\n";

START_TEST(parse_fields_and_json)
{
    struct mpi_component *c = parse(small);
    ck_assert_str_eq(c->name, "Add");
    ck_assert_str_eq(c->description, "Adds two numbers");
    ck_assert_uint_eq(c->n_inputs, 3);
    ck_assert_str_eq(c->inputs[0].default_value, "0.1"); /* float('0.10') printed by Python */
    ck_assert_ptr_null(c->inputs[1].default_value);
    ck_assert(!c->inputs[1].optional);
    ck_assert(c->inputs[2].optional);
    ck_assert_uint_eq(c->inputs[1].line, 5);
    ck_assert_uint_eq(c->inputs[1].col, 3);
    ck_assert_str_eq(c->image, "python:3.9");
    ck_assert_uint_eq(c->n_command, 6);
    ck_assert_str_eq(c->command[3]->text, "7");
    ck_assert_str_eq(c->command[4]->text, "1.5");
    ck_assert_str_eq(c->command[5]->text, "True");
    /* json.dumps(spec.to_dict(), sort_keys=True): None and optional: false left out, numbers
     * and booleans typed as PyYAML reads them. */
    ck_assert_str_eq(c->spec_json,
                     "{\"description\": \"Adds two numbers\", \"implementation\": {\"container\": "
                     "{\"args\": [{\"inputValue\": \"a\"}, {\"outputPath\": \"Sum\"}], "
                     "\"command\": [\"python3\", \"-c\", \"print(1)\", 7, 1.5, true], \"image\": "
                     "\"python:3.9\"}}, \"inputs\": [{\"default\": \"0.10\", \"name\": \"a\", "
                     "\"type\": \"Float\"}, {\"name\": \"b\", \"type\": \"Integer\"}, {\"name\": "
                     "\"c\", \"optional\": true}], \"name\": \"Add\", \"outputs\": [{\"name\": "
                     "\"Sum\", \"type\": \"Float\"}]}");
    mpi_component_free(c);
}
END_TEST

START_TEST(digest_reads_crlf_as_lf)
{
    const char *lf = "name: X\nimplementation:\n  container: {image: busybox}\n";
    const char *crlf = "name: X\r\nimplementation:\r\n  container: {image: busybox}\r\n";
    struct mpi_component *a = parse(lf), *b = parse(crlf);
    struct mpi_sha256 s;
    char hex[65];
    mpi_sha256_init(&s);
    mpi_sha256_update(&s, lf, strlen(lf));
    mpi_sha256_final(&s, hex);
    ck_assert_str_eq(a->digest, hex);
    ck_assert_str_eq(b->digest, hex);
    ck_assert_str_eq(a->file, "c.yaml");
    mpi_component_free(a);
    mpi_component_free(b);
}
END_TEST

START_TEST(python_scalars)
{
    struct mpi_component *c =
        parse("implementation:\n  container:\n    image: i\n"
              "    args: [1_000, 010, 0x1F, 1e3, 1.0e+3, .5, -0.0001, 1.0e+16, 123456789.0, "
              "Off, ~x, '007', 2.50e-5]\n");
    static const char *const want[] = {"1000", "8", "31", "1e3", "1000.0", "0.5", "-0.0001",
                                       "1e+16", "123456789.0", "False", "~x", "007",
                                       "2.5e-05"};
    ck_assert_uint_eq(c->n_args, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < c->n_args; i++)
        ck_assert_str_eq(c->args[i]->text, want[i]);
    ck_assert_ptr_null(c->name);
    mpi_component_free(c);
}
END_TEST

START_TEST(parse_errors)
{
    char buf[512];
    ck_assert_str_eq(parse_error("name: x\nimplementation:\n  container:\n    image: i\n"
                                 "    args: [{inputValue: nope}]\n", buf, sizeof(buf)),
                     "5:25: {inputValue: nope}: the component has no input 'nope'");
    ck_assert_str_eq(parse_error("inputs:\n- {name: epochs}\nimplementation:\n  container:\n"
                                 "    image: i\n    args: [{inputPath: epoch}]\n", buf,
                                 sizeof(buf)),
                     "6:24: {inputPath: epoch}: the component has no input 'epoch'; did you "
                     "mean 'epochs'?");
    ck_assert_str_eq(parse_error("implementation:\n  container:\n    image: i\n"
                                 "    args: [{if: {cond: x}}]\n", buf, sizeof(buf)),
                     "4:17: if needs cond and then");
    ck_assert_str_eq(parse_error("implementation:\n  contaner: {image: i}\n", buf, sizeof(buf)),
                     "2:3: implementation: unknown key 'contaner'; did you mean 'container'?");
    ck_assert_str_eq(parse_error("name: a\nname: b\nimplementation: {container: {image: i}}\n",
                                 buf, sizeof(buf)),
                     "2:1: component: key 'name' given twice (first at line 1)");
    ck_assert_str_eq(parse_error("a: [\n", buf, sizeof(buf)),
                     "2:1: YAML syntax: did not find expected node content while parsing a "
                     "flow node");
    ck_assert_str_eq(parse_error("", buf, sizeof(buf)), "1:1: the component file is empty");
    ck_assert_str_eq(parse_error("name: \xff\n", buf, sizeof(buf)),
                     "1:7: invalid UTF-8 (byte 0xFF)");
}
END_TEST

START_TEST(parse_survives_garbage)
{
    /* Every prefix of a valid file: never a crash, a leak or a success without a container. */
    size_t n = strlen(small);
    for (size_t len = 0; len < n; len++) {
        struct mpi_component *c = NULL;
        int rc = mpi_component_parse(small, len, "c.yaml", &c, d, err);
        if (rc == MP_OK) {
            ck_assert_ptr_nonnull(c->image);
            mpi_component_free(c);
        } else {
            ck_assert_int_eq(rc, MP_ERR_PARSE);
            ck_assert_uint_gt(mp_diags_error_count(d), 0);
        }
    }
}
END_TEST

static const char *const flags =
    "name: Flags\n"
    "inputs:\n"
    "- {name: Model path}\n"
    "- {name: Batch size, type: Integer, default: 100}\n"
    "- {name: Threshold, optional: true}\n"
    "- {name: Verbose, default: 'no'}\n"
    "- {name: Data, type: Dataset}\n"
    "outputs:\n"
    "- {name: MLPipeline Metrics}\n"
    "- {name: out}\n"
    "implementation:\n"
    "  container:\n"
    "    image: i\n"
    "    command: [run, {inputPath: Data}]\n"
    "    args:\n"
    "    - {concat: [--model=, {inputValue: Model path}, {inputValue: Threshold}]}\n"
    "    - if: {cond: {isPresent: Threshold}, then: [--t, {inputValue: Threshold}], else: [--no-t]}\n"
    "    - if: {cond: {inputValue: Verbose}, then: [-v]}\n"
    "    - {isPresent: Threshold}\n"
    "    - {outputPath: MLPipeline Metrics}\n"
    "    - {inputValue: Batch size}\n"
    "    fileOutputs: {out: /out.txt}\n";

static struct mpi_component_use *resolve(const struct mpi_component *c,
                                         const struct mpi_component_arg *args, size_t n)
{
    struct mpi_component_use *u = NULL;
    int rc = mpi_component_resolve(c, args, n, 9, 4, &u, d, err);
    ck_assert_msg(rc == MP_OK, "resolve failed: %s", mp_error_message(err));
    return u;
}

static void assert_strings(const char *const *got, size_t n, const char *const *want)
{
    size_t k = 0;
    while (want[k])
        k++;
    ck_assert_uint_eq(n, k);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(got[i], want[i]);
}

START_TEST(resolve_optional_absent)
{
    struct mpi_component *c = parse(flags);
    const struct mpi_component_arg args[] = {{"Model path", "/m", 5, 7},
                                             {"Data", "{{steps.a.outputs.b}}", 6, 7}};
    struct mpi_component_use *u = resolve(c, args, 2);
    assert_strings(u->command, u->n_command,
                   (const char *const[]){"run", "/tmp/inputs/Data/data", NULL});
    assert_strings(u->args, u->n_args,
                   (const char *const[]){"--model=/m", "--no-t", "False",
                                         "/tmp/outputs/MLPipeline_Metrics/data", "100", NULL});
    /* fileOutputs first, then the outputPath placeholders in command-line order */
    ck_assert_uint_eq(u->n_output_paths, 2);
    ck_assert_str_eq(u->output_paths[0].name, "out");
    ck_assert_str_eq(u->output_paths[0].path, "/out.txt");
    ck_assert_str_eq(u->output_paths[1].name, "MLPipeline Metrics");
    ck_assert_uint_eq(u->n_input_paths, 1);
    ck_assert_str_eq(u->input_paths[0].value, "{{steps.a.outputs.b}}");
    ck_assert_uint_eq(u->input_paths[0].line, 6);
    ck_assert_str_eq(u->arguments_json,
                     "{\"Batch size\": \"100\", \"Model path\": \"/m\", \"Verbose\": \"no\"}");
    mpi_component_use_free(u);
    mpi_component_free(c);
}
END_TEST

START_TEST(resolve_optional_present)
{
    struct mpi_component *c = parse(flags);
    const struct mpi_component_arg args[] = {{"Model path", "/m", 5, 7},
                                             {"Threshold", "0.5", 6, 7},
                                             {"Verbose", "Yes", 7, 7},
                                             {"Batch size", "{{params.bs}}", 8, 7},
                                             {"Data", "{{steps.a.outputs.b}}", 9, 7}};
    struct mpi_component_use *u = resolve(c, args, 5);
    assert_strings(u->args, u->n_args,
                   (const char *const[]){"--model=/m0.5", "--t", "0.5", "-v", "True",
                                         "/tmp/outputs/MLPipeline_Metrics/data", "{{params.bs}}",
                                         NULL});
    ck_assert_str_eq(u->arguments_json,
                     "{\"Batch size\": \"{{params.bs}}\", \"Model path\": \"/m\", \"Threshold\": "
                     "\"0.5\", \"Verbose\": \"Yes\"}");
    mpi_component_use_free(u);
    mpi_component_free(c);
}
END_TEST

START_TEST(resolve_errors)
{
    struct mpi_component *c = parse(flags);
    const struct mpi_component_arg args[] = {{"Model pth", "/m", 5, 7},
                                             {"Verbose", "{{params.v}}", 6, 7}};
    struct mpi_component_use *u = NULL;
    int rc = mpi_component_resolve(c, args, 2, 9, 4, &u, d, err);
    ck_assert_int_eq(rc, MP_ERR_PARSE);
    ck_assert_ptr_null(u);
    ck_assert_uint_eq(mp_diags_error_count(d), 4);
    ck_assert_uint_eq(mp_diag_line(d, 0), 5);
    ck_assert_str_eq(mp_diag_message(d, 0), "component 'Flags' (c.yaml:1:1) has no input "
                                             "'Model pth'; did you mean 'Model path'?");
    ck_assert_uint_eq(mp_diag_line(d, 1), 9);
    ck_assert_uint_eq(mp_diag_column(d, 1), 4);
    ck_assert_str_eq(mp_diag_message(d, 1), "no value provided for input 'Model path' of "
                                             "component 'Flags' (c.yaml:3:3): give it under "
                                             "'arguments'");
    ck_assert_str_eq(mp_diag_message(d, 2), "no value provided for input 'Data' of component "
                                             "'Flags' (c.yaml:7:3): give it under 'arguments'");
    ck_assert_str_eq(mp_diag_message(d, 3), "c.yaml:18:18: the condition of if is "
                                             "'{{params.v}}', which is not true or false at "
                                             "compile time");
    mpi_component_free(c);
}
END_TEST

START_TEST(resolve_conflicting_output)
{
    struct mpi_component *c =
        parse("outputs: [{name: m}]\nimplementation:\n  container:\n    image: i\n"
              "    args: [{outputPath: m}]\n    fileOutputs: {m: /m.txt}\n");
    struct mpi_component_use *u = NULL;
    ck_assert_int_eq(mpi_component_resolve(c, NULL, 0, 3, 5, &u, d, err), MP_ERR_PARSE);
    ck_assert_str_eq(mp_diag_message(d, 0), "c.yaml:5:12: output 'm' is both in fileOutputs "
                                             "(/m.txt) and an outputPath");
    mpi_component_free(c);
}
END_TEST

START_TEST(value_and_path_is_value)
{
    struct mpi_component *c =
        parse("inputs: [{name: x}]\nimplementation:\n  container:\n    image: i\n"
              "    args: [{inputPath: x}, {inputValue: x}]\n");
    const struct mpi_component_arg args[] = {{"x", "v", 1, 1}};
    struct mpi_component_use *u = resolve(c, args, 1);
    assert_strings(u->args, u->n_args, (const char *const[]){"/tmp/inputs/x/data", "v", NULL});
    ck_assert_uint_eq(u->n_input_paths, 0);
    mpi_component_use_free(u);
    mpi_component_free(c);
}
END_TEST

START_TEST(names)
{
    struct mpi_arena a;
    mpi_arena_init(&a);
    ck_assert_str_eq(mpi_component_file_name(&a, "MLPipeline Metrics"), "MLPipeline_Metrics");
    ck_assert_str_eq(mpi_component_file_name(&a, "a  /b.c-d_e"), "a_b.c-d_e");
    ck_assert_str_eq(mpi_component_k8s_name(&a, "InferenceService Status"),
                     "InferenceService-Status");
    ck_assert_str_eq(mpi_component_k8s_name(&a, " -Out  put_1- "), "Out-put_1");
    mpi_arena_release(&a);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("component");
    TCase *t = tcase_create("loader");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, sha256_vectors);
    tcase_add_test(t, parse_fields_and_json);
    tcase_add_test(t, digest_reads_crlf_as_lf);
    tcase_add_test(t, python_scalars);
    tcase_add_test(t, parse_errors);
    tcase_add_test(t, parse_survives_garbage);
    suite_add_tcase(s, t);
    t = tcase_create("resolve");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, resolve_optional_absent);
    tcase_add_test(t, resolve_optional_present);
    tcase_add_test(t, resolve_errors);
    tcase_add_test(t, resolve_conflicting_output);
    tcase_add_test(t, value_and_path_is_value);
    tcase_add_test(t, names);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
