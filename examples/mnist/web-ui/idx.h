/* SPDX-License-Identifier: MIT */
/* Reader for the MNIST test set in IDX format (gzip'd or raw), for the web-ui's random digits. */
#ifndef MNISTPIPE_WEBUI_IDX_H
#define MNISTPIPE_WEBUI_IDX_H

#include <stddef.h>
#include <stdint.h>

struct idx_testset {
    size_t count;          /* images */
    uint8_t *pixels;       /* count * 784, row-major 28x28, 0 = background */
    uint8_t *labels;       /* count */
};

/* Read t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] from dir. Checks the magic
 * numbers (2051, 2049), 28x28 and that the counts agree. Errors: returns -1 with a message
 * naming the file in err. Ownership: free with idx_testset_free(). */
int idx_testset_load(const char *dir, struct idx_testset *out, char *err, size_t errlen);
void idx_testset_free(struct idx_testset *t);

#endif
