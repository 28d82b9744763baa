/* SPDX-License-Identifier: MIT */
/* write.h: deterministic YAML (core/yaml_emit.c) and JSON serialisation of document trees. */
#ifndef MNISTPIPE_CORE_WRITE_H
#define MNISTPIPE_CORE_WRITE_H

#include <mnistpipe/mnistpipe.h>

/* True when a plain YAML scalar @s would not read back as the string @s under YAML 1.1's
 * implicit typing (as PyYAML and Go's yaml read it): booleans (yes/no/on/off/y/n/true/false),
 * null and ~, integers (decimal, octal, hex, binary, sexagesimal), floats, .inf/.nan,
 * timestamps, the merge key '<<', and the empty string. Such strings must be quoted. */
bool mpi_yaml_needs_quotes(const char *s);

/* mp_write_yaml(), calling @progress (when not NULL) every 64 KiB or so with the bytes written
 * so far (@data valid during the call only): a consumer can start on them early. */
int mpi_write_yaml_progress(const struct mp_node *root, struct mp_buf *out, struct mp_error *err,
                            void (*progress)(void *user, const char *data, size_t len),
                            void *user);

#endif /* MNISTPIPE_CORE_WRITE_H */
