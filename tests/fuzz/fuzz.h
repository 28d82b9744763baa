/* SPDX-License-Identifier: MIT */
/* fuzz.h: the libFuzzer entry points every target defines (and the optional ones), and
 * helpers the targets share. */
#ifndef MNISTPIPE_TESTS_FUZZ_FUZZ_H
#define MNISTPIPE_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* Not a libFuzzer hook: the replay driver calls it at exit so that leak checkers see only
 * what an input leaked, not the target's long-lived state. */
void LLVMFuzzerCleanup(void) __attribute__((weak));

/* A memory file (memfd) holding @size bytes of @data; returns its /proc/self/fd path in
 * @path (cap bytes), or -1. The descriptor is reused between calls. */
int fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t cap);

#endif /* MNISTPIPE_TESTS_FUZZ_FUZZ_H */
