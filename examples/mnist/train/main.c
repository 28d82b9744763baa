/* SPDX-License-Identifier: MIT */
/* mnist-train: native stand-in for kubeflow/examples mnist model.py (train, evaluate, export). */
#include "config.h"

#include "mnpm.h"
#include "net.h"

#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

static const struct {
    const char *name, *sha256;
} data_files[4] = {
    { "train-images-idx3-ubyte", "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971" },
    { "train-labels-idx1-ubyte", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c" },
    { "t10k-images-idx3-ubyte", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6" },
    { "t10k-labels-idx1-ubyte", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6" },
};

struct opts {
    const char *data_dir, *model_dir, *export_dir;
    enum mnpm_kind kind;
    long steps, batch, threads, val_size;
    double lr;
    int lr_set;
    enum net_opt opt;
    enum net_init init;
    double avg_decay;
    uint64_t seed, version;
    int eval_test, quiet, verify;
};

static int quiet;

__attribute__((format(printf, 1, 2)))
static void logmsg(const char *fmt, ...)
{
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    va_list ap;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s mnist-train: ", ts);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void usage(FILE *f)
{
    fputs("usage: mnist-train [/opt/model.py] [--tf-data-dir DIR] [--tf-model-dir DIR]\n"
          "         [--tf-export-dir DIR] [--tf-model-type CNN|LINEAR|MLP] [--tf-train-steps N]\n"
          "         [--tf-batch-size N] [--tf-learning-rate F] [--optimizer sgd|momentum|adam]\n"
          "         [--seed N] [--model-version N] [--threads N] [--validation-size N]\n"
          "         [--init glorot|he] [--weight-average DECAY]\n"
          "         [--eval-test] [--verify-data] [--quiet]\n"
          "Defaults as model.py: /tmp/data/, export mnist/, CNN, 200 steps, batch 100, plain\n"
          "SGD at 0.01, Glorot-uniform init. --weight-average exports the exponential moving\n"
          "average of the weights (TF's ExponentialMovingAverage rule) instead of the last\n"
          "ones; 0 turns it off. Default: 0.99 with --optimizer adam, whose last weights\n"
          "swing from step to step (see mnist-train(1)); off with sgd and momentum.\n"
          "The last stdout line is machine-readable:\n"
          "train: steps=N loss=F val_acc=F test_acc=F|- seconds=F export=DIR/VERSION|-\n", f);
}

static int parse_long(const char *flag, const char *v, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < min || x > max) {
        logmsg("error: %s expects an integer in %ld..%ld, got '%s'", flag, min, max, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_u64(const char *flag, const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*v == '-' || *v == '\0')
        goto bad;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end)
        goto bad;
    *out = x;
    return 0;
bad:
    logmsg("error: %s expects a non-negative integer, got '%s'", flag, v);
    return -1;
}

static int remote_path(const char *flag, const char *p)
{
    if (p && (strncmp(p, "gs://", 5) == 0 || strncmp(p, "s3://", 5) == 0)) {
        logmsg("error: %s %s: gs:// and s3:// paths are not supported by the local runner; "
               "use a local directory", flag, p);
        return 1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    o->data_dir = "/tmp/data/";
    o->export_dir = "mnist/";
    o->kind = MNPM_CNN;
    o->steps = 200;
    o->batch = 100;
    o->lr = 0.01;
    o->opt = OPT_SGD;
    o->seed = 42;
    o->val_size = 5000;
    o->avg_decay = -1.0;   /* unset: chosen with the optimizer below */
    for (int i = 1; i < argc; i++) {
        char *a = argv[i], *val = NULL, name[64];
        if (i == 1 && a[0] != '-') {
            size_t n = strlen(a);
            if (n >= 8 && strcmp(a + n - 8, "model.py") == 0)
                continue;
        }
        if (a[0] != '-' || a[1] != '-') {
            logmsg("warning: ignoring positional argument '%s'", a);
            continue;
        }
        char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name) {
            logmsg("warning: ignoring unknown option %s", a);
            continue;
        }
        memcpy(name, a, nl);
        name[nl] = '\0';
        static const char *const boolean[] = { "--eval-test", "--quiet", "--verify-data",
                                               "--help", "--version" };
        int is_bool = 0;
        for (size_t k = 0; k < sizeof boolean / sizeof *boolean; k++)
            is_bool |= strcmp(name, boolean[k]) == 0;
        static const char *const known[] = { "--tf-data-dir", "--tf-model-dir",
            "--tf-export-dir", "--tf-model-type", "--tf-train-steps", "--tf-batch-size",
            "--tf-learning-rate", "--optimizer", "--seed", "--model-version", "--threads",
            "--validation-size", "--init", "--weight-average" };
        int is_known = 0;
        for (size_t k = 0; k < sizeof known / sizeof *known; k++)
            is_known |= strcmp(name, known[k]) == 0;
        if (!is_bool && !is_known) {
            /* model.py uses parse_known_args: unknown options are ignored. Skip a value. */
            logmsg("warning: ignoring unknown option %s", name);
            if (!eq && i + 1 < argc && argv[i + 1][0] != '-')
                i++;
            continue;
        }
        if (is_bool) {
            if (eq) {
                logmsg("error: %s takes no value", name);
                return -1;
            }
            if (!strcmp(name, "--help")) { usage(stdout); exit(0); }
            if (!strcmp(name, "--version")) { printf("mnist-train %s\n", PACKAGE_VERSION); exit(0); }
            if (!strcmp(name, "--eval-test")) o->eval_test = 1;
            if (!strcmp(name, "--quiet")) o->quiet = 1;
            if (!strcmp(name, "--verify-data")) o->verify = 1;
            continue;
        }
        if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            logmsg("error: %s needs a value", name);
            return -1;
        }
        if (!strcmp(name, "--tf-data-dir")) o->data_dir = val;
        else if (!strcmp(name, "--tf-model-dir")) o->model_dir = val;
        else if (!strcmp(name, "--tf-export-dir")) o->export_dir = val;
        else if (!strcmp(name, "--tf-model-type")) {
            if (!strcmp(val, "CNN")) o->kind = MNPM_CNN;
            else if (!strcmp(val, "LINEAR")) o->kind = MNPM_LINEAR;
            else if (!strcmp(val, "MLP")) o->kind = MNPM_MLP;
            else {
                logmsg("error: --tf-model-type: No such model type: %s (expected CNN, LINEAR or MLP)", val);
                return -1;
            }
        } else if (!strcmp(name, "--tf-train-steps")) {
            if (parse_long(name, val, 0, 100000000, &o->steps)) return -1;
        } else if (!strcmp(name, "--tf-batch-size")) {
            if (parse_long(name, val, 1, 10000, &o->batch)) return -1;
        } else if (!strcmp(name, "--tf-learning-rate")) {
            char *end;
            errno = 0;
            o->lr = strtod(val, &end);
            if (errno || end == val || *end || !(o->lr > 0) || !isfinite(o->lr)) {
                logmsg("error: --tf-learning-rate expects a positive number, got '%s'", val);
                return -1;
            }
            o->lr_set = 1;
        } else if (!strcmp(name, "--optimizer")) {
            if (!strcmp(val, "sgd")) o->opt = OPT_SGD;
            else if (!strcmp(val, "momentum")) o->opt = OPT_MOMENTUM;
            else if (!strcmp(val, "adam")) o->opt = OPT_ADAM;
            else {
                logmsg("error: --optimizer expects sgd, momentum or adam, got '%s'", val);
                return -1;
            }
        } else if (!strcmp(name, "--seed")) {
            if (parse_u64(name, val, &o->seed)) return -1;
        } else if (!strcmp(name, "--model-version")) {
            if (parse_u64(name, val, &o->version) || o->version == 0) {
                logmsg("error: --model-version must be a positive integer");
                return -1;
            }
        } else if (!strcmp(name, "--threads")) {
            if (parse_long(name, val, 1, 1024, &o->threads)) return -1;
        } else if (!strcmp(name, "--init")) {
            if (!strcmp(val, "glorot")) o->init = INIT_GLOROT;
            else if (!strcmp(val, "he")) o->init = INIT_HE;
            else {
                logmsg("error: --init expects glorot or he, got '%s'", val);
                return -1;
            }
        } else if (!strcmp(name, "--weight-average")) {
            char *end;
            errno = 0;
            o->avg_decay = strtod(val, &end);
            if (errno || end == val || *end || !(o->avg_decay >= 0.0 && o->avg_decay < 1.0)) {
                logmsg("error: --weight-average expects a decay in [0, 1), got '%s'", val);
                return -1;
            }
        } else if (!strcmp(name, "--validation-size")) {
            if (parse_long(name, val, 0, 59999, &o->val_size)) return -1;
        }
    }
    if (o->avg_decay < 0.0)
        o->avg_decay = o->opt == OPT_ADAM ? 0.99 : 0.0;
    if (remote_path("--tf-data-dir", o->data_dir) || remote_path("--tf-model-dir", o->model_dir)
        || remote_path("--tf-export-dir", o->export_dir))
        return -1;
    return 0;
}

/* TF_CONFIG: {"task": {"type": "worker", ...}}. Only worker and ps skip the export. */
static int tf_config_no_export(void)
{
    const char *s = getenv("TF_CONFIG");
    json_error_t je;
    int skip = 0;
    if (!s || !*s)
        return 0;
    json_t *root = json_loads(s, 0, &je);
    if (!root) {
        logmsg("warning: TF_CONFIG is not valid JSON (%s); treating this as the chief", je.text);
        return 0;
    }
    const char *type = json_string_value(json_object_get(json_object_get(root, "task"), "type"));
    if (type && (!strcmp(type, "worker") || !strcmp(type, "ps"))) {
        logmsg("TF_CONFIG task type is %s: training without export", type);
        skip = 1;
    }
    json_decref(root);
    return skip;
}

/* Find <dir>/<name>.gz or <dir>/<name>. */
static int data_path(const char *dir, const char *name, char *out, size_t outlen)
{
    size_t dl = strlen(dir);
    const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
    snprintf(out, outlen, "%s%s%s.gz", dir, sep, name);
    if (access(out, R_OK) == 0)
        return 0;
    snprintf(out, outlen, "%s%s%s", dir, sep, name);
    if (access(out, R_OK) == 0)
        return 0;
    snprintf(out, outlen, "%s%s%s.gz", dir, sep, name);
    return -1;
}

static double accuracy(const struct mnpm_model *m, const float *x, const unsigned char *y,
                       size_t n)
{
    unsigned char *cls = malloc(n ? n : 1);
    size_t ok = 0;
    if (!cls || mnpm_predict(m, x, n, NULL, cls) != 0) {
        free(cls);
        return NAN;
    }
    for (size_t i = 0; i < n; i++)
        ok += cls[i] == y[i];
    free(cls);
    return n ? (double)ok / (double)n : NAN;
}

/* ---- checkpoint: "MNPMCKPT", u32 kind, u64 step, u64 adam_t, u64 n_params, u64 rng,
 * u64 last loss (float bits),
 * params, m1, m2 (float32, host order), u32 CRC-32 of everything before it. ---- */

static int ckpt_path(const char *dir, const char *name, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int ckpt_save(const char *dir, const struct net *n, uint64_t step, float loss)
{
    char tmp[4096], fin[4096];
    size_t np = n->n_params, len = 8 + 4 + 8 * 5 + 3 * np * 4 + 4;
    unsigned char *buf = malloc(len), *p = buf;
    int rc = -1;
    if (!buf || ckpt_path(dir, "checkpoint.mnck.tmp", tmp, sizeof tmp)
        || ckpt_path(dir, "checkpoint.mnck", fin, sizeof fin))
        goto cleanup;
    uint32_t kind = (uint32_t)n->kind;
    uint32_t lbits;
    memcpy(&lbits, &loss, 4);
    uint64_t hdr[5] = { step, n->adam_t, np, n->rng, lbits };
    memcpy(p, "MNPMCKPT", 8); p += 8;
    memcpy(p, &kind, 4); p += 4;
    memcpy(p, hdr, sizeof hdr); p += sizeof hdr;
    memcpy(p, n->params, np * 4); p += np * 4;
    memcpy(p, n->m1, np * 4); p += np * 4;
    memcpy(p, n->m2, np * 4); p += np * 4;
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(len - 4));
    memcpy(p, &crc, 4);
    mkdir(dir, 0755);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        logmsg("error: cannot write checkpoint %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    ssize_t w = write(fd, buf, len);
    if (w != (ssize_t)len || fsync(fd) != 0) {
        logmsg("error: cannot write checkpoint %s: %s", tmp, strerror(errno));
        close(fd);
        goto cleanup;
    }
    close(fd);
    if (rename(tmp, fin) != 0) {
        logmsg("error: cannot rename %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(buf);
    return rc;
}

/* Returns the global step (0 when there is no checkpoint) or -1 on a bad checkpoint. */
static long ckpt_load(const char *dir, struct net *n, float *loss)
{
    char path[4096];
    long rc = -1;
    unsigned char *buf = NULL;
    if (ckpt_path(dir, "checkpoint.mnck", path, sizeof path))
        return -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    size_t np = n->n_params, len = 8 + 4 + 8 * 5 + 3 * np * 4 + 4;
    buf = malloc(len + 1);
    if (!buf)
        goto cleanup;
    size_t got = fread(buf, 1, len + 1, f);
    uint32_t kind, crc, lbits;
    uint64_t hdr[5];
    if (got < 12 || memcmp(buf, "MNPMCKPT", 8) != 0) {
        logmsg("error: %s: not an mnist-train checkpoint (bad magic)", path);
        goto cleanup;
    }
    memcpy(&kind, buf + 8, 4);
    if (kind != (uint32_t)n->kind) {
        logmsg("error: %s: checkpoint is for model type %s, not %s (use another "
               "--tf-model-dir)", path, mnpm_kind_name((enum mnpm_kind)kind),
               mnpm_kind_name(n->kind));
        goto cleanup;
    }
    if (got != len) {
        logmsg("error: %s: checkpoint size %zu, expected %zu (truncated?)", path, got, len);
        goto cleanup;
    }
    memcpy(hdr, buf + 12, sizeof hdr);
    memcpy(&crc, buf + len - 4, 4);
    if (hdr[2] != np) {
        logmsg("error: %s: checkpoint has %" PRIu64 " parameters, the model %zu", path, hdr[2],
               np);
        goto cleanup;
    }
    if (crc != (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(len - 4))) {
        logmsg("error: %s: checkpoint CRC mismatch (corrupt)", path);
        goto cleanup;
    }
    const unsigned char *p = buf + 12 + sizeof hdr;
    memcpy(n->params, p, np * 4); p += np * 4;
    memcpy(n->m1, p, np * 4); p += np * 4;
    memcpy(n->m2, p, np * 4);
    n->adam_t = hdr[1];
    n->rng = hdr[3];
    lbits = (uint32_t)hdr[4];
    memcpy(loss, &lbits, 4);
    rc = (long)hdr[0];
cleanup:
    fclose(f);
    free(buf);
    return rc;
}

static const char *opt_name(enum net_opt o)
{
    return o == OPT_ADAM ? "adam" : o == OPT_MOMENTUM ? "momentum" : "sgd";
}

int main(int argc, char **argv)
{
    struct opts o;
    struct net net;
    int rc = 1, have_net = 0;
    char err[1024], paths[4][4096], sha[4][65], prov[4096], out_path[4096];
    float *trx = NULL, *tex = NULL;
    unsigned char *try_ = NULL, *tey = NULL, *raw = NULL;
    size_t ntr = 0, nte = 0, nl;
    size_t *perm = NULL;
    float *bx = NULL;
    unsigned char *by = NULL;
    struct mnpm_model *model = NULL;
    char *json_text = NULL;
    json_t *js = NULL;

    memset(&o, 0, sizeof o);
    if (parse_args(argc, argv, &o) != 0)
        return 1;
    quiet = o.quiet;
    int no_export = tf_config_no_export();
    if (o.threads > 0)
        openblas_set_num_threads((int)o.threads);
    /* LINEAR: model.py's LinearClassifier keeps its own optimiser and ignores the flag. */
    if (o.kind == MNPM_LINEAR && !o.lr_set && o.opt == OPT_SGD)
        o.lr = 0.2;

    for (int i = 0; i < 4; i++) {
        if (data_path(o.data_dir, data_files[i].name, paths[i], sizeof paths[i]) != 0) {
            logmsg("error: missing MNIST data file %s (no download here; expected sha256 %s)",
                   paths[i], data_files[i].sha256);
            goto cleanup;
        }
        if (mnpm_sha256_file(paths[i], sha[i], err, sizeof err) != 0) {
            logmsg("error: %s", err);
            goto cleanup;
        }
        if (o.verify && strstr(paths[i], ".gz") && strcmp(sha[i], data_files[i].sha256) != 0) {
            logmsg("error: %s: sha256 %s does not match the published %s", paths[i], sha[i],
                   data_files[i].sha256);
            goto cleanup;
        }
    }
    if (mnpm_idx_images(paths[0], &trx, &ntr, err, sizeof err) != 0
        || mnpm_idx_labels(paths[1], &try_, &nl, err, sizeof err) != 0) {
        logmsg("error: %s", err);
        goto cleanup;
    }
    if (nl != ntr) {
        logmsg("error: %s has %zu labels but %s has %zu images", paths[1], nl, paths[0], ntr);
        goto cleanup;
    }
    if (mnpm_idx_images(paths[2], &tex, &nte, err, sizeof err) != 0
        || mnpm_idx_labels(paths[3], &tey, &nl, err, sizeof err) != 0) {
        logmsg("error: %s", err);
        goto cleanup;
    }
    if (nl != nte) {
        logmsg("error: %s has %zu labels but %s has %zu images", paths[3], nl, paths[2], nte);
        goto cleanup;
    }
    size_t nval = (size_t)o.val_size;
    if (nval >= ntr) {
        logmsg("error: --validation-size %zu leaves no training images (%zu in %s)", nval, ntr,
               paths[0]);
        goto cleanup;
    }
    size_t ntrain = ntr - nval, B = (size_t)o.batch;
    const float *xtrain = trx + nval * MNPM_INPUTS;
    const unsigned char *ytrain = try_ + nval;

    if (net_init(&net, o.kind, B, o.seed, o.init) != 0) {
        logmsg("error: out of memory for the %s model", mnpm_kind_name(o.kind));
        goto cleanup;
    }
    have_net = 1;
    long start = 0;
    float loss = NAN;
    if (o.model_dir) {
        start = ckpt_load(o.model_dir, &net, &loss);
        if (start < 0)
            goto cleanup;
        if (start > 0)
            logmsg("resuming from %s/checkpoint.mnck at global step %ld", o.model_dir, start);
    }
    /* The average starts from the weights trained so far (the checkpoint holds no average). */
    if (o.avg_decay > 0.0 && net_average(&net, o.avg_decay) != 0) {
        logmsg("error: out of memory");
        goto cleanup;
    }
    perm = malloc(ntrain * sizeof *perm);
    bx = malloc(B * MNPM_INPUTS * sizeof *bx);
    by = malloc(B);
    if (!perm || !bx || !by) {
        logmsg("error: out of memory");
        goto cleanup;
    }
    /* Shuffle-and-repeat input: a fresh permutation per epoch, seeded. */
    uint64_t shuf = o.seed ^ 0x5eedf00dull;
    size_t pos = ntrain;
    for (long s = 0; s < start; s++) {   /* replay the data order so a resume continues it */
        if (pos + B > ntrain) {
            for (size_t i = 0; i < ntrain; i++) perm[i] = i;
            for (size_t i = ntrain - 1; i > 0; i--) {
                size_t j = (size_t)(net_rand(&shuf) % (i + 1)), t = perm[i];
                perm[i] = perm[j]; perm[j] = t;
            }
            pos = 0;
        }
        pos += B;
    }
    if (!o.quiet)
        logmsg("training %s (%zu parameters) on %zu images (%zu held out), steps %ld..%ld, "
               "batch %zu, %s lr %g, seed %" PRIu64, mnpm_kind_name(o.kind), net.n_params,
               ntrain, nval, start, o.steps, B, opt_name(o.opt), o.lr, o.seed);
    double t0 = now_s(), loss_sum = 0.0, last_log = t0;
    long loss_n = 0, every = o.steps / 20 > 0 ? o.steps / 20 : 1;
    for (long s = start; s < o.steps; s++) {
        if (pos + B > ntrain) {
            for (size_t i = 0; i < ntrain; i++) perm[i] = i;
            for (size_t i = ntrain - 1; i > 0; i--) {
                size_t j = (size_t)(net_rand(&shuf) % (i + 1)), t = perm[i];
                perm[i] = perm[j]; perm[j] = t;
            }
            pos = 0;
        }
        for (size_t i = 0; i < B; i++) {
            size_t k = perm[pos + i];
            memcpy(bx + i * MNPM_INPUTS, xtrain + k * MNPM_INPUTS, MNPM_INPUTS * sizeof *bx);
            by[i] = ytrain[k];
        }
        pos += B;
        loss = net_train_step(&net, bx, by, o.opt, (float)o.lr);
        if (!isfinite(loss)) {
            logmsg("error: loss diverged (%g) at step %ld; lower --tf-learning-rate", loss, s + 1);
            goto cleanup;
        }
        loss_sum += loss;
        loss_n++;
        double t = now_s();
        if (!o.quiet && ((s + 1) % every == 0 || s + 1 == o.steps || t - last_log > 5.0)) {
            logmsg("progress step=%ld/%ld loss=%.4f mean_loss=%.4f elapsed=%.1fs", s + 1,
                   o.steps, loss, loss_sum / (double)loss_n, t - t0);
            loss_sum = 0.0;
            loss_n = 0;
            last_log = t;
        }
    }
    double train_s = now_s() - t0;
    if (o.model_dir && o.steps > start && ckpt_save(o.model_dir, &net, (uint64_t)o.steps,
                                                     loss) != 0)
        goto cleanup;

    struct mnpm_layer_spec specs[NET_MAX_LAYERS];
    nl = net_specs(&net, specs);
    if (net.avg && (!o.quiet || o.eval_test)) {   /* the last weights, for comparison */
        if (mnpm_from_layers(o.kind, specs, nl, &model, err, sizeof err) != 0) {
            logmsg("error: %s", err);
            goto cleanup;
        }
        double rv = nval ? accuracy(model, trx, try_, nval) : NAN;
        double rt = o.eval_test ? accuracy(model, tex, tey, nte) : NAN;
        char rtbuf[32] = "-";
        if (o.eval_test)
            snprintf(rtbuf, sizeof rtbuf, "%.4f", rt);
        logmsg("last weights (not averaged): val_acc=%.4f test_acc=%s", rv, rtbuf);
        mnpm_free(model);
        model = NULL;
    }
    if (net.avg)   /* the average replaces the last weights */
        memcpy(net.params, net.avg, net.n_params * sizeof *net.params);
    if (mnpm_from_layers(o.kind, specs, nl, &model, err, sizeof err) != 0) {
        logmsg("error: %s", err);
        goto cleanup;
    }
    double val_acc = nval ? accuracy(model, trx, try_, nval) : NAN;
    double test_acc = o.eval_test ? accuracy(model, tex, tey, nte) : NAN;
    long done = o.steps > start ? o.steps : start;

    uint64_t created = mnpm_created_now();
    int pn = snprintf(prov, sizeof prov,
                      "tool=mnist-train %s\nmodel_type=%s\noptimizer=%s\nlearning_rate=%g\n"
                      "init=%s\nweight_average=%g\n"
                      "batch_size=%zu\nseed=%" PRIu64 "\nsteps=%ld\nvalidation_size=%zu\n"
                      "final_loss=%.6f\nval_acc=%.6f\ntest_acc=%.6f\n"
                      "data_sha256=%s %s,%s %s,%s %s,%s %s\n",
                      PACKAGE_VERSION, mnpm_kind_name(o.kind), opt_name(o.opt), o.lr,
                      o.init == INIT_HE ? "he" : "glorot", o.avg_decay, B, o.seed,
                      done, nval, (double)loss, val_acc, test_acc, data_files[0].name, sha[0],
                      data_files[1].name, sha[1], data_files[2].name, sha[2],
                      data_files[3].name, sha[3]);
    if (pn < 0 || (size_t)pn >= sizeof prov) {
        logmsg("error: provenance too long");
        goto cleanup;
    }
    const char *exported = "-";
    if (!no_export) {
        size_t rawlen;
        uint64_t ver;
        if (mnpm_serialize(o.kind, specs, nl, created, prov, &raw, &rawlen, err, sizeof err)) {
            logmsg("error: %s", err);
            goto cleanup;
        }
        js = json_pack("{s:s, s:i, s:s, s:i, s:{s:s, s:s, s:[i,i,i], s:f, s:f}, s:i, s:I, "
                       "s:{s:o, s:s}, s:s}",
                       "format", "mnpm", "format_version", (int)MNPM_FORMAT_VERSION,
                       "kind", mnpm_kind_name(o.kind), "parameters", (int)net.n_params,
                       "input", "name", "x", "dtype", "DT_FLOAT", "shape", -1, 28, 28,
                       "min", 0.0, "max", 1.0, "n_classes", MNPM_CLASSES,
                       "created", (json_int_t)created,
                       "signature", "names", json_pack("[s,s]", MNPM_SIG_DEFAULT,
                                                       MNPM_SIG_CLASSES),
                       "method_name", MNPM_SIG_METHOD, "provenance", prov);
        if (js) {
            json_object_set_new(json_object_get(js, "signature"), "outputs",
                                json_pack("{s:{s:s,s:[i,i]}, s:{s:s,s:[i]}}", "predictions",
                                          "dtype", "DT_FLOAT", "shape", -1, 10, "classes",
                                          "dtype", "DT_UINT8", "shape", -1));
            json_text = json_dumps(js, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        }
        if (mnpm_export(o.export_dir, o.version, raw, rawlen, json_text, &ver, out_path,
                        sizeof out_path, err, sizeof err) != 0) {
            logmsg("error: export: %s", err);
            goto cleanup;
        }
        exported = out_path;
        if (!o.quiet)
            logmsg("exported version %" PRIu64 " to %s", ver, out_path);
    }
    char testbuf[32];
    if (o.eval_test)
        snprintf(testbuf, sizeof testbuf, "%.4f", test_acc);
    else
        snprintf(testbuf, sizeof testbuf, "-");
    printf("train: steps=%ld loss=%.4f val_acc=%.4f test_acc=%s seconds=%.1f export=%s\n", done,
           (double)loss, val_acc, testbuf, train_s, exported);
    rc = fflush(stdout) == 0 ? 0 : 1;
cleanup:
    json_decref(js);
    free(json_text);
    free(raw);
    mnpm_free(model);
    if (have_net)
        net_free(&net);
    free(perm); free(bx); free(by);
    free(trx); free(try_); free(tex); free(tey);
    return rc;
}
