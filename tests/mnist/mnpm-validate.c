/* SPDX-License-Identifier: MIT */
/* Test helper: load a model.mnpm with mnpm_load, print its kind and parameter count, or the error. */
#include "config.h"

#include <stdio.h>

#include "mnpm.h"

int main(int argc, char **argv)
{
    struct mnpm_model *m;
    char err[1024];
    if (argc != 2) {
        fputs("usage: mnpm-validate MODEL.mnpm\n", stderr);
        return 2;
    }
    if (mnpm_load(argv[1], &m, err, sizeof err) != 0) {
        fprintf(stderr, "mnpm-validate: %s\n", err);
        return 1;
    }
    printf("%s %zu\n", mnpm_kind_name(mnpm_kind(m)), mnpm_param_count(m));
    mnpm_free(m);
    return 0;
}
