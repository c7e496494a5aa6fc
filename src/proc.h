/*
 * Process set-up shared by both binaries, done once before the loop starts.
 */
#ifndef PROC_H
#define PROC_H

/* Ignores SIGPIPE (EPIPE is handled where it happens), reopens any closed
 * fd 0-2 on /dev/null (libev aborts on a closed fd, and a listener must
 * not land on fd 1), and raises the soft fd limit to the hard one. */
void proc_init(void);

#endif
