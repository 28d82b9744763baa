/* SPDX-License-Identifier: MIT */
/* check_package.c: deterministic .tar.gz/.zip packages and atomic file output. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "package.h"

static const char yaml[] = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n";

START_TEST(test_format_for)
{
    ck_assert_int_eq(mp_package_format_for("a/b.tar.gz"), MP_PACKAGE_TAR_GZ);
    ck_assert_int_eq(mp_package_format_for("x.tgz"), MP_PACKAGE_TAR_GZ);
    ck_assert_int_eq(mp_package_format_for("x.zip"), MP_PACKAGE_ZIP);
    ck_assert_int_eq(mp_package_format_for("x.yaml"), MP_PACKAGE_YAML);
    ck_assert_int_eq(mp_package_format_for("x.yml"), MP_PACKAGE_YAML);
    ck_assert_int_eq(mp_package_format_for("-"), MP_PACKAGE_YAML);
    ck_assert_int_eq(mp_package_format_for("x.tar"), MP_PACKAGE_NONE);
    ck_assert_int_eq(mp_package_format_for("x.json"), MP_PACKAGE_NONE);
}
END_TEST

/* Read back a one-member archive: name, mode, owner, mtime, content. */
static void check_archive(const struct mp_buf *b, time_t mtime)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    archive_read_support_format_all(a);
    archive_read_support_filter_all(a);
    ck_assert_int_eq(archive_read_open_memory(a, mp_buf_data(b), mp_buf_len(b)), ARCHIVE_OK);
    ck_assert_int_eq(archive_read_next_header(a, &e), ARCHIVE_OK);
    ck_assert_str_eq(archive_entry_pathname(e), "pipeline.yaml");
    ck_assert_int_eq(archive_entry_perm(e), 0644);
    ck_assert_int_eq(archive_entry_uid(e), 0);
    ck_assert_int_eq(archive_entry_gid(e), 0);
    ck_assert_int_eq(archive_entry_mtime(e), mtime);
    char data[256];
    la_ssize_t n = archive_read_data(a, data, sizeof(data));
    ck_assert_int_eq(n, (la_ssize_t)strlen(yaml));
    ck_assert_int_eq(memcmp(data, yaml, (size_t)n), 0);
    ck_assert_int_eq(archive_read_next_header(a, &e), ARCHIVE_EOF);
    archive_read_free(a);
}

START_TEST(test_tar_gz)
{
    struct mp_buf a, b;
    mpi_buf_init(&a);
    mpi_buf_init(&b);
    ck_assert_int_eq(mp_package_build(MP_PACKAGE_TAR_GZ, "pipeline.yaml", yaml, strlen(yaml), &a,
                                      NULL),
                     MP_OK);
    ck_assert_int_eq(mp_package_build(MP_PACKAGE_TAR_GZ, "pipeline.yaml", yaml, strlen(yaml), &b,
                                      NULL),
                     MP_OK);
    ck_assert_uint_eq(mp_buf_len(&a), mp_buf_len(&b));
    ck_assert_int_eq(memcmp(mp_buf_data(&a), mp_buf_data(&b), mp_buf_len(&a)), 0);
    const unsigned char *g = (const unsigned char *)mp_buf_data(&a);
    ck_assert_uint_eq(g[0], 0x1f);
    ck_assert_uint_eq(g[1], 0x8b);
    ck_assert_uint_eq(g[3] & 0x08, 0); /* no file name */
    ck_assert_uint_eq(g[4] | g[5] | g[6] | g[7], 0); /* no time stamp */
    check_archive(&a, 0);
    mpi_buf_release(&a);
    mpi_buf_release(&b);
}
END_TEST

START_TEST(test_zip)
{
    struct mp_buf a, b;
    mpi_buf_init(&a);
    mpi_buf_init(&b);
    ck_assert_int_eq(mp_package_build(MP_PACKAGE_ZIP, "pipeline.yaml", yaml, strlen(yaml), &a,
                                      NULL), MP_OK);
    ck_assert_int_eq(mp_package_build(MP_PACKAGE_ZIP, "pipeline.yaml", yaml, strlen(yaml), &b,
                                      NULL), MP_OK);
    ck_assert_uint_eq(mp_buf_len(&a), mp_buf_len(&b));
    ck_assert_int_eq(memcmp(mp_buf_data(&a), mp_buf_data(&b), mp_buf_len(&a)), 0);
    ck_assert_int_eq(memcmp(mp_buf_data(&a), "PK\003\004", 4), 0);
    check_archive(&a, 315532800);
    mpi_buf_release(&a);
    mpi_buf_release(&b);
}
END_TEST

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

START_TEST(test_atomic_write)
{
    char dir[] = "/tmp/mp-check-package-XXXXXX", path[PATH_MAX], bad[PATH_MAX];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/out.yaml", dir);
    struct mp_error *err = mp_error_new();
    ck_assert_int_eq(mp_write_file_atomic(path, "one", 3, err), MP_OK);
    ck_assert_int_eq(mp_write_file_atomic(path, "two!", 4, err), MP_OK);
    FILE *f = fopen(path, "r");
    char got[8] = {0};
    ck_assert_uint_eq(fread(got, 1, sizeof(got), f), 4);
    fclose(f);
    ck_assert_str_eq(got, "two!");
    ck_assert_int_eq(count_entries(dir), 1); /* no temporary file left */
    snprintf(bad, sizeof(bad), "%s/no/such/dir/out.yaml", dir);
    ck_assert_int_eq(mp_write_file_atomic(bad, "x", 1, err), MP_ERR_IO);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), bad));
    /* A directory in the way: the rename fails, the temporary file is removed. */
    snprintf(bad, sizeof(bad), "%s/adir", dir);
    ck_assert_int_eq(mkdir(bad, 0755), 0);
    ck_assert_int_eq(mp_write_file_atomic(bad, "x", 1, err), MP_ERR_IO);
    ck_assert_int_eq(count_entries(dir), 2);
    rmdir(bad);
    unlink(path);
    rmdir(dir);
    mp_error_free(err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("package");
    TCase *tc = tcase_create("package");
    tcase_add_test(tc, test_format_for);
    tcase_add_test(tc, test_tar_gz);
    tcase_add_test(tc, test_zip);
    tcase_add_test(tc, test_atomic_write);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
