/* SPDX-License-Identifier: MIT */
/* component_yaml.h: YAML scalars read as PyYAML (YAML 1.1) reads them and printed as Python
 * prints them, and kfp's component_spec JSON; for the component loader only. */
#ifndef MNISTPIPE_CORE_COMPONENT_YAML_H
#define MNISTPIPE_CORE_COMPONENT_YAML_H

#include <mnistpipe/mnistpipe.h>
#include <stdbool.h>

#include <yaml.h>

#define MPI_COMPONENT_MAX_DEPTH 64

enum mpi_scalar_kind { MPI_SC_STR, MPI_SC_NULL, MPI_SC_BOOL, MPI_SC_INT, MPI_SC_FLOAT };

/* True for a plain (unquoted) scalar. */
bool mpi_yaml_plain(const yaml_node_t *n);
/* True for a plain scalar PyYAML reads as None: empty, ~, null, Null, NULL. */
bool mpi_yaml_null(const yaml_node_t *n);
/* What PyYAML's resolver makes of scalar @n (quoted scalars are strings). */
enum mpi_scalar_kind mpi_yaml_scalar_kind(const yaml_node_t *n);
/* Append Python's str() of the value PyYAML reads from scalar @n (True, 1000, 0.5, ...). */
void mpi_py_str(struct mp_buf *out, const yaml_node_t *n);
/* Append Python's repr() of @x (shortest round-trip digits, 1e+16, 0.0001, 100.0). */
void mpi_py_float(struct mp_buf *out, double x);
/* Append @n of @doc as json.dumps(..., sort_keys=True) writes kfp's to_dict(): mappings with
 * sorted keys, without None values and without optional: false. Errors: MP_ERR_NOMEM. */
int mpi_component_json(yaml_document_t *doc, yaml_node_t *n, struct mp_buf *out);

#endif /* MNISTPIPE_CORE_COMPONENT_YAML_H */
