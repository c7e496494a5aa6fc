/*
 * One child process per caller (wsserve --exec, wscat --exec): spawned with
 * three pipes in a process group of its own, signalled, reaped through
 * libev and cleaned up.  The owner moves the bytes: it watches the pipe
 * ends with its own readers and writers; this module never reads or writes
 * them.
 *
 * Lifetime: child_spawn() returns the child running; on_exit is called
 * exactly once when it has been reaped, from a libev callback and never
 * from inside a child_* call.  The owner frees it with child_free(), there
 * or later (child_free() kills and reaps one that is still running).
 * Until it is reaped, its ev_child watcher keeps ev_run from returning.
 */
#ifndef CHILD_H
#define CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <ev.h>

#define CHILD_KILL_DELAY 1.0 /* SIGTERM -> SIGKILL in child_stop */

struct child;

struct child_cbs {
	/* The process exited and was reaped; status as from waitpid(2)
	 * (WIFEXITED, WEXITSTATUS, WIFSIGNALED, WTERMSIG).  The owner may
	 * call child_free() here. */
	void (*on_exit)(struct child *ch, int status, void *arg);
};

/* Starts argv[0] with argv, looked up in our own PATH as execvp(3) does,
 * but with exactly envp as its environment.  Its stdin, stdout and stderr
 * are new pipes; it leads a new process group, dies of SIGKILL when we do
 * (PR_SET_PDEATHSIG), starts with every signal at its default and none
 * blocked, and inherits no other fd of ours.  loop must be libev's default
 * loop (only it can watch children).  An exec that fails is reported
 * here, not through on_exit: NULL with "argv[0]: reason" in err (the
 * process is reaped).  NULL with the reason in err also when pipes, fork
 * or memory fail.  Our pipe ends are non-blocking and close-on-exec, and
 * belong to the child object. */
struct child *child_spawn(struct ev_loop *loop, char *const argv[],
    char *const envp[], const struct child_cbs *cbs, void *arg, char *err,
    size_t errlen);

/* Our write end of its stdin, or -1 once closed. */
int child_stdin(const struct child *ch);
/* Our read ends of its stdout and stderr. */
int child_stdout(const struct child *ch);
int child_stderr(const struct child *ch);

/* Its pid, which is also its process group id. */
pid_t child_pid(const struct child *ch);

/* True until it has been reaped; false from on_exit on. */
bool child_running(const struct child *ch);

/* Closes our end of its stdin: EOF for the child.  Idempotent.  An ev_io
 * the owner has on that fd must be stopped first. */
void child_close_stdin(struct child *ch);

/* The polite end: closes its stdin now (see child_close_stdin), sends
 * SIGTERM to its process group after grace seconds if it has not exited
 * (at once when grace is 0), then SIGKILL to the group CHILD_KILL_DELAY
 * seconds after that.  Idempotent: a second call changes nothing.  The
 * timers stop when it exits; on_exit reports the end as usual. */
void child_stop(struct child *ch, double grace);

/* Stops the watchers and closes our pipe ends (the owner's ev_io on them
 * must be stopped first).  A child still running gets SIGKILL, with its
 * whole process group, and is reaped here, without on_exit.  Processes the
 * command left behind in its group get SIGKILL too.  NULL is fine; safe
 * inside on_exit. */
void child_free(struct child *ch);

#endif
