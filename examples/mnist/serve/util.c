/* SPDX-License-Identifier: MIT */
/* Shared helpers of mnist-serve and mnist-web-ui: logging, command-line flags, byte buffers. */
#include "config.h"

#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "mnist";

void mnu_log_init(const char *prog) { log_prog = prog; }

void mnu_log(const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += snprintf(line + n, sizeof line - (size_t)n, ".%03ldZ %s: ", ts.tv_nsec / 1000000L,
                  log_prog);
    if (n < 0 || (size_t)n >= sizeof line) n = 0;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0) m = 0;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

/* ---- buffers ---- */

void mnu_buf_init(struct mnu_buf *b) { memset(b, 0, sizeof *b); }

void mnu_buf_free(struct mnu_buf *b)
{
    free(b->data);
    mnu_buf_init(b);
}

void mnu_buf_reset(struct mnu_buf *b)
{
    b->len = 0;
    b->failed = false;
}

bool mnu_buf_reserve(struct mnu_buf *b, size_t extra)
{
    if (b->failed) return false;
    if (b->len + extra + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void mnu_buf_add(struct mnu_buf *b, const void *p, size_t n)
{
    if (!mnu_buf_reserve(b, n)) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void mnu_buf_adds(struct mnu_buf *b, const char *s) { mnu_buf_add(b, s, strlen(s)); }

void mnu_buf_addc(struct mnu_buf *b, char c)
{
    if (!mnu_buf_reserve(b, 1)) return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void mnu_buf_printf(struct mnu_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !mnu_buf_reserve(b, (size_t)n)) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void mnu_buf_add_jstr(struct mnu_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    mnu_buf_addc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        mnu_buf_add(b, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': mnu_buf_adds(b, "\\\""); break;
        case '\\': mnu_buf_adds(b, "\\\\"); break;
        case '\n': mnu_buf_adds(b, "\\n"); break;
        case '\r': mnu_buf_adds(b, "\\r"); break;
        case '\t': mnu_buf_adds(b, "\\t"); break;
        case '\b': mnu_buf_adds(b, "\\b"); break;
        case '\f': mnu_buf_adds(b, "\\f"); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            mnu_buf_add(b, u, sizeof u);
        }
        }
    }
    mnu_buf_add(b, s + start, n - start);
    mnu_buf_addc(b, '"');
}

char *mnu_buf_take(struct mnu_buf *b, size_t *len)
{
    if (b->failed) {
        mnu_buf_free(b);
        return NULL;
    }
    if (!mnu_buf_reserve(b, 0)) {
        mnu_buf_free(b);
        return NULL;
    }
    b->data[b->len] = '\0';
    char *p = b->data;
    if (len) *len = b->len;
    mnu_buf_init(b);
    return p;
}

/* ---- numbers ---- */

bool mnu_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s) return false;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) return false;
    *out = v;
    return true;
}

bool mnu_parse_i64(const char *s, size_t n, int64_t *out)
{
    if (n == 0) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = (int64_t)v;
    return true;
}

double mnu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool mnu_check_local_path(const char *prog, const char *flag, const char *path)
{
    if (strncmp(path, "gs://", 5) == 0 || strncmp(path, "s3://", 5) == 0) {
        fprintf(stderr, "%s: --%s %s: gs:// and s3:// paths are not supported by the local "
                        "runner; give a local directory\n", prog, flag, path);
        return false;
    }
    return true;
}

/* ---- flags ---- */

static bool name_eq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen) return false;
    for (size_t i = 0; i < alen; i++) {
        char x = a[i] == '-' ? '_' : a[i];
        char y = b[i] == '-' ? '_' : b[i];
        if (x != y) return false;
    }
    return true;
}

void mnu_strlist_free(struct mnu_strlist *l)
{
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

bool mnu_opts_parse(const char *prog, int argc, char **argv, const struct mnu_opt *opts,
                    bool *help, bool *version)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') {
            fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", prog, a);
            return false;
        }
        const char *name = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        if (name_eq(name, nlen, "help") || name_eq(name, nlen, "h")) {
            *help = true;
            continue;
        }
        if (name_eq(name, nlen, "version")) {
            *version = true;
            continue;
        }
        const struct mnu_opt *o = opts;
        while (o->name && !name_eq(name, nlen, o->name)) o++;
        if (!o->name) {
            fprintf(stderr, "%s: unknown option '%.*s' (see --help)\n", prog, (int)nlen + 2,
                    a[1] == '-' ? a : name - 1);
            return false;
        }
        const char *val = eq ? eq + 1 : NULL;
        if (o->kind == MNU_OPT_BOOL) {
            bool v = true;
            if (val) {
                if (!strcmp(val, "true") || !strcmp(val, "1") || !strcmp(val, "yes")) v = true;
                else if (!strcmp(val, "false") || !strcmp(val, "0") || !strcmp(val, "no"))
                    v = false;
                else {
                    fprintf(stderr, "%s: --%s: expected true or false, got '%s'\n", prog,
                            o->name, val);
                    return false;
                }
            }
            *(bool *)o->target = v;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: --%s needs a value\n", prog, o->name);
                return false;
            }
            val = argv[++i];
        }
        switch (o->kind) {
        case MNU_OPT_STRING:
            *(const char **)o->target = val;
            break;
        case MNU_OPT_INT: {
            long v;
            if (!mnu_parse_long(val, o->min, o->max, &v)) {
                fprintf(stderr, "%s: --%s: expected an integer from %ld to %ld, got '%s'\n",
                        prog, o->name, o->min, o->max, val);
                return false;
            }
            *(long *)o->target = v;
            break;
        }
        case MNU_OPT_LIST: {
            struct mnu_strlist *l = o->target;
            const char **p = realloc(l->items, (l->n + 1) * sizeof *p);
            if (!p) {
                fprintf(stderr, "%s: out of memory\n", prog);
                return false;
            }
            p[l->n++] = val;
            l->items = p;
            break;
        }
        case MNU_OPT_IGNORED:
        case MNU_OPT_BOOL:
            break;
        }
    }
    return true;
}

void mnu_opts_usage(const char *prog, const char *synopsis, const struct mnu_opt *opts)
{
    printf("Usage: %s %s\n\nOptions (--flag value, --flag=value or -flag=value):\n", prog,
           synopsis);
    for (const struct mnu_opt *o = opts; o->name; o++) {
        const char *arg = o->kind == MNU_OPT_BOOL  ? ""
                          : o->kind == MNU_OPT_INT ? " N"
                                                   : " VALUE";
        char left[64];
        snprintf(left, sizeof left, "--%s%s", o->name, arg);
        printf("  %-34s %s\n", left, o->help ? o->help : "");
    }
    printf("  %-34s %s\n  %-34s %s\n", "--help", "print this help and exit", "--version",
           "print the version and exit");
}

/* ---- signals ---- */

static sigset_t stop_set;

bool mnu_signals_init(void)
{
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    /* Blocked in every thread created after this; the main thread collects them. */
    if (pthread_sigmask(SIG_BLOCK, &stop_set, NULL) != 0) return false;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL) == 0;
}

int mnu_wait_for_signal(double timeout_s)
{
    if (timeout_s < 0) timeout_s = 0;
    struct timespec ts;
    ts.tv_sec = (time_t)timeout_s;
    ts.tv_nsec = (long)((timeout_s - (double)ts.tv_sec) * 1e9);
    for (;;) {
        int s = sigtimedwait(&stop_set, NULL, &ts);
        if (s > 0) return s;
        if (errno == EAGAIN) return 0;
        if (errno != EINTR) return 0;
    }
}

/* ---- sockets ---- */

int mnu_listen(const char *addr, long port, int *actual_port, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        sl = sizeof *sin;
    } else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        sl = sizeof *sin6;
    } else {
        snprintf(err, errlen, "--listen %s: expected a numeric IPv4 or IPv6 address", addr);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1024) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%ld: %s%s", addr, port, strerror(errno),
                 errno == EADDRINUSE ? " (is another server running? choose another port)"
                                     : "");
        close(fd);
        return -1;
    }
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        *actual_port = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    else
        *actual_port = (int)port;
    return fd;
}

bool mnu_write_port_file(const char *path, int port)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return false;
    FILE *f = fopen(tmp, "w");
    if (!f) return false;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return false;
    }
    return true;
}
