/* SPDX-License-Identifier: MIT */
/* fuzz_component.c: the kfp v1 component loader (mpi_component_parse on a byte buffer), then
 * placeholder resolution with no arguments. Input: a component file. */
#include "config.h"

#include "component.h"
#include "diag.h"
#include "fuzz.h"

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
