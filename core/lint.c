/* SPDX-License-Identifier: MIT */
/* lint.c: mp_lint(), every problem of a pipeline file (or the built-in one) at once. */
#include "config.h"

#include <mnistpipe/host.h>

#include "diag.h"
#include "error.h"
#include "yaml_load.h"

int mp_lint(const char *path, const char *const *platforms, size_t n, bool pvc_check,
            const char *pvc, struct mp_diags *diags, struct mp_error *err)
{
    struct mp_pipeline *p = NULL;
    int rc;
    if (!diags)
        return mp_error_set(err, MP_ERR_INVAL, "no diagnostics list");
    if (path) {
        rc = mpi_yaml_load(path, platforms, n, pvc_check, pvc, &p, diags, err);
        mp_pipeline_free(p);
        if (rc == MP_ERR_PARSE || rc == MP_ERR_VALIDATE)
            return MP_ERR_VALIDATE;
        return rc;
    }
    /* The built-in pipeline has no file: its problems (there should be none) have no position. */
    mp_diags_clear(diags);
    if ((rc = mp_builtin_pipeline("mnist", platforms, n, &p, err)) != MP_OK)
        return rc;
    struct mp_error local;
    mpi_error_init(&local);
    if (mp_pipeline_validate(p, &local) != MP_OK)
        mpi_diag_add(diags, MP_DIAG_ERROR, 0, 0, NULL, "%s", mp_error_message(&local));
    mp_pipeline_free(p);
    if (mp_diags_error_count(diags))
        return mp_error_set(err, MP_ERR_VALIDATE, "%s", mp_diag_message(diags, 0));
    return MP_OK;
}
