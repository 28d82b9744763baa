/* SPDX-License-Identifier: MIT */
/* yaml_ref.h: the reference YAML writer (libyaml's emitter) that core/write.c must match. */
#ifndef MNISTPIPE_TESTS_YAML_REF_H
#define MNISTPIPE_TESTS_YAML_REF_H

#include <mnistpipe/mnistpipe.h>

/* Serialise @root through libyaml's emitter (unicode, width 80, indent 2), with the scalar
 * quoting of mp_write_yaml(): what mp_write_yaml() wrote before it had its own emitter.
 * Errors: MP_ERR_NOMEM (also for a string that is not UTF-8), MP_ERR_INVAL. */
int mpt_ref_write_yaml(const struct mp_node *root, struct mp_buf *out);

#endif /* MNISTPIPE_TESTS_YAML_REF_H */
