/*
 * wscat --exec: the program takes the place of stdin and stdout.  Its
 * stdout's records are sent, the messages received go to its stdin; when
 * it ends the connection closes (1000), and when the connection ends it
 * gets EOF, then SIGTERM after --close-grace (src/exec).  wscat exits
 * once both are over.
 */
#include <stdio.h>
#include <unistd.h>

#include "client_int.h"

static void
on_record(const char *p, size_t n, bool text, void *arg)
{
	client_send(arg, p, n, text);
}

static void
on_batch(void *arg)
{
	client_after_input(arg);
}

static void
on_drain(void *arg)
{
	struct client *cl = arg;

	wsconn_pause(cl->c, false);
}

static void
on_end(int status, void *arg)
{
	struct client *cl = arg;

	cl->x_ended = true;
	cl->x_status = status;
	if (cl->ended)
		ev_break(cl->loop, EVBREAK_ALL);
	else
		client_input_done(cl);
}

static const struct exec_cbs exec_cbs = { on_record, on_batch, on_drain,
	on_end };

int
client_exec_start(struct client *cl)
{
	const struct client_config *cfg = cl->cfg;

	cl->x = exec_start(cl->loop, cfg->exec, environ, &cfg->rec,
	    cfg->max_message, cfg->exec[0], &exec_cbs, cl, cl->err,
	    sizeof(cl->err));
	return cl->x != NULL ? 0 : -1;
}

void
client_exec_message(struct client *cl, const uint8_t *p, size_t n,
    struct chunk *c)
{
	exec_send(cl->x, c, p, n);
	if (exec_full(cl->x))
		wsconn_pause(cl->c, true); /* on_drain resumes it */
}
