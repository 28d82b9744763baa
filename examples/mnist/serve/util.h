/* SPDX-License-Identifier: MIT */
/* Shared helpers of mnist-serve and mnist-web-ui: logging, command-line flags, byte buffers. */
#ifndef MNISTPIPE_SERVE_UTIL_H
#define MNISTPIPE_SERVE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Log one line to stderr as "2026-11-28T22:10:00.123Z <prog>: <message>". Thread-safe
 * (one write(2) per line). */
void mnu_log_init(const char *prog);
void mnu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer with a sticky error: append freely, check mnu_buf_failed() once.
 * Ownership: the buffer owns data; mnu_buf_free() releases it, mnu_buf_take() hands it over. */
struct mnu_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
};
void mnu_buf_init(struct mnu_buf *b);
void mnu_buf_free(struct mnu_buf *b);
void mnu_buf_reset(struct mnu_buf *b);
bool mnu_buf_reserve(struct mnu_buf *b, size_t extra);
void mnu_buf_add(struct mnu_buf *b, const void *p, size_t n);
void mnu_buf_adds(struct mnu_buf *b, const char *s);
void mnu_buf_addc(struct mnu_buf *b, char c);
void mnu_buf_printf(struct mnu_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s (n bytes) as a JSON string literal, quotes included. */
void mnu_buf_add_jstr(struct mnu_buf *b, const char *s, size_t n);
static inline bool mnu_buf_failed(const struct mnu_buf *b) { return b->failed; }
/* Hand over the NUL-terminated contents (NULL if the buffer failed); the buffer is reset.
 * Ownership: caller frees with free(). */
char *mnu_buf_take(struct mnu_buf *b, size_t *len);

/* Command-line flags. Accepted spellings: --flag value, --flag=value, -flag value, -flag=value;
 * '-' and '_' inside a flag name are equivalent. */
enum mnu_opt_kind { MNU_OPT_STRING, MNU_OPT_INT, MNU_OPT_BOOL, MNU_OPT_LIST, MNU_OPT_IGNORED };
struct mnu_opt {
    const char *name;        /* canonical spelling, e.g. "rest_api_port" */
    enum mnu_opt_kind kind;
    void *target;            /* const char **, long *, bool *, struct mnu_strlist * or NULL */
    long min, max;           /* range for MNU_OPT_INT */
    const char *help;
};
struct mnu_strlist {
    const char **items;
    size_t n;
};
/* Parse argv against opts (terminated by a {NULL} entry). "--help"/"--version" set *help or
 * *version. Errors: prints "<prog>: <message>" to stderr and returns false. Ownership: stored
 * strings borrow from argv; lists are malloc'd (free with mnu_strlist_free). */
bool mnu_opts_parse(const char *prog, int argc, char **argv, const struct mnu_opt *opts,
                    bool *help, bool *version);
void mnu_opts_usage(const char *prog, const char *synopsis, const struct mnu_opt *opts);
void mnu_strlist_free(struct mnu_strlist *l);

/* Strict integer parsing: the whole string must be a number within [min, max]. */
bool mnu_parse_long(const char *s, long min, long max, long *out);
bool mnu_parse_i64(const char *s, size_t n, int64_t *out);

/* Monotonic clock in seconds. */
double mnu_now(void);

/* Refuse gs:// and s3:// paths with the spec's message; returns false with a message printed. */
bool mnu_check_local_path(const char *prog, const char *flag, const char *path);

/* Signal handling: install SIGINT/SIGTERM handlers that make mnu_wait_for_signal() return, and
 * ignore SIGPIPE. mnu_wait_for_signal() returns the signal number or 0 after timeout_s. */
bool mnu_signals_init(void);
int mnu_wait_for_signal(double timeout_s);



/* Create a listening TCP socket on addr:port (port 0 = any free port). Errors: returns -1 with
 * a message like "cannot listen on 127.0.0.1:8500: Address already in use" in err.
 * Ownership: the caller closes the returned fd (or hands it to libmicrohttpd). */
int mnu_listen(const char *addr, long port, int *actual_port, char *err, size_t errlen);

/* Write "<port>\n" to path atomically (tmp + rename); false on error. */
bool mnu_write_port_file(const char *path, int port);
#endif
