/* SPDX-License-Identifier: MIT */
/* Gradient check of mnist-train's CNN (conv, pool, dropout, dense): analytic vs central differences. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "net.h"

START_TEST(cnn_gradients)
{
    struct net n;
    float x[2 * 784];
    unsigned char y[2] = { 3, 7 };
    uint64_t s = 5;
    ck_assert_int_eq(net_init(&n, MNPM_CNN, 2, 3, INIT_GLOROT), 0);
    for (int i = 0; i < 2 * 784; i++)
        x[i] = (float)((net_rand(&s) >> 40) % 256) / 255.0f;
    uint64_t r0 = n.rng;
    (void)net_train_step(&n, x, y, OPT_SGD, 0.0f);   /* lr 0: gradients only */
    float *g = malloc(n.n_params * sizeof *g);
    ck_assert_ptr_nonnull(g);
    for (size_t i = 0; i < n.n_params; i++)
        g[i] = n.grads[i];
    /* conv1 w, conv1 b, conv2 w, conv2 b, dense1 w, dense2 w, dense2 b */
    const size_t idx[] = { 0, 5, 800, 850, 900, 60000, 3274000, n.n_params - 1 };
    for (size_t k = 0; k < sizeof idx / sizeof idx[0]; k++) {
        size_t i = idx[k];
        float e = 2e-3f, w = n.params[i];
        n.params[i] = w + e; n.rng = r0;    /* same dropout mask each time */
        double lp = net_train_step(&n, x, y, OPT_SGD, 0.0f);
        n.params[i] = w - e; n.rng = r0;
        double lm = net_train_step(&n, x, y, OPT_SGD, 0.0f);
        n.params[i] = w;
        double num = (lp - lm) / (2.0 * e);
        ck_assert_msg(fabs(num - g[i]) <= 0.05 * fabs(num) + 3e-4,
                      "parameter %zu: analytic %g, numeric %g", i, g[i], num);
    }
    free(g);
    net_free(&n);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("net");
    TCase *tc = tcase_create("net");
    tcase_add_test(tc, cnn_gradients);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
