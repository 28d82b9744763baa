/* SPDX-License-Identifier: MIT */
/* Training network for mnist-train: layers with parameters, gradients and optimiser state. */
#ifndef MNISTPIPE_TRAIN_NET_H
#define MNISTPIPE_TRAIN_NET_H

#include <stddef.h>
#include <stdint.h>

#include "mnpm.h"

#define NET_MAX_LAYERS 16

enum net_opt { OPT_SGD, OPT_MOMENTUM, OPT_ADAM };
/* Weight init: Glorot-uniform on every layer (TF's default), or He-uniform (sqrt(6/fan_in))
 * on the layers a ReLU follows. */
enum net_init { INIT_GLOROT, INIT_HE };

struct net_layer {
    enum mnpm_layer_type type;
    uint32_t p[6];
    size_t in_size, out_size;     /* floats per image */
    size_t c, h, w;               /* input dims (spatial layers) */
    float *w_, *b_;               /* parameters: slices of net.params */
    float *gw, *gb;               /* gradients: slices of net.grads */
    size_t w_len, b_len;
    float drop_rate;
};

struct net {
    enum mnpm_kind kind;
    size_t n_layers;
    struct net_layer l[NET_MAX_LAYERS];
    size_t n_params;
    float *params, *grads, *m1, *m2;   /* m1/m2: momentum or Adam moments */
    uint64_t adam_t;
    float *avg;        /* exponential moving average of params (NULL: off) */
    double avg_decay;
    uint64_t avg_t;
    size_t batch;
    float **acts;      /* acts[i]: input of layer i for the batch; acts[n]: output */
    float **dacts;
    unsigned char *mask;   /* dropout keep mask / maxpool argmax, per layer slice */
    uint32_t *pool_idx[NET_MAX_LAYERS];
    unsigned char *pool_arg[NET_MAX_LAYERS];   /* conv+ReLU+pool: argmax 0-3 per output, 4: <= 0 */
    float *col;    /* conv layers: im2col of a block of images, cik x (images*h*w), or its gradient */
    float *tmp;    /* a conv layer's output or output gradient for that block, co x (images*h*w) */
    float *pad;    /* one image with its zero border (im2col) */
    float *dpad;   /* the same for col2im */
    uint64_t rng;
};

int net_init(struct net *n, enum mnpm_kind kind, size_t batch, uint64_t seed,
             enum net_init init);
/* Keep an exponential moving average of the parameters from now on, updated after each step
 * with TF's ExponentialMovingAverage rule: decay min(@decay, (1 + t) / (10 + t)) at update t. */
int net_average(struct net *n, double decay);
void net_free(struct net *n);
/* One step on a batch (x: batch*784, y: labels); returns the mean cross-entropy. */
float net_train_step(struct net *n, const float *x, const unsigned char *y, enum net_opt opt,
                     float lr);
/* Layer specs for mnpm_serialize / mnpm_from_layers (parameters borrowed from n). */
size_t net_specs(const struct net *n, struct mnpm_layer_spec *specs);
uint64_t net_rand(uint64_t *state);

#endif
