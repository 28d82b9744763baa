/* SPDX-License-Identifier: MIT */
/* fuzz_component.c: libFuzzer target of the kfp v1 component loader (mpi_component_parse on a
 * byte buffer). Without --enable-fuzzing, main() replays the files given on the command line,
 * or every file of the component corpus (tests/data/components, bad/, bad-steps/). */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mp_diags *d = mp_diags_new();
    struct mp_error *err = mp_error_new();
    struct mpi_component *c = NULL;
    if (d && err &&
        mpi_component_parse((const char *)data, size, "fuzz.yaml", &c, d, err) == MP_OK) {
        /* Resolve with no arguments: required inputs are then reported, never a crash. */
        struct mpi_component_use *u = NULL;
        if (mpi_component_resolve(c, NULL, 0, 1, 1, &u, d, err) == MP_OK)
            mpi_component_use_free(u);
        mpi_component_free(c);
    }
    mp_error_free(err);
    mp_diags_free(d);
    return 0;
}

#ifndef MP_FUZZING
static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 1;
    }
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
    printf("ok: %s\n", path);
    return 0;
}

static int replay_dir(const char *dir, int *count)
{
    DIR *dh = opendir(dir);
    int rc = 0;
    if (!dh) {
        fprintf(stderr, "%s: cannot open\n", dir);
        return 1;
    }
    struct dirent *e;
    while ((e = readdir(dh))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof(path))
            continue;
        rc |= replay(path);
        (*count)++;
    }
    closedir(dh);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0, count = 0;
    for (int i = 1; i < argc; i++)
        rc |= replay(argv[i]);
    if (argc > 1)
        return rc;
    const char *top = getenv("MP_TOP_SRCDIR");
    if (!top) {
        fprintf(stderr, "usage: fuzz_component FILE... (or set MP_TOP_SRCDIR)\n");
        return 2;
    }
    static const char *const dirs[] = {"tests/data/components", "tests/data/components/bad",
                                       "tests/data/components/bad-steps", "tests/data/bad"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/%s", top, dirs[i]);
        if (n < 0 || (size_t)n >= sizeof(path))
            return 1;
        rc |= replay_dir(path, &count);
    }
    if (count < 20) {
        fprintf(stderr, "only %d corpus files\n", count);
        return 1;
    }
    return rc;
}
#endif
