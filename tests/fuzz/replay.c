/* SPDX-License-Identifier: MIT */
/* replay.c: a main() for the fuzz targets in builds without libFuzzer. It feeds every file of
 * the target's seed corpus (or of the files and directories given as arguments) once through
 * LLVMFuzzerTestOneInput, so 'make check' (also under ASan and valgrind) replays the corpus. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifdef FUZZ_EXTRA_SEEDS
/* Test data elsewhere in the source tree that is seed corpus too (a target's own directory
 * then holds only what fuzzing found): string literals, separated by commas. */
static const char *const extra_seeds[] = {FUZZ_EXTRA_SEEDS};
#endif

static int replay_file(const char *path, size_t *count)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *data = malloc(cap);
    while (data) {
        size_t n = fread(data + len, 1, cap - len, f);
        len += n;
        if (len < cap)
            break;
        uint8_t *bigger = realloc(data, cap * 2);
        if (!bigger) {
            free(data);
            data = NULL;
            break;
        }
        data = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!data || bad) {
        fprintf(stderr, "replay: %s: cannot read\n", path);
        free(data);
        return 1;
    }
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    (*count)++;
    return 0;
}

static int skip_name(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static int replay_path(const char *path, size_t *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path, count);
    struct dirent **names;
    int n = scandir(path, &names, skip_name, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    int failed = 0;
    for (int i = 0; i < n; i++) {
        char sub[4096];
        snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
        if (stat(sub, &st) == 0 && S_ISREG(st.st_mode))
            failed |= replay_file(sub, count);
        free(names[i]);
    }
    free(names);
    return failed;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int failed = 0;
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            failed |= replay_path(argv[i], &count);
    } else {
        const char *top = getenv("MP_TOP_SRCDIR");
        char dir[4096];
        if (!top) {
            fprintf(stderr, "replay: give corpus files or set MP_TOP_SRCDIR\n");
            return 2;
        }
        snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s", top, FUZZ_CORPUS);
        failed |= replay_path(dir, &count);
#ifdef FUZZ_EXTRA_SEEDS
        for (size_t i = 0; i < sizeof(extra_seeds) / sizeof(extra_seeds[0]); i++) {
            snprintf(dir, sizeof(dir), "%s/%s", top, extra_seeds[i]);
            failed |= replay_path(dir, &count);
        }
#endif
    }
    if (LLVMFuzzerCleanup)
        LLVMFuzzerCleanup();
    printf("replayed %zu input%s through %s\n", count, count == 1 ? "" : "s", FUZZ_CORPUS);
    return failed || count == 0;
}
