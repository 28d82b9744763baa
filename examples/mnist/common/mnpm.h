/* SPDX-License-Identifier: MIT */
/* model.mnpm: the MNIST model file (write, load, validate), inference, IDX reading, export. */
#ifndef MNISTPIPE_MNPM_H
#define MNISTPIPE_MNPM_H

#include <stddef.h>
#include <stdint.h>

/*
 * File format (all little-endian; see mnpm.c for the byte layout):
 *   header (64 bytes): "MNPMODEL", u32 format version (1), u32 header size, u32 kind,
 *     u32 n_classes (10), u32 input rows/cols (28, 28), f32 input min/max (0, 1),
 *     u64 created (SOURCE_DATE_EPOCH honoured), u32 n_layers, u32 signature length,
 *     u32 provenance length, u64 payload length (bytes between header and trailer)
 *   layer table: n_layers x 64 bytes (type, shape parameters, weight/bias offset+length)
 *   signature block (text), provenance block (text, "key=value" lines)
 *   tensor data: float32, each tensor starting at a 64-byte aligned file offset
 *     dense weights [in][out] row-major; conv weights [c_out][c_in][kh][kw]; flatten is C*H*W
 *   trailer: u32 CRC-32 (zlib) of every byte before it
 */

#define MNPM_MAGIC "MNPMODEL"
#define MNPM_FORMAT_VERSION 1u
#define MNPM_INPUTS 784     /* x: float32 [-1, 28, 28] (784 flat accepted), values in [0, 1] */
#define MNPM_CLASSES 10

enum mnpm_kind { MNPM_LINEAR = 1, MNPM_MLP = 2, MNPM_CNN = 3 };

enum mnpm_layer_type {
    MNPM_L_DENSE = 1,    /* p: in, out */
    MNPM_L_CONV2D = 2,   /* p: c_in, c_out, kernel, stride, h, w (padding 'same') */
    MNPM_L_MAXPOOL = 3,  /* p: c, size, stride, h, w (input dims; 'same') */
    MNPM_L_RELU = 4,
    MNPM_L_FLATTEN = 5,  /* C*H*W order */
    MNPM_L_DROPOUT = 6,  /* no-op at inference; p[0] = rate * 1000 */
    MNPM_L_SOFTMAX = 7,
};

/* Signature constants that serve reports as metadata (identical for serving_default/classes). */
#define MNPM_SIG_DEFAULT "serving_default"
#define MNPM_SIG_CLASSES "classes"
#define MNPM_SIG_METHOD "tensorflow/serving/predict"
#define MNPM_SIG_INPUT "x"
#define MNPM_SIG_OUT_PROBS "predictions"
#define MNPM_SIG_OUT_CLASSES "classes"

struct mnpm_model;   /* opaque; immutable after load, so it may be shared between threads */

/* Load and validate path. Returns 0, or -1 with a message naming the file and the exact
 * problem (bad magic, version, size, CRC, shape inconsistency, I/O error) in err.
 * Ownership: the caller frees *out with mnpm_free(). */
int mnpm_load(const char *path, struct mnpm_model **out, char *err, size_t errlen);
void mnpm_free(struct mnpm_model *m);   /* NULL is fine */

/* Forward pass for n images (x: n * 784 floats, row-major; 28x28 images flattened).
 * probs: n * 10 softmax floats (may be NULL); classes: n argmax bytes (may be NULL).
 * Thread-safe: any number of threads may call it at once on the same model; each call uses
 * its own scratch (allocated here, MNPM_PREDICT_CHUNK images at a time).
 * Returns 0, or -1 on allocation failure or n == 0 with x == NULL. */
#define MNPM_PREDICT_CHUNK 64
int mnpm_predict(const struct mnpm_model *m, const float *x, size_t n, float *probs,
                 unsigned char *classes);

/* Accessors. Strings are owned by the model and live until mnpm_free(). */
enum mnpm_kind mnpm_kind(const struct mnpm_model *m);
const char *mnpm_kind_name(enum mnpm_kind k);   /* "LINEAR", "MLP", "CNN" or "?" */
uint64_t mnpm_created(const struct mnpm_model *m);
size_t mnpm_param_count(const struct mnpm_model *m);
const char *mnpm_signature(const struct mnpm_model *m);   /* the signature block text */
const char *mnpm_provenance(const struct mnpm_model *m);  /* "key=value\n" lines */
/* The graph tensor names for metadata ("x:0", "predictions:0", "classes:0"). */
const char *mnpm_input_tensor_name(const struct mnpm_model *m);
const char *mnpm_probs_tensor_name(const struct mnpm_model *m);
const char *mnpm_classes_tensor_name(const struct mnpm_model *m);

/* ---- Writing (used by train) ---- */

/* A model being built: layers with owned parameter arrays. */
struct mnpm_layer_spec {
    enum mnpm_layer_type type;
    uint32_t p[6];
    const float *w; size_t w_len;   /* borrowed; element counts */
    const float *b; size_t b_len;
};

/* Serialise to a memory buffer (malloc'd, *out_len bytes; caller frees). created: Unix
 * seconds. provenance: "key=value\n" text (copied). Returns 0 or -1 with err. */
int mnpm_serialize(enum mnpm_kind kind, const struct mnpm_layer_spec *layers, size_t n_layers,
                   uint64_t created, const char *provenance, unsigned char **out,
                   size_t *out_len, char *err, size_t errlen);

/* Build a model object straight from layer specs (copies the parameters), e.g. for
 * evaluating during training with the same code path serve uses. */
int mnpm_from_layers(enum mnpm_kind kind, const struct mnpm_layer_spec *layers, size_t n_layers,
                     struct mnpm_model **out, char *err, size_t errlen);

/* Export: write model.mnpm and model.json (json_text, may be NULL) to
 * <export_dir>/.tmp-<version>-<pid>/, fsync files and directory, rename to
 * <export_dir>/<version>. version 0 means "Unix seconds now"; if that dir exists, use
 * max(existing numeric versions)+1. The chosen version is stored in *out_version and the
 * final path in out_path. Creates export_dir (and parents) if missing. Returns 0 or -1. */
int mnpm_export(const char *export_dir, uint64_t version, const unsigned char *mnpm,
                size_t mnpm_len, const char *json_text, uint64_t *out_version,
                char *out_path, size_t out_path_len, char *err, size_t errlen);

/* Created time for a new file: SOURCE_DATE_EPOCH if set and valid, else time(NULL). */
uint64_t mnpm_created_now(void);

/* ---- IDX files ---- */

/* Read an IDX images file (gzip or raw): checks magic 0x00000803, 28x28, the count, and that
 * the data is complete. *pixels gets count*784 floats scaled by 1/255 (caller frees).
 * Returns 0, or -1 with a message naming the file. */
int mnpm_idx_images(const char *path, float **pixels, size_t *count, char *err, size_t errlen);
/* Labels (magic 0x00000801), each checked to be 0..9. *labels: count bytes (caller frees). */
int mnpm_idx_labels(const char *path, unsigned char **labels, size_t *count, char *err,
                    size_t errlen);

/* SHA-256 of a file, as 64 lowercase hex chars + NUL in hex[65]. Returns 0 or -1. */
int mnpm_sha256_file(const char *path, char hex[65], char *err, size_t errlen);

#endif
