/* SPDX-License-Identifier: MIT */
/* placeholder.h: the {{params.NAME}} and {{steps.STEP.outputs.NAME}} placeholders that strings
 * in ops may hold. */
#ifndef MNISTPIPE_CORE_PLACEHOLDER_H
#define MNISTPIPE_CORE_PLACEHOLDER_H

#include <mnistpipe/mnistpipe.h>
#include <stddef.h>

/* Find the next parameter placeholder in @s at or after @from. On a hit, sets the span of the
 * whole placeholder [*start, *end) and of the name [*name, *name + *name_len) and returns true.
 * Other {{...}} expressions (Argo's own) are not placeholders and are skipped. */
bool mpi_placeholder_next(const char *s, size_t from, size_t *start, size_t *end,
                          const char **name, size_t *name_len);

/* Call @fn for each distinct-or-not parameter name in @s (in order). Stops at the first
 * non-MP_OK return and returns it. */
typedef int (*mpi_placeholder_fn)(void *user, const char *name, size_t len);
int mpi_placeholder_each(const char *s, mpi_placeholder_fn fn, void *user);

/* Find the next output placeholder {{steps.STEP.outputs.NAME}} in @s at or after @from: the
 * whole span [*start, *end), the step [*step, *step + *step_len) and the output name. */
bool mpi_output_ref_next(const char *s, size_t from, size_t *start, size_t *end,
                         const char **step, size_t *step_len, const char **name,
                         size_t *name_len);

/* Call @fn for each output placeholder of @s, in order; stops at the first non-MP_OK. */
typedef int (*mpi_output_ref_fn)(void *user, const char *step, size_t step_len,
                                 const char *name, size_t name_len);
int mpi_output_ref_each(const char *s, mpi_output_ref_fn fn, void *user);

/* Find the next loop-item placeholder {{item}} or {{item.KEY}} in @s at or after @from: the
 * span [*start, *end) and the key [*key, *key + *key_len) (empty for {{item}}). */
bool mpi_item_ref_next(const char *s, size_t from, size_t *start, size_t *end, const char **key,
                       size_t *key_len);

/* Find the next placeholder of an enclosing loop's item, {{loops.LOOP.item}} or
 * {{loops.LOOP.item.KEY}}, in @s at or after @from: the span [*start, *end), the loop's name
 * [*loop, *loop + *loop_len) and the key (empty for the whole item). The reference an op
 * records is [*loop, *end - 2): "LOOP.item" or "LOOP.item.KEY". */
bool mpi_loop_ref_next(const char *s, size_t from, size_t *start, size_t *end, const char **loop,
                       size_t *loop_len, const char **key, size_t *key_len);

/* True when @name is a valid parameter name: [A-Za-z_][A-Za-z0-9_-]*, at most 128 long. */
bool mpi_param_name_valid(const char *name);

#endif /* MNISTPIPE_CORE_PLACEHOLDER_H */
