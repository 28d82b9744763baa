/* SPDX-License-Identifier: MIT */
/* runner.c: the local scheduler: fork/exec in process groups, dependency order, bounded
 * parallelism, logs, retries, timeouts, service readiness, SIGINT/SIGTERM. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "local.h"

extern char **environ;

static volatile sig_atomic_t lr_interrupted;
static int lr_child_errfd = -1; /* in a child before exec: tells the runner it could not start */

static void on_signal(int sig)
{
    lr_interrupted = sig;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !lr_interrupted)
        ;
}

bool lr_kill_group(pid_t pid, double grace)
{
    if (pid <= 0)
        return true;
    if (kill(-pid, SIGTERM) != 0 && kill(pid, SIGTERM) != 0 && errno == ESRCH)
        return true;
    for (double t = 0; t < grace; t += 0.05) {
        (void)waitpid(pid, NULL, WNOHANG);
        if (!lr_pid_alive(pid))
            return true;
        sleep_s(0.05);
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    for (int i = 0; i < 40; i++) {
        (void)waitpid(pid, NULL, WNOHANG);
        if (!lr_pid_alive(pid))
            return true;
        sleep_s(0.05);
    }
    return false;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* In a child: a user + mount namespace in which @src is bind-mounted at @dst. */
static int enter_mount_ns(const char *src, const char *dst, char *why, size_t size)
{
    char map[64];
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        snprintf(why, size, "unshare(CLONE_NEWUSER|CLONE_NEWNS): %s", strerror(errno));
        return -1;
    }
    (void)write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof(map), "%ld %ld 1", (long)uid, (long)uid);
    if (write_file("/proc/self/uid_map", map) != 0) {
        snprintf(why, size, "writing uid_map: %s", strerror(errno));
        return -1;
    }
    snprintf(map, sizeof(map), "%ld %ld 1", (long)gid, (long)gid);
    (void)write_file("/proc/self/gid_map", map);
    /* The file system type is ignored for these two; "none" rather than NULL, which valgrind
     * reports as an unaddressable argument. */
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount(src, dst, "none", MS_BIND | MS_REC, NULL) != 0) {
        snprintf(why, size, "bind mount of %s at %s: %s", src, dst, strerror(errno));
        return -1;
    }
    return 0;
}

bool lr_mount_ns_works(char *why, size_t size)
{
    int pfd[2];
    if (pipe(pfd) != 0) {
        snprintf(why, size, "pipe: %s", strerror(errno));
        return false;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, size, "fork: %s", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return false;
    }
    if (pid == 0) {
        char msg[256] = "";
        close(pfd[0]);
        int ok = enter_mount_ns("/tmp", "/mnt", msg, sizeof(msg));
        if (ok != 0)
            (void)!write(pfd[1], msg, strlen(msg));
        _exit(ok == 0 ? 0 : 1);
    }
    close(pfd[1]);
    ssize_t r = read(pfd[0], why, size - 1);
    why[r > 0 ? r : 0] = '\0';
    close(pfd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void child_fail(const char *what, const char *detail)
{
    char msg[1024];
    int n = snprintf(msg, sizeof(msg), "mnistpipe local: %s: %s\n", what, detail);
    if (n > 0)
        (void)!write(2, msg, (size_t)(n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1));
    if (lr_child_errfd >= 0)
        (void)!write(lr_child_errfd, "E", 1);
    _exit(127);
}

/* In a child, just before exec: "PID ATTEMPT" in the step's pid file (tmp + rename), so that
 * a start stays known when the runner dies before status.json records it. */
static void child_write_pid_file(const char *path, const char *tmp, int attempt)
{
    char text[64];
    int n = snprintf(text, sizeof(text), "%ld %d\n", (long)getpid(), attempt);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        child_fail(tmp, strerror(errno));
    if (n <= 0 || write(fd, text, (size_t)n) != n || close(fd) != 0 || rename(tmp, path) != 0)
        child_fail(path, strerror(errno));
}

/* Start @s: jobs write to a pipe the runner reads; services write straight to their log so
 * they outlive the runner. */
static int start_step(struct lr_run *run, struct lr_step *s, struct mp_error *err)
{
    int pfd[2] = {-1, -1}, efd[2] = {-1, -1};
    char pid_tmp[4300];
    if ((!s->service && pipe2(pfd, O_CLOEXEC) != 0) || pipe2(efd, O_CLOEXEC) != 0) {
        int e = errno;
        if (pfd[0] >= 0) {
            close(pfd[0]);
            close(pfd[1]);
        }
        return mp_error_set(err, MP_ERR_IO, "pipe: %s", strerror(e));
    }
    snprintf(pid_tmp, sizeof(pid_tmp), "%s.tmp", s->pid_file);
    s->attempts++;
    s->started = lr_now();
    if (s->attempts == 1)
        s->first_started = s->started;
    s->finished = 0;
    s->progress[0] = '\0';
    s->linelen = 0;
    s->start_error = false;
    s->exit_code = s->signo = 0;
    if (s->attempts > 1 && s->log_fd >= 0) {
        char mark[256];
        int n = snprintf(mark, sizeof(mark), "==> attempt %d of %d (the last one: %s)\n",
                         s->attempts, s->retry_limit + 1, s->reason);
        if (n > 0)
            (void)!write(s->log_fd, mark, (size_t)n < sizeof(mark) ? (size_t)n : sizeof(mark) - 1);
    }
    s->reason[0] = '\0';
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        if (pfd[0] >= 0) {
            close(pfd[0]);
            close(pfd[1]);
        }
        close(efd[0]);
        close(efd[1]);
        return mp_error_set(err, MP_ERR_IO, "fork: %s", strerror(e));
    }
    if (pid == 0) {
        char why[256];
        lr_child_errfd = efd[1];
        if (s->service)
            setsid(); /* outlives the runner and its terminal */
        else
            setpgid(0, 0);
        struct sigaction dfl = {0};
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGINT, &dfl, NULL);
        sigaction(SIGTERM, &dfl, NULL);
        sigaction(SIGPIPE, &dfl, NULL);
        int devnull = open("/dev/null", O_RDONLY);
        int outfd = s->service ? s->log_fd : pfd[1];
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
            _exit(127);
        if (s->claim_dir && s->use_ns &&
            enter_mount_ns(s->claim_dir, s->mount_path, why, sizeof(why)) != 0)
            child_fail("private mount namespace", why);
        for (char **e = s->env; e && *e; e++)
            putenv(*e);
        /* A job ends with the runner, even a killed one (services outlive it by design);
         * set after the namespace, whose credential change would clear it. */
        if (!s->service && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent))
            _exit(127);
        child_write_pid_file(s->pid_file, pid_tmp, s->attempts);
        execve(s->argv[0], s->argv, environ);
        child_fail(s->argv[0], strerror(errno));
    }
    setpgid(pid, pid);
    s->pid = pid;
    s->state = LR_RUNNING;
    /* Read when the step ends: a byte if the child could not exec (the pipe closes on exec). */
    close(efd[1]);
    (void)fcntl(efd[0], F_SETFL, O_NONBLOCK);
    if (s->err_fd >= 0)
        close(s->err_fd);
    s->err_fd = efd[0];
    if (!s->service) {
        close(pfd[1]);
        s->out_fd = pfd[0];
        s->deadline = s->timeout > 0 ? s->started + s->timeout : 0;
    } else {
        s->deadline = s->started + run->ready_timeout;
    }
    s->kill_at = 0;
    if (s->attempts > 1)
        lr_progress_event(run, s, "started (pid %ld, attempt %d of %d)", (long)pid,
                          s->attempts, s->retry_limit + 1);
    else
        lr_progress_event(run, s, "started (pid %ld)", (long)pid);
    return MP_OK;
}

/* Pull the train step's own progress ("step 40/200", "step=40/200") and result out of its
 * output; the result is test_acc, or val_acc when the test set was not evaluated. */
static void scan_line(struct lr_step *s, const char *line)
{
    const char *p = strstr(line, "step=");
    if (!p)
        p = strstr(line, "step ");
    const char *acc = strstr(line, "test_acc=");
    if (acc && acc[9] == '-')
        acc = strstr(line, "val_acc=");
    if (acc && (s->profile == LR_TRAIN || strncmp(line, "train: ", 7) == 0)) {
        snprintf(s->summary, sizeof(s->summary), "%.*s", (int)strcspn(acc, " "), acc);
    } else if (p && p[5] >= '0' && p[5] <= '9') {
        size_t n = strspn(p + 5, "0123456789/");
        snprintf(s->progress, sizeof(s->progress), "step %.*s", (int)n, p + 5);
    }
}

static void flush_line(struct lr_run *run, struct lr_step *s)
{
    s->line[s->linelen] = '\0';
    if (s->log_fd >= 0) {
        (void)!write(s->log_fd, s->line, s->linelen);
        (void)!write(s->log_fd, "\n", 1);
    }
    scan_line(s, s->line);
    lr_progress_line(run, s, s->line);
    s->linelen = 0;
}

/* Read what is there; false at end of file. */
static bool read_output(struct lr_run *run, struct lr_step *s)
{
    char buf[4096];
    ssize_t r = read(s->out_fd, buf, sizeof(buf));
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (r <= 0) {
        if (s->linelen)
            flush_line(run, s);
        return false;
    }
    for (ssize_t i = 0; i < r; i++) {
        if (buf[i] == '\n' || s->linelen == sizeof(s->line) - 1)
            flush_line(run, s);
        if (buf[i] != '\n')
            s->line[s->linelen++] = buf[i];
    }
    return true;
}

/* A GET on 127.0.0.1:@port@path that answers 200 (and AVAILABLE for a model server). */
static bool http_ready(int port, const char *path, bool need_available)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    char req[512], resp[8192];
    size_t got = 0;
    bool ok = false;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        goto out;
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", path,
                     port);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
        goto out;
    ssize_t r;
    while (got < sizeof(resp) - 1 && (r = recv(fd, resp + got, sizeof(resp) - 1 - got, 0)) > 0)
        got += (size_t)r;
    resp[got] = '\0';
    ok = strncmp(resp, "HTTP/1.", 7) == 0 && strncmp(resp + 8, " 200", 4) == 0 &&
         (!need_available || strstr(resp, "AVAILABLE"));
out:
    close(fd);
    return ok;
}

/* Whether the step's child said it could not start its program; closes the pipe. */
static void read_start_error(struct lr_step *s)
{
    if (s->err_fd < 0)
        return;
    char c;
    ssize_t r;
    while ((r = read(s->err_fd, &c, 1)) < 0 && errno == EINTR)
        ;
    s->start_error = r == 1;
    close(s->err_fd);
    s->err_fd = -1;
}

static void finish_step(struct lr_run *run, struct lr_step *s, int status)
{
    read_start_error(s); /* the child has ended: its end of the pipe is closed */
    s->finished = lr_now();
    s->pid = s->service ? s->pid : 0;
    s->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    s->signo = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (s->out_fd >= 0) {
        while (read_output(run, s))
            ;
        close(s->out_fd);
        s->out_fd = -1;
    }
    bool timed_out = s->kill_at > 0;
    bool exited_ok = !lr_interrupted && !s->service && s->exit_code == 0 && !timed_out;
    bool outputs_bad = exited_ok && !lr_outputs_collect(run, s); /* sets the reason */
    if (lr_interrupted) {
        s->state = LR_STOPPED;
        lr_progress_event(run, s, "stopped");
    } else if (exited_ok && !outputs_bad) {
        s->state = LR_SUCCEEDED;
        lr_progress_event(run, s, "done in %.1fs%s%s", s->finished - s->started,
                          s->summary[0] ? "  " : "", s->summary);
    } else {
        if (timed_out && run->timed_out && !s->exit_handler)
            snprintf(s->reason, sizeof(s->reason), "stopped: the run's timeout of %gs passed",
                     run->timeout);
        else if (timed_out)
            snprintf(s->reason, sizeof(s->reason), "timed out after %gs", s->timeout);
        else if (outputs_bad)
            ; /* the reason names the output */
        else if (s->start_error)
            snprintf(s->reason, sizeof(s->reason), "could not start its program (see its log)");
        else if (s->signo)
            snprintf(s->reason, sizeof(s->reason), "killed by signal %d", s->signo);
        else
            snprintf(s->reason, sizeof(s->reason), "exit code %d%s", s->exit_code,
                     s->service ? " before it was ready" : "");
        /* Argo: OnFailure retries failures, OnError errors, Always both; the backoff waits
         * duration * factor^(attempt-1), and no retry starts past maxDuration after the
         * first attempt's start. */
        bool allowed = s->policy == LR_RETRY_ALWAYS ||
                       (s->policy == LR_RETRY_ON_ERROR) == s->start_error;
        double wait = s->backoff;
        for (int k = 1; k < s->attempts && s->backoff_factor > 0; k++)
            wait *= s->backoff_factor;
        bool retry = s->attempts <= s->retry_limit && allowed && !run->timed_out;
        if (retry && s->backoff_max > 0 && s->finished + wait > s->first_started + s->backoff_max) {
            retry = false;
            lr_progress_event(run, s, "no retry: a wait of %gs would pass the backoff's "
                              "maxDuration of %gs", wait, s->backoff_max);
        }
        if (retry) {
            s->state = LR_PENDING;
            s->next_try = s->finished + wait;
            lr_progress_event(run, s, "%s (attempt %d of %d); retrying in %gs", s->reason,
                              s->attempts, s->retry_limit + 1, wait);
        } else {
            s->state = LR_FAILED;
            if (timed_out)
                lr_progress_event(run, s, "%s", s->reason);
            else
                lr_progress_event(run, s, "failed: %s", s->reason);
        }
    }
    if (s->state != LR_SERVING)
        s->pid = 0;
}

static bool final_state(enum lr_state st)
{
    return st != LR_PENDING && st != LR_RUNNING;
}

/* Argo's DAG: a dependency that succeeded, serves, or was skipped by its condition lets a step
 * run; one that failed, or was not run for that reason, blocks it. The exit handler waits for
 * every other step to end, whatever the outcome. */
static bool deps_state(const struct lr_run *run, const struct lr_step *s, bool *blocked)
{
    bool ready = true;
    *blocked = false;
    if (s->exit_handler) {
        for (size_t i = 0; i < run->n; i++)
            if (&run->steps[i] != s && !final_state(run->steps[i].state))
                ready = false;
        return ready;
    }
    for (size_t d = 0; d < s->ndeps; d++) {
        const struct lr_step *dep = &run->steps[s->deps[d]];
        enum lr_state st = dep->state;
        if (st == LR_SKIPPED && dep->cond_false)
            continue;
        if (st == LR_FAILED || st == LR_SKIPPED || st == LR_CANCELLED || st == LR_STOPPED)
            *blocked = true;
        if (st != LR_SUCCEEDED && st != LR_SERVING)
            ready = false;
    }
    return ready;
}

static bool port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return true;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

/* One pass of the scheduler: start what may start. */
static int schedule(struct lr_run *run, int *active, struct mp_error *err)
{
again:
    for (size_t i = 0; i < run->n && *active < run->jobs && !lr_interrupted; i++) {
        struct lr_step *s = &run->steps[i];
        bool blocked;
        if (s->state != LR_PENDING || s->next_try > lr_now())
            continue;
        bool ready = deps_state(run, s, &blocked);
        if (blocked) {
            s->state = LR_SKIPPED;
            snprintf(s->reason, sizeof(s->reason), "a step it depends on did not succeed");
            lr_progress_event(run, s, "skipped: %s", s->reason);
            run->state_dirty = true;
            goto again; /* what waits for it, earlier in the list, is decided now too */
        }
        if (!ready)
            continue;
        if (s->tmpl) { /* the list it loops over is known: its iterations replace it */
            bool ok;
            int rc = lr_outputs_expand(run, i, &ok, err);
            if (rc != MP_OK)
                return rc;
            run->state_dirty = true;
            goto again;
        }

        if (s->loop && s->loop_parallelism > 0) { /* the loop's parallelism */
            long long busy = 0;
            for (size_t j = 0; j < run->n; j++)
                busy += run->steps[j].loop == s->loop && run->steps[j].state == LR_RUNNING;
            if (busy >= s->loop_parallelism)
                continue;
        }
        if (s->service && s->port > 0 && !port_free(s->port)) {
            s->state = LR_FAILED;
            lr_progress_event(run, s, "failed: port %d on 127.0.0.1 is in use", s->port);
            snprintf(run->message, sizeof(run->message),
                     "step '%s': port %d on 127.0.0.1 is in use (another run? see 'mnistpipe "
                     "runs list' and 'mnistpipe stop RUN'; or pick other ports with "
                     "--serve-port/--ui-port)", s->name, s->port);
            continue;
        }
        enum lr_prep pr = lr_outputs_prepare(run, s); /* each attempt: fresh inputs */
        if (pr != LR_PREP_START) {
            lr_progress_event(run, s, "%s: %s", pr == LR_PREP_SKIP ? "skipped" : "failed",
                              s->reason);
            run->state_dirty = true;
            goto again;
        }
        int rc = start_step(run, s, err);
        if (rc != MP_OK)
            return rc;
        (*active)++;
        run->state_dirty = true; /* written once per turn of the loop, not per step */
    }
    return MP_OK;
}

static void check_services(struct lr_run *run, int *active)
{
    double now = lr_now();
    for (size_t i = 0; i < run->n; i++) {
        struct lr_step *s = &run->steps[i];
        if (!s->service || s->state != LR_RUNNING)
            continue;
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            finish_step(run, s, st);
            (*active)--;
            continue;
        }
        bool up = s->ready_path ? http_ready(s->port, s->ready_path, s->profile == LR_SERVE)
                                : now - s->started > 0.5;
        if (up) {
            read_start_error(s); /* it runs its program (non-blocking: no wait) */
            s->state = LR_SERVING;
            s->finished = now;
            (*active)--;
            lr_progress_event(run, s, "ready after %.1fs  %s", now - s->started, s->summary);
        } else if (now > s->deadline) {
            lr_kill_group(s->pid, 5);
            s->pid = 0;
            s->state = LR_FAILED;
            s->finished = now;
            (*active)--;
            lr_progress_event(run, s, "failed: not ready after %.0fs (see its log)",
                              run->ready_timeout);
        }
    }
}

/* A step over its timeout, and every step once the run is over its own, gets SIGTERM on its
 * process group, then SIGKILL 5 seconds later. Pending steps of a run over its timeout are
 * cancelled; the exit handler still runs (with its own timeout only). */
static void check_timeouts(struct lr_run *run)
{
    double now = lr_now();
    if (run->timeout > 0 && now > run->deadline && !run->timed_out) {
        run->timed_out = true;
        run->state_dirty = true;
        lr_progress_event(run, NULL, "the run's timeout of %gs passed: stopping its steps",
                          run->timeout);
        for (size_t i = 0; i < run->n; i++) {
            struct lr_step *s = &run->steps[i];
            if (s->exit_handler)
                continue;
            if (s->state == LR_RUNNING && !s->service)
                s->deadline = now;
            else if (s->state == LR_PENDING) {
                s->state = s->attempts ? LR_FAILED : LR_CANCELLED;
                snprintf(s->reason, sizeof(s->reason), "%s: the run's timeout of %gs passed",
                         s->attempts ? "no retry" : "not run", run->timeout);
                lr_progress_event(run, s, "%s", s->reason);
            }
        }
    }
    for (size_t i = 0; i < run->n; i++) {
        struct lr_step *s = &run->steps[i];
        if (s->service || s->state != LR_RUNNING || s->deadline <= 0 || now < s->deadline)
            continue;
        if (s->kill_at == 0) {
            kill(-s->pid, SIGTERM);
            s->kill_at = now + 5;
        } else if (now > s->kill_at) {
            kill(-s->pid, SIGKILL);
        }
    }
}

static void stop_all(struct lr_run *run)
{
    for (size_t i = 0; i < run->n; i++) {
        struct lr_step *s = &run->steps[i];
        if ((s->state == LR_RUNNING || s->state == LR_SERVING) && s->pid > 0) {
            int st = 0;
            lr_kill_group(s->pid, 5);
            if (waitpid(s->pid, &st, WNOHANG) == s->pid || s->state == LR_SERVING ||
                s->service) {
                if (s->out_fd >= 0) {
                    close(s->out_fd);
                    s->out_fd = -1;
                }
                s->state = LR_STOPPED;
                s->finished = lr_now();
                s->pid = 0;
                lr_progress_event(run, s, "stopped");
            }
        } else if (s->state == LR_PENDING) {
            s->state = LR_CANCELLED;
        }
    }
}

int lr_run_execute(struct lr_run *run, struct mp_error *err)
{
    struct sigaction sa = {0}, old_int, old_term, old_pipe;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    lr_interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);
    int active = 0, rc = MP_OK;
    double last_write = lr_now();
    run->state = "running";
    run->deadline = run->timeout > 0 ? lr_now() + run->timeout : 0;
    for (size_t i = 0; i < run->n; i++)
        if (run->steps[i].cond_false)
            lr_progress_event(run, &run->steps[i], "skipped: %s", run->steps[i].reason);
    (void)lr_state_write(run, err);
    for (;;) {
        if ((rc = schedule(run, &active, err)) != MP_OK)
            break;
        bool waiting = false; /* a retry waits for its backoff */
        for (size_t i = 0; i < run->n; i++)
            waiting = waiting || (run->steps[i].state == LR_PENDING && run->steps[i].next_try > 0);
        if (lr_interrupted || (active == 0 && !waiting))
            break;
        struct pollfd pfds[64];
        size_t map[64], np = 0;
        for (size_t i = 0; i < run->n && np < 64; i++)
            if (run->steps[i].state == LR_RUNNING && run->steps[i].out_fd >= 0) {
                pfds[np].fd = run->steps[i].out_fd;
                pfds[np].events = POLLIN;
                map[np++] = i;
            }
        int pr = poll(pfds, np, 100);
        for (size_t k = 0; pr > 0 && k < np; k++)
            if (pfds[k].revents && !read_output(run, &run->steps[map[k]])) {
                close(run->steps[map[k]].out_fd);
                run->steps[map[k]].out_fd = -1;
            }
        for (size_t i = 0; i < run->n; i++) {
            struct lr_step *s = &run->steps[i];
            int st;
            if (s->service || s->state != LR_RUNNING || s->out_fd >= 0)
                continue;
            if (waitpid(s->pid, &st, 0) == s->pid) { /* its output is closed: it is ending */
                finish_step(run, s, st);
                active--;
                run->state_dirty = true;
            }
        }
        size_t before = (size_t)active;
        check_services(run, &active);
        check_timeouts(run);
        /* Steps that started or ended in this turn, in one write (the rename costs ms on
         * ext4); also once a second, so that `runs status` shows the steps' progress. */
        if (run->state_dirty || (size_t)active != before || lr_now() - last_write > 1.0) {
            (void)lr_state_write(run, err);
            run->state_dirty = false;
            last_write = lr_now();
        }
        lr_progress_draw(run);
    }
    if (lr_interrupted)
        stop_all(run);
    bool failed = run->timed_out;
    for (size_t i = 0; i < run->n; i++)
        if (run->steps[i].state == LR_FAILED ||
            (run->steps[i].state == LR_SKIPPED && !run->steps[i].cond_false))
            failed = true;
    run->finished = lr_now();
    if (rc != MP_OK)
        run->state = "failed";
    else if (lr_interrupted)
        run->state = "interrupted";
    else
        run->state = failed ? "failed" : "succeeded";
    int wrc = lr_state_write(run, err);
    lr_progress_final(run);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    if (rc != MP_OK)
        return rc;
    if (wrc != MP_OK)
        return wrc;
    if (lr_interrupted)
        return mp_error_set(err, MP_ERR_INTERRUPTED, "run %s interrupted; its steps were stopped",
                            run->id);
    if (failed && run->timed_out)
        return mp_error_set(err, MP_ERR_FAILED, "run %s failed: it passed the pipeline's timeout "
                            "of %gs; see 'mnistpipe runs status %s'", run->id, run->timeout,
                            run->id);
    if (failed) {
        for (size_t i = 0; i < run->n; i++)
            if (run->steps[i].state == LR_FAILED)
                return mp_error_set(err, MP_ERR_FAILED, "run %s failed: step '%s' %s; see "
                                    "'mnistpipe logs %s %s'%s%s", run->id, run->steps[i].name,
                                    run->steps[i].service ? "did not become ready" : "failed",
                                    run->id, run->steps[i].name, run->message[0] ? ": " : "",
                                    run->message);
    }
    return MP_OK;
}
