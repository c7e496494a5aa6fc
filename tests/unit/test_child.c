/*
 * child: real processes on libev's default loop (ev_child works nowhere
 * else): pipes both ways, the exact environment, exec failures reported
 * at once, the process group, SIGTERM after the grace and SIGKILL after
 * that, what child_free kills and reaps, and what the process inherits
 * (fds, signal dispositions, mask).  Every wait is bounded by WAIT_MAX.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <ev.h>

#include "attr.h"
#include "child.h"
#include "tests.h"

#define WAIT_MAX 5.0		     /* seconds for anything to happen */
#define SH_PATH "PATH=/usr/bin:/bin" /* for sh to find sleep */

struct run {
	int exits;
	int status;
	bool free_in_cb;
	struct child *ch;
};

static void
exit_cb(struct child *ch, int status, void *arg)
{
	struct run *r = arg;

	r->exits++;
	r->status = status;
	if (r->free_in_cb) {
		child_free(ch);
		r->ch = NULL;
	}
}

static const struct child_cbs cbs = { exit_cb };

static struct child *
spawn(struct run *r, char *const argv[], char *const envp[])
{
	char err[256] = "";

	memset(r, 0, sizeof(*r));
	r->ch = child_spawn(ev_default_loop(0), argv, envp, &cbs, r, err,
	    sizeof(err));
	if (r->ch == NULL)
		fprintf(stderr, "child_spawn: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->ch);
	return r->ch;
}

static void
late_cb(UNUSED struct ev_loop *loop, ev_timer *w, UNUSED int revents)
{
	*(bool *)w->data = true;
}

/* Runs the loop until on_exit came; false when WAIT_MAX passed first. */
static bool
wait_exit(struct run *r)
{
	struct ev_loop *loop = ev_default_loop(0);
	bool late = false;
	ev_timer guard;

	ev_now_update(loop);
	ev_timer_init(&guard, late_cb, WAIT_MAX, 0.);
	guard.data = &late;
	ev_timer_start(loop, &guard);
	while (r->exits == 0 && !late)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &guard);
	return r->exits > 0;
}

/* Reads the non-blocking fd until EOF, or with stop until that byte came;
 * at most WAIT_MAX seconds.  Returns buf, NUL-terminated. */
static const char *
read_until(int fd, char *buf, size_t size, int stop)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double end = ev_time() + WAIT_MAX;
	size_t n = 0;
	ssize_t k;

	while (n < size - 1 && ev_time() < end) {
		if ((k = read(fd, buf + n, 1)) == 1) {
			if (buf[n++] == stop)
				break;
		} else if (k == 0)
			break;
		else if (errno == EAGAIN)
			poll(&pfd, 1, 100);
		else if (errno != EINTR)
			break;
	}
	buf[n] = '\0';
	return buf;
}

static const char *
read_all(int fd, char *buf, size_t size)
{
	return read_until(fd, buf, size, -1);
}

/* Gone: no such process, or a zombie (then init's or a subreaper's, not
 * ours to reap). */
static bool
dead(pid_t pid)
{
	char path[64], stat[512], *p;
	FILE *f;
	size_t n;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return true;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	/* "pid (comm) S ...": comm may hold ") ". */
	return (p = strrchr(stat, ')')) != NULL && p[1] == ' ' && p[2] == 'Z';
}

static bool
dies_soon(pid_t pid)
{
	double end = ev_time() + WAIT_MAX;

	while (!dead(pid))
		if (ev_time() >= end)
			return false;
		else
			usleep(10 * 1000);
	return true;
}

static bool
flag_set(int fd, int cmd, int flag)
{
	int fl = fcntl(fd, cmd);

	return fl != -1 && (fl & flag) != 0;
}

static void
test_cat_round_trip(void)
{
	char *argv[] = { "cat", NULL }, *envp[] = { "X=1", NULL };
	struct child *ch;
	struct run r;
	char out[64];

	/* Found through our PATH although its environment has none. */
	ch = spawn(&r, argv, envp);
	CU_ASSERT_TRUE(child_running(ch));
	CU_ASSERT(child_pid(ch) > 0);
	CU_ASSERT_TRUE(flag_set(child_stdin(ch), F_GETFL, O_NONBLOCK));
	CU_ASSERT_TRUE(flag_set(child_stdout(ch), F_GETFL, O_NONBLOCK));
	CU_ASSERT_TRUE(flag_set(child_stderr(ch), F_GETFL, O_NONBLOCK));
	CU_ASSERT_TRUE(flag_set(child_stdin(ch), F_GETFD, FD_CLOEXEC));
	CU_ASSERT_TRUE(flag_set(child_stdout(ch), F_GETFD, FD_CLOEXEC));
	CU_ASSERT_TRUE(flag_set(child_stderr(ch), F_GETFD, FD_CLOEXEC));
	CU_ASSERT_EQUAL(write(child_stdin(ch), "hello\n", 6), 6);
	CU_ASSERT_STRING_EQUAL(
	    read_until(child_stdout(ch), out, sizeof(out), '\n'), "hello\n");
	child_close_stdin(ch);
	CU_ASSERT_EQUAL(child_stdin(ch), -1);
	child_close_stdin(ch); /* idempotent */
	CU_ASSERT_TRUE(wait_exit(&r));
	CU_ASSERT_EQUAL(r.exits, 1);
	CU_ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	CU_ASSERT_FALSE(child_running(ch));
	CU_ASSERT_STRING_EQUAL(read_all(child_stdout(ch), out, sizeof(out)),
	    "");
	CU_ASSERT_STRING_EQUAL(read_all(child_stderr(ch), out, sizeof(out)),
	    "");
	child_free(ch);
}

static void
test_stdout_stderr_status(void)
{
	char *argv[] = { "sh", "-c", "echo $X; echo err >&2; exit 3", NULL };
	char *envp[] = { "X=42", NULL };
	struct child *ch;
	struct run r;
	char out[64];

	ch = spawn(&r, argv, envp);
	CU_ASSERT_TRUE(wait_exit(&r));
	CU_ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3);
	CU_ASSERT_STRING_EQUAL(read_all(child_stdout(ch), out, sizeof(out)),
	    "42\n");
	CU_ASSERT_STRING_EQUAL(read_all(child_stderr(ch), out, sizeof(out)),
	    "err\n");
	child_free(ch);
}

/* env prints its environment: exactly envp, nothing of ours. */
static void
test_exact_environment(void)
{
	char *argv[] = { "env", NULL };
	char *envp[] = { "A=1", "B=two words", "C=", NULL }, *none[] = { NULL };
	struct child *ch;
	struct run r;
	char out[256];

	CU_ASSERT_PTR_NOT_NULL(getenv("PATH")); /* ours, not passed on */
	ch = spawn(&r, argv, envp);
	CU_ASSERT_TRUE(wait_exit(&r));
	CU_ASSERT_STRING_EQUAL(read_all(child_stdout(ch), out, sizeof(out)),
	    "A=1\nB=two words\nC=\n");
	child_free(ch);

	ch = spawn(&r, argv, none);
	CU_ASSERT_TRUE(wait_exit(&r));
	CU_ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	CU_ASSERT_STRING_EQUAL(read_all(child_stdout(ch), out, sizeof(out)),
	    "");
	child_free(ch);
}

static void
test_exec_failure(void)
{
	char *argv[] = { "no-such-command-for-wsserve", NULL };
	char *abs[] = { "/nonexistent/dir/cmd", NULL }, *envp[] = { NULL };
	char path[] = "/tmp/wsserve-child-XXXXXX", *noexec[] = { path, NULL };
	char err[256];
	struct run r;
	int fd;

	memset(&r, 0, sizeof(r));
	CU_ASSERT_PTR_NULL(child_spawn(ev_default_loop(0), argv, envp, &cbs, &r,
	    err, sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err,
	    "no-such-command-for-wsserve: No such file or directory");
	CU_ASSERT_PTR_NULL(child_spawn(ev_default_loop(0), abs, envp, &cbs, &r,
	    err, sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err,
	    "/nonexistent/dir/cmd: No such file or directory");

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT_EQUAL(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	CU_ASSERT_PTR_NULL(child_spawn(ev_default_loop(0), noexec, envp, &cbs,
	    &r, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ": Permission denied"));
	CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
	unlink(path);

	/* Each was reaped, and on_exit is not for these. */
	CU_ASSERT_EQUAL(waitpid(-1, NULL, WNOHANG), -1);
	CU_ASSERT_EQUAL(errno, ECHILD);
	CU_ASSERT_EQUAL(r.exits, 0);
}

static void
test_not_default_loop(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	char *argv[] = { "true", NULL }, *envp[] = { NULL };
	char err[256];
	struct run r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	CU_ASSERT_PTR_NULL(
	    child_spawn(loop, argv, envp, &cbs, &r, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "default loop"));
	ev_loop_destroy(loop);
}

/* on_exit comes from the loop only, and may free the child. */
static void
test_free_in_on_exit(void)
{
	char *argv[] = { "true", NULL }, *envp[] = { NULL };
	struct run r;

	spawn(&r, argv, envp);
	r.free_in_cb = true;
	CU_ASSERT_EQUAL(r.exits, 0);
	CU_ASSERT_TRUE(wait_exit(&r));
	CU_ASSERT_EQUAL(r.exits, 1);
	CU_ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	CU_ASSERT_PTR_NULL(r.ch);
}

static void
test_stop_sends_term(void)
{
	char *argv[] = { "sleep", "30", NULL }, *envp[] = { NULL };
	struct child *ch;
	struct run r;

	ch = spawn(&r, argv, envp);
	child_stop(ch, 0.2);
	CU_ASSERT_EQUAL(child_stdin(ch), -1);
	CU_ASSERT_TRUE(child_running(ch));
	CU_ASSERT_TRUE(wait_exit(&r));
	CU_ASSERT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM);
	child_free(ch);
}

/* Its stdin closed, it may end by itself within the grace. */
static void
test_stop_grace(void)
{
	char *argv[] = { "cat", NULL }, *envp[] = { NULL };
	struct child *ch;
	struct run r;

	ch = spawn(&r, argv, envp);
	child_stop(ch, 60);
	CU_ASSERT_TRUE(wait_exit(&r));
	CU_ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	child_free(ch);
}

static void
test_stop_then_kill(void)
{
	char *argv[] = { "sh", "-c",
		"trap '' TERM; echo ready; while :; do sleep 0.05; done",
		NULL };
	char *envp[] = { SH_PATH, NULL }, out[64];
	struct child *ch;
	struct run r;
	double t0;

	ch = spawn(&r, argv, envp);
	/* Only once the trap is set is the TERM sure to be ignored. */
	CU_ASSERT_STRING_EQUAL_FATAL(
	    read_until(child_stdout(ch), out, sizeof(out), '\n'), "ready\n");
	ev_now_update(ev_default_loop(0));
	t0 = ev_time();
	child_stop(ch, 0);
	child_stop(ch, 0); /* idempotent */
	CU_ASSERT_EQUAL(r.exits, 0);
	CU_ASSERT_TRUE(wait_exit(&r));
	CU_ASSERT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
	/* A lower bound only: a slow machine makes it later, never sooner. */
	CU_ASSERT(ev_time() - t0 >= CHILD_KILL_DELAY - 0.1);
	child_free(ch);
}

static void
test_own_group(void)
{
	char *argv[] = { "sleep", "30", NULL }, *envp[] = { NULL };
	struct child *ch;
	struct run r;
	pid_t pid;

	ch = spawn(&r, argv, envp);
	pid = child_pid(ch);
	CU_ASSERT_EQUAL(getpgid(pid), pid);
	CU_ASSERT_NOT_EQUAL(getpgid(pid), getpgrp());
	/* Killed and reaped right here, with no on_exit. */
	child_free(ch);
	CU_ASSERT_EQUAL(kill(pid, 0), -1);
	CU_ASSERT_EQUAL(errno, ESRCH);
	CU_ASSERT_EQUAL(r.exits, 0);
}

/* The pid the command printed on its first line. */
static pid_t
read_pid(struct child *ch)
{
	char out[32];

	return (pid_t)atoi(
	    read_until(child_stdout(ch), out, sizeof(out), '\n'));
}

static void
test_free_kills_group(void)
{
	char *argv[] = { "sh", "-c", "sleep 30 & echo $!; wait", NULL };
	char *envp[] = { SH_PATH, NULL };
	struct child *ch;
	struct run r;
	pid_t bg;

	ch = spawn(&r, argv, envp);
	bg = read_pid(ch);
	CU_ASSERT_FATAL(bg > 0);
	CU_ASSERT_EQUAL(getpgid(bg), child_pid(ch));
	child_free(ch);
	CU_ASSERT_TRUE(dies_soon(bg));
}

/* The command exited on its own and left a process behind. */
static void
test_free_kills_leftovers(void)
{
	char *argv[] = { "sh", "-c", "sleep 30 & echo $!", NULL };
	char *envp[] = { SH_PATH, NULL };
	struct child *ch;
	struct run r;
	pid_t bg;

	ch = spawn(&r, argv, envp);
	CU_ASSERT_TRUE(wait_exit(&r));
	CU_ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	bg = read_pid(ch);
	CU_ASSERT_FATAL(bg > 0);
	CU_ASSERT_FALSE(dead(bg));
	CU_ASSERT_EQUAL(getpgid(bg), child_pid(ch));
	child_free(ch);
	CU_ASSERT_TRUE(dies_soon(bg));
}

/* With our fds 0-2 closed, pipe ends land there: each must still reach
 * the right one of the child's, and ours stay clear of 0-2. */
static void
test_std_fds_closed(void)
{
	char *argv[] = { "sh", "-c", "read x; echo \"$x\"; echo e >&2", NULL };
	char *envp[] = { NULL }, err[256], out[64];
	struct run r;
	int saved[3];

	memset(&r, 0, sizeof(r));
	for (int fd = 0; fd <= 2; fd++) {
		saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 10);
		close(fd);
	}
	/* No FATAL assertion before the fds are back. */
	r.ch = child_spawn(ev_default_loop(0), argv, envp, &cbs, &r, err,
	    sizeof(err));
	for (int fd = 0; fd <= 2; fd++)
		if (saved[fd] != -1) {
			dup2(saved[fd], fd);
			close(saved[fd]);
		}
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.ch);
	CU_ASSERT(child_stdin(r.ch) > 2);
	CU_ASSERT(child_stdout(r.ch) > 2);
	CU_ASSERT(child_stderr(r.ch) > 2);
	CU_ASSERT_EQUAL(write(child_stdin(r.ch), "hi\n", 3), 3);
	child_close_stdin(r.ch);
	CU_ASSERT_TRUE(wait_exit(&r));
	CU_ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	CU_ASSERT_STRING_EQUAL(read_all(child_stdout(r.ch), out, sizeof(out)),
	    "hi\n");
	CU_ASSERT_STRING_EQUAL(read_all(child_stderr(r.ch), out, sizeof(out)),
	    "e\n");
	child_free(r.ch);
}

static bool
has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; (p = strstr(p, w)) != NULL; p += n)
		if ((p == s || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

static void
test_no_fd_leak(void)
{
	char *argv[] = { "sh", "-c", "cd /proc/$$/fd && echo *", NULL };
	char *envp[] = { NULL }, out[256], fd[16];
	struct child *ch;
	struct run r;
	int p[2], high;

	/* Inheritable, as a careless library's would be. */
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	high = dup2(p[0], 200);
	CU_ASSERT_EQUAL_FATAL(high, 200);
	ch = spawn(&r, argv, envp);
	CU_ASSERT_TRUE(wait_exit(&r));
	read_all(child_stdout(ch), out, sizeof(out));
	CU_ASSERT_TRUE(has_word(out, "0"));
	CU_ASSERT_TRUE(has_word(out, "1"));
	CU_ASSERT_TRUE(has_word(out, "2"));
	for (int i = 0; i < 3; i++) {
		snprintf(fd, sizeof(fd), "%d", i == 2 ? high : p[i]);
		CU_ASSERT_FALSE(has_word(out, fd));
	}
	child_free(ch);
	close(p[0]);
	close(p[1]);
	close(high);
}

/* A signal mask line of /proc/PID/status ("SigIgn:\t0000..."), but for
 * glibc's own signals 32 and 33, which nobody can set, or ~0 when it is
 * missing; what it was is printed when it is not 0. */
static unsigned long long
status_mask(const char *status, const char *name)
{
	char key[16];
	const char *at;
	unsigned long long v;

	snprintf(key, sizeof(key), "\n%s:\t", name);
	if ((at = strstr(status, key)) == NULL)
		return ~0ULL;
	v = strtoull(at + strlen(key), NULL, 16) & ~(3ULL << 31);
	if (v != 0)
		fprintf(stderr, "%s: %016llx\n", name, v);
	return v;
}

/* SIG_IGN and the mask survive exec; the child must get neither. */
static void
test_signals_default(void)
{
	char *argv[] = { "cat", "/proc/self/status", NULL }, *envp[] = { NULL };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigset_t usr1, oldmask;
	struct child *ch;
	struct run r;
	char out[4096];

	sigaction(SIGPIPE, &ign, &old);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &oldmask);
	ch = spawn(&r, argv, envp);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	sigaction(SIGPIPE, &old, NULL);
	CU_ASSERT_TRUE(wait_exit(&r));
	read_all(child_stdout(ch), out, sizeof(out));
	CU_ASSERT_EQUAL(status_mask(out, "SigBlk"), 0);
	CU_ASSERT_EQUAL(status_mask(out, "SigIgn"), 0);
	child_free(ch);
}

int
test_child_add(void)
{
	static const struct unit_test tests[] = {
		{ "cat: stdin to stdout, exit status 0", test_cat_round_trip },
		{ "stdout, stderr and exit status apart",
		    test_stdout_stderr_status },
		{ "the environment is exactly envp", test_exact_environment },
		{ "exec failures reported at once, reaped", test_exec_failure },
		{ "refused on a loop other than the default",
		    test_not_default_loop },
		{ "on_exit from the loop, may free", test_free_in_on_exit },
		{ "child_stop: SIGTERM after the grace", test_stop_sends_term },
		{ "child_stop: EOF first, no signal within the grace",
		    test_stop_grace },
		{ "child_stop: SIGKILL when SIGTERM is ignored",
		    test_stop_then_kill },
		{ "its own process group; free kills and reaps",
		    test_own_group },
		{ "free kills the group of a running command",
		    test_free_kills_group },
		{ "free kills what an exited command left behind",
		    test_free_kills_leftovers },
		{ "our fds 0-2 closed: its 0-2 still the pipes",
		    test_std_fds_closed },
		{ "no fd of ours leaks into it", test_no_fd_leak },
		{ "signals at their defaults, none blocked",
		    test_signals_default },
	};

	return unit_add_suite("child", tests, UNIT_NTESTS(tests));
}
