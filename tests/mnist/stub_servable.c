/* SPDX-License-Identifier: MIT */
/* A stand-in model for testing mnist-serve's REST layer without model.mnpm: <dir>/model.stub. */
#include "config.h"

#include "servable.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The "model" is a seed: score_k = sum of pixels j with j % 10 == k, scaled by the seed, then
 * softmax. Deterministic, cheap, and different per version when the seeds differ. */
struct servable {
    float scale;
};

int servable_load(const char *dir, struct servable **out, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/model.stub", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%.4000s: cannot open", path);
        return -1;
    }
    char line[64] = "";
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    char *end = NULL;
    double scale = ok ? strtod(line, &end) : 0;
    if (!ok || end == line || !(scale > 0)) {
        snprintf(err, errlen, "%.4000s: expected a positive number", path);
        return -1;
    }
    struct servable *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->scale = (float)scale;
    *out = s;
    return 0;
}

void servable_free(struct servable *s) { free(s); }

int servable_predict(const struct servable *s, const float *x, size_t n, float *scores,
                     uint8_t *classes)
{
    for (size_t i = 0; i < n; i++) {
        double z[SERVABLE_CLASSES] = {0}, sum = 0, mx;
        for (int j = 0; j < SERVABLE_INPUTS; j++) z[j % 10] += x[i * SERVABLE_INPUTS + (size_t)j];
        mx = z[0] * s->scale;
        for (int k = 0; k < SERVABLE_CLASSES; k++) {
            z[k] *= s->scale;
            if (z[k] > mx) mx = z[k];
        }
        int best = 0;
        for (int k = 0; k < SERVABLE_CLASSES; k++) {
            z[k] = exp(z[k] - mx);
            sum += z[k];
            if (z[k] > z[best]) best = k;
        }
        for (int k = 0; k < SERVABLE_CLASSES; k++)
            scores[i * SERVABLE_CLASSES + (size_t)k] = (float)(z[k] / sum);
        classes[i] = (uint8_t)best;
    }
    return 0;
}

void servable_names(const struct servable *s, struct servable_names *names)
{
    (void)s;
    names->input = "Placeholder:0";
    names->predictions = "Softmax:0";
    names->classes = "Cast:0";
}
