/* SPDX-License-Identifier: MIT */
/* Request counters and latency histograms for GET /monitoring/prometheus/metrics. */
#include "config.h"

#include "metrics.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* Upper bounds in microseconds, as TF's request_latency histogram (exponential). */
static const double bounds_us[] = {10, 18, 32.4, 58.3, 105, 189, 340, 612, 1102, 1984, 3570,
                                   6427, 11568, 20823, 37482, 67467, 121440, 218592, 393466,
                                   708239, 1274830, 2294694, 4130450, 7434810};
#define N_BUCKETS (sizeof bounds_us / sizeof bounds_us[0])
#define N_CODES 17

static atomic_uint_fast64_t counts[API_COUNT][N_CODES];
static atomic_uint_fast64_t buckets[API_COUNT][N_BUCKETS + 1];
static atomic_uint_fast64_t sum_us[API_COUNT];

void metrics_record(enum rest_api api, enum tf_code code, double seconds)
{
    unsigned c = (unsigned)code < N_CODES ? (unsigned)code : TF_UNKNOWN;
    atomic_fetch_add_explicit(&counts[api][c], 1, memory_order_relaxed);
    double us = seconds * 1e6;
    size_t b = 0;
    while (b < N_BUCKETS && us > bounds_us[b]) b++;
    atomic_fetch_add_explicit(&buckets[api][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_us[api], (uint_fast64_t)us, memory_order_relaxed);
}

void metrics_write(struct mnu_buf *b, const char *model_name)
{
    mnu_buf_adds(b, "# TYPE :tensorflow:serving:request_count counter\n");
    for (int a = 0; a < API_COUNT; a++)
        for (int c = 0; c < N_CODES; c++) {
            uint64_t n = atomic_load_explicit(&counts[a][c], memory_order_relaxed);
            if (!n) continue;
            mnu_buf_adds(b, ":tensorflow:serving:request_count{model_name=");
            mnu_buf_add_jstr(b, model_name, strlen(model_name));
            mnu_buf_printf(b, ",API=\"%s\",entrypoint=\"REST\",status=\"%s\"} %llu\n",
                           rest_api_names[a], tf_code_name((enum tf_code)c),
                           (unsigned long long)n);
        }
    mnu_buf_adds(b, "# TYPE :tensorflow:serving:request_latency histogram\n");
    for (int a = 0; a < API_COUNT; a++) {
        uint64_t total = 0;
        for (size_t k = 0; k <= N_BUCKETS; k++)
            total += atomic_load_explicit(&buckets[a][k], memory_order_relaxed);
        if (!total) continue;
        uint64_t cum = 0;
        for (size_t k = 0; k <= N_BUCKETS; k++) {
            cum += atomic_load_explicit(&buckets[a][k], memory_order_relaxed);
            mnu_buf_adds(b, ":tensorflow:serving:request_latency_bucket{model_name=");
            mnu_buf_add_jstr(b, model_name, strlen(model_name));
            if (k < N_BUCKETS)
                mnu_buf_printf(b, ",API=\"%s\",entrypoint=\"REST\",le=\"%g\"} %llu\n",
                               rest_api_names[a], bounds_us[k], (unsigned long long)cum);
            else
                mnu_buf_printf(b, ",API=\"%s\",entrypoint=\"REST\",le=\"+Inf\"} %llu\n",
                               rest_api_names[a], (unsigned long long)cum);
        }
        mnu_buf_adds(b, ":tensorflow:serving:request_latency_sum{model_name=");
        mnu_buf_add_jstr(b, model_name, strlen(model_name));
        mnu_buf_printf(b, ",API=\"%s\",entrypoint=\"REST\"} %llu\n", rest_api_names[a],
                       (unsigned long long)atomic_load_explicit(&sum_us[a], memory_order_relaxed));
        mnu_buf_adds(b, ":tensorflow:serving:request_latency_count{model_name=");
        mnu_buf_add_jstr(b, model_name, strlen(model_name));
        mnu_buf_printf(b, ",API=\"%s\",entrypoint=\"REST\"} %llu\n", rest_api_names[a],
                       (unsigned long long)total);
    }
}
