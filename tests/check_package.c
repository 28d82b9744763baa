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
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

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

/* A member of several 256 KiB pieces (compressed by two threads): read back whole, the same
 * bytes on every build, for both formats. */
static char *big_member(size_t *len)
{
    size_t cap = (size_t)5 << 19, n = 0; /* 2.5 MiB: ten pieces */
    char *s = malloc(cap + 128);
    ck_assert_ptr_nonnull(s);
    unsigned x = 12345;
    while (n < cap) {
        x = x * 1103515245u + 12345u;
        n += (size_t)snprintf(s + n, 128, "  - name: step-%zu\n    image: busybox:%u\n", n,
                              (x >> 16) % 1000);
    }
    *len = n;
    return s;
}

static void check_big_archive(const struct mp_buf *b, const char *want, size_t len)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    archive_read_support_format_all(a);
    archive_read_support_filter_all(a);
    ck_assert_int_eq(archive_read_open_memory(a, mp_buf_data(b), mp_buf_len(b)), ARCHIVE_OK);
    ck_assert_int_eq(archive_read_next_header(a, &e), ARCHIVE_OK);
    ck_assert_int_eq(archive_entry_size(e), (la_int64_t)len);
    char *got = malloc(len + 1);
    size_t n = 0;
    for (la_ssize_t r; n <= len && (r = archive_read_data(a, got + n, len + 1 - n)) > 0;)
        n += (size_t)r;
    ck_assert_uint_eq(n, len);
    ck_assert_int_eq(memcmp(got, want, len), 0);
    ck_assert_int_eq(archive_read_next_header(a, &e), ARCHIVE_EOF);
    archive_read_free(a);
    free(got);
}

START_TEST(test_big_member)
{
    size_t len;
    char *data = big_member(&len);
    for (int fmt = 0; fmt < 2; fmt++) {
        enum mp_package_format f = fmt ? MP_PACKAGE_ZIP : MP_PACKAGE_TAR_GZ;
        struct mp_buf a, b;
        mpi_buf_init(&a);
        mpi_buf_init(&b);
        mp_buf_set_limit(&a, (size_t)1 << 30);
        ck_assert_int_eq(mp_package_build(f, "pipeline.yaml", data, len, &a, NULL), MP_OK);
        ck_assert_int_eq(mp_package_build(f, "pipeline.yaml", data, len, &b, NULL), MP_OK);
        ck_assert_uint_eq(mp_buf_len(&a), mp_buf_len(&b));
        ck_assert_int_eq(memcmp(mp_buf_data(&a), mp_buf_data(&b), mp_buf_len(&a)), 0);
        ck_assert_uint_lt(mp_buf_len(&a), len / 4); /* compressed, pieces and all */
        check_big_archive(&a, data, len);
        if (f == MP_PACKAGE_TAR_GZ) {
            /* one gzip member whose trailer (CRC-32, size) zlib itself accepts */
            z_stream zs;
            memset(&zs, 0, sizeof(zs));
            ck_assert_int_eq(inflateInit2(&zs, 31), Z_OK);
            unsigned char chunk[65536];
            zs.next_in = (Bytef *)mp_buf_data(&a);
            zs.avail_in = (uInt)mp_buf_len(&a);
            int zrc;
            do {
                zs.next_out = chunk;
                zs.avail_out = sizeof(chunk);
                zrc = inflate(&zs, Z_NO_FLUSH);
            } while (zrc == Z_OK);
            ck_assert_int_eq(zrc, Z_STREAM_END);
            ck_assert_uint_eq(zs.avail_in, 0);
            inflateEnd(&zs);
        }
        mpi_buf_release(&a);
        mpi_buf_release(&b);
    }
    free(data);
}
END_TEST

/* The raw deflate of @len bytes in one call of the library's level 1, as a package of one
 * piece holds it, into @out (@cap bytes). Returns its length. */
static size_t deflate_whole(const unsigned char *in, size_t len, unsigned char *out, size_t cap)
{
#ifdef HAVE_ISAL
    struct isal_zstream zs;
    static unsigned char level_buf[ISAL_DEF_LVL1_DEFAULT];
    isal_deflate_init(&zs);
    zs.level = 1;
    zs.level_buf = level_buf;
    zs.level_buf_size = sizeof(level_buf);
    zs.end_of_stream = 1;
    zs.flush = NO_FLUSH;
    zs.next_in = (uint8_t *)(uintptr_t)in;
    zs.avail_in = (uint32_t)len;
    zs.next_out = out;
    zs.avail_out = (uint32_t)cap;
    ck_assert_int_eq(isal_deflate(&zs), COMP_OK);
    ck_assert_int_eq(zs.internal_state.state, ZSTATE_END);
    return zs.total_out;
#else
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    ck_assert_int_eq(deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    return n;
#endif
}

/* Under one piece, the package is the gzip header, the library's own one-call stream of the
 * tar, and the tar's CRC-32 and length. */
START_TEST(test_small_is_one_stream)
{
    struct mp_buf a;
    mpi_buf_init(&a);
    ck_assert_int_eq(mp_package_build(MP_PACKAGE_TAR_GZ, "pipeline.yaml", yaml, strlen(yaml), &a,
                                      NULL), MP_OK);
    unsigned char tar[10240], out[4096];
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    ck_assert_int_eq(inflateInit2(&zs, 31), Z_OK);
    zs.next_in = (Bytef *)mp_buf_data(&a);
    zs.avail_in = (uInt)mp_buf_len(&a);
    zs.next_out = tar;
    zs.avail_out = sizeof(tar);
    ck_assert_int_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
    ck_assert_uint_eq(zs.total_out, sizeof(tar));
    ck_assert_uint_eq(zs.avail_in, 0); /* one gzip member, nothing after it */
    inflateEnd(&zs);
    static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3};
    const unsigned char *p = (const unsigned char *)mp_buf_data(&a);
    size_t n = deflate_whole(tar, sizeof(tar), out, sizeof(out));
    ck_assert_uint_eq(mp_buf_len(&a), sizeof(head) + n + 8);
    ck_assert_int_eq(memcmp(p, head, sizeof(head)), 0);
    ck_assert_int_eq(memcmp(p + sizeof(head), out, n), 0);
    uLong crc = crc32(0L, tar, sizeof(tar));
    const unsigned char *t = p + sizeof(head) + n;
    ck_assert_uint_eq(t[0] | t[1] << 8 | t[2] << 16 | (uLong)t[3] << 24, crc);
    ck_assert_uint_eq(t[4] | t[5] << 8 | t[6] << 16 | (uLong)t[7] << 24, sizeof(tar));
    mpi_buf_release(&a);
}
END_TEST

/* A workflow-like tree of @steps templates (40,000: 3.4 MB of YAML, 14 pieces). */
static struct mp_node *steps_tree(struct mp_doc *doc, size_t steps)
{
    struct mp_node *root = mp_doc_map(doc);
    struct mp_node *seq = mp_node_put_seq(root, "templates");
    for (size_t i = 0; i < steps; i++) {
        char name[32], arg[64];
        snprintf(name, sizeof(name), "step-%zu", i);
        snprintf(arg, sizeof(arg), "--seed=%zu", i * 2654435761u % 100000);
        struct mp_node *m = mp_node_push(seq, mp_doc_map(doc));
        mp_node_put_str(m, "name", name);
        struct mp_node *c = mp_node_put_map(m, "container");
        mp_node_put_str(c, "image", "busybox:1.36");
        struct mp_node *args = mp_node_put_seq(c, "args");
        mp_node_push(args, mp_doc_str(doc, arg));
        mp_node_push(args, mp_doc_str(doc, name));
    }
    return root;
}

/* mp_package_build_yaml() gives the same bytes as mp_write_yaml() and mp_package_build().
 * Returns the length of the YAML. */
static size_t check_same_as_written(const struct mp_node *root, enum mp_package_format fmt)
{
    struct mp_buf text, want, got;
    mpi_buf_init(&text);
    mpi_buf_init(&want);
    mpi_buf_init(&got);
    mp_buf_set_limit(&text, (size_t)1 << 30);
    mp_buf_set_limit(&want, (size_t)1 << 30);
    mp_buf_set_limit(&got, (size_t)1 << 30);
    ck_assert_int_eq(mp_write_yaml(root, &text, NULL), MP_OK);
    ck_assert_int_eq(mp_package_build(fmt, "pipeline.yaml", mp_buf_data(&text),
                                      mp_buf_len(&text), &want, NULL), MP_OK);
    ck_assert_int_eq(mp_package_build_yaml(fmt, "pipeline.yaml", root, &got, NULL), MP_OK);
    ck_assert_uint_eq(mp_buf_len(&got), mp_buf_len(&want));
    ck_assert_int_eq(memcmp(mp_buf_data(&got), mp_buf_data(&want), mp_buf_len(&want)), 0);
    size_t len = mp_buf_len(&text);
    mpi_buf_release(&text);
    mpi_buf_release(&want);
    mpi_buf_release(&got);
    return len;
}

/* The YAML of a tree packaged while it is written (pieces compressed before the writing ends)
 * gives the same bytes as writing it first and packaging the result, small or large. */
START_TEST(test_build_yaml_same_bytes)
{
    static const size_t steps[] = {3, 40000};
    for (size_t t = 0; t < 2; t++) {
        struct mp_doc *doc = mp_doc_new();
        struct mp_node *root = steps_tree(doc, steps[t]);
        for (int fmt = MP_PACKAGE_TAR_GZ; fmt <= MP_PACKAGE_YAML; fmt++) {
            size_t len = check_same_as_written(root, (enum mp_package_format)fmt);
            if (t)
                ck_assert_uint_gt(len, (size_t)3 << 20); /* several pieces */
        }
        /* bad input: nothing appended, a clear error */
        struct mp_buf out;
        mpi_buf_init(&out);
        struct mp_error *err = mp_error_new();
        ck_assert_int_eq(mp_package_build_yaml(MP_PACKAGE_TAR_GZ, "x", NULL, &out, err),
                         MP_ERR_INVAL);
        char longname[128];
        memset(longname, 'n', 120);
        longname[120] = '\0';
        ck_assert_int_eq(mp_package_build_yaml(MP_PACKAGE_TAR_GZ, longname, root, &out, err),
                         MP_ERR_INVAL);
        ck_assert_ptr_nonnull(strstr(mp_error_message(err), "longer than 100"));
        ck_assert_uint_eq(mp_buf_len(&out), 0);
        mp_error_free(err);
        mpi_buf_release(&out);
        mp_doc_free(doc);
    }
}
END_TEST

/* Where the 1 GiB of address space for the YAML is refused (here: an address-space limit; in
 * production: overcommit turned off), the package is written from a growing buffer and pieces
 * copied out of it, with the same bytes. Not under AddressSanitizer or valgrind, whose own
 * address space does not fit such a limit. */
START_TEST(test_build_yaml_without_reservation)
{
#ifndef MP_ASAN
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload"))
        return;
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%lu", &pages), 1);
    fclose(f);
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_AS, &rl), 0);
    rl.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)384 << 20);
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &rl), 0);
    void *p = mmap(NULL, (size_t)1 << 30, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ck_assert(p == MAP_FAILED); /* what the tar.gz writer meets too */
    struct mp_doc *doc = mp_doc_new();
    const struct mp_node *root = steps_tree(doc, 40000);
    ck_assert_uint_gt(check_same_as_written(root, MP_PACKAGE_TAR_GZ), (size_t)3 << 20);
    mp_doc_free(doc);
#endif
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
    tcase_add_test(tc, test_big_member);
    tcase_add_test(tc, test_small_is_one_stream);
    tcase_add_test(tc, test_build_yaml_same_bytes);
    tcase_add_test(tc, test_build_yaml_without_reservation);
    tcase_add_test(tc, test_atomic_write);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
