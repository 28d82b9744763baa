/* SPDX-License-Identifier: MIT */
/* package.c: deterministic single-member packages (core/tarzip.c); tmp-file-and-rename output. */
#include "config.h"

#include "package.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tarzip.h"

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum mp_package_format mp_package_format_for(const char *path)
{
    if (!path)
        return MP_PACKAGE_NONE;
    if (ends_with(path, ".tar.gz") || ends_with(path, ".tgz"))
        return MP_PACKAGE_TAR_GZ;
    if (ends_with(path, ".zip"))
        return MP_PACKAGE_ZIP;
    if (ends_with(path, ".yaml") || ends_with(path, ".yml") || strcmp(path, "-") == 0)
        return MP_PACKAGE_YAML;
    return MP_PACKAGE_NONE;
}

int mp_package_build(enum mp_package_format fmt, const char *member, const void *data,
                     size_t len, struct mp_buf *out, struct mp_error *err)
{
    if (!member || !*member || !out || (!data && len))
        return mp_error_set(err, MP_ERR_INVAL, "mp_package_build: invalid argument");
    if (fmt == MP_PACKAGE_YAML) {
        if (mp_buf_append(out, data, len) != MP_OK)
            return mp_error_set(err, MP_ERR_NOMEM, "package: out of memory");
        return MP_OK;
    }
    if (fmt != MP_PACKAGE_TAR_GZ && fmt != MP_PACKAGE_ZIP)
        return mp_error_set(err, MP_ERR_INVAL, "package: unknown format %d", (int)fmt);

    return fmt == MP_PACKAGE_TAR_GZ ? mpi_archive_tar_gz(member, data, len, out, err)
                                    : mpi_archive_zip(member, data, len, out, err);
}

int mp_package_build_yaml(enum mp_package_format fmt, const char *member,
                          const struct mp_node *root, struct mp_buf *out, struct mp_error *err)
{
    if (!member || !*member || !root || !out)
        return mp_error_set(err, MP_ERR_INVAL, "mp_package_build_yaml: invalid argument");
    if (fmt == MP_PACKAGE_TAR_GZ)
        return mpi_archive_tar_gz_yaml(member, root, out, err);
    if (fmt == MP_PACKAGE_YAML)
        return mp_write_yaml(root, out, err);
    struct mp_buf yaml;
    mpi_buf_init(&yaml);
    mp_buf_set_limit(&yaml, (size_t)1 << 30); /* 100,000 steps: 70 MB */
    int rc = mp_write_yaml(root, &yaml, err);
    if (rc == MP_OK)
        rc = mp_package_build(fmt, member, yaml.data, yaml.len, out, err);
    mpi_buf_release(&yaml);
    return rc;
}

int mpi_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return MP_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
    }
    return MP_OK;
}

int mp_write_file_atomic(const char *path, const void *data, size_t len, struct mp_error *err)
{
    if (!path || !*path || (!data && len))
        return mp_error_set(err, MP_ERR_INVAL, "no output path");
    if (strcmp(path, "-") == 0) {
        if (mpi_write_all(STDOUT_FILENO, data, len) != MP_OK)
            return mp_error_set(err, MP_ERR_IO, "writing to standard output: %s",
                                strerror(errno));
        return MP_OK;
    }
    size_t n = strlen(path);
    char *tmp = malloc(n + 32);
    if (!tmp)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    /* Same directory, so rename() is atomic; hidden and marked, so a leftover is obvious. */
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path + 1) : 0;
    snprintf(tmp, n + 32, "%.*s.%s.tmp-XXXXXX", (int)dir_len, path, path + dir_len);
    int rc = MP_ERR_IO;
    /* Block the signals a user sends, so the window between mkstemp and rename or unlink
     * cannot leave a stray temporary file behind. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGQUIT);
    sigprocmask(SIG_BLOCK, &block, &old);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = mp_error_set(err, MP_ERR_IO, "%s: cannot create a temporary file here: %s", path,
                          strerror(errno));
        goto out;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || mpi_write_all(fd, data, len) != MP_OK ||
        fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        rc = mp_error_set(err, MP_ERR_IO, "%s: %s", path, strerror(e));
        goto out;
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        rc = mp_error_set(err, MP_ERR_IO, "%s: %s", path, strerror(e));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        rc = mp_error_set(err, MP_ERR_IO, "%s: %s", path, strerror(e));
        goto out;
    }
    rc = MP_OK;
out:
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(tmp);
    return rc;
}
