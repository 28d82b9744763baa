/* SPDX-License-Identifier: MIT */
/* A small JSON reader with TensorFlow Serving's dialect (NaN/Infinity, rapidjson's error texts). */
#ifndef MNISTPIPE_SERVE_TFJSON_H
#define MNISTPIPE_SERVE_TFJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Why not jansson here: a predict body is ~800 numbers, and jansson spends ~98 us on it (one
 * malloc per value, strtod per number); it also rejects the NaN/Infinity tokens TF accepts.
 * This parser builds a read-only DOM in one arena and converts decimals with a correctly
 * rounded fast path, ~10x faster on MNIST bodies. */

enum tj_type { TJ_NULL, TJ_FALSE, TJ_TRUE, TJ_NUMBER, TJ_STRING, TJ_ARRAY, TJ_OBJECT };

struct tj_value {
    enum tj_type type;
    bool is_int;          /* number token without fraction/exponent, fits int64 */
    uint32_t n;           /* array: elements; object: members; string: bytes */
    const char *raw;      /* number: token text; string: decoded bytes (NUL-terminated) */
    uint32_t raw_len;     /* number: token length */
    union {
        double d;                 /* number */
        struct tj_value *items;   /* array: n values; object: 2n (key, value) pairs */
    } u;
    float f;              /* number: correctly rounded float32 */
    int64_t i;            /* number: when is_int */
};

/* A parsed document; everything lives in doc's arena. */
struct tj_doc {
    struct tj_value root;
    struct tj_chunk *chunks;
};

/* Parse text (len bytes, need not be NUL-terminated). On error writes rapidjson's English
 * message and the byte offset, e.g. "Invalid value." at 0, and returns false.
 * Ownership: free the document with tj_doc_free() whatever the result. */
bool tj_parse(const char *text, size_t len, struct tj_doc *doc, const char **err_msg,
              size_t *err_off);
void tj_doc_free(struct tj_doc *doc);

/* Free this thread's cached parser memory now (it is also freed when the thread exits). */
void tj_thread_cleanup(void);

/* Object member lookup by key (first match) or NULL. */
const struct tj_value *tj_get(const struct tj_value *obj, const char *key);

/* Append val as compact JSON (numbers as written, floats that are not tokens in TF format). */
void tj_write(struct mnu_buf *b, const struct tj_value *val);
/* rapidjson type name as TF prints it: Null, False, True, Object, Array, String, Number. */
const char *tj_type_name(const struct tj_value *val);

/* Append a float32 the way TF Serving writes it: shortest of %.6g / %.9g that round-trips,
 * ".0" for whole numbers, NaN / Infinity / -Infinity. */
void tj_write_float(struct mnu_buf *b, float v);

#endif
