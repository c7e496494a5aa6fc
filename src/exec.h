/*
 * A program on the other end of a connection (wsserve --exec, wscat
 * --exec): src/child's process with its pipes as records, in the framing
 * of the options.  Messages go to its stdin as records, each record of its
 * stdout comes back through on_record, and each line of its stderr is
 * logged after tag ("3: ..."), cut at 4 KiB (over 64 KiB: dropped, said),
 * at most 100 a second (the others counted, and the count logged).
 *
 * Lifetime: exec_start() returns it running.  on_end comes once, from a
 * libev callback, when the program has exited and its stdout was read to
 * the end (or after EXEC_EOF_WAIT of reading after its exit, when
 * something it started keeps the pipe open); the owner frees it then or
 * later.  on_drain also comes when it exits: nothing waits for its stdin
 * then.
 */
#ifndef EXEC_H
#define EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "record.h"

#define EXEC_EOF_WAIT 2.0 /* exit -> the end of its stdout */

struct exec;
struct chunk;

struct exec_cbs {
	/* A record of its stdout; text when it is UTF-8 (and not -b). */
	void (*on_record)(const char *p, size_t n, bool text, void *arg);
	void (*on_batch)(void *arg); /* after each read's records: flush */
	void (*on_drain)(void *arg); /* its stdin took what was queued */
	/* It exited (status as from waitpid) and its output is done. */
	void (*on_end)(int status, void *arg);
};

/* Starts argv with exactly envp as its environment.  NULL with the reason
 * in err when it cannot (fork, or a command that cannot be run). */
struct exec *exec_start(struct ev_loop *loop, char *const argv[],
    char *const envp[], const struct record_opts *rec, size_t max_message,
    const char *tag, const struct exec_cbs *cbs, void *arg, char *err,
    size_t errlen);

/* Queues a message (in chunk c, or copied when c is NULL) for its stdin.
 * One it cannot take (it closed its stdin or ended) is counted, and the
 * count logged when x is freed: the program's choice, not a peer's
 * failure. */
void exec_send(struct exec *x, struct chunk *c, const void *p, size_t n);
/* Over the high mark: hold back what feeds it until on_drain. */
bool exec_full(const struct exec *x);
/* Reads its stdout or pauses (backpressure from the peer). */
void exec_read(struct exec *x, bool on);
/* The peer is gone: what is queued for its stdin is written (for at most
 * grace seconds), then its stdin is closed, SIGTERM follows grace seconds
 * later and SIGKILL after that (src/child); its stdout is read and
 * dropped.  on_end comes as usual. */
void exec_stop(struct exec *x, double grace);
/* Kills what is left (the whole process group) and frees everything.
 * NULL is fine. */
void exec_free(struct exec *x);

#endif
