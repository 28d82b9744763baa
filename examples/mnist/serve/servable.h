/* SPDX-License-Identifier: MIT */
/* One loaded model version: the adapter between the REST layer and the model.mnpm library. */
#ifndef MNISTPIPE_SERVE_SERVABLE_H
#define MNISTPIPE_SERVE_SERVABLE_H

#include <stddef.h>
#include <stdint.h>

#define SERVABLE_INPUTS 784   /* x: [-1, 28, 28] float32 in [0, 1] */
#define SERVABLE_CLASSES 10

struct servable;

/* Graph tensor names reported by the metadata API. */
struct servable_names {
    const char *input;        /* e.g. "Placeholder:0" */
    const char *predictions;  /* e.g. "Softmax:0" */
    const char *classes;      /* e.g. "Cast:0" */
};

/* Load <dir>/model.mnpm. Errors: returns -1 and writes a message naming the file into err.
 * Ownership: *out is freed with servable_free(). */
int servable_load(const char *dir, struct servable **out, char *err, size_t errlen);
void servable_free(struct servable *s);

/* Predict n images (n * 784 floats): softmax scores (n * 10) and argmax classes (n).
 * Thread-safe: several threads may predict with one servable at once. Returns 0 or -1. */
int servable_predict(const struct servable *s, const float *x, size_t n, float *scores,
                     uint8_t *classes);

void servable_names(const struct servable *s, struct servable_names *names);

#endif
