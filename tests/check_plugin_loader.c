/* SPDX-License-Identifier: MIT */
/* check_plugin_loader.c: every way a plugin can fail to load, and the good path. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mnistpipe/host.h>

static struct mp_error *err;
static char fixture_dir[PATH_MAX];
static char plugin_dir[PATH_MAX];
static char tmpdir[PATH_MAX];

static void setup(void)
{
    const char *top = getenv("MP_TOP_BUILDDIR");
    ck_assert_msg(top != NULL, "MP_TOP_BUILDDIR is not set: run through make check");
    snprintf(fixture_dir, sizeof(fixture_dir), "%s/tests/plugins/.libs", top);
    snprintf(plugin_dir, sizeof(plugin_dir), "%s/plugins/.libs", top);
    snprintf(tmpdir, sizeof(tmpdir), "%s/tests/loader-tmp-XXXXXX", top);
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    chmod(tmpdir, 0755);
    err = mp_error_new();
}

static void remove_tree(const char *dir)
{
    char cmd[PATH_MAX + 16];
    /* Only our own mkdtemp directory, with a fixed prefix: plain unlink/rmdir of what we made. */
    const char *names[] = {"empty.so", "text.so", "dir.so", "ww/fx_good.so", "ww", "fx_good.so",
                           NULL};
    for (const char **n = names; *n; n++) {
        snprintf(cmd, sizeof(cmd), "%s/%s", dir, *n);
        chmod(cmd, 0755);
        if (unlink(cmd) != 0)
            rmdir(cmd);
    }
    rmdir(dir);
}

static void teardown(void)
{
    mp_plugins_unload_all();
    mp_error_free(err);
    remove_tree(tmpdir);
}

static void fixture(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s.so", fixture_dir, name);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
    FILE *in = fopen(from, "rb");
    ck_assert_msg(in != NULL, "cannot open %s", from);
    FILE *outf = fopen(to, "wb");
    ck_assert_msg(outf != NULL, "cannot create %s", to);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, outf), n);
    fclose(in);
    fclose(outf);
    chmod(to, mode);
}

/* Load @path; expect status @code and a message containing the path and @needle. */
static void expect_fail(const char *path, int kind, int code, const char *needle)
{
    struct mp_plugin *pl = NULL;
    int rc = mp_plugin_load(path, kind, &pl, err);
    ck_assert_msg(rc == code, "%s: status %d (%s), expected %d", path, rc, mp_error_message(err),
                  code);
    ck_assert_ptr_null(pl);
    ck_assert_msg(strstr(mp_error_message(err), path) != NULL, "message lacks the path: %s",
                  mp_error_message(err));
    ck_assert_msg(strstr(mp_error_message(err), needle) != NULL, "message lacks '%s': %s", needle,
                  mp_error_message(err));
    ck_assert_uint_eq(mp_plugin_count(), 0);
}

START_TEST(test_good_by_path)
{
    char path[PATH_MAX];
    struct mp_plugin *pl;
    fixture(path, sizeof(path), "fx_good");
    ck_assert_int_eq(mp_plugin_load(path, MP_PLUGIN_PLATFORM, &pl, err), MP_OK);
    ck_assert_str_eq(mp_plugin_name(pl), "fx_good");
    ck_assert_str_eq(mp_plugin_version(pl), "1.2.3");
    ck_assert_str_eq(mp_plugin_path(pl), path);
    ck_assert_int_eq(mp_plugin_kind(pl), MP_PLUGIN_PLATFORM);
    ck_assert_uint_eq(mp_plugin_abi_major(pl), MP_PLUGIN_ABI_MAJOR);
    ck_assert_str_eq(mp_plugin_options(pl)[0].name, "fx-value");
    ck_assert_ptr_eq(mp_plugin_find("fx_good"), pl);
    /* Loading again gives the same plugin, not a second copy. */
    struct mp_plugin *again;
    ck_assert_int_eq(mp_plugin_load("fx_good", 0, &again, err), MP_OK);
    ck_assert_ptr_eq(again, pl);
    ck_assert_uint_eq(mp_plugin_count(), 1);
    /* The same name from another file is refused, naming both files. */
    char copy[PATH_MAX];
    snprintf(copy, sizeof(copy), "%s/fx_good.so", tmpdir);
    copy_file(path, copy, 0755);
    ck_assert_int_eq(mp_plugin_load(copy, 0, &again, err), MP_ERR_PLUGIN);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "already loaded from"));
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), path));
}
END_TEST

START_TEST(test_good_by_name_from_env_path)
{
    struct mp_plugin *pl;
    ck_assert_int_eq(setenv("MNISTPIPE_PLUGIN_PATH", fixture_dir, 1), 0);
    ck_assert_int_eq(mp_plugin_load("fx_good", 0, &pl, err), MP_OK);
    ck_assert_str_eq(mp_plugin_name(pl), "fx_good");
}
END_TEST

START_TEST(test_unknown_name)
{
    struct mp_plugin *pl = NULL;
    ck_assert_int_eq(setenv("MNISTPIPE_PLUGIN_PATH", fixture_dir, 1), 0);
    ck_assert_int_eq(mp_plugin_load("no-such-plugin", 0, &pl, err), MP_ERR_NOTFOUND);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "no-such-plugin.so"));
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), fixture_dir));
    /* A name with a dot or slash-free trickery is not searched for at all. */
    ck_assert_int_eq(mp_plugin_load("..", 0, &pl, err), MP_ERR_NOTFOUND);
}
END_TEST

START_TEST(test_missing_file)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/absent.so", tmpdir);
    expect_fail(path, 0, MP_ERR_NOTFOUND, "No such file");
}
END_TEST

START_TEST(test_empty_file)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/empty.so", tmpdir);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    ck_assert_int_ge(fd, 0);
    close(fd);
    expect_fail(path, 0, MP_ERR_PLUGIN, "cannot load");
}
END_TEST

START_TEST(test_text_file)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/text.so", tmpdir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("this is not a shared object\n", f);
    fclose(f);
    expect_fail(path, 0, MP_ERR_PLUGIN, "cannot load");
}
END_TEST

START_TEST(test_directory)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/dir.so", tmpdir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    expect_fail(path, 0, MP_ERR_PLUGIN, "not a regular file");
}
END_TEST

START_TEST(test_world_writable_dir)
{
    char dir[PATH_MAX], src[PATH_MAX], path[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/ww", tmpdir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    fixture(src, sizeof(src), "fx_good");
    snprintf(path, sizeof(path), "%s/fx_good.so", dir);
    copy_file(src, path, 0755);
    ck_assert_int_eq(chmod(dir, 0777), 0);
    expect_fail(path, 0, MP_ERR_PLUGIN, "world-writable directory");
}
END_TEST

START_TEST(test_world_writable_file)
{
    char src[PATH_MAX], path[PATH_MAX];
    fixture(src, sizeof(src), "fx_good");
    snprintf(path, sizeof(path), "%s/fx_good.so", tmpdir);
    copy_file(src, path, 0757);
    ck_assert_int_eq(chmod(path, 0757), 0);
    expect_fail(path, 0, MP_ERR_PLUGIN, "world-writable file");
}
END_TEST

struct broken {
    const char *name;
    int kind;
    int code;
    const char *needle;
    const char *needle2;
};

static char abi_major_text[32], abi_core_text[32], abi_minor_text[32];

static const struct broken broken[] = {
    {"no_entry", 0, MP_ERR_PLUGIN, "no entry symbol mp_plugin_describe", NULL},
    {"abi_major", 0, MP_ERR_ABI, abi_major_text, abi_core_text},
    {"abi_newer_minor", 0, MP_ERR_ABI, abi_minor_text, abi_core_text},
    {"null_desc", 0, MP_ERR_PLUGIN, "returned no descriptor", NULL},
    {"wrong_name", 0, MP_ERR_PLUGIN, "calls itself 'not-my-name'", "'wrong_name'"},
    {"wrong_kind", MP_PLUGIN_OUTPUT, MP_ERR_PLUGIN, "is a platform plugin", "output plugin"},
    {"null_ops", 0, MP_ERR_PLUGIN, "no platform ops table", NULL},
    {"short_ops", 0, MP_ERR_PLUGIN, "ops table is 8 bytes", NULL},
    {"no_transform", 0, MP_ERR_PLUGIN, "no transform op", NULL},
};

START_TEST(test_broken_fixture)
{
    const struct broken *b = &broken[_i];
    char path[PATH_MAX];
    snprintf(abi_major_text, sizeof(abi_major_text), "ABI %d.0", MP_PLUGIN_ABI_MAJOR + 1);
    snprintf(abi_minor_text, sizeof(abi_minor_text), "ABI %d.%d", MP_PLUGIN_ABI_MAJOR,
             MP_PLUGIN_ABI_MINOR + 1);
    snprintf(abi_core_text, sizeof(abi_core_text), "provides %d.%d", MP_PLUGIN_ABI_MAJOR,
             MP_PLUGIN_ABI_MINOR);
    fixture(path, sizeof(path), b->name);
    expect_fail(path, b->kind, b->code, b->needle);
    if (b->needle2)
        ck_assert_msg(strstr(mp_error_message(err), b->needle2) != NULL,
                      "message lacks '%s': %s", b->needle2, mp_error_message(err));
}
END_TEST

START_TEST(test_unresolved_symbol)
{
    char path[PATH_MAX];
    fixture(path, sizeof(path), "unresolved");
    if (access(path, F_OK) != 0)
        return; /* not built: LDFLAGS force -z defs */
    expect_fail(path, 0, MP_ERR_PLUGIN, "mp_symbol_that_does_not_exist");
}
END_TEST

START_TEST(test_option_clash)
{
    char path[PATH_MAX], onprem[PATH_MAX];
    struct mp_plugin *pl;
    snprintf(onprem, sizeof(onprem), "%s/onprem.so", plugin_dir);
    ck_assert_int_eq(mp_plugin_load(onprem, MP_PLUGIN_PLATFORM, &pl, err), MP_OK);
    fixture(path, sizeof(path), "option_clash");
    ck_assert_int_eq(mp_plugin_load(path, 0, &pl, err), MP_ERR_PLUGIN);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "--pvc is already taken by plugin 'onprem'"));
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), path));
    ck_assert_uint_eq(mp_plugin_count(), 1);
}
END_TEST

START_TEST(test_plugin_failure_is_prefixed)
{
    char path[PATH_MAX];
    struct mp_plugin *pl;
    struct mp_pipeline *p;
    fixture(path, sizeof(path), "fx_fail");
    ck_assert_int_eq(mp_plugin_load(path, MP_PLUGIN_PLATFORM, &pl, err), MP_OK);
    ck_assert_int_eq(mp_builtin_pipeline("mnist", NULL, 0, &p, err), MP_OK);
    struct mp_plugin_ctx *ctx = mp_ctx_new(NULL, NULL);
    ck_assert_int_eq(mp_compile(p, ctx, err), MP_ERR_VALIDATE);
    ck_assert_str_eq(mp_error_message(err), "plugin 'fx_fail': refusing pipeline 'MNIST'");
    mp_ctx_free(ctx);
    mp_pipeline_free(p);
}
END_TEST

START_TEST(test_platforms_apply_in_order)
{
    char path[PATH_MAX], onprem[PATH_MAX];
    struct mp_plugin *pl;
    struct mp_pipeline *p;
    snprintf(onprem, sizeof(onprem), "%s/onprem.so", plugin_dir);
    fixture(path, sizeof(path), "fx_good");
    ck_assert_int_eq(mp_plugin_load(onprem, 0, &pl, err), MP_OK);
    ck_assert_int_eq(mp_plugin_load(path, 0, &pl, err), MP_OK);
    const char *platforms[] = {"onprem", "fx_good"};
    ck_assert_int_eq(mp_builtin_pipeline("mnist", platforms, 2, &p, err), MP_OK);
    struct mp_plugin_ctx *ctx = mp_ctx_new(NULL, NULL);
    mp_ctx_set_option(ctx, "pvc", "claim-a");
    mp_ctx_set_option(ctx, "fx-value", "hello");
    ck_assert_int_eq(mp_compile(p, ctx, err), MP_OK);
    struct mp_op *train = mp_pipeline_find_op(p, "train");
    ck_assert_uint_eq(mp_op_volume_count(train), 1);
    ck_assert_str_eq(mp_op_volume_source(train, 0), "{{params.pvc_name}}");
    ck_assert_str_eq(mp_param_default(mp_pipeline_find_param(p, "pvc_name")), "claim-a");
    ck_assert_uint_eq(mp_op_env_count(train), 1);
    ck_assert_str_eq(mp_op_env_value(train, 0), "hello");
    mp_ctx_free(ctx);
    mp_pipeline_free(p);
}
END_TEST

static Suite *loader_suite(void)
{
    Suite *s = suite_create("plugin_loader");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_good_by_path);
    tcase_add_test(tc, test_good_by_name_from_env_path);
    tcase_add_test(tc, test_unknown_name);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_empty_file);
    tcase_add_test(tc, test_text_file);
    tcase_add_test(tc, test_directory);
    tcase_add_test(tc, test_world_writable_dir);
    tcase_add_test(tc, test_world_writable_file);
    tcase_add_loop_test(tc, test_broken_fixture, 0, (int)(sizeof(broken) / sizeof(broken[0])));
    tcase_add_test(tc, test_unresolved_symbol);
    tcase_add_test(tc, test_option_clash);
    suite_add_tcase(s, tc);
    TCase *tc2 = tcase_create("compile");
    tcase_add_checked_fixture(tc2, setup, teardown);
    tcase_add_test(tc2, test_plugin_failure_is_prefixed);
    tcase_add_test(tc2, test_platforms_apply_in_order);
    suite_add_tcase(s, tc2);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(loader_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
