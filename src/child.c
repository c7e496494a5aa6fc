/*
 * Child processes for --exec: fork, a few steps in the new process, exec;
 * then an ev_child watcher that reaps it and two timers for child_stop.
 *
 * Reaping belongs to libev.  ev_default_loop installs a SIGCHLD handler
 * that only takes note; inside ev_run its callback (ev.c childcb) calls
 * waitpid(-1, WNOHANG) and hands each status to the ev_child watchers of
 * that pid.  A child with no watcher by then is reaped all the same and
 * its status lost.  child_spawn starts the watcher before it returns, and
 * the loop cannot run before that, so no exit goes unseen however early
 * it comes.  For the same reason the blocking waitpid after a failed exec
 * cannot race with libev; child_free's may find the pid already reaped by
 * libev (its on_exit still pending), and ECHILD then ends it at once.
 *
 * Between fork and exec the new process makes only async-signal-safe
 * calls: the parent may have been anywhere in malloc or stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attr.h"
#include "child.h"

#define REPORT_FD 3	     /* in the new process, until exec closes it */
#define OPEN_MAX_GUESS 65536 /* without close_range and _SC_OPEN_MAX */

enum { P_IN, P_OUT, P_ERR, P_REPORT, NPIPES };

struct child {
	struct ev_loop *loop;
	ev_child reap;
	ev_timer term;	  /* grace over: SIGTERM */
	ev_timer kill;	  /* SIGTERM not heeded: SIGKILL */
	pid_t pid;	  /* also its process group */
	int in, out, err; /* our pipe ends, or -1 */
	bool running;	  /* not yet reaped */
	bool stopping;	  /* child_stop was called */
	const struct child_cbs *cb;
	void *arg;
};

/* A close-on-exec pipe with both ends above 2, so that the new process
 * can move its ends onto 0-2 in any order without one overwriting
 * another (fds 0-2 are free when our owner had them closed). */
static int
open_pipe(int p[2])
{
	int fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	for (int i = 0; i < 2; i++)
		if (p[i] <= 2) {
			fd = fcntl(p[i], F_DUPFD_CLOEXEC, 3);
			close(p[i]);
			if ((p[i] = fd) == -1)
				return -1;
		}
	return 0;
}

/* In the new process, with the pipes of child_spawn: their ends become
 * its 0-2 and errno goes to p[P_REPORT] when a step or exec fails.  maxfd
 * bounds the fds to close when close_range is missing. */
static _Noreturn void
exec_child(char *const argv[], char *const envp[], int p[NPIPES][2],
    pid_t parent, int maxfd)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int report = p[P_REPORT][1], e;
	sigset_t none;

	if (setpgid(0, 0) == -1)
		goto fail;
	/* Dies with us; if we died already, that signal will never come. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(127);
	/* Every disposition to SIG_DFL before the mask is cleared: a caught
	 * signal would run libev's handler here, and SIG_IGN (our SIGPIPE)
	 * would survive exec.  SIGKILL, SIGSTOP and glibc's own give EINVAL. */
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		goto fail;
	/* dup2 leaves the copies without close-on-exec. */
	if (dup2(p[P_IN][0], 0) == -1 || dup2(p[P_OUT][1], 1) == -1 ||
	    dup2(p[P_ERR][1], 2) == -1)
		goto fail;
	if (report != REPORT_FD) {
		if (dup3(report, REPORT_FD, O_CLOEXEC) == -1)
			goto fail;
		report = REPORT_FD;
	}
	/* Our fds are close-on-exec, but a library's may not be. */
	if (close_range(REPORT_FD + 1, ~0U, 0) == -1)
		for (int fd = REPORT_FD + 1; fd < maxfd; fd++)
			close(fd);
	execvpe(argv[0], argv, envp);
fail:
	e = errno;
	(void)!write(report, &e, sizeof(e));
	_exit(127);
}

/* After exec or a failure the report pipe is closed: 0 when it was
 * exec, else the errno it sent. */
static int
exec_result(int fd)
{
	ssize_t n;
	int e;

	while ((n = read(fd, &e, sizeof(e))) == -1 && errno == EINTR)
		;
	if (n == 0)
		return 0;
	if (n == -1)
		return errno;
	return n == sizeof(e) ? e : EIO;
}

static void
reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

static void
child_exit_cb(struct ev_loop *loop, ev_child *w, UNUSED int revents)
{
	struct child *ch = w->data;

	ev_child_stop(loop, w);
	ev_timer_stop(loop, &ch->term);
	ev_timer_stop(loop, &ch->kill);
	ch->running = false;
	ch->cb->on_exit(ch, w->rstatus, ch->arg);
}

static void
term_now(struct child *ch)
{
	(void)killpg(ch->pid, SIGTERM);
	ev_timer_set(&ch->kill, CHILD_KILL_DELAY, 0.);
	ev_timer_start(ch->loop, &ch->kill);
}

static void
child_term_cb(UNUSED struct ev_loop *loop, ev_timer *w, UNUSED int revents)
{
	term_now(w->data);
}

static void
child_kill_cb(UNUSED struct ev_loop *loop, ev_timer *w, UNUSED int revents)
{
	struct child *ch = w->data;

	(void)killpg(ch->pid, SIGKILL);
}

struct child *
child_spawn(struct ev_loop *loop, char *const argv[], char *const envp[],
    const struct child_cbs *cbs, void *arg, char *err, size_t errlen)
{
	int p[NPIPES][2], e;
	struct child *ch;
	sigset_t all, old;
	pid_t pid, parent;
	long max;

	for (int i = 0; i < NPIPES; i++)
		p[i][0] = p[i][1] = -1;
	if (!ev_is_default_loop(loop)) {
		snprintf(err, errlen, "child processes need the default loop");
		return NULL;
	}
	if (argv[0] == NULL) {
		snprintf(err, errlen, "no command");
		return NULL;
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	for (int i = 0; i < NPIPES; i++)
		if (open_pipe(p[i]) == -1) {
			snprintf(err, errlen, "pipe: %s", strerror(errno));
			goto fail;
		}
	if (fcntl(p[P_IN][1], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(p[P_OUT][0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(p[P_ERR][0], F_SETFL, O_NONBLOCK) == -1) {
		snprintf(err, errlen, "fcntl: %s", strerror(errno));
		goto fail;
	}
	/* Not in the new process: sysconf may allocate. */
	max = sysconf(_SC_OPEN_MAX);
	parent = getpid();

	/* Blocked until the new process has reset every handler: no handler
	 * of ours may run there. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((pid = fork()) == 0)
		exec_child(argv, envp, p, parent,
		    max > 0 && max <= INT_MAX ? (int)max : OPEN_MAX_GUESS);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		snprintf(err, errlen, "fork: %s", strerror(e));
		goto fail;
	}
	/* Whichever side runs first makes the group (EACCES once it has
	 * exec'd: it did so itself). */
	(void)setpgid(pid, pid);
	close(p[P_IN][0]);
	close(p[P_OUT][1]);
	close(p[P_ERR][1]);
	close(p[P_REPORT][1]);
	p[P_IN][0] = p[P_OUT][1] = p[P_ERR][1] = p[P_REPORT][1] = -1;
	if ((e = exec_result(p[P_REPORT][0])) != 0) {
		/* It exits by itself; the kill is for a read that failed. */
		(void)killpg(pid, SIGKILL);
		reap(pid);
		snprintf(err, errlen, "%s: %s", argv[0], strerror(e));
		goto fail;
	}
	close(p[P_REPORT][0]);

	ch->loop = loop;
	ch->pid = pid;
	ch->in = p[P_IN][1];
	ch->out = p[P_OUT][0];
	ch->err = p[P_ERR][0];
	ch->running = true;
	ch->cb = cbs;
	ch->arg = arg;
	ev_child_init(&ch->reap, child_exit_cb, pid, 0);
	ev_init(&ch->term, child_term_cb);
	ev_init(&ch->kill, child_kill_cb);
	ch->reap.data = ch->term.data = ch->kill.data = ch;
	ev_child_start(loop, &ch->reap);
	return ch;

fail:
	for (int i = 0; i < NPIPES; i++)
		for (int j = 0; j < 2; j++)
			if (p[i][j] != -1)
				close(p[i][j]);
	free(ch);
	return NULL;
}

int
child_stdin(const struct child *ch)
{
	return ch->in;
}

int
child_stdout(const struct child *ch)
{
	return ch->out;
}

int
child_stderr(const struct child *ch)
{
	return ch->err;
}

pid_t
child_pid(const struct child *ch)
{
	return ch->pid;
}

bool
child_running(const struct child *ch)
{
	return ch->running;
}

void
child_close_stdin(struct child *ch)
{
	if (ch->in != -1) {
		close(ch->in);
		ch->in = -1;
	}
}

void
child_stop(struct child *ch, double grace)
{
	child_close_stdin(ch);
	if (!ch->running || ch->stopping)
		return;
	ch->stopping = true;
	if (grace > 0) {
		ev_timer_set(&ch->term, grace, 0.);
		ev_timer_start(ch->loop, &ch->term);
	} else
		term_now(ch);
}

void
child_free(struct child *ch)
{
	if (ch == NULL)
		return;
	ev_child_stop(ch->loop, &ch->reap);
	ev_timer_stop(ch->loop, &ch->term);
	ev_timer_stop(ch->loop, &ch->kill);
	child_close_stdin(ch);
	close(ch->out);
	close(ch->err);
	/* The command if it still runs, and whatever it left behind in its
	 * group (ESRCH when nothing is).  Linux gives out no pid that is
	 * still a group's id; only once the group is empty and reaped could
	 * a new group take it, a window the owner keeps short by freeing in
	 * on_exit or soon after. */
	(void)killpg(ch->pid, SIGKILL);
	if (ch->running) {
		/* The group is sure, but the wait blocks: make sure of it. */
		(void)kill(ch->pid, SIGKILL);
		reap(ch->pid);
	}
	free(ch);
}
