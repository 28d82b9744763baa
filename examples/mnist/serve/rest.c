/* SPDX-License-Identifier: MIT */
/* TensorFlow Serving's REST API (/v1/models/...): routing, status, metadata, predict, classify. */
#include "config.h"

#include "rest.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tfjson.h"

const char *const rest_api_names[API_COUNT] = {"status", "metadata", "predict", "classify",
                                               "regress", "other"};

/* TF's JsonValueToString has no limit (a TODO); a batch body would give a 20 MB message. */
#define MAX_VALUE_TEXT 4096

void rest_error(struct rest_reply *r, enum tf_code code, const char *msg)
{
    r->code = code;
    r->http_status = tf_code_http(code);
    mnu_buf_reset(&r->body);
    /* rapidjson PrettyWriter layout, as TF's MakeJsonFromStatus writes it */
    mnu_buf_adds(&r->body, "{\n    \"error\": ");
    mnu_buf_add_jstr(&r->body, msg, strlen(msg));
    mnu_buf_adds(&r->body, "\n}");
}

/* Append TF's JsonValueToString(val), truncated. */
static void value_text(struct mnu_buf *msg, const struct tj_value *v)
{
    struct mnu_buf t;
    mnu_buf_init(&t);
    tj_write(&t, v);
    if (t.len > MAX_VALUE_TEXT) {
        mnu_buf_add(msg, t.data, MAX_VALUE_TEXT);
        mnu_buf_adds(msg, "...");
    } else if (t.data) {
        mnu_buf_add(msg, t.data, t.len);
    }
    mnu_buf_free(&t);
}

/* ---- routing ---- */

struct route {
    bool ok;
    bool predict_like;   /* POST ...:method */
    char name[256];
    bool has_version, has_label;
    char version[64];
    char label[256];
    char sub[16];        /* "metadata" as written, or the :method */
};

static bool prefix_ci(const char *s, const char *p, size_t *n)
{
    size_t len = strlen(p);
    if (strncasecmp(s, p, len) != 0) return false;
    *n = len;
    return true;
}

static int hexdigit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decode a path segment ('+' stays '+'). */
static bool url_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n) {
            int hi = hexdigit(s[i + 1]), lo = hexdigit(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (char)(hi * 16 + lo);
                i += 2;
            }
        }
        if (o + 1 >= cap) return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

static size_t seg_len(const char *s) { return strcspn(s, "/:"); }

/* Optional "/versions/<digits>" or "/labels/<[^/:]+>" at *p. */
static bool parse_version_part(const char **pp, struct route *rt)
{
    const char *p = *pp;
    size_t n;
    if (prefix_ci(p, "/versions/", &n)) {
        const char *d = p + n;
        size_t k = strspn(d, "0123456789");
        if (k == 0 || k >= sizeof rt->version) return false;
        memcpy(rt->version, d, k);
        rt->version[k] = '\0';
        rt->has_version = true;
        *pp = d + k;
        return true;
    }
    if (prefix_ci(p, "/labels/", &n)) {
        const char *d = p + n;
        size_t k = seg_len(d);
        if (k == 0 || !url_decode(d, k, rt->label, sizeof rt->label)) return false;
        rt->has_label = true;
        *pp = d + k;
        return true;
    }
    return true;
}

/* (?i)/v1/models/([^/:]+)(?:/versions/(\d+)|/labels/([^/:]+))?:(classify|regress|predict) */
static bool match_predict(const char *path, struct route *rt)
{
    size_t n;
    memset(rt, 0, sizeof *rt);
    if (!prefix_ci(path, "/v1/models/", &n)) return false;
    const char *p = path + n;
    size_t k = seg_len(p);
    if (k == 0 || !url_decode(p, k, rt->name, sizeof rt->name)) return false;
    p += k;
    if (!parse_version_part(&p, rt)) return false;
    if (*p != ':') return false;
    p++;
    if (strcasecmp(p, "classify") && strcasecmp(p, "regress") && strcasecmp(p, "predict"))
        return false;
    snprintf(rt->sub, sizeof rt->sub, "%s", p);
    rt->predict_like = true;
    rt->ok = true;
    return true;
}

static bool match_status_rest(const char *p, struct route *rt)
{
    if (!parse_version_part(&p, rt)) return false;
    if (*p == '\0') return true;
    size_t n;
    if (prefix_ci(p, "/metadata", &n) && p[n] == '\0') {
        memcpy(rt->sub, p + 1, 8);
        rt->sub[8] = '\0';
        return true;
    }
    return false;
}

/* (?i)/v1/models(?:/([^/:]+))?(?:/versions/(\d+)|/labels/([^/:]+))?(?:/(metadata))? */
static bool match_status(const char *path, struct route *rt)
{
    size_t n;
    memset(rt, 0, sizeof *rt);
    if (!prefix_ci(path, "/v1/models", &n)) return false;
    const char *p = path + n;
    /* Greedy first: a name segment; then, as RE2 would backtrack, no name. */
    if (*p == '/') {
        size_t k = seg_len(p + 1);
        if (k > 0 && url_decode(p + 1, k, rt->name, sizeof rt->name) &&
            match_status_rest(p + 1 + k, rt)) {
            rt->ok = true;
            return true;
        }
    }
    memset(rt, 0, sizeof *rt);
    if (match_status_rest(p, rt)) {
        rt->ok = true;
        return true;
    }
    return false;
}

static enum tf_code route_spec(const struct route *rt, struct model_spec *spec,
                               struct mnu_buf *msg)
{
    spec->name = rt->name;
    spec->kind = SPEC_LATEST;
    if (rt->has_version) {
        if (!mnu_parse_i64(rt->version, strlen(rt->version), &spec->version)) {
            mnu_buf_printf(msg, "Failed to convert version: %s to numeric.", rt->version);
            return TF_INVALID_ARGUMENT;
        }
        spec->kind = SPEC_VERSION;
    } else if (rt->has_label) {
        spec->kind = SPEC_LABEL;
        spec->label = rt->label;
    }
    return TF_OK;
}

/* ---- metadata ---- */

static void meta_tensor(struct mnu_buf *b, const char *key, const char *dtype, const int *dims,
                        int rank, const char *tname, const char *ind)
{
    mnu_buf_printf(b, "%s\"%s\": {\n%s \"dtype\": \"%s\",\n%s \"tensor_shape\": {\n%s  \"dim\": [",
                   ind, key, ind, dtype, ind, ind);
    for (int i = 0; i < rank; i++)
        mnu_buf_printf(b, "%s\n%s   {\n%s    \"size\": \"%d\",\n%s    \"name\": \"\"\n%s   }",
                       i ? "," : "", ind, ind, dims[i], ind, ind);
    mnu_buf_printf(b, "\n%s  ],\n%s  \"unknown_rank\": false\n%s },\n%s \"name\": ", ind, ind,
                   ind, ind);
    mnu_buf_add_jstr(b, tname, strlen(tname));
    mnu_buf_printf(b, "\n%s}", ind);
}

static void meta_signature(struct mnu_buf *b, const char *sig, const struct servable_names *nm)
{
    static const int x_dims[] = {-1, 28, 28}, p_dims[] = {-1, 10}, c_dims[] = {-1};
    const char *i5 = "     ", *i7 = "       ";
    mnu_buf_printf(b, "    \"%s\": {\n%s\"inputs\": {\n", sig, i5);
    meta_tensor(b, "x", "DT_FLOAT", x_dims, 3, nm->input, "      ");
    mnu_buf_printf(b, "\n%s},\n%s\"outputs\": {\n", i5, i5);
    meta_tensor(b, "predictions", "DT_FLOAT", p_dims, 2, nm->predictions, "      ");
    mnu_buf_adds(b, ",\n");
    meta_tensor(b, "classes", "DT_UINT8", c_dims, 1, nm->classes, "      ");
    (void)i7;
    mnu_buf_printf(b, "\n%s},\n%s\"method_name\": \"tensorflow/serving/predict\",\n%s\"defaults\": {}\n    }",
                   i5, i5, i5);
}

static void handle_metadata(struct models *m, const struct model_spec *spec, struct rest_reply *r,
                            struct mnu_buf *msg)
{
    struct loaded *l = NULL;
    enum tf_code rc = models_acquire(m, spec, &l, msg);
    if (rc != TF_OK) {
        rest_error(r, rc, msg->data ? msg->data : "");
        return;
    }
    struct servable_names nm;
    servable_names(l->s, &nm);
    struct mnu_buf *b = &r->body;
    mnu_buf_adds(b, "{\n \"model_spec\": {\n  \"name\": ");
    mnu_buf_add_jstr(b, spec->name, strlen(spec->name));
    mnu_buf_printf(b, ",\n  \"signature_name\": \"\",\n  \"version\": \"%" PRId64 "\"\n },\n",
                   l->version);
    mnu_buf_adds(b, " \"metadata\": {\n  \"signature_def\": {\n   \"signature_def\": {\n");
    meta_signature(b, "serving_default", &nm);
    mnu_buf_adds(b, ",\n");
    meta_signature(b, "classes", &nm);
    mnu_buf_adds(b, "\n   }\n  }\n }\n}\n");
    models_release(l);
    r->code = TF_OK;
    r->http_status = 200;
}

/* ---- request parsing (json_tensor.cc semantics for one DT_FLOAT input 'x') ---- */

struct floats {
    float *v;
    size_t n, cap;
};

static bool floats_push(struct floats *f, float x)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 1024;
        float *p = realloc(f->v, cap * sizeof *p);
        if (!p) return false;
        f->v = p;
        f->cap = cap;
    }
    f->v[f->n++] = x;
    return true;
}

#define MAX_RANK 32
struct shape {
    int rank;
    int64_t dim[MAX_RANK];
};

static void dense_shape(const struct tj_value *v, struct shape *s)
{
    s->rank = 0;
    while (v->type == TJ_ARRAY && s->rank < MAX_RANK) {
        s->dim[s->rank++] = v->n;
        if (v->n == 0) break;
        v = &v->u.items[0];
    }
}

static void shape_text(struct mnu_buf *b, const struct shape *s)
{
    mnu_buf_addc(b, '[');
    for (int i = 0; i < s->rank; i++) mnu_buf_printf(b, "%s%" PRId64, i ? "," : "", s->dim[i]);
    mnu_buf_addc(b, ']');
}

static bool is_b64_object(const struct tj_value *v)
{
    return v->type == TJ_OBJECT && v->n == 1 && tj_get(v, "b64") &&
           tj_get(v, "b64")->type == TJ_STRING;
}

static enum tf_code add_float(const struct tj_value *v, struct floats *out, struct mnu_buf *msg)
{
    if (v->type != TJ_NUMBER) {
        mnu_buf_adds(msg, "JSON Value: ");
        value_text(msg, v);
        mnu_buf_printf(msg, " Type: %s is not of expected type: float", tj_type_name(v));
        return TF_INVALID_ARGUMENT;
    }
    bool lossless;
    if (!isfinite(v->u.d))
        lossless = true;
    else if (v->is_int)
        lossless = v->i <= 16777215 && v->i >= -16777215;
    else
        lossless = v->u.d <= 3.4028234663852886e38 && v->u.d >= -3.4028234663852886e38;
    if (!lossless) {
        mnu_buf_adds(msg, "Cannot convert JSON value: ");
        value_text(msg, v);
        mnu_buf_adds(msg, " to float without loss of precision.");
        return TF_INVALID_ARGUMENT;
    }
    if (!floats_push(out, v->f)) {
        mnu_buf_adds(msg, "out of memory");
        return TF_RESOURCE_EXHAUSTED;
    }
    return TF_OK;
}

/* FillTensorProto: walk val, checking each list against the dense shape. */
static enum tf_code fill_tensor(const struct tj_value *v, int level, const struct shape *s,
                                struct floats *out, struct mnu_buf *msg)
{
    if (v->type != TJ_ARRAY) {
        if (level != s->rank) {
            mnu_buf_adds(msg, "JSON Value: ");
            value_text(msg, v);
            mnu_buf_printf(msg, " found at incorrect level: %d in the JSON DOM. Expected at level: %d",
                           level + 1, s->rank);
            return TF_INVALID_ARGUMENT;
        }
        return add_float(v, out, msg);
    }
    if (level >= s->rank) {
        mnu_buf_printf(msg, "Encountered list at unexpected level: %d expected < %d", level,
                       s->rank);
        return TF_INVALID_ARGUMENT;
    }
    if ((int64_t)v->n != s->dim[level]) {
        mnu_buf_printf(msg, "Encountered list at unexpected size: %u at level: %d expected size: %" PRId64,
                       v->n, level, s->dim[level]);
        return TF_INVALID_ARGUMENT;
    }
    /* The hot loop for a flat 784-float instance. */
    if (level + 1 == s->rank) {
        for (uint32_t i = 0; i < v->n; i++) {
            const struct tj_value *e = &v->u.items[i];
            if (e->type == TJ_NUMBER && e->is_int == false && e->u.d == e->u.d &&
                e->u.d < 3.4e38 && e->u.d > -3.4e38 && out->n < out->cap) {
                out->v[out->n++] = e->f;
                continue;
            }
            if (e->type == TJ_ARRAY) return fill_tensor(e, level + 1, s, out, msg);
            enum tf_code rc = fill_tensor(e, level + 1, s, out, msg);
            if (rc != TF_OK) return rc;
        }
        return TF_OK;
    }
    for (uint32_t i = 0; i < v->n; i++) {
        enum tf_code rc = fill_tensor(&v->u.items[i], level + 1, s, out, msg);
        if (rc != TF_OK) return rc;
    }
    return TF_OK;
}

/* Prefix an inner error as TF does: "<prefix>Invalid argument: <inner>". */
static void wrap_error(struct mnu_buf *msg, const char *prefix)
{
    struct mnu_buf inner = *msg;
    mnu_buf_init(msg);
    mnu_buf_adds(msg, prefix);
    mnu_buf_adds(msg, "Invalid argument: ");
    if (inner.data) mnu_buf_add(msg, inner.data, inner.len);
    mnu_buf_free(&inner);
}

/* AddInstanceItem for input x. */
static enum tf_code add_instance_item(const struct tj_value *item, struct shape *first,
                                      bool *have_first, struct floats *out, struct mnu_buf *msg)
{
    struct shape s;
    dense_shape(item, &s);
    size_t before = out->n;
    enum tf_code rc = fill_tensor(item, 0, &s, out, msg);
    if (rc != TF_OK) return rc;
    size_t size = out->n - before;
    if (!*have_first) {
        *first = s;
        *have_first = true;
        return TF_OK;
    }
    int64_t first_size = 1;
    for (int i = 0; i < first->rank; i++) first_size *= first->dim[i];
    if ((int64_t)size != first_size) {
        mnu_buf_printf(msg, "Expecting tensor size: %" PRId64 " but got: %zu", first_size, size);
        return TF_INVALID_ARGUMENT;
    }
    bool same = s.rank == first->rank;
    for (int i = 0; same && i < s.rank; i++) same = s.dim[i] == first->dim[i];
    if (!same) {
        mnu_buf_adds(msg, "Expecting shape ");
        shape_text(msg, first);
        mnu_buf_adds(msg, " but got: ");
        shape_text(msg, &s);
        return TF_INVALID_ARGUMENT;
    }
    return TF_OK;
}

static enum tf_code fill_from_instances(const struct tj_value *inst, struct floats *out,
                                        size_t *batch, struct mnu_buf *msg)
{
    bool objects = inst->u.items[0].type == TJ_OBJECT && !is_b64_object(&inst->u.items[0]);
    struct shape first;
    bool have_first = false;
    for (uint32_t i = 0; i < inst->n; i++) {
        const struct tj_value *elem = &inst->u.items[i];
        bool elem_obj = elem->type == TJ_OBJECT && !is_b64_object(elem);
        if (objects) {
            if (!elem_obj) {
                mnu_buf_printf(msg, "Expecting object but got list at item %u of input list", i);
                return TF_INVALID_ARGUMENT;
            }
            bool saw_x = false;
            for (uint32_t k = 0; k < elem->n; k++) {
                const struct tj_value *key = &elem->u.items[2 * k];
                enum tf_code rc;
                if (strcmp(key->raw, "x") != 0) {
                    mnu_buf_printf(msg, "JSON object: does not have named input: %s", key->raw);
                    rc = TF_INVALID_ARGUMENT;
                } else {
                    saw_x = true;
                    rc = add_instance_item(&elem->u.items[2 * k + 1], &first, &have_first, out,
                                           msg);
                }
                if (rc != TF_OK) {
                    char prefix[512];
                    snprintf(prefix, sizeof prefix,
                             "Failed to process element: %u key: %.300s of 'instances' list. Error: ",
                             i, key->raw);
                    wrap_error(msg, prefix);
                    return rc;
                }
            }
            if (!saw_x) {
                mnu_buf_printf(msg, "Failed to process element: %u of 'instances' list. JSON object: ", i);
                value_text(msg, elem);
                mnu_buf_adds(msg, " keys must be equal to: x");
                return TF_INVALID_ARGUMENT;
            }
        } else {
            if (elem_obj) {
                mnu_buf_printf(msg, "Expecting value/list but got object at item %u of input list", i);
                return TF_INVALID_ARGUMENT;
            }
            enum tf_code rc = add_instance_item(elem, &first, &have_first, out, msg);
            if (rc != TF_OK) {
                char prefix[128];
                snprintf(prefix, sizeof prefix,
                         "Failed to process element: %u of 'instances' list. Error: ", i);
                wrap_error(msg, prefix);
                return rc;
            }
        }
    }
    *batch = inst->n;
    return TF_OK;
}

/* The model's own check: every image is 28x28 = 784 floats. */
static enum tf_code check_images(size_t total, size_t batch, bool rows, struct mnu_buf *msg)
{
    if (total % SERVABLE_INPUTS != 0) {
        mnu_buf_printf(msg, "Input to reshape is a tensor with %zu values, but the requested shape "
                            "requires a multiple of %d", total, SERVABLE_INPUTS);
        return TF_INVALID_ARGUMENT;
    }
    if (rows && total != batch * SERVABLE_INPUTS) {
        mnu_buf_printf(msg, "Expecting each instance of 'x' to hold %d values (28x28), got %zu",
                       SERVABLE_INPUTS, batch ? total / batch : total);
        return TF_INVALID_ARGUMENT;
    }
    return TF_OK;
}

static bool parse_body(const char *body, size_t len, struct tj_doc *doc, struct rest_reply *r,
                       struct mnu_buf *msg)
{
    const char *em;
    size_t off;
    if (len == 0) {
        rest_error(r, TF_INVALID_ARGUMENT, "JSON Parse error: The document is empty");
        return false;
    }
    if (!tj_parse(body, len, doc, &em, &off)) {
        mnu_buf_printf(msg, "JSON Parse error: %s at offset: %zu", em, off);
        rest_error(r, TF_INVALID_ARGUMENT, msg->data);
        return false;
    }
    if (doc->root.type != TJ_OBJECT) {
        mnu_buf_adds(msg, "JSON Value: ");
        value_text(msg, &doc->root);
        mnu_buf_adds(msg, " Is not object");
        rest_error(r, TF_INVALID_ARGUMENT, msg->data);
        return false;
    }
    const struct tj_value *sig = tj_get(&doc->root, "signature_name");
    if (sig && sig->type != TJ_STRING) {
        mnu_buf_adds(msg, "JSON Value: ");
        value_text(msg, &doc->root);
        mnu_buf_adds(msg, " not formatted correctly. 'signature_name' key must be a string value.");
        rest_error(r, TF_INVALID_ARGUMENT, msg->data);
        return false;
    }
    return true;
}

static const char *signature_of(const struct tj_doc *doc)
{
    const struct tj_value *sig = tj_get(&doc->root, "signature_name");
    return sig && sig->n ? sig->raw : "serving_default";
}

static bool known_signature(const char *sig)
{
    return !strcmp(sig, "serving_default") || !strcmp(sig, "classes");
}

static void write_row(struct mnu_buf *b, const float *scores, const uint8_t *classes, size_t n)
{
    mnu_buf_reserve(b, 64 + n * 200);
    mnu_buf_adds(b, "{\n    \"predictions\": [");
    for (size_t i = 0; i < n; i++) {
        mnu_buf_adds(b, i ? ",\n        {\n            \"predictions\": ["
                          : "\n        {\n            \"predictions\": [");
        for (int k = 0; k < SERVABLE_CLASSES; k++) {
            if (k) mnu_buf_adds(b, ", ");
            tj_write_float(b, scores[i * SERVABLE_CLASSES + (size_t)k]);
        }
        mnu_buf_printf(b, "],\n            \"classes\": %u\n        }", classes[i]);
    }
    mnu_buf_adds(b, n ? "\n    ]\n}" : "]\n}");
}

static void write_columnar(struct mnu_buf *b, const float *scores, const uint8_t *classes,
                           size_t n)
{
    mnu_buf_reserve(b, 64 + n * 300);
    mnu_buf_adds(b, "{\n    \"outputs\": {\n        \"predictions\": [");
    for (size_t i = 0; i < n; i++) {
        mnu_buf_adds(b, i ? ",\n            [" : "\n            [");
        for (int k = 0; k < SERVABLE_CLASSES; k++) {
            mnu_buf_adds(b, k ? ",\n                " : "\n                ");
            tj_write_float(b, scores[i * SERVABLE_CLASSES + (size_t)k]);
        }
        mnu_buf_adds(b, "\n            ]");
    }
    mnu_buf_adds(b, n ? "\n        ],\n        \"classes\": [" : "],\n        \"classes\": [");
    for (size_t i = 0; i < n; i++)
        mnu_buf_printf(b, "%s\n            %u", i ? "," : "", classes[i]);
    mnu_buf_adds(b, n ? "\n        ]\n    }\n}" : "]\n    }\n}");
}

static enum tf_code run_model(const struct loaded *l, const struct floats *x, size_t batch,
                              float **scores, uint8_t **classes, struct mnu_buf *msg)
{
    *scores = malloc((batch ? batch : 1) * SERVABLE_CLASSES * sizeof **scores);
    *classes = malloc(batch ? batch : 1);
    if (!*scores || !*classes) {
        mnu_buf_adds(msg, "out of memory for the outputs");
        return TF_RESOURCE_EXHAUSTED;
    }
    if (batch && servable_predict(l->s, x->v, batch, *scores, *classes) != 0) {
        mnu_buf_adds(msg, "model evaluation failed");
        return TF_INTERNAL;
    }
    return TF_OK;
}

static void handle_predict(struct models *m, const struct rest_config *cfg,
                           const struct model_spec *spec, const char *body, size_t len,
                           struct rest_reply *r, struct mnu_buf *msg)
{
    struct tj_doc doc = {0};
    struct loaded *l = NULL;
    struct floats x = {0};
    float *scores = NULL;
    uint8_t *classes = NULL;
    enum tf_code rc;
    if (!parse_body(body, len, &doc, r, msg)) goto out;
    if ((rc = models_acquire(m, spec, &l, msg)) != TF_OK) goto fail;
    const char *sig = signature_of(&doc);
    if (!known_signature(sig)) {
        mnu_buf_printf(msg, "Serving signature name: \"%s\" not found in signature def", sig);
        rc = TF_INVALID_ARGUMENT;
        goto fail;
    }
    const struct tj_value *inst = tj_get(&doc.root, "instances");
    const struct tj_value *inputs = tj_get(&doc.root, "inputs");
    bool rows = inst != NULL;
    size_t batch = 0;
    if (inst && inputs) {
        mnu_buf_adds(msg, "JSON Value: ");
        value_text(msg, &doc.root);
        mnu_buf_adds(msg, " Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist ");
        rc = TF_INVALID_ARGUMENT;
        goto fail;
    }
    if (!inst && !inputs) {
        mnu_buf_adds(msg, "Missing 'inputs' or 'instances' key");
        rc = TF_INVALID_ARGUMENT;
        goto fail;
    }
    /* Room for the common case up front, so the hot loop does not realloc. */
    x.cap = (size_t)SERVABLE_INPUTS * (inst && inst->type == TJ_ARRAY ? (inst->n ? inst->n : 1) : 1);
    if (x.cap > (size_t)cfg->max_batch * SERVABLE_INPUTS) x.cap = (size_t)cfg->max_batch * SERVABLE_INPUTS;
    x.v = malloc(x.cap * sizeof *x.v);
    if (!x.v) {
        mnu_buf_adds(msg, "out of memory");
        rc = TF_RESOURCE_EXHAUSTED;
        goto fail;
    }
    if (rows) {
        if (inst->type != TJ_ARRAY) {
            mnu_buf_adds(msg, "JSON Value: ");
            value_text(msg, &doc.root);
            mnu_buf_adds(msg, " Expecting 'instances' to be an list/array");
            rc = TF_INVALID_ARGUMENT;
            goto fail;
        }
        if (inst->n == 0) {
            mnu_buf_adds(msg, "JSON Value: ");
            value_text(msg, &doc.root);
            mnu_buf_adds(msg, " No values in 'instances' array");
            rc = TF_INVALID_ARGUMENT;
            goto fail;
        }
        if ((rc = fill_from_instances(inst, &x, &batch, msg)) != TF_OK) goto fail;
    } else {
        const struct tj_value *t = inputs;
        if (inputs->type == TJ_OBJECT && !is_b64_object(inputs)) {
            t = tj_get(inputs, "x");
            if (!t) {
                mnu_buf_adds(msg, "Missing named input: x in 'inputs' object.");
                rc = TF_INVALID_ARGUMENT;
                goto fail;
            }
        }
        struct shape s;
        dense_shape(t, &s);
        if ((rc = fill_tensor(t, 0, &s, &x, msg)) != TF_OK) goto fail;
        batch = x.n / SERVABLE_INPUTS;
    }
    if ((rc = check_images(x.n, batch, rows, msg)) != TF_OK) goto fail;
    if ((long)batch > cfg->max_batch) {
        mnu_buf_printf(msg, "Batch of %zu images is over the limit of %ld (--max_batch_size)",
                       batch, cfg->max_batch);
        rc = TF_INVALID_ARGUMENT;
        goto fail;
    }
    if ((rc = run_model(l, &x, batch, &scores, &classes, msg)) != TF_OK) goto fail;
    if (rows)
        write_row(&r->body, scores, classes, batch);
    else
        write_columnar(&r->body, scores, classes, batch);
    r->code = TF_OK;
    r->http_status = 200;
    goto out;
fail:
    rest_error(r, rc, msg->data ? msg->data : "");
out:
    free(scores);
    free(classes);
    free(x.v);
    models_release(l);
    tj_doc_free(&doc);
}

/* Feature 'x' of an example (or of the context) as 784 floats. */
static enum tf_code example_x(const struct tj_value *ex, const struct tj_value *ctx, uint32_t i,
                              struct floats *out, struct mnu_buf *msg)
{
    const struct tj_value *xv = tj_get(ex, "x");
    if (!xv && ctx) xv = tj_get(ctx, "x");
    if (!xv) {
        mnu_buf_printf(msg, "Example %u has no feature 'x' (784 floats, the 28x28 image)", i);
        return TF_INVALID_ARGUMENT;
    }
    size_t before = out->n;
    if (xv->type == TJ_ARRAY) {
        for (uint32_t k = 0; k < xv->n; k++) {
            const struct tj_value *e = &xv->u.items[k];
            if (e->type != TJ_NUMBER) {
                mnu_buf_printf(msg, "Feature: x has element with unexpected JSON type: %s",
                               tj_type_name(e));
                return TF_INVALID_ARGUMENT;
            }
            enum tf_code rc = add_float(e, out, msg);
            if (rc != TF_OK) return rc;
        }
    } else {
        enum tf_code rc = xv->type == TJ_NUMBER ? add_float(xv, out, msg) : TF_INVALID_ARGUMENT;
        if (rc != TF_OK) {
            if (!msg->len)
                mnu_buf_printf(msg, "Feature: x has element with unexpected JSON type: %s",
                               tj_type_name(xv));
            return rc;
        }
    }
    if (out->n - before != SERVABLE_INPUTS) {
        mnu_buf_printf(msg, "Feature x of example %u: expected %d float values, got %zu", i,
                       SERVABLE_INPUTS, out->n - before);
        return TF_INVALID_ARGUMENT;
    }
    return TF_OK;
}

static void handle_classify_regress(struct models *m, const struct rest_config *cfg,
                                    const struct model_spec *spec, bool classify,
                                    const char *body, size_t len, struct rest_reply *r,
                                    struct mnu_buf *msg)
{
    struct tj_doc doc = {0};
    struct loaded *l = NULL;
    struct floats x = {0};
    float *scores = NULL;
    uint8_t *classes = NULL;
    enum tf_code rc;
    if (!parse_body(body, len, &doc, r, msg)) goto out;
    const struct tj_value *ctx = tj_get(&doc.root, "context");
    if (ctx && ctx->type != TJ_OBJECT) {
        mnu_buf_printf(msg, "Example must be JSON object but got JSON %s", tj_type_name(ctx));
        rc = TF_INVALID_ARGUMENT;
        goto fail;
    }
    const struct tj_value *ex = tj_get(&doc.root, "examples");
    if (!ex || ex->type != TJ_ARRAY || ex->n == 0) {
        mnu_buf_adds(msg, "JSON Value: ");
        value_text(msg, &doc.root);
        /* TF says "classify" here for regress requests too. */
        if (!ex)
            mnu_buf_adds(msg, " When method is classify, key 'examples' is expected and was not found");
        else if (ex->type != TJ_ARRAY)
            mnu_buf_adds(msg, " Expecting 'examples' value to be an list/array");
        else
            mnu_buf_adds(msg, " 'examples' value is an empty array");
        rc = TF_INVALID_ARGUMENT;
        goto fail;
    }
    for (uint32_t i = 0; i < ex->n; i++) {
        if (ex->u.items[i].type != TJ_OBJECT) {
            mnu_buf_printf(msg, "Example must be JSON object but got JSON %s",
                           tj_type_name(&ex->u.items[i]));
            rc = TF_INVALID_ARGUMENT;
            goto fail;
        }
    }
    if ((rc = models_acquire(m, spec, &l, msg)) != TF_OK) goto fail;
    const char *sig = signature_of(&doc);
    if (!known_signature(sig)) {
        mnu_buf_printf(msg, "No signature was found with name: %s", sig);
        rc = TF_INVALID_ARGUMENT;
        goto fail;
    }
    if (!classify) {
        mnu_buf_adds(msg, "Expected regression signature method_name to be "
                          "tensorflow/serving/regress. Was: tensorflow/serving/predict");
        rc = TF_INVALID_ARGUMENT;
        goto fail;
    }
    if ((long)ex->n > cfg->max_batch) {
        mnu_buf_printf(msg, "Batch of %u examples is over the limit of %ld (--max_batch_size)",
                       ex->n, cfg->max_batch);
        rc = TF_INVALID_ARGUMENT;
        goto fail;
    }
    for (uint32_t i = 0; i < ex->n; i++)
        if ((rc = example_x(&ex->u.items[i], ctx, i, &x, msg)) != TF_OK) goto fail;
    if ((rc = run_model(l, &x, ex->n, &scores, &classes, msg)) != TF_OK) goto fail;
    struct mnu_buf *b = &r->body;
    mnu_buf_adds(b, "{\n    \"results\": [");
    for (uint32_t i = 0; i < ex->n; i++) {
        mnu_buf_adds(b, i ? ",\n        [" : "\n        [");
        for (int k = 0; k < SERVABLE_CLASSES; k++) {
            mnu_buf_printf(b, "%s[\"%d\", ", k ? ", " : "", k);
            tj_write_float(b, scores[(size_t)i * SERVABLE_CLASSES + (size_t)k]);
            mnu_buf_addc(b, ']');
        }
        mnu_buf_addc(b, ']');
    }
    mnu_buf_adds(b, "\n    ]\n}");
    r->code = TF_OK;
    r->http_status = 200;
    goto out;
fail:
    rest_error(r, rc, msg->data ? msg->data : "");
out:
    free(scores);
    free(classes);
    free(x.v);
    models_release(l);
    tj_doc_free(&doc);
}

void rest_handle(struct models *m, const struct rest_config *cfg, const char *method,
                 const char *path, const char *body, size_t body_len, struct rest_reply *r)
{
    struct route rt;
    struct model_spec spec;
    struct mnu_buf msg;
    mnu_buf_init(&msg);
    r->api = API_OTHER;
    enum tf_code rc;
    if (!strcmp(method, "POST") && match_predict(path, &rt)) {
        r->api = !strcasecmp(rt.sub, "predict")    ? API_PREDICT
                 : !strcasecmp(rt.sub, "classify") ? API_CLASSIFY
                                                   : API_REGRESS;
        if ((rc = route_spec(&rt, &spec, &msg)) != TF_OK) {
            rest_error(r, rc, msg.data);
        } else if (r->api == API_PREDICT) {
            handle_predict(m, cfg, &spec, body, body_len, r, &msg);
        } else {
            handle_classify_regress(m, cfg, &spec, r->api == API_CLASSIFY, body, body_len, r,
                                    &msg);
        }
    } else if (!strcmp(method, "GET") && match_status(path, &rt)) {
        /* TF compares the sub-resource case-sensitively after a case-insensitive match. */
        r->api = !strcmp(rt.sub, "metadata") ? API_METADATA : API_STATUS;
        if (rt.name[0] == '\0') {
            rest_error(r, TF_INVALID_ARGUMENT, "Missing model name in request.");
        } else if ((rc = route_spec(&rt, &spec, &msg)) != TF_OK) {
            rest_error(r, rc, msg.data);
        } else if (r->api == API_METADATA) {
            handle_metadata(m, &spec, r, &msg);
        } else {
            struct mnu_buf body_out;
            mnu_buf_init(&body_out);
            rc = models_status_json(m, &spec, &body_out, &msg);
            if (rc != TF_OK) {
                mnu_buf_free(&body_out);
                rest_error(r, rc, msg.data ? msg.data : "");
            } else {
                mnu_buf_free(&r->body);
                r->body = body_out;
                r->code = TF_OK;
                r->http_status = 200;
            }
        }
    } else {
        mnu_buf_printf(&msg, "Malformed request: %s %s", method, path);
        rest_error(r, TF_INVALID_ARGUMENT, msg.data ? msg.data : "Malformed request");
    }
    if (mnu_buf_failed(&r->body)) {
        mnu_buf_free(&r->body);
        rest_error(r, TF_RESOURCE_EXHAUSTED, "out of memory writing the response");
    }
    mnu_buf_free(&msg);
}
