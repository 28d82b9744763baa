/* SPDX-License-Identifier: MIT */
/* fuzz_yaml_load.c: the pipeline-file loader (core/yaml_load.c) and lint on arbitrary bytes:
 * load, print the diagnostics (text and JSON), validate and draw the graph of what loaded.
 * Whatever the direct YAML parser (core/yaml_fast.c) takes must compose as the libyaml path
 * does: a difference aborts. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <mnistpipe/host.h>

#include "fuzz.h"
#include "yaml_same.h"

static const char *const platforms[] = {"gcp", "onprem"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64], why[512];
    const char *diff = mpt_yaml_fast_check((const char *)data, size, why, sizeof(why));
    if (diff) {
        fprintf(stderr, "yaml_fast.c and libyaml differ: %s\n", diff);
        abort();
    }
    if (fuzz_memfile(data, size, path, sizeof(path)) != 0)
        abort();
    /* The platforms the loader knows decide which variants apply: vary them with the input. */
    size_t first = size ? data[0] % 3 : 0;
    size_t n = first == 2 ? 2 : 1;
    const char *const *plat = first == 1 ? platforms + 1 : platforms;
    struct mp_diags *diags = mp_diags_new();
    struct mp_error *err = mp_error_new();
    struct mp_buf *out = mp_buf_new();
    struct mp_pipeline *p = NULL;
    if (!diags || !err || !out)
        abort();
    int rc = mp_pipeline_load_file(path, plat, n, &p, diags, err);
    mp_diags_format(diags, false, out);
    mp_diags_format(diags, true, out);
    if (rc == MP_OK) {
        if (!p)
            abort();
        if (mp_pipeline_validate(p, err) == MP_OK) {
            mp_graph_dot(p, out, err);
            mp_graph_text(p, out, err);
        }
    } else if (p || mp_error_message(err)[0] == '\0') {
        abort(); /* a failure always says why and returns nothing */
    }
    mp_pipeline_free(p);
    mp_diags_clear(diags);
    mp_lint(path, plat, n, true, size & 1 ? "pvc" : NULL, diags, err);
    mp_diags_format(diags, true, out);
    mp_buf_free(out);
    mp_error_free(err);
    mp_diags_free(diags);
    return 0;
}
