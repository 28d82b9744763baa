/* SPDX-License-Identifier: MIT */
/* tree.c: directory outputs of the local runner's steps: a directory artifact copied whole
 * (Argo archives it as a .tgz and unpacks it at the reader's path), modes and times kept,
 * symbolic links copied as links and never followed, within bounds that fail the copy with a
 * message naming the entry; and removed without following links. Every walk goes through
 * directory descriptors (openat, O_NOFOLLOW), so a link inside the tree cannot lead it out. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "local.h"

struct tree_walk {
    bool link;          /* hard-link regular files where the file system allows */
    long long bytes;    /* regular files' bytes so far */
    long entries;       /* entries so far, the top directory not counted */
    const char *top;    /* the top as messages name it */
    char rel[4096];     /* the entry at hand as messages name it: the top, then its path */
    char *why;
    size_t size;
};

static int walk_fail(struct tree_walk *w, const char *fmt, ...) MP_PRINTF(2, 3);
static int walk_fail(struct tree_walk *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->why, w->size, fmt, ap);
    va_end(ap);
    return -1;
}

/* Copy the regular file @name of @sfd (its stat in @sb) into @dfd. */
static int copy_reg(struct tree_walk *w, int sfd, int dfd, const char *name,
                    const struct stat *sb)
{
    if (w->link && linkat(sfd, name, dfd, name, 0) == 0)
        return 0;
    int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int out = in < 0 ? -1 : openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        int e = errno;
        if (in >= 0)
            close(in);
        return walk_fail(w, "%s: %s", w->rel, strerror(e));
    }
    char buf[65536];
    long long left = sb->st_size; /* as counted: a file growing meanwhile is cut there */
    int e = 0;
    while (left > 0 && e == 0) {
        ssize_t r = read(in, buf, left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf));
        if (r <= 0) {
            e = r < 0 ? errno : 0;
            break; /* 0: the file shrank meanwhile; what it holds is copied */
        }
        for (ssize_t k = 0, n; k < r && e == 0; k += n)
            if ((n = write(out, buf + k, (size_t)(r - k))) < 0)
                e = errno;
        left -= r;
    }
    struct timespec ts[2] = {sb->st_atim, sb->st_mtim};
    if (e == 0 && (fchmod(out, sb->st_mode & 07777) != 0 || futimens(out, ts) != 0))
        e = errno;
    if (close(out) != 0 && e == 0)
        e = errno;
    close(in);
    if (e != 0) {
        (void)unlinkat(dfd, name, 0);
        return walk_fail(w, "%s: %s", w->rel, strerror(e));
    }
    return 0;
}

/* Copy the entries of directory @sfd into directory @dfd, @depth levels below the top.
 * Takes @sfd (closed on return). */
static int copy_dir(struct tree_walk *w, int sfd, int dfd, int depth)
{
    DIR *d = fdopendir(sfd);
    if (!d) {
        int e = errno;
        close(sfd);
        return walk_fail(w, "%s: %s", w->rel, strerror(e));
    }
    size_t base = strlen(w->rel);
    struct dirent *de;
    int rc = 0;
    errno = 0;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        struct stat sb;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if ((size_t)snprintf(w->rel + base, sizeof(w->rel) - base, "/%s", name) >=
            sizeof(w->rel) - base) {
            rc = walk_fail(w, "%s: a path in it is longer than %zu bytes", w->top,
                           sizeof(w->rel) - 1);
            break;
        }
        if (fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = walk_fail(w, "%s: %s", w->rel, strerror(errno));
            break;
        }
        if (++w->entries > LR_DIR_ENTRIES) {
            rc = walk_fail(w, "%s holds more than %d files, directories and links, the bound "
                           "of a directory artifact (at %s)", w->top, LR_DIR_ENTRIES, w->rel);
            break;
        }
        if (S_ISREG(sb.st_mode)) {
            if (sb.st_size > LR_DIR_MAX - w->bytes) {
                rc = walk_fail(w, "%s holds more than %lld bytes, the bound of a directory "
                               "artifact (at %s, %lld bytes)", w->top, (long long)LR_DIR_MAX,
                               w->rel, (long long)sb.st_size);
                break;
            }
            w->bytes += sb.st_size;
            rc = copy_reg(w, dirfd(d), dfd, name, &sb);
        } else if (S_ISLNK(sb.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlinkat(dirfd(d), name, target, sizeof(target) - 1);
            struct timespec ts[2] = {sb.st_atim, sb.st_mtim};
            if (n >= 0)
                target[n] = '\0';
            if (n < 0 || symlinkat(target, dfd, name) != 0)
                rc = walk_fail(w, "%s: %s", w->rel, strerror(errno));
            else
                (void)utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
        } else if (S_ISDIR(sb.st_mode)) {
            int sub = -1, dsub = -1;
            if (depth + 1 > LR_DIR_DEPTH)
                rc = walk_fail(w, "%s is nested more than %d directories deep, the bound of a "
                               "directory artifact (at %s)", w->top, LR_DIR_DEPTH, w->rel);
            else if ((sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                   O_CLOEXEC)) < 0 ||
                     mkdirat(dfd, name, 0700) != 0 ||
                     (dsub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                    O_CLOEXEC)) < 0) {
                rc = walk_fail(w, "%s: %s", w->rel, strerror(errno));
                if (sub >= 0)
                    close(sub);
            } else {
                /* The mode last: a read-only directory is filled first. */
                struct timespec ts[2] = {sb.st_atim, sb.st_mtim};
                rc = copy_dir(w, sub, dsub, depth + 1);
                if (rc == 0 && (fchmod(dsub, sb.st_mode & 07777) != 0 || futimens(dsub, ts) != 0))
                    rc = walk_fail(w, "%s: %s", w->rel, strerror(errno));
            }
            if (dsub >= 0)
                close(dsub);
        } else {
            rc = walk_fail(w, "%s is not a regular file, directory or symbolic link (a FIFO, "
                           "socket or device cannot be in an artifact)", w->rel);
        }
        w->rel[base] = '\0';
        errno = 0;
    }
    if (rc == 0 && errno != 0)
        rc = walk_fail(w, "%s: %s", w->rel, strerror(errno));
    closedir(d);
    return rc;
}

/* Remove @name in @dfd: a directory with all it holds (links removed, not followed). */
static int remove_at(int dfd, const char *name, int depth)
{
    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return -1;
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    (void)fchmod(fd, 0700); /* a read-only directory's entries can be removed */
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
            (depth >= LR_DIR_DEPTH + 8 || remove_at(dirfd(d), de->d_name, depth + 1) != 0))
            rc = -1;
    closedir(d);
    return rc == 0 ? unlinkat(dfd, name, AT_REMOVEDIR) : -1;
}

int lr_tree_remove(const char *path)
{
    return remove_at(AT_FDCWD, path, 0);
}

int lr_tree_copy(const char *src, const char *dst, const char *name, bool link, long *entries,
                 long long *bytes, char *why, size_t size)
{
    char tmp[4200], old[4200];
    struct tree_walk w = {.link = link, .top = name, .why = why, .size = size};
    struct stat sb;
    snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", dst, (long)getpid());
    snprintf(old, sizeof(old), "%s.old-%ld", dst, (long)getpid());
    snprintf(w.rel, sizeof(w.rel), "%s", name);
    (void)lr_tree_remove(tmp);
    /* The top is opened as Argo stats it: a link to a directory is that directory. */
    int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC), dfd = -1;
    if (sfd < 0 || fstat(sfd, &sb) != 0) {
        snprintf(why, size, "%s: %s", name, strerror(errno));
        if (sfd >= 0)
            close(sfd);
        return -1;
    }
    if (mkdir(tmp, 0700) != 0 ||
        (dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        snprintf(why, size, "%s: %s", tmp, strerror(errno));
        close(sfd);
        (void)rmdir(tmp);
        return -1;
    }
    struct timespec ts[2] = {sb.st_atim, sb.st_mtim};
    int rc = copy_dir(&w, sfd, dfd, 0);
    if (rc == 0 && (fchmod(dfd, sb.st_mode & 07777) != 0 || futimens(dfd, ts) != 0))
        rc = walk_fail(&w, "%s: %s", tmp, strerror(errno));
    close(dfd);
    /* In place at once: what was at @dst is moved aside, then removed. */
    bool had = rc == 0 && lstat(dst, &sb) == 0;
    if (rc == 0 && had && rename(dst, old) != 0)
        rc = walk_fail(&w, "%s: %s", dst, strerror(errno));
    else if (rc == 0 && rename(tmp, dst) != 0) {
        rc = walk_fail(&w, "%s: %s", dst, strerror(errno));
        if (had)
            (void)rename(old, dst);
        had = false;
    }
    if (rc == 0 && had)
        (void)lr_tree_remove(old);
    if (rc != 0) {
        (void)lr_tree_remove(tmp);
        return -1;
    }
    if (entries)
        *entries = w.entries;
    if (bytes)
        *bytes = w.bytes;
    return 0;
}
