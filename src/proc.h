/*
 * Process set-up shared by both binaries: once before the loop starts, and
 * the signals that end a run.
 */
#ifndef PROC_H
#define PROC_H

#include <stddef.h>

#include <ev.h>

/* Ignores SIGPIPE (EPIPE is handled where it happens), reopens any closed
 * fd 0-2 on /dev/null (libev aborts on a closed fd, and a listener must
 * not land on fd 1), and raises the soft fd limit to the hard one. */
void proc_init(void);

/* n random bytes from the kernel (getrandom(2)): masks and keys need no
 * more, and OpenSSL's generator costs start-up time a ws:// run does not
 * need.  0, or -1. */
int proc_random(void *p, size_t n);

/* SIGINT and SIGTERM, both handled by one callback. */
struct proc_signals {
	ev_signal sigint, sigterm;
};

typedef void proc_signal_cb(struct ev_loop *loop, ev_signal *w, int revents);

/* Starts both watchers; each has data as its w->data. */
void proc_signals_start(struct ev_loop *loop, struct proc_signals *ps,
    proc_signal_cb *cb, void *data);
void proc_signals_stop(struct ev_loop *loop, struct proc_signals *ps);

#endif
