/* SPDX-License-Identifier: MIT */
/* model.mnpm reading, validation, writing and inference; IDX reader; atomic versioned export. */
#include "config.h"

#include "mnpm.h"

#include <cblas.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define HDR_SIZE 80u
#define LAYER_SIZE 64u
#define MAX_LAYERS 64u

struct mnpm_layer {
    enum mnpm_layer_type type;
    uint32_t p[6];
    const float *w, *b;
    size_t w_len, b_len;
};

struct mnpm_model {
    void *buf;                 /* whole file (or owned parameter copy), 64-byte aligned */
    enum mnpm_kind kind;
    uint64_t created;
    size_t n_layers;
    struct mnpm_layer layers[MAX_LAYERS];
    size_t max_act;            /* largest activation, floats per image */
    size_t max_col;            /* largest im2col buffer, floats per image */
    size_t params;
    char *sig, *prov;
};

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static void wr32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}

static void wr64(unsigned char *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

static size_t align64(size_t v) { return (v + 63u) & ~(size_t)63u; }

const char *mnpm_kind_name(enum mnpm_kind k)
{
    switch (k) {
    case MNPM_LINEAR: return "LINEAR";
    case MNPM_MLP: return "MLP";
    case MNPM_CNN: return "CNN";
    }
    return "?";
}

static const char *layer_name(uint32_t t)
{
    static const char *const names[] = { "?", "dense", "conv2d", "maxpool", "relu", "flatten",
                                         "dropout", "softmax" };
    return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static const char signature_text[] =
    "signature " MNPM_SIG_DEFAULT " " MNPM_SIG_CLASSES "\n"
    "method " MNPM_SIG_METHOD "\n"
    "input " MNPM_SIG_INPUT " DT_FLOAT -1,28,28 x:0\n"
    "output " MNPM_SIG_OUT_PROBS " DT_FLOAT -1,10 predictions:0\n"
    "output " MNPM_SIG_OUT_CLASSES " DT_UINT8 -1 classes:0\n";

/* Walk the layer chain, check every shape and compute the scratch sizes. The input is a
 * 1x28x28 image (784 flat). */
static int check_chain(struct mnpm_model *m, const char *path, char *err, size_t errlen)
{
    size_t c = 1, h = 28, w = 28, flat = 0;   /* flat != 0: a vector of that length */
    size_t max_act = MNPM_INPUTS, max_col = 0, params = 0;
    int spatial = 1;

    for (size_t i = 0; i < m->n_layers; i++) {
        struct mnpm_layer *l = &m->layers[i];
        size_t cur = spatial ? c * h * w : flat;
        switch (l->type) {
        case MNPM_L_DENSE:
            if (l->p[0] != cur)
                return fail(err, errlen, "%s: layer %zu (dense) expects %" PRIu32
                            " inputs but the previous layer gives %zu", path, i, l->p[0], cur);
            if (l->p[1] == 0 || l->w_len != (size_t)l->p[0] * l->p[1] || l->b_len != l->p[1])
                return fail(err, errlen, "%s: layer %zu (dense %" PRIu32 "x%" PRIu32
                            "): weight/bias sizes %zu/%zu do not match", path, i, l->p[0],
                            l->p[1], l->w_len, l->b_len);
            spatial = 0; flat = l->p[1];
            break;
        case MNPM_L_CONV2D: {
            size_t k = l->p[2];
            if (!spatial || l->p[0] != c || l->p[4] != h || l->p[5] != w || l->p[3] != 1
                || k == 0 || k % 2 == 0 || l->p[1] == 0)
                return fail(err, errlen, "%s: layer %zu (conv2d c_in=%" PRIu32 " %" PRIu32
                            "x%" PRIu32 " k=%" PRIu32 " stride=%" PRIu32 ") does not fit its "
                            "input %zux%zux%zu", path, i, l->p[0], l->p[4], l->p[5], l->p[2],
                            l->p[3], c, h, w);
            if (l->w_len != (size_t)l->p[1] * c * k * k || l->b_len != l->p[1])
                return fail(err, errlen, "%s: layer %zu (conv2d): weight/bias sizes %zu/%zu "
                            "do not match [%" PRIu32 "][%zu][%zu][%zu]", path, i, l->w_len,
                            l->b_len, l->p[1], c, k, k);
            if (c * k * k * h * w > max_col)
                max_col = c * k * k * h * w;
            c = l->p[1];
            break;
        }
        case MNPM_L_MAXPOOL:
            if (!spatial || l->p[0] != c || l->p[1] != 2 || l->p[2] != 2 || l->p[3] != h
                || l->p[4] != w)
                return fail(err, errlen, "%s: layer %zu (maxpool) does not fit its input "
                            "%zux%zux%zu", path, i, c, h, w);
            h = (h + 1) / 2; w = (w + 1) / 2;
            break;
        case MNPM_L_FLATTEN:
            if (spatial) { flat = c * h * w; spatial = 0; }
            break;
        case MNPM_L_RELU: case MNPM_L_DROPOUT:
            break;
        case MNPM_L_SOFTMAX:
            if (i != m->n_layers - 1)
                return fail(err, errlen, "%s: softmax must be the last layer (it is layer %zu "
                            "of %zu)", path, i, m->n_layers);
            break;
        default:
            return fail(err, errlen, "%s: layer %zu has unknown type %u", path, i,
                        (unsigned)l->type);
        }
        if (l->type != MNPM_L_DENSE && l->type != MNPM_L_CONV2D && (l->w_len || l->b_len))
            return fail(err, errlen, "%s: layer %zu (%s) must not have parameters", path, i,
                        layer_name(l->type));
        params += l->w_len + l->b_len;
        cur = spatial ? c * h * w : flat;
        if (cur > max_act)
            max_act = cur;
    }
    if (spatial || flat != MNPM_CLASSES)
        return fail(err, errlen, "%s: the model gives %zu outputs, expected %d classes", path,
                    spatial ? c * h * w : flat, MNPM_CLASSES);
    if (m->n_layers == 0 || m->layers[m->n_layers - 1].type != MNPM_L_SOFTMAX)
        return fail(err, errlen, "%s: the last layer must be softmax", path);
    m->max_act = max_act;
    m->max_col = max_col;
    m->params = params;
    return 0;
}

static char *dup_block(const unsigned char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

void mnpm_free(struct mnpm_model *m)
{
    if (!m)
        return;
    free(m->buf);
    free(m->sig);
    free(m->prov);
    free(m);
}

static int parse_buffer(struct mnpm_model *m, const unsigned char *buf, size_t size,
                        const char *path, char *err, size_t errlen)
{
    if (size < HDR_SIZE + 4)
        return fail(err, errlen, "%s: file too short (%zu bytes) for a model.mnpm header", path,
                    size);
    if (memcmp(buf, MNPM_MAGIC, 8) != 0)
        return fail(err, errlen, "%s: bad magic (not a model.mnpm file)", path);
    uint32_t ver = rd32(buf + 8), hs = rd32(buf + 12), kind = rd32(buf + 16);
    if (ver != MNPM_FORMAT_VERSION)
        return fail(err, errlen, "%s: format version %" PRIu32 " is not supported (expected %u)",
                    path, ver, MNPM_FORMAT_VERSION);
    if (hs != HDR_SIZE)
        return fail(err, errlen, "%s: header size %" PRIu32 ", expected %u", path, hs, HDR_SIZE);
    uint64_t payload = rd64(buf + 64);
    if (payload > size || HDR_SIZE + payload + 4 != size)
        return fail(err, errlen, "%s: size mismatch: header says %" PRIu64 " payload bytes, the "
                    "file has %zu bytes (truncated or extended?)", path, payload, size);
    uint32_t want = rd32(buf + size - 4);
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(size - 4));
    if (crc != want)
        return fail(err, errlen, "%s: CRC-32 mismatch (stored %08" PRIx32 ", computed %08" PRIx32
                    "): the file is corrupt", path, want, crc);
    if (kind < MNPM_LINEAR || kind > MNPM_CNN)
        return fail(err, errlen, "%s: unknown model kind %" PRIu32, path, kind);
    if (rd32(buf + 20) != MNPM_CLASSES || rd32(buf + 24) != 28 || rd32(buf + 28) != 28)
        return fail(err, errlen, "%s: input/output spec is not x[-1,28,28] -> 10 classes", path);
    uint32_t nl = rd32(buf + 48), sl = rd32(buf + 52), pl = rd32(buf + 56), le = rd32(buf + 60);
    if (le != LAYER_SIZE)
        return fail(err, errlen, "%s: layer entry size %" PRIu32 ", expected %u", path, le,
                    LAYER_SIZE);
    if (nl == 0 || nl > MAX_LAYERS)
        return fail(err, errlen, "%s: layer count %" PRIu32 " out of range 1..%u", path, nl,
                    MAX_LAYERS);
    size_t end = size - 4;
    size_t off = HDR_SIZE + (size_t)nl * LAYER_SIZE;
    if (off + sl + pl > end)
        return fail(err, errlen, "%s: layer table and text blocks overrun the file", path);
    m->kind = (enum mnpm_kind)kind;
    m->created = rd64(buf + 40);
    m->n_layers = nl;
    m->sig = dup_block(buf + off, sl);
    m->prov = dup_block(buf + off + sl, pl);
    if (!m->sig || !m->prov)
        return fail(err, errlen, "%s: out of memory", path);
    if (sl == 0 || strstr(m->sig, MNPM_SIG_DEFAULT) == NULL)
        return fail(err, errlen, "%s: signature block lacks %s", path, MNPM_SIG_DEFAULT);
    size_t data_start = off + sl + pl;
    for (uint32_t i = 0; i < nl; i++) {
        const unsigned char *e = buf + HDR_SIZE + (size_t)i * LAYER_SIZE;
        struct mnpm_layer *l = &m->layers[i];
        l->type = (enum mnpm_layer_type)rd32(e);
        for (int j = 0; j < 6; j++)
            l->p[j] = rd32(e + 4 + 4 * j);
        uint64_t wo = rd64(e + 32), wl = rd64(e + 40), bo = rd64(e + 48), bl = rd64(e + 56);
        const uint64_t offs[2] = { wo, bo }, lens[2] = { wl, bl };
        for (int t = 0; t < 2; t++) {
            if (lens[t] == 0)
                continue;
            if (offs[t] % 64 != 0 || lens[t] % 4 != 0 || offs[t] < data_start
                || offs[t] > end || lens[t] > end - offs[t])
                return fail(err, errlen, "%s: layer %" PRIu32 " (%s) %s tensor at offset %"
                            PRIu64 " length %" PRIu64 " is misaligned or outside the data",
                            path, i, layer_name(l->type), t ? "bias" : "weight", offs[t],
                            lens[t]);
        }
        l->w = wl ? (const float *)(const void *)(buf + wo) : NULL;
        l->b = bl ? (const float *)(const void *)(buf + bo) : NULL;
        l->w_len = (size_t)(wl / 4);
        l->b_len = (size_t)(bl / 4);
    }
    if (check_chain(m, path, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < m->n_layers; i++) {
        const struct mnpm_layer *l = &m->layers[i];
        for (size_t j = 0; j < l->w_len; j++)
            if (!isfinite(l->w[j]))
                return fail(err, errlen, "%s: layer %zu has a non-finite weight", path, i);
        for (size_t j = 0; j < l->b_len; j++)
            if (!isfinite(l->b[j]))
                return fail(err, errlen, "%s: layer %zu has a non-finite bias", path, i);
    }
    return 0;
}

int mnpm_load(const char *path, struct mnpm_model **out, char *err, size_t errlen)
{
    int rc = -1;
    FILE *f = NULL;
    struct mnpm_model *m = NULL;
    struct stat st;

    *out = NULL;
    f = fopen(path, "rb");
    if (!f) {
        fail(err, errlen, "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fail(err, errlen, "%s: not a regular file", path);
        goto cleanup;
    }
    if (st.st_size > (off_t)1 << 31) {
        fail(err, errlen, "%s: file too large (%lld bytes)", path, (long long)st.st_size);
        goto cleanup;
    }
    m = calloc(1, sizeof *m);
    if (!m) {
        fail(err, errlen, "%s: out of memory", path);
        goto cleanup;
    }
    size_t size = (size_t)st.st_size;
    m->buf = aligned_alloc(64, align64(size ? size : 1));
    if (!m->buf) {
        fail(err, errlen, "%s: out of memory (%zu bytes)", path, size);
        goto cleanup;
    }
    if (fread(m->buf, 1, size, f) != size) {
        fail(err, errlen, "%s: read error", path);
        goto cleanup;
    }
    if (parse_buffer(m, m->buf, size, path, err, errlen) != 0)
        goto cleanup;
    *out = m;
    m = NULL;
    rc = 0;
cleanup:
    if (f)
        fclose(f);
    mnpm_free(m);
    return rc;
}

enum mnpm_kind mnpm_kind(const struct mnpm_model *m) { return m->kind; }
uint64_t mnpm_created(const struct mnpm_model *m) { return m->created; }
size_t mnpm_param_count(const struct mnpm_model *m) { return m->params; }
const char *mnpm_signature(const struct mnpm_model *m) { return m->sig; }
const char *mnpm_provenance(const struct mnpm_model *m) { return m->prov; }
const char *mnpm_input_tensor_name(const struct mnpm_model *m) { (void)m; return "x:0"; }
const char *mnpm_probs_tensor_name(const struct mnpm_model *m) { (void)m; return "predictions:0"; }
const char *mnpm_classes_tensor_name(const struct mnpm_model *m) { (void)m; return "classes:0"; }

/* ---- inference ---- */

/* col[(ci*k + ky)*k + kx][y*w + x] = in[ci][y+ky-k/2][x+kx-k/2] (zero outside): 'same'. */
static void im2col(const float *in, size_t c, size_t h, size_t w, size_t k, float *col)
{
    size_t pad = k / 2;
    for (size_t ci = 0; ci < c; ci++)
        for (size_t ky = 0; ky < k; ky++)
            for (size_t kx = 0; kx < k; kx++) {
                float *dst = col + ((ci * k + ky) * k + kx) * h * w;
                for (size_t y = 0; y < h; y++) {
                    long sy = (long)y + (long)ky - (long)pad;
                    float *row = dst + y * w;
                    if (sy < 0 || sy >= (long)h) {
                        memset(row, 0, w * sizeof *row);
                        continue;
                    }
                    const float *src = in + (ci * h + (size_t)sy) * w;
                    for (size_t x = 0; x < w; x++) {
                        long sx = (long)x + (long)kx - (long)pad;
                        row[x] = (sx < 0 || sx >= (long)w) ? 0.0f : src[sx];
                    }
                }
            }
}

static void softmax_rows(float *a, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        float *r = a + i * k, mx = r[0], s = 0.0f;
        for (size_t j = 1; j < k; j++)
            if (r[j] > mx)
                mx = r[j];
        for (size_t j = 0; j < k; j++) {
            r[j] = expf(r[j] - mx);
            s += r[j];
        }
        for (size_t j = 0; j < k; j++)
            r[j] /= s;
    }
}

static void forward_chunk(const struct mnpm_model *m, const float *x, size_t n, float *a,
                          float *b, float *col, float *probs, unsigned char *classes)
{
    size_t c = 1, h = 28, w = 28, cur = MNPM_INPUTS;
    memcpy(a, x, n * MNPM_INPUTS * sizeof *a);
    for (size_t li = 0; li < m->n_layers; li++) {
        const struct mnpm_layer *l = &m->layers[li];
        float *t;
        switch (l->type) {
        case MNPM_L_DENSE:
            for (size_t i = 0; i < n; i++)
                memcpy(b + i * l->p[1], l->b, l->p[1] * sizeof *b);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)l->p[1],
                        (int)l->p[0], 1.0f, a, (int)l->p[0], l->w, (int)l->p[1], 1.0f, b,
                        (int)l->p[1]);
            cur = l->p[1];
            t = a; a = b; b = t;
            break;
        case MNPM_L_CONV2D: {
            size_t k = l->p[2], co = l->p[1], hw = h * w;
            for (size_t i = 0; i < n; i++) {
                float *o = b + i * co * hw;
                im2col(a + i * cur, c, h, w, k, col);
                for (size_t oc = 0; oc < co; oc++)
                    for (size_t j = 0; j < hw; j++)
                        o[oc * hw + j] = l->b[oc];
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)co, (int)hw,
                            (int)(c * k * k), 1.0f, l->w, (int)(c * k * k), col, (int)hw, 1.0f,
                            o, (int)hw);
            }
            c = co;
            cur = c * hw;
            t = a; a = b; b = t;
            break;
        }
        case MNPM_L_MAXPOOL: {
            size_t oh = (h + 1) / 2, ow = (w + 1) / 2;
            for (size_t i = 0; i < n; i++)
                for (size_t ch = 0; ch < c; ch++) {
                    const float *s = a + i * cur + ch * h * w;
                    float *o = b + i * c * oh * ow + ch * oh * ow;
                    for (size_t y = 0; y < oh; y++)
                        for (size_t xx = 0; xx < ow; xx++) {
                            float mx = -INFINITY;
                            for (size_t dy = 0; dy < 2; dy++)
                                for (size_t dx = 0; dx < 2; dx++) {
                                    size_t sy = 2 * y + dy, sx = 2 * xx + dx;
                                    if (sy < h && sx < w && s[sy * w + sx] > mx)
                                        mx = s[sy * w + sx];
                                }
                            o[y * ow + xx] = mx;
                        }
                }
            h = oh; w = ow;
            cur = c * h * w;
            t = a; a = b; b = t;
            break;
        }
        case MNPM_L_RELU:
            for (size_t i = 0; i < n * cur; i++)
                if (!(a[i] > 0.0f))
                    a[i] = 0.0f;
            break;
        case MNPM_L_SOFTMAX:
            softmax_rows(a, n, cur);
            break;
        default:   /* flatten, dropout: no-ops (C*H*W order is the memory order) */
            break;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const float *r = a + i * MNPM_CLASSES;
        unsigned char best = 0;
        for (unsigned char j = 1; j < MNPM_CLASSES; j++)
            if (r[j] > r[best])
                best = j;
        if (probs)
            memcpy(probs + i * MNPM_CLASSES, r, MNPM_CLASSES * sizeof *r);
        if (classes)
            classes[i] = best;
    }
}

int mnpm_predict(const struct mnpm_model *m, const float *x, size_t n, float *probs,
                 unsigned char *classes)
{
    if (n == 0)
        return 0;
    if (!m || !x)
        return -1;
    size_t chunk = n < MNPM_PREDICT_CHUNK ? n : MNPM_PREDICT_CHUNK;
    float *a = malloc(chunk * m->max_act * sizeof *a);
    float *b = malloc(chunk * m->max_act * sizeof *b);
    float *col = m->max_col ? malloc(m->max_col * sizeof *col) : NULL;
    int rc = -1;
    if (!a || !b || (m->max_col && !col))
        goto cleanup;
    for (size_t i = 0; i < n; i += chunk) {
        size_t k = n - i < chunk ? n - i : chunk;
        forward_chunk(m, x + i * MNPM_INPUTS, k, a, b, col,
                      probs ? probs + i * MNPM_CLASSES : NULL, classes ? classes + i : NULL);
    }
    rc = 0;
cleanup:
    free(a);
    free(b);
    free(col);
    return rc;
}

/* ---- writing ---- */

int mnpm_serialize(enum mnpm_kind kind, const struct mnpm_layer_spec *layers, size_t n_layers,
                   uint64_t created, const char *provenance, unsigned char **out,
                   size_t *out_len, char *err, size_t errlen)
{
    size_t sl = strlen(signature_text), pl = provenance ? strlen(provenance) : 0;
    if (n_layers == 0 || n_layers > MAX_LAYERS)
        return fail(err, errlen, "mnpm: layer count %zu out of range", n_layers);
    size_t off = align64(HDR_SIZE + n_layers * LAYER_SIZE + sl + pl);
    size_t data = off;
    for (size_t i = 0; i < n_layers; i++) {
        off = align64(off + layers[i].w_len * 4);
        off = align64(off + layers[i].b_len * 4);
    }
    size_t size = off + 4;
    unsigned char *buf = calloc(1, size);
    if (!buf)
        return fail(err, errlen, "mnpm: out of memory (%zu bytes)", size);
    memcpy(buf, MNPM_MAGIC, 8);
    wr32(buf + 8, MNPM_FORMAT_VERSION);
    wr32(buf + 12, HDR_SIZE);
    wr32(buf + 16, (uint32_t)kind);
    wr32(buf + 20, MNPM_CLASSES);
    wr32(buf + 24, 28);
    wr32(buf + 28, 28);
    float lo = 0.0f, hi = 1.0f;
    uint32_t u;
    memcpy(&u, &lo, 4); wr32(buf + 32, u);
    memcpy(&u, &hi, 4); wr32(buf + 36, u);
    wr64(buf + 40, created);
    wr32(buf + 48, (uint32_t)n_layers);
    wr32(buf + 52, (uint32_t)sl);
    wr32(buf + 56, (uint32_t)pl);
    wr32(buf + 60, LAYER_SIZE);
    wr64(buf + 64, size - 4 - HDR_SIZE);
    size_t t = HDR_SIZE + n_layers * LAYER_SIZE;
    memcpy(buf + t, signature_text, sl);
    if (pl)
        memcpy(buf + t + sl, provenance, pl);
    off = data;
    for (size_t i = 0; i < n_layers; i++) {
        unsigned char *e = buf + HDR_SIZE + i * LAYER_SIZE;
        const struct mnpm_layer_spec *l = &layers[i];
        wr32(e, (uint32_t)l->type);
        for (int j = 0; j < 6; j++)
            wr32(e + 4 + 4 * j, l->p[j]);
        const float *src[2] = { l->w, l->b };
        size_t len[2] = { l->w_len, l->b_len };
        for (int k = 0; k < 2; k++) {
            if (len[k]) {
                wr64(e + 32 + 16 * k, off);
                wr64(e + 40 + 16 * k, len[k] * 4);
                for (size_t j = 0; j < len[k]; j++) {   /* little-endian regardless of host */
                    memcpy(&u, &src[k][j], 4);
                    wr32(buf + off + 4 * j, u);
                }
            }
            off = align64(off + len[k] * 4);
        }
    }
    wr32(buf + size - 4, (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(size - 4)));
    *out = buf;
    *out_len = size;
    return 0;
}

int mnpm_from_layers(enum mnpm_kind kind, const struct mnpm_layer_spec *layers, size_t n_layers,
                     struct mnpm_model **out, char *err, size_t errlen)
{
    unsigned char *raw = NULL;
    size_t len;
    int rc = -1;
    struct mnpm_model *m = NULL;

    *out = NULL;
    if (mnpm_serialize(kind, layers, n_layers, 0, "", &raw, &len, err, errlen) != 0)
        goto cleanup;
    m = calloc(1, sizeof *m);
    if (!m || !(m->buf = aligned_alloc(64, align64(len)))) {
        fail(err, errlen, "mnpm: out of memory");
        goto cleanup;
    }
    memcpy(m->buf, raw, len);
    if (parse_buffer(m, m->buf, len, "(in memory)", err, errlen) != 0)
        goto cleanup;
    *out = m;
    m = NULL;
    rc = 0;
cleanup:
    free(raw);
    mnpm_free(m);
    return rc;
}

uint64_t mnpm_created_now(void)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (s && *s) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == 0 && *end == '\0' && s[0] != '-')
            return (uint64_t)v;
    }
    return (uint64_t)time(NULL);
}

/* ---- export ---- */

static int mkdir_p(const char *dir, char *err, size_t errlen)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s", dir);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return fail(err, errlen, "%s: path too long", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return fail(err, errlen, "cannot create directory %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return fail(err, errlen, "cannot create directory %s: %s", tmp, strerror(errno));
    return 0;
}

static int write_file_sync(const char *path, const void *data, size_t len, char *err,
                           size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return fail(err, errlen, "cannot create %s: %s", path, strerror(errno));
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return fail(err, errlen, "cannot write %s: %s", path, strerror(e));
        }
        p += w;
        len -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0)
        return fail(err, errlen, "cannot fsync %s: %s", path, strerror(errno));
    return 0;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static uint64_t max_version(const char *dir)
{
    uint64_t mx = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        const char *s = e->d_name;
        if (*s < '0' || *s > '9')
            continue;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == 0 && *end == '\0' && v > mx)
            mx = v;
    }
    closedir(d);
    return mx;
}

int mnpm_export(const char *export_dir, uint64_t version, const unsigned char *mnpm,
                size_t mnpm_len, const char *json_text, uint64_t *out_version,
                char *out_path, size_t out_path_len, char *err, size_t errlen)
{
    char tmp[4096], fin[4096], file[4200];
    struct stat st;

    if (mkdir_p(export_dir, err, errlen) != 0)
        return -1;
    if (version == 0)
        version = (uint64_t)time(NULL);
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(fin, sizeof fin, "%s/%" PRIu64, export_dir, version);
        if (stat(fin, &st) == 0) {
            uint64_t mx = max_version(export_dir);
            version = (mx >= version ? mx : version) + 1;
            continue;
        }
        int n = snprintf(tmp, sizeof tmp, "%s/.tmp-%" PRIu64 "-%ld", export_dir, version,
                         (long)getpid());
        if (n < 0 || (size_t)n >= sizeof tmp)
            return fail(err, errlen, "%s: export path too long", export_dir);
        if (mkdir(tmp, 0755) != 0)
            return fail(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        snprintf(file, sizeof file, "%s/model.mnpm", tmp);
        if (write_file_sync(file, mnpm, mnpm_len, err, errlen) != 0)
            goto undo;
        if (json_text) {
            snprintf(file, sizeof file, "%s/model.json", tmp);
            if (write_file_sync(file, json_text, strlen(json_text), err, errlen) != 0)
                goto undo;
        }
        fsync_dir(tmp);
        if (rename(tmp, fin) == 0) {
            fsync_dir(export_dir);
            *out_version = version;
            snprintf(out_path, out_path_len, "%s", fin);
            return 0;
        }
        if (errno != EEXIST && errno != ENOTEMPTY) {
            fail(err, errlen, "cannot rename %s to %s: %s", tmp, fin, strerror(errno));
            goto undo;
        }
        /* Lost a race with another exporter: clean up and take the next number. */
        snprintf(file, sizeof file, "%s/model.mnpm", tmp); unlink(file);
        snprintf(file, sizeof file, "%s/model.json", tmp); unlink(file);
        rmdir(tmp);
        version++;
        continue;
undo:
        snprintf(file, sizeof file, "%s/model.mnpm", tmp); unlink(file);
        snprintf(file, sizeof file, "%s/model.json", tmp); unlink(file);
        rmdir(tmp);
        return -1;
    }
    return fail(err, errlen, "%s: could not find a free version directory", export_dir);
}
