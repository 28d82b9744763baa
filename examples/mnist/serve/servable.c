/* SPDX-License-Identifier: MIT */
/* One loaded model version: the adapter between the REST layer and the model.mnpm library. */
#include "config.h"

#include "servable.h"

#include <stdio.h>
#include <stdlib.h>

#include "mnpm.h"

_Static_assert(SERVABLE_INPUTS == MNPM_INPUTS, "input size");
_Static_assert(SERVABLE_CLASSES == MNPM_CLASSES, "class count");

struct servable {
    struct mnpm_model *model;
};

int servable_load(const char *dir, struct servable **out, char *err, size_t errlen)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/model.mnpm", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "%.200s...: path too long", dir);
        return -1;
    }
    struct servable *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory loading %.3900s", path);
        return -1;
    }
    if (mnpm_load(path, &s->model, err, errlen) != 0) {
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void servable_free(struct servable *s)
{
    if (!s) return;
    mnpm_free(s->model);
    free(s);
}

int servable_predict(const struct servable *s, const float *x, size_t n, float *scores,
                     uint8_t *classes)
{
    /* mnpm_predict is documented thread-safe on a shared model. */
    return mnpm_predict(s->model, x, n, scores, classes);
}

void servable_names(const struct servable *s, struct servable_names *names)
{
    names->input = mnpm_input_tensor_name(s->model);
    names->predictions = mnpm_probs_tensor_name(s->model);
    names->classes = mnpm_classes_tensor_name(s->model);
}
