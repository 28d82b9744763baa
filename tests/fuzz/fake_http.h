/* SPDX-License-Identifier: MIT */
/* fake_http.h: answers for the fake HTTP transport (fake_http.c). */
#ifndef MNISTPIPE_TESTS_FUZZ_FAKE_HTTP_H
#define MNISTPIPE_TESTS_FUZZ_FAKE_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* Answers are separated by this line; requests after the last answer get no answer. */
#define FAKE_HTTP_SEP "\n%%\n"
#define FAKE_HTTP_MAX_REQUESTS 64

/* Serve the answers in @data (borrowed until the next call) to the following requests. */
void fake_http_answers(const uint8_t *data, size_t size);

#endif /* MNISTPIPE_TESTS_FUZZ_FAKE_HTTP_H */
