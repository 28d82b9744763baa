/* SPDX-License-Identifier: MIT */
/* yaml_same.h: compare two composed YAML documents (core/yaml_fast.c against libyaml). */
#ifndef MNISTPIPE_TESTS_YAML_SAME_H
#define MNISTPIPE_TESTS_YAML_SAME_H

#include <stddef.h>

#include <yaml.h>

/* NULL when @a and @b have the same nodes (types, tags, values, styles, items, pairs, marks)
 * and document marks; else what differs first, written into @why (@cap bytes). */
const char *mpt_yaml_doc_diff(const yaml_document_t *a, const yaml_document_t *b, char *why,
                              size_t cap);

/* mpi_yl_fast_parse() against libyaml on @data: NULL when the fast parser does not take it, or
 * takes it and makes what the libyaml path makes (which must then load it); else the
 * difference, in @why. */
const char *mpt_yaml_fast_check(const char *data, size_t len, char *why, size_t cap);

#endif /* MNISTPIPE_TESTS_YAML_SAME_H */
