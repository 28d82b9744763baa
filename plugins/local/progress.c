/* SPDX-License-Identifier: MIT */
/* progress.c: what the local runner shows: a live view on a terminal, plain lines otherwise. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "local.h"

static void clear_view(struct lr_run *run)
{
    if (run->tty && run->view_lines > 0)
        mp_ctx_printf(run->ctx, "\033[%dA\033[J", run->view_lines);
    run->view_lines = 0;
}

static const char *mark(enum lr_state st)
{
    switch (st) {
    case LR_SUCCEEDED: return "\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588 done";
    case LR_SERVING: return "\u25cf running";
    case LR_RUNNING: return "\u2026 running";
    case LR_FAILED: return "\u2717 failed";
    default: return lr_state_name(st);
    }
}

/* "█████░░░░░ 50%" from a "step N/M" progress, or the state's mark. */
static void state_text(const struct lr_step *s, char *out, size_t size)
{
    long n = 0, m = 0;
    const char *p = s->state == LR_RUNNING ? strstr(s->progress, "step ") : NULL;
    if (p && sscanf(p + 5, "%ld/%ld", &n, &m) == 2 && m > 0 && n >= 0 && n <= m) {
        size_t len = 0;
        for (long i = 0; i < 10 && len + 4 < size; i++)
            len += (size_t)snprintf(out + len, size - len, "%s",
                                    i < n * 10 / m ? "\u2588" : "\u2591");
        snprintf(out + len, size - len, " %3ld%%", n * 100 / m);
        return;
    }
    snprintf(out, size, "%s", mark(s->state));
}

static void draw_step(struct lr_run *run, const struct lr_step *s, double now)
{
    double el = s->started > 0 ? ((s->finished > 0 ? s->finished : now) - s->started) : 0;
    char elapsed[32] = "", st[128];
    if (s->started > 0 && s->state != LR_SERVING)
        snprintf(elapsed, sizeof(elapsed), "%6.1fs", el);
    state_text(s, st, sizeof(st));
    /* Pad to 16 columns, not bytes: the bars are multibyte. */
    size_t cols = 0, len = strlen(st);
    for (size_t i = 0; i < len; i++)
        cols += ((unsigned char)st[i] & 0xC0) != 0x80;
    while (cols++ < 16 && len + 1 < sizeof(st))
        st[len++] = ' ';
    st[len] = '\0';
    mp_ctx_printf(run->ctx, "  %-10s %s %7s  %s\n", s->name, st, elapsed,
                  s->state == LR_RUNNING && s->progress[0] ? s->progress : s->summary);
}

void lr_progress_draw(struct lr_run *run)
{
    if (!run->tty)
        return;
    double now = lr_now();
    clear_view(run);
    int lines = 0;
    for (size_t i = 0; i < run->n; i++)
        if (!run->steps[i].hidden) { /* iterations appear as their loop is expanded */
            draw_step(run, &run->steps[i], now);
            lines++;
        }
    run->view_lines = lines;
}

void lr_progress_event(struct lr_run *run, const struct lr_step *s, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (run->tty) {
        lr_progress_draw(run);
        return;
    }
    if (s)
        mp_ctx_printf(run->ctx, "%s: %s\n", s->name, text);
    else
        mp_ctx_printf(run->ctx, "%s\n", text);
}

void lr_progress_line(struct lr_run *run, struct lr_step *s, const char *line)
{
    if (run->tty && !mp_ctx_verbose(run->ctx))
        return; /* the view shows the step's progress; the full output is in its log */
    clear_view(run);
    mp_ctx_printf(run->ctx, "%-8s| %s\n", s->name, line);
    lr_progress_draw(run);
}

void lr_progress_final(struct lr_run *run)
{
    if (run->tty) {
        lr_progress_draw(run);
        run->view_lines = 0;
    } else {
        double now = lr_now();
        for (size_t i = 0; i < run->n; i++)
            if (!run->steps[i].hidden)
                draw_step(run, &run->steps[i], now);
    }
    mp_ctx_printf(run->ctx, "run %s %s (logs: mnistpipe logs %s STEP; state: %s)\n", run->id,
                  run->state, run->id, run->dir);
    bool serving = false;
    for (size_t i = 0; i < run->n; i++)
        serving = serving || run->steps[i].state == LR_SERVING;
    if (serving)
        mp_ctx_printf(run->ctx, "services keep running; end them with: mnistpipe stop %s\n",
                      run->id);
}
