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
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "local.h"

extern char **environ;

static volatile sig_atomic_t lr_interrupted;

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
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0) {
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
    _exit(127);
}

/* Start @s: jobs write to a pipe the runner reads; services write straight to their log so
 * they outlive the runner. */
static int start_step(struct lr_run *run, struct lr_step *s, struct mp_error *err)
{
    int pfd[2] = {-1, -1};
    if (!s->service && pipe2(pfd, O_CLOEXEC) != 0)
        return mp_error_set(err, MP_ERR_IO, "pipe: %s", strerror(errno));
    s->attempts++;
    s->started = lr_now();
    s->finished = 0;
    s->progress[0] = '\0';
    s->linelen = 0;
    pid_t pid = fork();
    if (pid < 0) {
        if (pfd[0] >= 0) {
            close(pfd[0]);
            close(pfd[1]);
        }
        return mp_error_set(err, MP_ERR_IO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        char why[256];
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
        execve(s->argv[0], s->argv, environ);
        child_fail(s->argv[0], strerror(errno));
    }
    setpgid(pid, pid);
    s->pid = pid;
    s->state = LR_RUNNING;
    if (!s->service) {
        close(pfd[1]);
        s->out_fd = pfd[0];
        s->deadline = run->step_timeout > 0 ? s->started + run->step_timeout : 0;
    } else {
        s->deadline = s->started + run->ready_timeout;
    }
    s->kill_at = 0;
    lr_progress_event(run, s, "started (pid %ld%s)", (long)pid,
                      s->attempts > 1 ? ", retry" : "");
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

static void finish_step(struct lr_run *run, struct lr_step *s, int status)
{
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
    if (lr_interrupted) {
        s->state = LR_STOPPED;
        lr_progress_event(run, s, "stopped");
    } else if (!s->service && s->exit_code == 0) {
        s->state = LR_SUCCEEDED;
        lr_progress_event(run, s, "done in %.1fs%s%s", s->finished - s->started,
                          s->summary[0] ? "  " : "", s->summary);
    } else if (s->attempts <= run->retries) {
        s->state = LR_PENDING;
        lr_progress_event(run, s, "%s (attempt %d of %d); retrying",
                          timed_out ? "timed out" : "failed", s->attempts, run->retries + 1);
    } else {
        s->state = LR_FAILED;
        if (timed_out)
            lr_progress_event(run, s, "timed out after %.0fs", run->step_timeout);
        else if (s->signo)
            lr_progress_event(run, s, "failed: killed by signal %d", s->signo);
        else
            lr_progress_event(run, s, "failed: exit code %d%s", s->exit_code,
                              s->service ? " before it was ready" : "");
    }
    if (s->state != LR_SERVING)
        s->pid = 0;
}

static bool deps_state(const struct lr_run *run, const struct lr_step *s, bool *blocked)
{
    bool ready = true;
    *blocked = false;
    for (size_t d = 0; d < s->ndeps; d++) {
        enum lr_state st = run->steps[s->deps[d]].state;
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
    for (size_t i = 0; i < run->n && *active < run->jobs && !lr_interrupted; i++) {
        struct lr_step *s = &run->steps[i];
        bool blocked;
        if (s->state != LR_PENDING)
            continue;
        bool ready = deps_state(run, s, &blocked);
        if (blocked) {
            s->state = LR_SKIPPED;
            lr_progress_event(run, s, "skipped: a step it depends on did not succeed");
            continue;
        }
        if (!ready)
            continue;
        if (s->service && s->port > 0 && !port_free(s->port)) {
            s->state = LR_FAILED;
            lr_progress_event(run, s, "failed: port %d on 127.0.0.1 is in use", s->port);
            snprintf(run->message, sizeof(run->message),
                     "step '%s': port %d on 127.0.0.1 is in use (another run? see 'mnistpipe "
                     "runs list' and 'mnistpipe stop RUN'; or pick other ports with "
                     "--serve-port/--ui-port)", s->name, s->port);
            continue;
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

static void check_timeouts(struct lr_run *run)
{
    double now = lr_now();
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
    (void)lr_state_write(run, err);
    for (;;) {
        if ((rc = schedule(run, &active, err)) != MP_OK)
            break;
        if (lr_interrupted || active == 0)
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
    bool failed = false;
    for (size_t i = 0; i < run->n; i++)
        if (run->steps[i].state == LR_FAILED || run->steps[i].state == LR_SKIPPED)
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
