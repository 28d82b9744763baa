/* SPDX-License-Identifier: MIT */
/* builtin_mnist.c: the Kubeflow MNIST example pipeline (kubeflow/examples
 * pipelines/mnist-pipelines/mnist_pipeline.py), built in. */
#include "config.h"

#include <string.h>

#include <mnistpipe/host.h>

#define TRAIN_IMAGE "gcr.io/kubeflow-examples/mnist/model:v20190304-v0.2-176-g15d997b"
#define SERVE_IMAGE                                                                          \
    "gcr.io/ml-pipeline/ml-pipeline-kubeflow-deployer:7775692adf28d6f79098e76e839986c9ee55dd61"
#define WEBUI_IMAGE "gcr.io/kubeflow-examples/mnist/deploy-service:latest"
#define WEBUI_APP_IMAGE "gcr.io/kubeflow-examples/mnist/web-ui:v20190304-v0.2-176-g15d997b-pipelines"

static int add_args(struct mp_op *op, const char *const *args, struct mp_error *err)
{
    for (; *args; args++) {
        int rc = mp_op_add_arg(op, *args, err);
        if (rc != MP_OK)
            return rc;
    }
    return MP_OK;
}

/* The example adds on-prem arguments when its platform is not GCP. With no platform plugin it
 * is GCP, the example's own default. */
static bool is_gcp(const char *const *platforms, size_t n)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (platforms[i] && strcmp(platforms[i], "gcp") == 0)
            return true;
    return false;
}

static int build_mnist(struct mp_pipeline *p, bool gcp, struct mp_error *err)
{
    static const char *const train_args[] = {
        "/opt/model.py", "--tf-export-dir", "{{params.model_export_dir}}", "--tf-train-steps",
        "{{params.train_steps}}", "--tf-batch-size", "{{params.batch_size}}",
        "--tf-learning-rate", "{{params.learning_rate}}", NULL};
    static const char *const serve_args[] = {"--model-export-path", "{{params.model_export_dir}}",
                                             "--server-name", "mnist-service", NULL};
    static const char *const serve_onprem[] = {"--cluster-name", "mnist-pipeline", "--pvc-name",
                                               "{{params.pvc_name}}", NULL};
    static const char *const webui_args[] = {
        "--image", WEBUI_APP_IMAGE, "--name", "web-ui", "--container-port", "5000",
        "--service-port", "80", "--service-type", "LoadBalancer", NULL};
    static const char *const webui_onprem[] = {"--cluster-name", "mnist-pipeline", NULL};
    struct mp_op *train, *serve, *webui;
    int rc;
    if ((rc = mp_pipeline_set_description(p, "A pipeline to train and serve the MNIST example.",
                                          err)) != MP_OK ||
        (rc = mp_pipeline_add_param(p, "model_export_dir", "gs://your-bucket/export", NULL, NULL,
                                    err)) != MP_OK ||
        (rc = mp_pipeline_add_param(p, "train_steps", "200", NULL, NULL, err)) != MP_OK ||
        (rc = mp_pipeline_add_param(p, "learning_rate", "0.01", NULL, NULL, err)) != MP_OK ||
        (rc = mp_pipeline_add_param(p, "batch_size", "100", NULL, NULL, err)) != MP_OK ||
        (rc = mp_pipeline_add_param(p, "pvc_name", "", NULL, NULL, err)) != MP_OK)
        return rc;
    if ((rc = mp_pipeline_add_op(p, "train", TRAIN_IMAGE, &train, err)) != MP_OK ||
        (rc = add_args(train, train_args, err)) != MP_OK)
        return rc;
    if ((rc = mp_pipeline_add_op(p, "serve", SERVE_IMAGE, &serve, err)) != MP_OK ||
        (rc = add_args(serve, serve_args, err)) != MP_OK ||
        (!gcp && (rc = add_args(serve, serve_onprem, err)) != MP_OK) ||
        (rc = mp_op_add_dependency(serve, "train", err)) != MP_OK)
        return rc;
    if ((rc = mp_pipeline_add_op(p, "web-ui", WEBUI_IMAGE, &webui, err)) != MP_OK ||
        (rc = add_args(webui, webui_args, err)) != MP_OK ||
        (!gcp && (rc = add_args(webui, webui_onprem, err)) != MP_OK) ||
        (rc = mp_op_add_dependency(webui, "serve", err)) != MP_OK)
        return rc;
    return mp_pipeline_set_source(p, "builtin:mnist", err);
}

int mp_builtin_pipeline(const char *name, const char *const *platforms, size_t n,
                        struct mp_pipeline **out, struct mp_error *err)
{
    if (!name || !out)
        return mp_error_set(err, MP_ERR_INVAL, "no pipeline name");
    if (strcmp(name, "mnist") != 0)
        return mp_error_set(err, MP_ERR_NOTFOUND, "no built-in pipeline '%s' (there is: mnist)",
                            name);
    struct mp_pipeline *p;
    int rc = mp_pipeline_new("MNIST", &p, err);
    if (rc != MP_OK)
        return rc;
    if ((rc = build_mnist(p, is_gcp(platforms, n), err)) != MP_OK) {
        mp_pipeline_free(p);
        return rc;
    }
    *out = p;
    return MP_OK;
}
