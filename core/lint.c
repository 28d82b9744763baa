/* SPDX-License-Identifier: MIT */
/* lint.c: mp_lint(), every problem of a pipeline file (or the built-in one) at once. */
#include "config.h"

#include <mnistpipe/host.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "error.h"
#include "yaml_load.h"

/* The onprem plugin takes its claim name from --pvc or the pvc_name parameter's default; with
 * neither, the run would start without a volume to train into. */
static void check_pvc(const struct mp_pipeline *p, const char *const *platforms, size_t n,
                      const char *pvc, const struct mpi_yaml_info *info, struct mp_diags *diags)
{
    bool onprem = false;
    for (size_t i = 0; i < n; i++)
        onprem = onprem || (platforms[i] && !strcmp(platforms[i], "onprem"));
    if (!onprem || (pvc && *pvc))
        return;
    struct mp_param *pm = mp_pipeline_find_param(p, "pvc_name");
    const char *v = pm ? mp_param_default(pm) : NULL;
    if (v && *v)
        return;
    mpi_diag_add(diags, MP_DIAG_ERROR, info->pvc_line, info->pvc_col, "--pvc NAME, or a default for parameter "
                 "pvc_name", "platform onprem: the claim name (parameter pvc_name) is empty "
                 "at run time");
}

int mp_lint(const char *path, const char *const *platforms, size_t n, bool pvc_check,
            const char *pvc, struct mp_diags *diags, struct mp_error *err)
{
    struct mp_pipeline *p = NULL;
    struct mpi_yaml_info info = {0};
    int rc;
    if (!diags)
        return mp_error_set(err, MP_ERR_INVAL, "no diagnostics list");
    if (path) {
        rc = mpi_yaml_load(path, platforms, n, &p, &info, diags, err);
        if (rc == MP_OK && pvc_check)
            check_pvc(p, platforms, n, pvc, &info, diags);
        mp_pipeline_free(p);
        if (rc == MP_ERR_PARSE || rc == MP_ERR_VALIDATE || mp_diags_error_count(diags))
            return mp_error_set(err, MP_ERR_VALIDATE, "%s: %zu problems", path,
                                mp_diags_error_count(diags));
        return rc;
    }
    /* The built-in pipeline has no file: its problems (there should be none) have no position. */
    mp_diags_clear(diags);
    if (!(diags->file = strdup("builtin:mnist")))
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if ((rc = mp_builtin_pipeline("mnist", platforms, n, &p, err)) != MP_OK)
        return rc;
    struct mp_error local;
    mpi_error_init(&local);
    if (mp_pipeline_validate(p, &local) != MP_OK)
        mpi_diag_add(diags, MP_DIAG_ERROR, 0, 0, NULL, "%s", mp_error_message(&local));
    if (pvc_check)
        check_pvc(p, platforms, n, pvc, &info, diags);
    mp_pipeline_free(p);
    if (mp_diags_error_count(diags))
        return mp_error_set(err, MP_ERR_VALIDATE, "%zu problems", mp_diags_error_count(diags));
    return MP_OK;
}
