/* SPDX-License-Identifier: MIT */
/* mnist-serve: a TensorFlow-Serving-compatible REST model server for model.mnpm exports. */
#include "config.h"

#include <microhttpd.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "metrics.h"
#include "models.h"
#include "rest.h"
#include "util.h"

#define PROG "mnist-serve"

struct server {
    struct models *models;
    struct rest_config rest;
    bool cors;
    long max_body;
};

/* Per-request state, kept across libmicrohttpd's upload callbacks. */
struct request {
    struct mnu_buf body;
    bool too_large;
    double t0;
};

static enum MHD_Result reply(struct MHD_Connection *c, const struct server *srv, int status,
                             char *body, size_t len, const char *ctype)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, body ? MHD_RESPMEM_MUST_FREE
                                                        : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    if (ctype) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (srv->cors) MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, const struct server *srv,
                                   int status, const char *msg)
{
    struct mnu_buf b;
    mnu_buf_init(&b);
    mnu_buf_adds(&b, "{\n    \"error\": ");
    mnu_buf_add_jstr(&b, msg, strlen(msg));
    mnu_buf_adds(&b, "\n}");
    size_t len = 0;
    char *s = mnu_buf_take(&b, &len);
    return reply(c, srv, status, s, s ? len : 0, "application/json");
}

/* An OPTIONS request is a CORS preflight only with an http(s) Origin (TF's http_server.cc). */
static enum MHD_Result handle_options(struct MHD_Connection *c, const struct server *srv)
{
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    bool preflight = origin && (!strncasecmp(origin, "http://", 7) ||
                                !strncasecmp(origin, "https://", 8));
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    if (preflight && srv->cors) {
        const char *hdrs =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Access-Control-Request-Headers");
        MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
        MHD_add_response_header(r, "Access-Control-Allow-Methods", "POST, GET");
        MHD_add_response_header(r, "Access-Control-Allow-Headers",
                                hdrs ? hdrs : "Content-Type");
    }
    enum MHD_Result ret = MHD_queue_response(c, preflight ? 200 : 400, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct server *srv = cls;
    struct request *req = *con_cls;
    (void)version;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req) return MHD_NO;
        mnu_buf_init(&req->body);
        req->t0 = mnu_now();
        *con_cls = req;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        long n;
        if (cl && mnu_parse_long(cl, 0, LONG_MAX, &n) && n > srv->max_body) {
            /* Answer before reading the body (curl's Expect: 100-continue gets no 100). */
            char msg[160];
            snprintf(msg, sizeof msg, "Request body of %ld bytes is over the limit of %ld bytes "
                     "(--max_body_bytes)", n, srv->max_body);
            req->too_large = true;
            return reply_error(c, srv, 413, msg);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!req->too_large) {
            if (req->body.len + *upload_data_size > (size_t)srv->max_body) {
                req->too_large = true;
                mnu_buf_free(&req->body);
            } else {
                mnu_buf_add(&req->body, upload_data, *upload_data_size);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->too_large) {
        char msg[160];
        snprintf(msg, sizeof msg, "Request body is over the limit of %ld bytes (--max_body_bytes)",
                 srv->max_body);
        return reply_error(c, srv, 413, msg);
    }
    if (mnu_buf_failed(&req->body)) return reply_error(c, srv, 500, "out of memory");

    if (!strcmp(method, "OPTIONS")) return handle_options(c, srv);
    if (!strncasecmp(url, "/v1/", 4)) {
        struct rest_reply r = {0};
        mnu_buf_init(&r.body);
        rest_handle(srv->models, &srv->rest, method, url, req->body.data ? req->body.data : "",
                    req->body.len, &r);
        metrics_record(r.api, r.code, mnu_now() - req->t0);
        size_t len = 0;
        char *s = mnu_buf_take(&r.body, &len);
        if (!s) return reply_error(c, srv, 500, "out of memory");
        return reply(c, srv, r.http_status, s, len, "application/json");
    }
    if (!strcmp(method, "GET") && !strcmp(url, "/monitoring/prometheus/metrics")) {
        struct mnu_buf b;
        mnu_buf_init(&b);
        metrics_write(&b, models_name(srv->models));
        size_t len = 0;
        char *s = mnu_buf_take(&b, &len);
        if (!s) return reply_error(c, srv, 500, "out of memory");
        return reply(c, srv, 200, s, len, "text/plain; version=0.0.4");
    }
    return reply_error(c, srv, 404, "Not found");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct request *req = *con_cls;
    if (!req) return;
    mnu_buf_free(&req->body);
    free(req);
    *con_cls = NULL;
}

/* Keep the raw path: TF matches its regexes on the encoded path and decodes the name itself. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt,
                                                           va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n') line[--n] = '\0';
    mnu_log("libmicrohttpd: %s", line);
}

int main(int argc, char **argv)
{
    const char *base = NULL, *name = "mnist", *listen_addr = "127.0.0.1", *port_file = NULL;
    const char *model_config = NULL;
    long rest_port = 8500, grpc_port = 0, threads = 0, timeout_ms = 30000, poll_s = 1;
    long max_body = 64L << 20, max_batch = 1000;
    bool cors = false, help = false, version = false;
    struct mnu_strlist labels = {0};
    const struct mnu_opt opts[] = {
        {"model_base_path", MNU_OPT_STRING, &base, 0, 0,
         "directory with numeric version subdirectories (required)"},
        {"model_export_path", MNU_OPT_STRING, &base, 0, 0, "deployer's name for --model_base_path"},
        {"model_name", MNU_OPT_STRING, &name, 0, 0, "model name in URLs (default mnist)"},
        {"rest_api_port", MNU_OPT_INT, &rest_port, 0, 65535,
         "REST port (default 8500; 0 picks a free port)"},
        {"port", MNU_OPT_INT, &grpc_port, 0, 65535, "TF's gRPC port: not provided, REST only"},
        {"listen", MNU_OPT_STRING, &listen_addr, 0, 0, "address to bind (default 127.0.0.1)"},
        {"rest_api_num_threads", MNU_OPT_INT, &threads, 1, 1024,
         "HTTP worker threads (default: one per CPU, at least 2)"},
        {"rest_api_timeout_in_ms", MNU_OPT_INT, &timeout_ms, 0, 86400000L,
         "connection idle timeout (default 30000)"},
        {"file_system_poll_wait_seconds", MNU_OPT_INT, &poll_s, -1, 86400,
         "seconds between scans for new versions (default 1; 0 = scan once)"},
        {"rest_api_enable_cors_support", MNU_OPT_BOOL, &cors, 0, 0,
         "send Access-Control-Allow-Origin: *"},
        {"version_label", MNU_OPT_LIST, &labels, 0, 0, "NAME=VERSION, may repeat"},
        {"model_config_file", MNU_OPT_STRING, &model_config, 0, 0, "not supported"},
        {"max_body_bytes", MNU_OPT_INT, &max_body, 1024, 1L << 30,
         "largest request body, else 413 (default 64 MiB)"},
        {"max_batch_size", MNU_OPT_INT, &max_batch, 1, 100000,
         "most images per request (default 1000)"},
        {"port_file", MNU_OPT_STRING, &port_file, 0, 0, "write the REST port here once listening"},
        {"server_name", MNU_OPT_IGNORED, NULL, 0, 0, "deployer flag, ignored locally"},
        {"cluster_name", MNU_OPT_IGNORED, NULL, 0, 0, "deployer flag, ignored locally"},
        {"pvc_name", MNU_OPT_IGNORED, NULL, 0, 0, "deployer flag, ignored locally"},
        {"namespace", MNU_OPT_IGNORED, NULL, 0, 0, "deployer flag, ignored locally"},
        {NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = 1;
    struct server srv = {0};
    struct MHD_Daemon *d = NULL;
    int fd = -1;

    mnu_log_init(PROG);
    if (!mnu_opts_parse(PROG, argc, argv, opts, &help, &version)) {
        rc = 2;
        goto out;
    }
    if (help) {
        mnu_opts_usage(PROG, "--model_base_path DIR [options]", opts);
        rc = 0;
        goto out;
    }
    if (version) {
        printf("%s (%s) %s\n", PROG, PACKAGE_NAME, PACKAGE_VERSION);
        rc = 0;
        goto out;
    }
    if (model_config) {
        fprintf(stderr, PROG ": --model_config_file is not supported; serve one model with "
                             "--model_base_path, --model_name and --version_label\n");
        rc = 2;
        goto out;
    }
    if (!base) {
        fprintf(stderr, PROG ": --model_base_path DIR (or --model-export-path DIR) is required\n");
        rc = 2;
        goto out;
    }
    if (!mnu_check_local_path(PROG, "model_base_path", base)) {
        rc = 2;
        goto out;
    }
    if (!*name || strpbrk(name, "/:")) {
        fprintf(stderr, PROG ": --model_name '%s': expected a non-empty name without '/' or ':'\n",
                name);
        rc = 2;
        goto out;
    }
    if (grpc_port != 0)
        mnu_log("warning: --port %ld: gRPC is not provided, only the REST API is served", grpc_port);
    if (threads == 0) {
        /* TF defaults to 4 x CPUs because its HTTP threads hand work to a separate compute
         * pool; here the handler parses and runs the model inline, so more threads than CPUs
         * only add context switches (p99 6.7 ms with 2 threads vs 11 ms with 8 on 2 CPUs). */
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 2 ? cpus : 2;
    }
    if (!mnu_signals_init()) {
        fprintf(stderr, PROG ": cannot set up signal handling\n");
        goto out;
    }

    srv.models = models_new(name, base, labels.items, labels.n);
    if (!srv.models) {
        rc = 2;
        goto out;
    }
    srv.rest.max_batch = max_batch;
    srv.cors = cors;
    srv.max_body = max_body;
    models_poll(srv.models);

    char err[512];
    int port = 0;
    fd = mnu_listen(listen_addr, rest_port, &port, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        goto out;
    }
    unsigned timeout_s = (unsigned)((timeout_ms + 999) / 1000);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                             MHD_USE_TURBO,
                         0, NULL, NULL, on_request, &srv,
                         MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                         MHD_OPTION_LISTEN_SOCKET, fd,
                         MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
                         MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
                         MHD_OPTION_CONNECTION_LIMIT, 4096u,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                         MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
                         MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, PROG ": cannot start the HTTP server on %s:%d\n", listen_addr, port);
        goto out;
    }
    fd = -1; /* the daemon owns it now */
    mnu_log("REST API listening on %s:%d (model %s, base path %s, %ld threads)", listen_addr,
            port, name, base, threads);
    if (port_file && !mnu_write_port_file(port_file, port)) {
        fprintf(stderr, PROG ": --port_file %s: cannot write it\n", port_file);
        goto out;
    }

    for (;;) {
        int sig = mnu_wait_for_signal(poll_s > 0 ? (double)poll_s : 3600.0);
        if (sig) {
            mnu_log("%s received, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
        if (poll_s > 0) models_poll(srv.models);
    }
    rc = 0;
out:
    if (d) MHD_stop_daemon(d);
    if (fd >= 0) close(fd);
    models_free(srv.models);
    mnu_strlist_free(&labels);
    if (rc == 0 && d) mnu_log("stopped");
    return rc;
}
