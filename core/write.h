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

#endif /* MNISTPIPE_CORE_WRITE_H */
