/* SPDX-License-Identifier: MIT */
/* Forward and backward passes of the LINEAR, MLP and CNN models, with SGD, momentum and Adam. */
#include "config.h"

#include "net.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

uint64_t net_rand(uint64_t *state)   /* splitmix64 */
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Images per block in a conv layer: its columns (conv2: 800 x 196 floats an image) stay in
 * the core's cache between im2col and the products that read them. */
#ifndef NET_CONV_IMAGES
#define NET_CONV_IMAGES 1
#endif

static float urand(uint64_t *s) { return (float)((net_rand(s) >> 40) * (1.0 / 16777216.0)); }

/* A conv layer followed by ReLU and a 2x2/2 max-pool (even sizes) runs as one pass over the
 * conv product: bias, ReLU and pool in the forward scatter, the pool's and ReLU's gradients in
 * the backward gather. The ReLU and pool layers' own buffers are then unused. */
static int conv_relu_pool(const struct net *n, size_t li)
{
    const struct net_layer *l = &n->l[li];
    return l->type == MNPM_L_CONV2D && li + 2 < n->n_layers && n->l[li + 1].type == MNPM_L_RELU
        && n->l[li + 2].type == MNPM_L_MAXPOOL && l->h % 2 == 0 && l->w % 2 == 0;
}

static void add(struct net *n, enum mnpm_layer_type t, uint32_t p0, uint32_t p1, uint32_t p2,
                uint32_t p3, uint32_t p4, uint32_t p5)
{
    struct net_layer *l = &n->l[n->n_layers++];
    l->type = t;
    l->p[0] = p0; l->p[1] = p1; l->p[2] = p2; l->p[3] = p3; l->p[4] = p4; l->p[5] = p5;
}

int net_init(struct net *n, enum mnpm_kind kind, size_t batch, uint64_t seed,
             enum net_init init)
{
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->batch = batch;
    n->rng = seed;
    switch (kind) {
    case MNPM_LINEAR:
        add(n, MNPM_L_DENSE, 784, 10, 0, 0, 0, 0);
        break;
    case MNPM_MLP:
        add(n, MNPM_L_DENSE, 784, 256, 0, 0, 0, 0);
        add(n, MNPM_L_RELU, 0, 0, 0, 0, 0, 0);
        add(n, MNPM_L_DENSE, 256, 10, 0, 0, 0, 0);
        break;
    case MNPM_CNN:
        add(n, MNPM_L_CONV2D, 1, 32, 5, 1, 28, 28);
        add(n, MNPM_L_RELU, 0, 0, 0, 0, 0, 0);
        add(n, MNPM_L_MAXPOOL, 32, 2, 2, 28, 28, 0);
        add(n, MNPM_L_CONV2D, 32, 64, 5, 1, 14, 14);
        add(n, MNPM_L_RELU, 0, 0, 0, 0, 0, 0);
        add(n, MNPM_L_MAXPOOL, 64, 2, 2, 14, 14, 0);
        add(n, MNPM_L_FLATTEN, 0, 0, 0, 0, 0, 0);
        add(n, MNPM_L_DENSE, 3136, 1024, 0, 0, 0, 0);
        add(n, MNPM_L_RELU, 0, 0, 0, 0, 0, 0);
        add(n, MNPM_L_DROPOUT, 500, 0, 0, 0, 0, 0);
        add(n, MNPM_L_DENSE, 1024, 10, 0, 0, 0, 0);
        break;
    }
    add(n, MNPM_L_SOFTMAX, 0, 0, 0, 0, 0, 0);

    size_t c = 1, h = 28, w = 28, size = 784, maxcol = 0, maxtmp = 0, maxpad = 1, total = 0;
    for (size_t i = 0; i < n->n_layers; i++) {
        struct net_layer *l = &n->l[i];
        l->in_size = size; l->c = c; l->h = h; l->w = w;
        switch (l->type) {
        case MNPM_L_DENSE:
            l->w_len = (size_t)l->p[0] * l->p[1]; l->b_len = l->p[1];
            size = l->p[1];
            break;
        case MNPM_L_CONV2D:
            l->w_len = (size_t)l->p[1] * c * l->p[2] * l->p[2]; l->b_len = l->p[1];
            if (c * l->p[2] * l->p[2] * h * w > maxcol)
                maxcol = c * l->p[2] * l->p[2] * h * w;
            if (l->p[1] * h * w > maxtmp)
                maxtmp = l->p[1] * h * w;
            if (c * (h + l->p[2]) * (w + l->p[2]) > maxpad)   /* >= c*(h+2*(k/2))*(w+...) */
                maxpad = c * (h + l->p[2]) * (w + l->p[2]);
            c = l->p[1];
            size = c * h * w;
            break;
        case MNPM_L_MAXPOOL:
            h = (h + 1) / 2; w = (w + 1) / 2;
            size = c * h * w;
            break;
        case MNPM_L_DROPOUT:
            l->drop_rate = (float)l->p[0] / 1000.0f;
            break;
        default:
            break;
        }
        l->out_size = size;
        total += l->w_len + l->b_len;
    }
    n->n_params = total;
    n->params = calloc(total, sizeof(float));
    n->grads = calloc(total, sizeof(float));
    n->m1 = calloc(total, sizeof(float));
    n->m2 = calloc(total, sizeof(float));
    n->acts = calloc(n->n_layers + 1, sizeof *n->acts);
    n->dacts = calloc(n->n_layers + 1, sizeof *n->dacts);
    n->col = malloc((maxcol ? maxcol * NET_CONV_IMAGES : 1) * sizeof(float));
    n->tmp = malloc((maxtmp ? maxtmp * NET_CONV_IMAGES : 1) * sizeof(float));
    n->pad = malloc(maxpad * sizeof(float));
    n->dpad = malloc(maxpad * sizeof(float));
    if (!n->params || !n->grads || !n->m1 || !n->m2 || !n->acts || !n->dacts || !n->col
        || !n->tmp || !n->pad || !n->dpad)
        return -1;
    for (size_t i = 0; i <= n->n_layers; i++) {
        size_t s = i < n->n_layers ? n->l[i].in_size : 10;
        n->acts[i] = malloc(batch * s * sizeof(float));
        n->dacts[i] = malloc(batch * s * sizeof(float));
        if (!n->acts[i] || !n->dacts[i])
            return -1;
        if (i < n->n_layers && conv_relu_pool(n, i)) {
            n->pool_arg[i] = malloc(batch * n->l[i + 2].out_size);
            if (!n->pool_arg[i])
                return -1;
        }
        if (i < n->n_layers && n->l[i].type == MNPM_L_MAXPOOL) {
            n->pool_idx[i] = malloc(batch * n->l[i].out_size * sizeof(uint32_t));
            if (!n->pool_idx[i])
                return -1;
        }
    }
    n->mask = malloc(batch * 3136 * 8);
    if (!n->mask)
        return -1;
    /* Glorot-uniform weights (TF's default) or He-uniform before a ReLU, zero biases; LINEAR
     * starts at zero as the Estimator's LinearClassifier does. */
    float *p = n->params, *g = n->grads;
    for (size_t i = 0; i < n->n_layers; i++) {
        struct net_layer *l = &n->l[i];
        if (!l->w_len)
            continue;
        l->w_ = p; l->gw = g; p += l->w_len; g += l->w_len;
        l->b_ = p; l->gb = g; p += l->b_len; g += l->b_len;
        double fan_in, fan_out;
        if (l->type == MNPM_L_DENSE) {
            fan_in = l->p[0]; fan_out = l->p[1];
        } else {
            fan_in = (double)l->c * l->p[2] * l->p[2];
            fan_out = (double)l->p[1] * l->p[2] * l->p[2];
        }
        int he = init == INIT_HE && i + 1 < n->n_layers && n->l[i + 1].type == MNPM_L_RELU;
        float lim = (float)sqrt(6.0 / (he ? fan_in : fan_in + fan_out));
        if (kind != MNPM_LINEAR)
            for (size_t j = 0; j < l->w_len; j++)
                l->w_[j] = (2.0f * urand(&n->rng) - 1.0f) * lim;
    }
    return 0;
}

int net_average(struct net *n, double decay)
{
    if (!n->avg && !(n->avg = malloc(n->n_params * sizeof *n->avg)))
        return -1;
    memcpy(n->avg, n->params, n->n_params * sizeof *n->avg);
    n->avg_decay = decay;
    n->avg_t = 0;
    return 0;
}

void net_free(struct net *n)
{
    if (n->acts)
        for (size_t i = 0; i <= n->n_layers; i++)
            free(n->acts[i]);
    if (n->dacts)
        for (size_t i = 0; i <= n->n_layers; i++)
            free(n->dacts[i]);
    for (size_t i = 0; i < NET_MAX_LAYERS; i++) {
        free(n->pool_idx[i]);
        free(n->pool_arg[i]);
    }
    free(n->acts); free(n->dacts); free(n->params); free(n->grads); free(n->m1); free(n->m2);
    free(n->col); free(n->tmp); free(n->pad); free(n->dpad); free(n->mask); free(n->avg);
    memset(n, 0, sizeof *n);
}

size_t net_specs(const struct net *n, struct mnpm_layer_spec *specs)
{
    for (size_t i = 0; i < n->n_layers; i++) {
        const struct net_layer *l = &n->l[i];
        memset(&specs[i], 0, sizeof specs[i]);
        specs[i].type = l->type;
        memcpy(specs[i].p, l->p, sizeof l->p);
        specs[i].w = l->w_; specs[i].w_len = l->w_len;
        specs[i].b = l->b_; specs[i].b_len = l->b_len;
    }
    return n->n_layers;
}

typedef float net_v4 __attribute__((vector_size(16)));
typedef float net_v8 __attribute__((vector_size(32)));

/* im2col and col2im are built for AVX2 as well as for the baseline, and the dynamic loader
 * picks the one the CPU runs (an ifunc): copies and sums only, so both give the same bits. */
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define NET_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef NET_CLONES
#define NET_CLONES
#endif

/* 32 bytes at any alignment: one unaligned vector load and store (two without AVX). */
static inline void copy8(float *restrict d, const float *restrict s)
{
    net_v8 t;
    memcpy(&t, s, sizeof t);
    memcpy(d, &t, sizeof t);
}

/* One row of w floats; the network's rows (28, 14) are a few vector moves written out, not
 * loops, which the compiler would turn into a call to memmove per row (a million a step).
 * The last vector overlaps the one before it. */
static inline void copy_row(float *restrict d, const float *restrict s, size_t w)
{
    if (w == 28) {
        copy8(d, s); copy8(d + 8, s + 8); copy8(d + 16, s + 16); copy8(d + 20, s + 20);
    } else if (w == 14) {
        copy8(d, s); copy8(d + 6, s + 6);
    } else {
        memcpy(d, s, w * sizeof *d);
    }
}

static inline void add_row(float *restrict d, const float *restrict s, size_t w)
{
    if (w == 28)
        for (size_t x = 0; x < 28; x++) d[x] += s[x];
    else if (w == 14)
        for (size_t x = 0; x < 14; x++) d[x] += s[x];
    else
        for (size_t x = 0; x < w; x++) d[x] += s[x];
}

/* Image -> columns: row (ci, ky, kx) of col, ld floats apart, holds h*w inputs from col. One
 * image fills h*w columns, so images side by side (col + i*h*w, ld = images*h*w) form one
 * matrix. The image is first copied into @pad with its zero border ('same' padding), so that
 * every row is a plain copy; @zero clears @pad first (once per layer and pass is enough, as
 * only the interior is written). */
NET_CLONES static void im2col(const float *restrict in, size_t c, size_t h, size_t w,
                              size_t k, float *restrict col, size_t ld, float *restrict pad,
                              int zero)
{
    size_t p = k / 2, hp = h + 2 * p, wp = w + 2 * p;
    if (zero)   /* only the border needs it, and the interior is overwritten below */
        memset(pad, 0, c * hp * wp * sizeof *pad);
    for (size_t ci = 0; ci < c; ci++)
        for (size_t y = 0; y < h; y++)
            copy_row(pad + (ci * hp + y + p) * wp + p, in + (ci * h + y) * w, w);
    for (size_t ci = 0; ci < c; ci++)
        for (size_t ky = 0; ky < k; ky++)
            for (size_t kx = 0; kx < k; kx++) {
                float *dst = col + ((ci * k + ky) * k + kx) * ld;
                const float *src = pad + (ci * hp + ky) * wp + kx;
                for (size_t y = 0; y < h; y++)
                    copy_row(dst + y * w, src + y * wp, w);
            }
}

/* Columns -> image gradient, summed in @pad with its border, then cropped into @out. */
NET_CLONES static void col2im(const float *restrict col, size_t ld, size_t c, size_t h,
                              size_t w, size_t k, float *restrict out, float *restrict pad)
{
    size_t p = k / 2, hp = h + 2 * p, wp = w + 2 * p;
    memset(pad, 0, c * hp * wp * sizeof *pad);
    for (size_t ci = 0; ci < c; ci++)
        for (size_t ky = 0; ky < k; ky++)
            for (size_t kx = 0; kx < k; kx++) {
                const float *src = col + ((ci * k + ky) * k + kx) * ld;
                float *dst = pad + (ci * hp + ky) * wp + kx;
                for (size_t y = 0; y < h; y++)
                    add_row(dst + y * wp, src + y * w, w);
            }
    for (size_t ci = 0; ci < c; ci++)
        for (size_t y = 0; y < h; y++)
            copy_row(out + (ci * h + y) * w, pad + (ci * hp + y + p) * wp + p, w);
}

#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define NET_SHUFFLE 1
#endif
#endif

#ifdef NET_SHUFFLE
typedef int net_i4 __attribute__((vector_size(16)));

static inline net_v4 load4(const float *s) { net_v4 t; memcpy(&t, s, sizeof t); return t; }
static inline void store4(float *d, net_v4 v) { memcpy(d, &v, sizeof v); }
static inline net_i4 as_i4(net_v4 v) { net_i4 t; memcpy(&t, &v, sizeof t); return t; }
static inline net_v4 as_v4(net_i4 v) { net_v4 t; memcpy(&t, &v, sizeof t); return t; }
/* m ? a : b, lane by lane (m: all ones or zero per lane) */
static inline net_i4 sel4(net_i4 m, net_i4 a, net_i4 b) { return (a & m) | (b & ~m); }
#endif

/* ReLU and 2x2 max-pool of one conv output plane (bias @b added): @o gets the pooled values,
 * @arg the position of the maximum in its window (0-3, row-major), or 4 when it is <= 0 and
 * the ReLU passes no gradient. The first of equal maxima wins, as in the separate layers: the
 * larger of each row's pair, then of the two, ties to the left and to the upper pair. Four
 * outputs at a time where vector shuffles exist; the last four of a row may overlap the ones
 * before them (the same values written twice). */
static void pool_forward(const float *restrict src, float b, size_t h, size_t w,
                         float *restrict o, unsigned char *restrict arg)
{
    size_t ow = w / 2;
    for (size_t y = 0; y < h / 2; y++) {
        const float *restrict r0 = src + 2 * y * w, *restrict r1 = r0 + w;
        float *restrict oy = o + y * ow;
        unsigned char *restrict ay = arg + y * ow;
        size_t x = 0;
#ifdef NET_SHUFFLE
        const net_v4 bv = { b, b, b, b }, zero = { 0.0f, 0.0f, 0.0f, 0.0f };
        const net_i4 one = { 1, 1, 1, 1 }, two = { 2, 2, 2, 2 }, four = { 4, 4, 4, 4 };
        for (size_t x0 = 0; ow >= 4 && x0 < ow; x0 += 4) {
            if (x0 + 4 > ow)
                x0 = ow - 4;
            net_v4 a0 = load4(r0 + 2 * x0), a1 = load4(r0 + 2 * x0 + 4);
            net_v4 c0 = load4(r1 + 2 * x0), c1 = load4(r1 + 2 * x0 + 4);
            net_v4 v0 = __builtin_shufflevector(a0, a1, 0, 2, 4, 6) + bv;
            net_v4 v1 = __builtin_shufflevector(a0, a1, 1, 3, 5, 7) + bv;
            net_v4 v2 = __builtin_shufflevector(c0, c1, 0, 2, 4, 6) + bv;
            net_v4 v3 = __builtin_shufflevector(c0, c1, 1, 3, 5, 7) + bv;
            net_i4 c01 = v1 > v0, c23 = v3 > v2;
            net_v4 m01 = as_v4(sel4(c01, as_i4(v1), as_i4(v0)));
            net_v4 m23 = as_v4(sel4(c23, as_i4(v3), as_i4(v2)));
            net_i4 c = m23 > m01;
            net_i4 m = sel4(c, as_i4(m23), as_i4(m01));
            net_i4 k = sel4(c, two + (c23 & one), c01 & one);
            net_i4 pos = as_v4(m) > zero;
            store4(oy + x0, as_v4(m & pos));
            k = sel4(pos, k, four);
            for (int j = 0; j < 4; j++)
                ay[x0 + j] = (unsigned char)k[j];
            x = ow;
        }
#endif
        for (; x < ow; x++) {
            float v0 = r0[2 * x] + b, v1 = r0[2 * x + 1] + b;
            float v2 = r1[2 * x] + b, v3 = r1[2 * x + 1] + b;
            int c01 = v1 > v0, c23 = v3 > v2;
            float m01 = c01 ? v1 : v0, m23 = c23 ? v3 : v2;
            int c = m23 > m01;
            float m = c ? m23 : m01;
            int k = c ? 2 + c23 : c01;
            oy[x] = m > 0.0f ? m : 0.0f;
            ay[x] = (unsigned char)(m > 0.0f ? k : 4);
        }
    }
}

/* The gradient of pool_forward: the pooled gradient @g goes to each window's maximum in @dst
 * (h x w, every element written); returns the sum of the gradients passed (the bias
 * gradient), in four interleaved partial sums. */
static float pool_backward(const float *restrict g, const unsigned char *restrict arg, size_t h,
                           size_t w, float *restrict dst)
{
    size_t ow = w / 2;
    for (size_t y = 0; y < h / 2; y++) {
        float *restrict d0 = dst + 2 * y * w, *restrict d1 = d0 + w;
        const float *restrict gy = g + y * ow;
        const unsigned char *restrict ay = arg + y * ow;
        size_t x = 0;
#ifdef NET_SHUFFLE
        const net_i4 zero = { 0, 0, 0, 0 }, one = { 1, 1, 1, 1 }, two = { 2, 2, 2, 2 },
                     three = { 3, 3, 3, 3 };
        for (size_t x0 = 0; ow >= 4 && x0 < ow; x0 += 4) {
            if (x0 + 4 > ow)
                x0 = ow - 4;
            net_i4 v = as_i4(load4(gy + x0)), k = { ay[x0], ay[x0 + 1], ay[x0 + 2], ay[x0 + 3] };
            net_v4 e0 = as_v4(v & (k == zero)), e1 = as_v4(v & (k == one));
            net_v4 e2 = as_v4(v & (k == two)), e3 = as_v4(v & (k == three));
            store4(d0 + 2 * x0, __builtin_shufflevector(e0, e1, 0, 4, 1, 5));
            store4(d0 + 2 * x0 + 4, __builtin_shufflevector(e0, e1, 2, 6, 3, 7));
            store4(d1 + 2 * x0, __builtin_shufflevector(e2, e3, 0, 4, 1, 5));
            store4(d1 + 2 * x0 + 4, __builtin_shufflevector(e2, e3, 2, 6, 3, 7));
            x = ow;
        }
#endif
        for (; x < ow; x++) {
            float v = gy[x];
            unsigned k = ay[x];
            d0[2 * x] = k == 0 ? v : 0.0f;
            d0[2 * x + 1] = k == 1 ? v : 0.0f;
            d1[2 * x] = k == 2 ? v : 0.0f;
            d1[2 * x + 1] = k == 3 ? v : 0.0f;
        }
    }
    size_t n = (h / 2) * ow, j = 0;
    float s[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
    for (; j + 4 <= n; j += 4)
        for (size_t q = 0; q < 4; q++)
            s[q] += arg[j + q] < 4 ? g[j + q] : 0.0f;
    for (; j < n; j++)
        s[0] += arg[j] < 4 ? g[j] : 0.0f;
    return (s[0] + s[1]) + (s[2] + s[3]);
}

static void forward(struct net *n, size_t B)
{
    for (size_t li = 0; li < n->n_layers; li++) {
        struct net_layer *l = &n->l[li];
        const float *in = n->acts[li];
        float *out = n->acts[li + 1] ? n->acts[li + 1] : NULL;
        size_t os = l->out_size;
        switch (l->type) {
        case MNPM_L_DENSE:
            for (size_t i = 0; i < B; i++)
                memcpy(out + i * os, l->b_, os * sizeof *out);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)os,
                        (int)l->in_size, 1.0f, in, (int)l->in_size, l->w_, (int)os, 1.0f, out,
                        (int)os);
            break;
        case MNPM_L_CONV2D: {
            /* A block of nb images at a time: their columns side by side form one
             * (cik x nb*hw) matrix, the product (co x cik) x (cik x nb*hw) reads it while it
             * is still in cache, and the bias, ReLU and pool (or the bias alone) move each
             * image's (co x hw) block of the result into place. */
            size_t k = l->p[2], co = l->p[1], hw = l->h * l->w, cik = l->c * k * k;
            int fused = conv_relu_pool(n, li);
            size_t ps = fused ? n->l[li + 2].out_size : 0, phw = hw / 4;
            float *po = fused ? n->acts[li + 3] : NULL;
            for (size_t i0 = 0; i0 < B; i0 += NET_CONV_IMAGES) {
                size_t nb = B - i0 < NET_CONV_IMAGES ? B - i0 : NET_CONV_IMAGES, M = nb * hw;
                for (size_t i = i0; i < i0 + nb; i++)
                    im2col(in + i * l->in_size, l->c, l->h, l->w, k, n->col + (i - i0) * hw, M,
                           n->pad, i == 0);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)co, (int)M,
                            (int)cik, 1.0f, l->w_, (int)cik, n->col, (int)M, 0.0f, n->tmp,
                            (int)M);
                for (size_t i = i0; i < i0 + nb; i++)
                    for (size_t oc = 0; oc < co; oc++) {
                        const float *restrict src = n->tmp + oc * M + (i - i0) * hw;
                        float b = l->b_[oc];
                        if (fused) {
                            pool_forward(src, b, l->h, l->w, po + i * ps + oc * phw,
                                         n->pool_arg[li] + i * ps + oc * phw);
                            continue;
                        }
                        float *restrict o = out + i * os + oc * hw;
                        for (size_t j = 0; j < hw; j++)
                            o[j] = src[j] + b;
                    }
            }
            if (fused)
                li += 2;
            break;
        }
        case MNPM_L_MAXPOOL: {
            size_t h = l->h, w = l->w, oh = (h + 1) / 2, ow = (w + 1) / 2;
            uint32_t *idx = n->pool_idx[li];
            for (size_t i = 0; i < B; i++)
                for (size_t ch = 0; ch < l->c; ch++) {
                    size_t ib = i * l->in_size + ch * h * w, ob = i * os + ch * oh * ow;
                    for (size_t y = 0; y < oh; y++)
                        for (size_t x = 0; x < ow; x++) {
                            size_t best = ib + 2 * y * w + 2 * x;
                            for (size_t dy = 0; dy < 2; dy++)
                                for (size_t dx = 0; dx < 2; dx++) {
                                    size_t sy = 2 * y + dy, sx = 2 * x + dx;
                                    if (sy < h && sx < w && in[ib + sy * w + sx] > in[best])
                                        best = ib + sy * w + sx;
                                }
                            out[ob + y * ow + x] = in[best];
                            idx[ob + y * ow + x] = (uint32_t)best;
                        }
                }
            break;
        }
        case MNPM_L_RELU: {
            const float *restrict x = in;
            float *restrict y = out;
            for (size_t i = 0; i < B * os; i++)
                y[i] = x[i] > 0.0f ? x[i] : 0.0f;
            break;
        }
        case MNPM_L_DROPOUT: {
            float keep = 1.0f - l->drop_rate, scale = 1.0f / keep;
            for (size_t i = 0; i < B * os; i++) {
                n->mask[i] = urand(&n->rng) < keep;
                out[i] = n->mask[i] ? in[i] * scale : 0.0f;
            }
            break;
        }
        case MNPM_L_SOFTMAX:
            for (size_t i = 0; i < B; i++) {
                const float *r = in + i * os;
                float *o = out + i * os, mx = r[0], s = 0.0f;
                for (size_t j = 1; j < os; j++)
                    if (r[j] > mx)
                        mx = r[j];
                for (size_t j = 0; j < os; j++) {
                    o[j] = expf(r[j] - mx);
                    s += o[j];
                }
                for (size_t j = 0; j < os; j++)
                    o[j] /= s;
            }
            break;
        default:
            memcpy(out, in, B * os * sizeof *out);
            break;
        }
    }
}

static void backward(struct net *n, size_t B)
{
    for (size_t li = n->n_layers - 1; li-- > 0;) {   /* softmax handled by the caller */
        int fused = li >= 2 && conv_relu_pool(n, li - 2);
        if (fused)
            li -= 2;
        struct net_layer *l = &n->l[li];
        const float *in = n->acts[li], *out = n->acts[li + 1], *dout = n->dacts[li + 1];
        float *din = n->dacts[li];
        size_t os = l->out_size, is = l->in_size;
        switch (l->type) {
        case MNPM_L_DENSE:
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)is, (int)os, (int)B, 1.0f,
                        in, (int)is, dout, (int)os, 0.0f, l->gw, (int)os);
            for (size_t j = 0; j < os; j++)
                l->gb[j] = 0.0f;
            for (size_t i = 0; i < B; i++)
                for (size_t j = 0; j < os; j++)
                    l->gb[j] += dout[i * os + j];
            if (li > 0)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)is, (int)os,
                            1.0f, dout, (int)os, l->w_, (int)os, 0.0f, din, (int)is);
            break;
        case MNPM_L_CONV2D: {
            /* The same blocks of nb images as the forward pass: dout gathered as
             * (co x nb*hw), the block's columns made again (cheaper than keeping the whole
             * batch's, which no cache holds) for the weight gradient, summed over the
             * blocks, then the same buffer holds the columns' gradient for col2im. */
            size_t k = l->p[2], co = l->p[1], hw = l->h * l->w, cik = l->c * k * k;
            size_t ps = fused ? n->l[li + 2].out_size : 0, phw = hw / 4;
            const float *pd = fused ? n->dacts[li + 3] : NULL;
            memset(l->gb, 0, l->b_len * sizeof *l->gb);
            for (size_t i0 = 0; i0 < B; i0 += NET_CONV_IMAGES) {
                size_t nb = B - i0 < NET_CONV_IMAGES ? B - i0 : NET_CONV_IMAGES, M = nb * hw;
                for (size_t i = i0; i < i0 + nb; i++) {
                    for (size_t oc = 0; oc < co; oc++) {
                        float *restrict dst = n->tmp + oc * M + (i - i0) * hw;
                        if (fused) {   /* the pool's and ReLU's gradients, gathered into place */
                            l->gb[oc] += pool_backward(pd + i * ps + oc * phw,
                                                       n->pool_arg[li] + i * ps + oc * phw,
                                                       l->h, l->w, dst);
                            continue;
                        }
                        const float *restrict d = dout + i * os + oc * hw;
                        memcpy(dst, d, hw * sizeof *dst);
                        float sum = 0.0f;
                        for (size_t j = 0; j < hw; j++)
                            sum += d[j];
                        l->gb[oc] += sum;
                    }
                    im2col(in + i * is, l->c, l->h, l->w, k, n->col + (i - i0) * hw, M, n->pad,
                           i == 0);
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)co, (int)cik, (int)M,
                            1.0f, n->tmp, (int)M, n->col, (int)M, i0 ? 1.0f : 0.0f, l->gw,
                            (int)cik);
                if (li == 0)   /* the network's input needs no gradient */
                    continue;
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)cik, (int)M, (int)co,
                            1.0f, l->w_, (int)cik, n->tmp, (int)M, 0.0f, n->col, (int)M);
                for (size_t i = i0; i < i0 + nb; i++)
                    col2im(n->col + (i - i0) * hw, M, l->c, l->h, l->w, k, din + i * is,
                           n->dpad);
            }
            break;
        }
        case MNPM_L_MAXPOOL: {
            const uint32_t *idx = n->pool_idx[li];
            memset(din, 0, B * is * sizeof *din);
            for (size_t i = 0; i < B * os; i++)
                din[idx[i]] += dout[i];
            break;
        }
        case MNPM_L_RELU: {
            const float *restrict y = out, *restrict dy = dout;
            float *restrict dx = din;
            for (size_t i = 0; i < B * os; i++)
                dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
            break;
        }
        case MNPM_L_DROPOUT: {
            float scale = 1.0f / (1.0f - l->drop_rate);
            for (size_t i = 0; i < B * os; i++)
                din[i] = n->mask[i] ? dout[i] * scale : 0.0f;
            break;
        }
        default:
            memcpy(din, dout, B * os * sizeof *din);
            break;
        }
    }
}

/* The weight average's decay for its next update, and 1 - decay. */
static void avg_decay(struct net *n, float *dk, float *dn)
{
    n->avg_t++;
    double t = (double)n->avg_t, ramp = (1.0 + t) / (10.0 + t);
    *dk = (float)(ramp < n->avg_decay ? ramp : n->avg_decay);
    *dn = 1.0f - *dk;
}

float net_train_step(struct net *n, const float *x, const unsigned char *y, enum net_opt opt,
                     float lr)
{
    size_t B = n->batch, L = n->n_layers;
    memcpy(n->acts[0], x, B * 784 * sizeof(float));
    forward(n, B);
    const float *p = n->acts[L];
    float *d = n->dacts[L - 1];
    double loss = 0.0;
    for (size_t i = 0; i < B; i++) {
        for (size_t j = 0; j < 10; j++)
            d[i * 10 + j] = (p[i * 10 + j] - (j == y[i] ? 1.0f : 0.0f)) / (float)B;
        loss -= log(fmax((double)p[i * 10 + y[i]], 1e-30));
    }
    backward(n, B);
    float *restrict w = n->params, *restrict m1 = n->m1, *restrict m2 = n->m2;
    const float *restrict g = n->grads;
    size_t np = n->n_params;
    int averaged = 0;
    switch (opt) {
    case OPT_SGD:
        for (size_t i = 0; i < np; i++)
            w[i] -= lr * g[i];
        break;
    case OPT_MOMENTUM:   /* tf.train.MomentumOptimizer, momentum 0.9 */
        for (size_t i = 0; i < np; i++) {
            m1[i] = 0.9f * m1[i] + g[i];
            w[i] -= lr * m1[i];
        }
        break;
    case OPT_ADAM: {     /* tf.train.AdamOptimizer defaults */
        n->adam_t++;
        double t = (double)n->adam_t;
        float a = (float)(lr * sqrt(1.0 - pow(0.999, t)) / (1.0 - pow(0.9, t)));
        if (n->avg) {   /* the average in the same pass: the loop is memory-bound */
            float dk, dn, *restrict av = n->avg;
            avg_decay(n, &dk, &dn);
            for (size_t i = 0; i < np; i++) {
                m1[i] = 0.9f * m1[i] + 0.1f * g[i];
                m2[i] = 0.999f * m2[i] + 0.001f * g[i] * g[i];
                w[i] -= a * m1[i] / (sqrtf(m2[i]) + 1e-8f);
                av[i] = dk * av[i] + dn * w[i];
            }
            averaged = 1;
            break;
        }
        for (size_t i = 0; i < np; i++) {
            m1[i] = 0.9f * m1[i] + 0.1f * g[i];
            m2[i] = 0.999f * m2[i] + 0.001f * g[i] * g[i];
            w[i] -= a * m1[i] / (sqrtf(m2[i]) + 1e-8f);
        }
        break;
    }
    }
    if (n->avg && !averaged) {
        float dk, dn, *restrict av = n->avg;
        avg_decay(n, &dk, &dn);
        for (size_t i = 0; i < np; i++)
            av[i] = dk * av[i] + dn * w[i];
    }
    return (float)(loss / (double)B);
}
