/* SPDX-License-Identifier: MIT */
/* fuzz_serve.c: mnist-serve's REST layer (request routing, its JSON reader tfjson, predict,
 * classify and regress decoding) on arbitrary requests, with the stand-in model of
 * tests/mnist/stub_servable.c. Input: "METHOD PATH" on the first line, then the body. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "models.h"
#include "rest.h"
#include "tfjson.h"

static struct models *models;
static char base[64];
static const struct rest_config config = {.max_batch = 8};

static void put(const char *version, const char *scale)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", base, version);
    if (mkdir(path, 0700) != 0)
        abort();
    snprintf(path, sizeof(path), "%s/%s/model.stub", base, version);
    FILE *f = fopen(path, "w");
    if (!f || fputs(scale, f) < 0 || fclose(f) != 0)
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(base, sizeof(base), "%.40s/fuzz-serve.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base))
        abort();
    put("1", "0.5\n");
    put("2", "2\n");
    const char *labels[] = {"stable=1", "canary=2"};
    if (!(models = models_new("mnist", base, labels, 2)))
        abort();
    models_poll(models);
    return 0;
}

void LLVMFuzzerCleanup(void)
{
    char path[128];
    models_free(models);
    models = NULL;
    tj_thread_cleanup();
    for (int v = 1; v <= 2; v++) {
        snprintf(path, sizeof(path), "%s/%d/model.stub", base, v);
        unlink(path);
        snprintf(path, sizeof(path), "%s/%d", base, v);
        rmdir(path);
    }
    rmdir(base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!models)
        LLVMFuzzerInitialize(NULL, NULL);
    const uint8_t *nl = memchr(data, '\n', size);
    size_t head = nl ? (size_t)(nl - data) : size;
    char *line = malloc(head + 1);
    if (!line)
        abort();
    memcpy(line, data, head);
    line[head] = '\0';
    char *sp = strchr(line, ' ');
    const char *method = sp ? line : "POST";
    const char *path = sp ? sp + 1 : line;
    if (sp)
        *sp = '\0';
    /* The body in a buffer of its own size, so a read past its end is caught. */
    size_t blen = nl ? size - head - 1 : 0;
    char *body = malloc(blen ? blen : 1);
    if (!body)
        abort();
    if (blen)
        memcpy(body, nl + 1, blen);
    struct rest_reply r = {0};
    mnu_buf_init(&r.body);
    rest_handle(models, &config, method, path, body, blen, &r);
    if (r.http_status < 200 || r.http_status > 599)
        abort();
    mnu_buf_free(&r.body);
    free(body);
    free(line);
    return 0;
}
