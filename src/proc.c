/*
 * Process-wide set-up.
 */
#include <fcntl.h>
#include <signal.h>
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
