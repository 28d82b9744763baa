/* SPDX-License-Identifier: MIT */
/* mnist-web-ui: the MNIST demo page; proxies predictions to mnist-serve's REST API. */
#include "config.h"

#include <curl/curl.h>
#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "assets.h"
#include "idx.h"
#include "util.h"

#define PROG "mnist-web-ui"
#define MAX_BODY (1L << 20)
#define SERVE_TIMEOUT_MS 10000L /* the original client's gRPC timeout */

struct webui {
    const char *model_name;
    const char *server_addr;
    long server_port;
    bool allow_any_server;
    struct idx_testset test;
    char test_error[512];
    pthread_mutex_t rng_lock;
    unsigned long long rng;
};

struct request {
    struct mnu_buf body;
    bool too_large;
};

/* ---- responses ---- */

static enum MHD_Result send_bytes(struct MHD_Connection *c, int status, const char *ctype,
                                  char *body, size_t len, bool must_free)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (must_free) free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Takes j. */
static enum MHD_Result send_json(struct MHD_Connection *c, int status, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9)) : NULL;
    json_decref(j);
    if (!s) return MHD_NO;
    return send_bytes(c, status, "application/json", s, strlen(s), true);
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return send_json(c, status, json_pack("{s:s}", "error", msg));
}

/* ---- the model server, through libcurl ---- */

struct target {
    char name[256];
    char addr[256];
    long port;
};

static bool is_loopback(const char *addr)
{
    return !strcmp(addr, "127.0.0.1") || !strncmp(addr, "127.", 4) || !strcmp(addr, "::1") ||
           !strcmp(addr, "[::1]") || !strcasecmp(addr, "localhost");
}

/* Fill t from the request's name/addr/port (strings or numbers) or the flags' defaults. */
static bool get_target(const struct webui *ui, const char *name, const char *addr,
                       const char *port, struct target *t, char *err, size_t errlen)
{
    if (!name || !*name) name = ui->model_name;
    if (!addr || !*addr || !strcmp(addr, "mnist-service")) addr = ui->server_addr;
    t->port = ui->server_port;
    if (port && *port && !mnu_parse_long(port, 1, 65535, &t->port)) {
        snprintf(err, errlen, "port '%.64s': expected a number from 1 to 65535", port);
        return false;
    }
    if (strlen(name) >= sizeof t->name || strpbrk(name, "/:?#% ")) {
        snprintf(err, errlen, "model name '%.64s': expected a plain name", name);
        return false;
    }
    if (strlen(addr) >= sizeof t->addr || strpbrk(addr, "/?#@ ")) {
        snprintf(err, errlen, "server address '%.64s': expected a host name or IP address", addr);
        return false;
    }
    if (!ui->allow_any_server && !is_loopback(addr)) {
        snprintf(err, errlen, "server address '%.64s': only loopback model servers are allowed "
                 "(start mnist-web-ui with --allow-any-server to lift this)", addr);
        return false;
    }
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->addr, sizeof t->addr, "%s", addr);
    return true;
}

static size_t on_curl_data(char *p, size_t size, size_t n, void *userdata)
{
    struct mnu_buf *b = userdata;
    if (b->len + size * n > 16u << 20) return 0;
    mnu_buf_add(b, p, size * n);
    return mnu_buf_failed(b) ? 0 : size * n;
}

/* GET or POST url; on success *status and body are set. Errors: false with a message. */
static bool http_call(const char *url, const char *post, size_t post_len, long *status,
                      struct mnu_buf *body, char *err, size_t errlen)
{
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "cannot create an HTTP client");
        return false;
    }
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, SERVE_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_curl_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    if (post) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)post_len);
    }
    CURLcode rc = curl_easy_perform(h);
    bool ok = rc == CURLE_OK;
    if (ok)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    else
        snprintf(err, errlen, "%s", curl_easy_strerror(rc));
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return ok;
}

static void url_for(const struct target *t, const char *suffix, char *url, size_t len)
{
    bool v6 = strchr(t->addr, ':') && t->addr[0] != '[';
    snprintf(url, len, "http://%s%s%s:%ld/v1/models/%s%s", v6 ? "[" : "", t->addr, v6 ? "]" : "",
             t->port, t->name, suffix);
}

/* The error text of a TF error body, or the body itself. */
static void serve_error_text(const struct mnu_buf *body, char *out, size_t len)
{
    json_t *j = body->data ? json_loadb(body->data, body->len, 0, NULL) : NULL;
    const char *e = j ? json_string_value(json_object_get(j, "error")) : NULL;
    snprintf(out, len, "%.400s", e ? e : body->data ? body->data : "(empty body)");
    json_decref(j);
}

/* Version and state from the status API: the AVAILABLE version if any. */
static bool model_status(const struct target *t, char *version, size_t vlen, char *state,
                         size_t slen, char *err, size_t errlen)
{
    char url[700];
    url_for(t, "", url, sizeof url);
    struct mnu_buf body;
    mnu_buf_init(&body);
    long status = 0;
    bool ok = false;
    if (!http_call(url, NULL, 0, &status, &body, err, errlen)) goto out;
    if (status != 200) {
        char e[512];
        serve_error_text(&body, e, sizeof e);
        snprintf(err, errlen, "model server answered HTTP %ld: %.400s", status, e);
        goto out;
    }
    json_t *j = json_loadb(body.data ? body.data : "", body.len, 0, NULL);
    json_t *list = json_object_get(j, "model_version_status");
    size_t i;
    json_t *v;
    snprintf(version, vlen, "%s", "");
    snprintf(state, slen, "%s", "UNKNOWN");
    json_array_foreach(list, i, v)
    {
        const char *st = json_string_value(json_object_get(v, "state"));
        const char *ver = json_string_value(json_object_get(v, "version"));
        if (st && ver && (i == 0 || !strcmp(st, "AVAILABLE"))) {
            snprintf(version, vlen, "%s", ver);
            snprintf(state, slen, "%s", st);
            if (!strcmp(st, "AVAILABLE")) break;
        }
    }
    ok = j != NULL && json_array_size(list) > 0;
    if (!ok) snprintf(err, errlen, "model server sent an unexpected status reply");
    json_decref(j);
out:
    mnu_buf_free(&body);
    return ok;
}

/* ---- handlers ---- */

static enum MHD_Result handle_page(struct MHD_Connection *c, const struct webui *ui,
                                   const struct webui_asset *page)
{
    const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
    const char *addr = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "addr");
    const char *port = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "port");
    char port_default[16];
    snprintf(port_default, sizeof port_default, "%ld", ui->server_port);
    const char *vals[3] = {name && *name ? name : ui->model_name,
                           addr && *addr ? addr : ui->server_addr,
                           port && *port ? port : port_default};
    static const char *const keys[3] = {"@MODEL_NAME@", "@SERVER_ADDR@", "@SERVER_PORT@"};
    struct mnu_buf b;
    mnu_buf_init(&b);
    const char *p = page->data;
    while (*p) {
        const char *at = strchr(p, '@');
        if (!at) {
            mnu_buf_adds(&b, p);
            break;
        }
        mnu_buf_add(&b, p, (size_t)(at - p));
        int k = 0;
        while (k < 3 && strncmp(at, keys[k], strlen(keys[k]))) k++;
        if (k == 3) {
            mnu_buf_addc(&b, '@');
            p = at + 1;
            continue;
        }
        /* HTML-escape the value: it lands in an attribute. */
        for (const char *v = vals[k]; *v && v - vals[k] < 200; v++) {
            switch (*v) {
            case '&': mnu_buf_adds(&b, "&amp;"); break;
            case '<': mnu_buf_adds(&b, "&lt;"); break;
            case '>': mnu_buf_adds(&b, "&gt;"); break;
            case '"': mnu_buf_adds(&b, "&quot;"); break;
            case '\'': mnu_buf_adds(&b, "&#39;"); break;
            default: mnu_buf_addc(&b, *v);
            }
        }
        p = at + strlen(keys[k]);
    }
    size_t len = 0;
    char *s = mnu_buf_take(&b, &len);
    if (!s) return send_error(c, 500, "out of memory");
    return send_bytes(c, 200, page->content_type, s, len, true);
}

static enum MHD_Result handle_random(struct MHD_Connection *c, struct webui *ui)
{
    if (!ui->test.count)
        return send_error(c, 503, "no MNIST test images: %s (start with --data-dir DIR)",
                          ui->test_error);
    pthread_mutex_lock(&ui->rng_lock);
    ui->rng = ui->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    size_t i = (size_t)((ui->rng >> 33) % ui->test.count);
    pthread_mutex_unlock(&ui->rng_lock);
    struct mnu_buf b;
    mnu_buf_init(&b);
    mnu_buf_printf(&b, "{\"index\":%zu,\"label\":%u,\"pixels\":[", i, ui->test.labels[i]);
    const uint8_t *px = ui->test.pixels + i * 784;
    for (int k = 0; k < 784; k++) mnu_buf_printf(&b, k ? ",%u" : "%u", px[k]);
    mnu_buf_adds(&b, "]}");
    size_t len = 0;
    char *s = mnu_buf_take(&b, &len);
    if (!s) return send_error(c, 500, "out of memory");
    return send_bytes(c, 200, "application/json", s, len, true);
}

static enum MHD_Result handle_status(struct MHD_Connection *c, const struct webui *ui)
{
    struct target t;
    char err[512], version[64], state[32];
    if (!get_target(ui, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name"),
                    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "addr"),
                    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "port"), &t, err,
                    sizeof err))
        return send_error(c, 400, "%s", err);
    if (!model_status(&t, version, sizeof version, state, sizeof state, err, sizeof err))
        return send_error(c, 502, "model server %s:%ld (model %s): %s", t.addr, t.port, t.name,
                          err);
    char server[300];
    snprintf(server, sizeof server, "%s:%ld", t.addr, t.port);
    return send_json(c, 200, json_pack("{s:s, s:s, s:s, s:s}", "model_name", t.name,
                                       "model_version", version, "state", state, "server",
                                       server));
}

/* A JSON string or integer member as text (for name/addr/port). */
static const char *member_text(json_t *obj, const char *key, char *buf, size_t len)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return NULL;
}

static enum MHD_Result handle_predict(struct MHD_Connection *c, const struct webui *ui,
                                      const struct request *req)
{
    json_error_t jerr;
    json_t *in = json_loadb(req->body.data ? req->body.data : "", req->body.len, 0, &jerr);
    enum MHD_Result ret;
    struct mnu_buf post, resp;
    mnu_buf_init(&post);
    mnu_buf_init(&resp);
    json_t *out_json = NULL, *serve_json = NULL;
    if (!json_is_object(in)) {
        ret = send_error(c, 400, "request body: expected a JSON object: %s", jerr.text);
        goto out;
    }
    char port_buf[32], err[512];
    struct target t;
    if (!get_target(ui, member_text(in, "name", NULL, 0), member_text(in, "addr", NULL, 0),
                    member_text(in, "port", port_buf, sizeof port_buf), &t, err, sizeof err)) {
        ret = send_error(c, 400, "%s", err);
        goto out;
    }
    json_t *pixels = json_object_get(in, "pixels");
    json_t *index = json_object_get(in, "index");
    long truth = -1;
    float x[784];
    if (pixels && !json_is_null(pixels)) {
        if (!json_is_array(pixels) || json_array_size(pixels) != 784) {
            ret = send_error(c, 400, "pixels: expected 784 numbers from 0 to 1 (a 28x28 image)");
            goto out;
        }
        for (size_t i = 0; i < 784; i++) {
            json_t *v = json_array_get(pixels, i);
            double d = json_number_value(v);
            if (!json_is_number(v) || !(d >= 0.0 && d <= 1.0)) {
                ret = send_error(c, 400, "pixels[%zu]: expected a number from 0 to 1", i);
                goto out;
            }
            x[i] = (float)d;
        }
        if (json_is_integer(index) && json_integer_value(index) >= 0 &&
            (size_t)json_integer_value(index) < ui->test.count)
            truth = ui->test.labels[json_integer_value(index)];
    } else if (json_is_integer(index)) {
        json_int_t i = json_integer_value(index);
        if (!ui->test.count) {
            ret = send_error(c, 503, "no MNIST test images: %s (start with --data-dir DIR)",
                             ui->test_error);
            goto out;
        }
        if (i < 0 || (size_t)i >= ui->test.count) {
            ret = send_error(c, 400, "index %lld: expected 0 to %zu", (long long)i,
                             ui->test.count - 1);
            goto out;
        }
        for (int k = 0; k < 784; k++) x[k] = (float)ui->test.pixels[(size_t)i * 784 + (size_t)k] / 255.0f;
        truth = ui->test.labels[i];
    } else {
        ret = send_error(c, 400, "give \"pixels\" (784 numbers from 0 to 1) or \"index\" (a test image)");
        goto out;
    }

    mnu_buf_adds(&post, "{\"signature_name\":\"serving_default\",\"instances\":[[");
    for (int k = 0; k < 784; k++) mnu_buf_printf(&post, k ? ",%.9g" : "%.9g", (double)x[k]);
    mnu_buf_adds(&post, "]]}");
    char url[700];
    url_for(&t, ":predict", url, sizeof url);
    long status = 0;
    double t0 = mnu_now();
    if (mnu_buf_failed(&post) ||
        !http_call(url, post.data, post.len, &status, &resp, err, sizeof err)) {
        ret = send_error(c, 502, "cannot reach the model server at %s:%ld: %s", t.addr, t.port,
                         err);
        goto out;
    }
    double latency_ms = (mnu_now() - t0) * 1000.0;
    if (status != 200) {
        char e[512];
        serve_error_text(&resp, e, sizeof e);
        ret = send_error(c, 502, "model server answered HTTP %ld: %s", status, e);
        goto out;
    }
    serve_json = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
    json_t *p0 = json_array_get(json_object_get(serve_json, "predictions"), 0);
    json_t *scores = json_object_get(p0, "predictions");
    json_t *cls = json_object_get(p0, "classes");
    if (!json_is_array(scores) || json_array_size(scores) != 10 || !json_is_integer(cls)) {
        ret = send_error(c, 502, "model server sent an unexpected predict reply");
        goto out;
    }
    char version[64] = "", state[32];
    if (!model_status(&t, version, sizeof version, state, sizeof state, err, sizeof err))
        version[0] = '\0';
    out_json = json_pack("{s:O, s:O, s:o, s:s, s:o, s:f}", "prediction", cls, "scores", scores,
                         "truth", truth >= 0 ? json_integer(truth) : json_null(), "model_name",
                         t.name, "model_version", version[0] ? json_string(version) : json_null(),
                         "latency_ms", latency_ms);
    ret = send_json(c, 200, out_json);
out:
    json_decref(in);
    json_decref(serve_json);
    mnu_buf_free(&post);
    mnu_buf_free(&resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct webui *ui = cls;
    struct request *req = *con_cls;
    (void)version;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req) return MHD_NO;
        mnu_buf_init(&req->body);
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (req->body.len + *upload_data_size > (size_t)MAX_BODY) req->too_large = true;
        if (!req->too_large) mnu_buf_add(&req->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->too_large) return send_error(c, 413, "request body over %ld bytes", MAX_BODY);
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (get && !strcmp(url, "/healthz")) return send_json(c, 200, json_pack("{s:s}", "status", "ok"));
    if (get && (!strcmp(url, "/") || !strcmp(url, "/index.html"))) {
        for (size_t i = 0; i < webui_n_assets; i++)
            if (!strcmp(webui_assets[i].path, "/index.html"))
                return handle_page(c, ui, &webui_assets[i]);
    }
    if (get && !strncmp(url, "/static/", 8)) {
        for (size_t i = 0; i < webui_n_assets; i++)
            if (!strcmp(webui_assets[i].path, url))
                return send_bytes(c, 200, webui_assets[i].content_type,
                                  (char *)webui_assets[i].data, webui_assets[i].len, false);
        return send_error(c, 404, "no such file: %.200s", url);
    }
    if (get && !strcmp(url, "/api/random")) return handle_random(c, ui);
    if (get && !strcmp(url, "/api/status")) return handle_status(c, ui);
    if (!strcmp(url, "/api/predict")) {
        if (strcmp(method, "POST") != 0) return send_error(c, 405, "use POST for /api/predict");
        return handle_predict(c, ui, req);
    }
    return send_error(c, 404, "Not found: %s %.200s", method, url);
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
    const char *listen_addr = "127.0.0.1", *data_dir = "/tmp/data/", *port_file = NULL;
    long port = 5000, container_port = -1;
    bool help = false, version = false;
    struct webui ui = {.model_name = "mnist", .server_addr = "127.0.0.1", .server_port = 8500};
    const struct mnu_opt opts[] = {
        {"listen", MNU_OPT_STRING, &listen_addr, 0, 0, "address to bind (default 127.0.0.1)"},
        {"port", MNU_OPT_INT, &port, 0, 65535, "port of the page (default 5000; 0 = any free)"},
        {"container_port", MNU_OPT_INT, &container_port, 0, 65535,
         "deploy-service flag: same as --port"},
        {"model_name", MNU_OPT_STRING, &ui.model_name, 0, 0, "default model name (mnist)"},
        {"server_addr", MNU_OPT_STRING, &ui.server_addr, 0, 0,
         "default model server address (127.0.0.1)"},
        {"server_port", MNU_OPT_INT, &ui.server_port, 1, 65535,
         "default model server REST port (8500)"},
        {"data_dir", MNU_OPT_STRING, &data_dir, 0, 0,
         "dir with t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] (/tmp/data/)"},
        {"allow_any_server", MNU_OPT_BOOL, &ui.allow_any_server, 0, 0,
         "let the page call non-loopback model servers"},
        {"port_file", MNU_OPT_STRING, &port_file, 0, 0, "write the listening port here"},
        {"image", MNU_OPT_IGNORED, NULL, 0, 0, "deploy-service flag, ignored locally"},
        {"name", MNU_OPT_IGNORED, NULL, 0, 0, "deploy-service flag, ignored locally"},
        {"service_port", MNU_OPT_IGNORED, NULL, 0, 0, "deploy-service flag, ignored locally"},
        {"service_type", MNU_OPT_IGNORED, NULL, 0, 0, "deploy-service flag, ignored locally"},
        {"cluster_name", MNU_OPT_IGNORED, NULL, 0, 0, "deploy-service flag, ignored locally"},
        {"namespace", MNU_OPT_IGNORED, NULL, 0, 0, "deploy-service flag, ignored locally"},
        {NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = 1;
    struct MHD_Daemon *d = NULL;
    int fd = -1;
    bool curl_ok = false;

    mnu_log_init(PROG);
    pthread_mutex_init(&ui.rng_lock, NULL);
    if (!mnu_opts_parse(PROG, argc, argv, opts, &help, &version)) {
        rc = 2;
        goto out;
    }
    if (help) {
        mnu_opts_usage(PROG, "[options]", opts);
        rc = 0;
        goto out;
    }
    if (version) {
        printf("%s (%s) %s\n", PROG, PACKAGE_NAME, PACKAGE_VERSION);
        rc = 0;
        goto out;
    }
    if (container_port >= 0) port = container_port;
    if (!mnu_check_local_path(PROG, "data-dir", data_dir)) {
        rc = 2;
        goto out;
    }
    if (idx_testset_load(data_dir, &ui.test, ui.test_error, sizeof ui.test_error) == 0)
        mnu_log("loaded %zu test images from %s", ui.test.count, data_dir);
    else
        mnu_log("warning: no random test images: %s", ui.test_error);
    ui.rng = (unsigned long long)mnu_now() * 1000003ULL ^ (unsigned long long)getpid();

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, PROG ": cannot initialise libcurl\n");
        goto out;
    }
    curl_ok = true;
    if (!mnu_signals_init()) {
        fprintf(stderr, PROG ": cannot set up signal handling\n");
        goto out;
    }
    char err[512];
    int actual = 0;
    fd = mnu_listen(listen_addr, port, &actual, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        goto out;
    }
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0,
                         NULL, NULL, on_request, &ui,
                         MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                         MHD_OPTION_LISTEN_SOCKET, fd,
                         MHD_OPTION_THREAD_POOL_SIZE, 4u,
                         MHD_OPTION_CONNECTION_TIMEOUT, 60u,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                         MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, PROG ": cannot start the HTTP server on %s:%d\n", listen_addr, actual);
        goto out;
    }
    fd = -1;
    mnu_log("web UI on http://%s:%d/ (model server %s:%ld, model %s)", listen_addr, actual,
            ui.server_addr, ui.server_port, ui.model_name);
    if (port_file && !mnu_write_port_file(port_file, actual)) {
        fprintf(stderr, PROG ": --port_file %s: cannot write it\n", port_file);
        goto out;
    }
    for (;;) {
        int sig = mnu_wait_for_signal(3600.0);
        if (sig) {
            mnu_log("%s received, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
    }
    rc = 0;
out:
    if (d) MHD_stop_daemon(d);
    if (fd >= 0) close(fd);
    if (curl_ok) curl_global_cleanup();
    idx_testset_free(&ui.test);
    pthread_mutex_destroy(&ui.rng_lock);
    return rc;
}
