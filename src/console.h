/*
 * The terminal on stdin and stdout as a console: a prompt with libedit's
 * line editing and history, and lines printed above it, the half-typed
 * input redrawn below.  Keys are read only while the owner wants input
 * (console_start/stop), so a slow peer holds back the typist as it holds
 * back a pipe.  Lines go out through the owner's stdout writer, so a
 * stopped terminal (Ctrl-S) pauses the output and never the loop; the
 * prompt comes back once that writer is empty.
 *
 * libedit's readline interface is global: one console per process.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "lineio.h"

#define CONSOLE_HISTORY_MAX 1000 /* lines kept in the history file */

struct console;

struct console_cbs {
	/* A line typed, without its end; NUL-ended, valid during the call. */
	void (*on_line)(const char *line, size_t len, void *arg);
	/* Ctrl-D at an empty prompt. */
	void (*on_eof)(void *arg);
};

/* A console with prompt, its history kept in the file history (NULL: no
 * history file), printing through out (borrowed), or NULL when out of
 * memory.  Not reading keys until console_start. */
struct console *console_new(struct ev_loop *loop, const char *prompt,
    const char *history, struct lineio_writer *out,
    const struct console_cbs *cbs, void *arg);

/* Takes the prompt off the screen, saves the history, gives the terminal
 * back its modes, frees everything.  NULL is fine. */
void console_free(struct console *con);

/* Reads keys, or stops reading them (the prompt stays).  Idempotent. */
void console_start(struct console *con);
void console_stop(struct console *con);

/* Prints line (n bytes, no LF, already safe for a terminal) above the
 * prompt.  0, or -1 when the output buffer is full (the line is lost). */
int console_print(struct console *con, const char *line, size_t n);

/* The history file of prog: $XDG_STATE_HOME/prog/history, or
 * ~/.local/state/prog/history, with its directory created (mode 0700).
 * 0, or -1 with the reason in err. */
int console_history_path(const char *prog, char *out, size_t outlen, char *err,
    size_t errlen);

#endif
