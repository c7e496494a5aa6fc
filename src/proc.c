/*
 * Process-wide set-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "proc.h"

void
proc_init(void)
{
	struct rlimit rl;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFL) == -1)
			/* open() takes the lowest free fd: this one. */
			(void)!open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
proc_random(void *p, size_t n)
{
	char *c = p;
	ssize_t r;

	/* Above 256 bytes a signal may cut a call short: go on. */
	while (n > 0) {
		if ((r = getrandom(c, n, 0)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += r;
		n -= r;
	}
	return 0;
}

void
proc_signals_start(struct ev_loop *loop, struct proc_signals *ps,
    proc_signal_cb *cb, void *data)
{
	ev_signal_init(&ps->sigint, cb, SIGINT);
	ev_signal_init(&ps->sigterm, cb, SIGTERM);
	ps->sigint.data = ps->sigterm.data = data;
	ev_signal_start(loop, &ps->sigint);
	ev_signal_start(loop, &ps->sigterm);
}

void
proc_signals_stop(struct ev_loop *loop, struct proc_signals *ps)
{
	ev_signal_stop(loop, &ps->sigint);
	ev_signal_stop(loop, &ps->sigterm);
}
