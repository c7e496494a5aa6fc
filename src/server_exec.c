/*
 * wsserve --exec: one program per connection, as websocketd runs them.
 * Its environment comes from the request (src/cgi); its stdout's records
 * go to the client and the client's messages to its stdin (src/exec).
 * Backpressure both ways: a program that does not read its stdin pauses
 * reading its client, a client that does not read pauses reading the
 * program's stdout.  A peer whose connection ended waits in s->exiting
 * until its program has ended too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cgi.h"
#include "log.h"
#include "server_int.h"

static void
on_record(const char *p, size_t n, bool text, void *arg)
{
	struct peer *pr = arg;

	if (pr->conn == NULL || !wsconn_is_open(pr->conn) ||
	    wsconn_send(pr->conn, text ? WSLAY_TEXT_FRAME : WSLAY_BINARY_FRAME,
		p, n) == -1)
		pr->unsent++;
}

static void
on_batch(void *arg)
{
	struct peer *pr = arg;

	if (pr->conn == NULL)
		return;
	wsconn_flush(pr->conn);
	if (wsconn_above(pr->conn))
		exec_read(pr->x, false); /* on_writable resumes it */
}

static void
on_drain(void *arg)
{
	struct peer *pr = arg;

	if (pr->conn != NULL)
		wsconn_pause(pr->conn, false);
}

/* Exit 0 closes with 1000; anything else with 1011, and is logged. */
static void
on_end(int status, void *arg)
{
	struct peer *pr = arg;
	struct server *s = pr->srv;
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	pr->x_ended = true;
	if (WIFEXITED(status) && !ok)
		log_msg("%lu: %s exited with status %d", pr->id,
		    s->cfg->exec[0], WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && !pr->released)
		log_msg("%lu: %s killed by signal %d", pr->id, s->cfg->exec[0],
		    WTERMSIG(status));
	if (pr->conn != NULL) {
		wsconn_close(pr->conn, ok ? 1000 : 1011);
		return;
	}
	TAILQ_REMOVE(&s->exiting, pr, link);
	s->nexiting--;
	server_free_peer(pr);
	server_maybe_done(s);
}

static const struct exec_cbs exec_cbs = { on_record, on_batch, on_drain,
	on_end };

int
server_exec_start(struct server *s, struct peer *p, const char **why)
{
	const struct server_config *cfg = s->cfg;
	struct cgi_request r = { .peer = wsconn_peer(p->conn),
		.protocol = wsconn_protocol(p->conn),
		.id = p->id,
		.tls = cfg->use_tls,
		.passenv = cfg->passenv,
		.npassenv = cfg->npassenv };
	char err[LOG_ERR_MAX], tag[32];
	char **env;

	r.head = wsconn_request(p->conn, &r.len);
	if ((env = cgi_env(&r)) == NULL) {
		*why = "out of memory";
		return 503;
	}
	snprintf(tag, sizeof(tag), "%lu", p->id);
	p->x = exec_start(s->loop, cfg->exec, env, &cfg->rec, cfg->max_message,
	    tag, &exec_cbs, p, err, sizeof(err));
	free(env);
	if (p->x == NULL) {
		log_msg("%lu: cannot run the program: %s", p->id, err);
		*why = "cannot run the program";
		return 503;
	}
	return 0;
}

void
server_exec_message(struct peer *p, const uint8_t *data, size_t n,
    struct chunk *c)
{
	exec_send(p->x, c, data, n);
	if (exec_full(p->x))
		wsconn_pause(p->conn, true); /* on_drain resumes it */
}

bool
server_exec_release(struct server *s, struct peer *p)
{
	if (p->x == NULL || p->x_ended)
		return false;
	p->released = true;
	exec_stop(p->x, s->cfg->close_grace);
	TAILQ_INSERT_TAIL(&s->exiting, p, link);
	s->nexiting++;
	return true;
}
