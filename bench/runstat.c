/* SPDX-License-Identifier: MIT */
/* runstat.c: run a command N times (after one warm-up run) and print, per run, its wall time
 * in microseconds and its peak RSS in KiB (wait4's ru_maxrss).
 *
 *   runstat RUNS COMMAND [ARG]...        stdout and stderr of COMMAND go to /dev/null
 *
 * A small C parent matters: Linux keeps the larger of the parent's and the child's peak RSS
 * across fork+exec, so a Python parent (posix_spawn or fork) reports its own 10+ MB for any
 * child. Exit status: 0, or 1 when a run failed (its status is printed). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int run(char **argv, long *us, long *kb)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
    *kb = ru.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    long runs = argc >= 3 ? strtol(argv[1], NULL, 10) : 0, us, kb;
    if (runs < 1) {
        fputs("usage: runstat RUNS COMMAND [ARG]...\n", stderr);
        return 2;
    }

    int rc = run(argv + 2, &us, &kb); /* warm-up: page cache, dynamic loader caches */
    if (rc != 0) {
        printf("failed %d\n", rc);
        return 1;
    }
    for (long i = 0; i < runs; i++) {
        if ((rc = run(argv + 2, &us, &kb)) != 0) {
            printf("failed %d\n", rc);
            return 1;
        }
        printf("%ld %ld\n", us, kb);
    }
    return 0;
}
