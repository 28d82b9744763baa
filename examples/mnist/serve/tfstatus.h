/* SPDX-License-Identifier: MIT */
/* TensorFlow's canonical error codes and their HTTP statuses (tensorflow_serving http_server.cc). */
#ifndef MNISTPIPE_SERVE_TFSTATUS_H
#define MNISTPIPE_SERVE_TFSTATUS_H

enum tf_code {
    TF_OK = 0,
    TF_CANCELLED = 1,
    TF_UNKNOWN = 2,
    TF_INVALID_ARGUMENT = 3,
    TF_DEADLINE_EXCEEDED = 4,
    TF_NOT_FOUND = 5,
    TF_ALREADY_EXISTS = 6,
    TF_PERMISSION_DENIED = 7,
    TF_RESOURCE_EXHAUSTED = 8,
    TF_FAILED_PRECONDITION = 9,
    TF_ABORTED = 10,
    TF_OUT_OF_RANGE = 11,
    TF_UNIMPLEMENTED = 12,
    TF_INTERNAL = 13,
    TF_UNAVAILABLE = 14,
    TF_DATA_LOSS = 15,
    TF_UNAUTHENTICATED = 16,
};

static inline int tf_code_http(enum tf_code c)
{
    switch (c) {
    case TF_OK: return 200;
    case TF_CANCELLED: return 499;
    case TF_INVALID_ARGUMENT:
    case TF_FAILED_PRECONDITION:
    case TF_OUT_OF_RANGE: return 400;
    case TF_NOT_FOUND: return 404;
    case TF_ALREADY_EXISTS:
    case TF_ABORTED: return 409;
    case TF_PERMISSION_DENIED: return 403;
    case TF_UNAUTHENTICATED: return 401;
    case TF_RESOURCE_EXHAUSTED: return 429;
    case TF_UNIMPLEMENTED: return 501;
    case TF_UNAVAILABLE: return 503;
    case TF_DEADLINE_EXCEEDED: return 504;
    case TF_UNKNOWN:
    case TF_INTERNAL:
    case TF_DATA_LOSS: return 500;
    }
    return 500;
}

/* The proto enum name, e.g. "INVALID_ARGUMENT", as status JSON prints it. */
static inline const char *tf_code_name(enum tf_code c)
{
    static const char *const names[] = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "UNKNOWN";
}

#endif
