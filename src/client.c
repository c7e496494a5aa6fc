/*
 * wscat: one connection, stdin lines out, messages to stdout.
 *
 * stdin is read only once the connection is open and only while the queue
 * toward the server is below its high mark, so lines typed or piped before
 * the handshake wait in the pipe, and nothing is dropped.  After stdin ends
 * every queued line is sent before the close frame.  The exit status is
 * decided in one place, exit_status(): how the connection ended, then
 * whether all of the input went out.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>

#include "attr.h"
#include "client_int.h"
#include "exitcode.h"
#include "net.h"
#include "outq.h"
#include "utf8.h"

static void
stop(struct client *cl, int status)
{
	if (cl->status == -1)
		cl->status = status;
	ev_break(cl->loop, EVBREAK_ALL);
}

static void
set_timer(struct client *cl, double after)
{
	ev_timer_stop(cl->loop, &cl->timer);
	if (after > 0) {
		ev_timer_set(&cl->timer, after, 0.);
		ev_timer_start(cl->loop, &cl->timer);
	}
}

/* The input is stdin's lines, or the console's at a terminal. */
void
client_set_reading(struct client *cl, bool on)
{
	if (cl->x != NULL)
		exec_read(cl->x, on);
	else if (cl->con != NULL)
		on ? console_start(cl->con) : console_stop(cl->con);
	else
		on ? lineio_reader_start(cl->in) : lineio_reader_stop(cl->in);
}

/* After the input ends: close now, after -w, or when the server does. */
void
client_input_done(struct client *cl)
{
	const struct client_config *cfg = cl->cfg;

	cl->input_ended = true;
	client_set_reading(cl, false);
	if (cfg->wait_sec > 0)
		set_timer(cl, cfg->wait_sec);
	else if (cfg->wait_sec == 0 &&
	    (cfg->count == 0 || cl->received >= cfg->count))
		wsconn_close(cl->c, 1000);
}

/* Counted, not reported one by one: the end reports the total once. */
void
client_send(struct client *cl, const char *p, size_t n, bool text)
{
	if (wsconn_send(cl->c, text ? WSLAY_TEXT_FRAME : WSLAY_BINARY_FRAME, p,
		n) == -1)
		cl->unsent++;
}

/* --slash makes a pipe's lines commands too. */
static void
on_line(const char *line, size_t len, bool text, void *arg)
{
	struct client *cl = arg;

	/* Commands need the line NUL-ended; lineio's are not. */
	if (cl->cfg->slash) {
		buf_consume(&cl->cmdline, buf_used(&cl->cmdline));
		if (buf_append(&cl->cmdline, line, len) == -1 ||
		    buf_append(&cl->cmdline, "", 1) == -1) {
			cl->unsent++;
			return;
		}
		client_console_line(cl, buf_head(&cl->cmdline), len);
	} else
		client_input(cl, line, len, text);
}

void
client_after_input(struct client *cl)
{
	wsconn_flush(cl->c);
	/* Closing (the server closed, or stdout went away): read no more. */
	if (wsconn_above(cl->c) || !wsconn_is_open(cl->c))
		client_set_reading(cl, false);
}

static void
on_batch(void *arg)
{
	client_after_input(arg);
}

static void
on_stdin_eof(void *arg)
{
	client_input_done(arg);
}

static void
on_stdout_drain(void *arg)
{
	struct client *cl = arg;

	wsconn_pause(cl->c, false);
}

static void
on_stdout_error(void *arg)
{
	struct client *cl = arg;

	/* The reader is gone (EPIPE): a normal end for `wscat | head`. */
	int error = lineio_writer_error(cl->out);

	if (error != EPIPE) {
		snprintf(cl->err, sizeof(cl->err), "stdout: %s",
		    strerror(error));
		cl->status = WS_EXIT_FAIL;
	}
	client_set_reading(cl, false);
	wsconn_pause(cl->c, false); /* or the close reply is never read */
	wsconn_close(cl->c, 1001);
}

static void
on_open(struct wsconn *c, void *arg)
{
	struct client *cl = arg;
	const struct client_config *cfg = cl->cfg;

	set_timer(cl, 0);
	log_debug("connected to %s (%s)", cfg->url_text, wsconn_peer(c));
	if (client_console_start(cl) == -1) {
		snprintf(cl->err, sizeof(cl->err), "out of memory");
		cl->status = WS_EXIT_FAIL;
		wsconn_close(c, 1001);
		return;
	}
	if (cl->con != NULL)
		client_show_open(cl);
	else if (!cfg->term.show)
		client_event_open(cl);
	if (cfg->nexec > 0 && client_exec_start(cl) == -1) {
		cl->status = WS_EXIT_FAIL;
		wsconn_close(c, 1011);
		return;
	}
	if (cfg->echo)
		return; /* replies only; stdin is not read */
	if (cfg->nexecute == 0) {
		client_set_reading(cl, true);
		return;
	}
	for (size_t i = 0; i < cfg->nexecute; i++)
		client_send(cl, cfg->execute[i], strlen(cfg->execute[i]),
		    utf8_valid(cfg->execute[i], strlen(cfg->execute[i])));
	wsconn_flush(c);
	client_input_done(cl);
}

static void
on_message(struct wsconn *c, int opcode, const uint8_t *p, size_t n, void *arg)
{
	struct client *cl = arg;
	unsigned long count = cl->cfg->count;

	if (count > 0 && cl->received >= count)
		return; /* closing: --count is reached */
	if (cl->x != NULL) {
		client_exec_message(cl, p, n, wsconn_message_chunk(c));
		cl->received++;
		return;
	}
	/* A large message goes to stdout by reference, not copied. */
	if ((cl->cfg->term.show ? client_show_message(cl, opcode, p, n) :
				  client_output_message(cl, opcode, p, n,
				      wsconn_message_chunk(c))) == -1 &&
	    lineio_writer_error(cl->out) == 0)
		log_msg("message of %zu bytes lost: stdout buffer full", n);
	cl->received++;
	if (cl->cfg->echo && wsconn_send(c, opcode, p, n) == -1)
		cl->unsent++;
	if (count > 0 && cl->received == count) {
		client_set_reading(cl, false);
		wsconn_close(c, 1000);
	}
	if (lineio_writer_full(cl->out))
		wsconn_pause(c, true);
}

static void
on_writable(struct wsconn *c, void *arg)
{
	struct client *cl = arg;

	if (cl->cfg->nexecute == 0 && !cl->cfg->echo && !cl->input_ended &&
	    wsconn_is_open(c))
		client_set_reading(cl, true);
}

static void
on_end(struct wsconn *c, void *arg)
{
	struct client *cl = arg;

	cl->ended = true;
	if (cl->con != NULL && wsconn_opened(c))
		client_show_end(cl);
	else if (!cl->cfg->term.show)
		client_event_close(cl);
	/* The program gets EOF and the grace; its end ends the run (the
	 * close reply that a signal waited for has come). */
	if (cl->x != NULL && !cl->x_ended) {
		set_timer(cl, 0);
		wsconn_shutdown(c);
		exec_stop(cl->x, cl->cfg->close_grace);
		return;
	}
	stop(cl, -1);
}

static void
on_control(UNUSED struct wsconn *c, int opcode, const uint8_t *p, size_t n,
    void *arg)
{
	client_show_control(arg, opcode, p, n);
}

static const struct wsconn_callbacks client_cbs = { on_open, on_message,
	on_writable, on_end, NULL, on_control };

static void connect_next(struct client *cl);

static void
connect_cb(struct ev_loop *loop, ev_io *w, UNUSED int revents)
{
	struct client *cl = w->data;
	char peer[NET_ADDRSTRLEN];
	int fd = w->fd;

	ev_io_stop(loop, w);
	net_format(cl->next_ai->ai_addr, peer, sizeof(peer));
	cl->next_ai = cl->next_ai->ai_next;
	if (net_connect_result(fd, cl->err, sizeof(cl->err)) == -1) {
		log_debug("%s: %s", peer, cl->err);
		close(fd);
		connect_next(cl);
		return;
	}
	cl->c = wsconn_new(loop, fd, peer, &cl->wcfg, &client_cbs, cl);
	if (cl->c == NULL) {
		snprintf(cl->err, sizeof(cl->err), "out of memory");
		stop(cl, WS_EXIT_FAIL);
	}
}

/* Tries the resolved addresses one after the other. */
static void
connect_next(struct client *cl)
{
	char err[LOG_ERR_MAX];
	int fd;

	for (; cl->next_ai != NULL; cl->next_ai = cl->next_ai->ai_next) {
		if ((fd = net_connect(cl->next_ai, err, sizeof(err))) == -1) {
			log_debug("%s", err);
			snprintf(cl->err, sizeof(cl->err), "%s", err);
			continue;
		}
		ev_io_init(&cl->connecting, connect_cb, fd, EV_WRITE);
		cl->connecting.data = cl;
		ev_io_start(cl->loop, &cl->connecting);
		return;
	}
	stop(cl, WS_EXIT_CONNECT);
}

static void
timer_cb(UNUSED struct ev_loop *loop, ev_timer *w, UNUSED int revents)
{
	struct client *cl = w->data;

	if (cl->signo != 0 || cl->interrupted) {
		snprintf(cl->err, sizeof(cl->err),
		    "no close reply within "
		    "%g s",
		    CLIENT_GRACE_TIMEOUT);
		stop(cl, cl->signo != 0 ? 128 + cl->signo : WS_EXIT_LOST);
	} else if (cl->c == NULL || !wsconn_opened(cl->c)) {
		snprintf(cl->err, sizeof(cl->err),
		    "timed out after %g s "
		    "connecting",
		    cl->cfg->connect_timeout);
		stop(cl, WS_EXIT_LOST);
	} else
		wsconn_close(cl->c, 1000); /* -w is over */
}

static void
signal_cb(UNUSED struct ev_loop *loop, ev_signal *w, UNUSED int revents)
{
	struct client *cl = w->data;

	/* Before it opened, a second signal, or while a program ends after
	 * the connection did: at once (the program is killed). */
	if (cl->signo != 0 || cl->interrupted || cl->c == NULL ||
	    !wsconn_opened(cl->c) || cl->ended) {
		cl->signo = w->signum;
		cl->err[0] = '\0';
		stop(cl, 128 + w->signum);
		return;
	}
	/* At the console Ctrl-C closes normally, as npm wscat's does; a
	 * second one (above) ends it at once. */
	if (cl->con != NULL && w->signum == SIGINT && !cl->interrupted) {
		cl->interrupted = true;
		client_set_reading(cl, false);
		wsconn_close(cl->c, 1000);
		set_timer(cl, CLIENT_GRACE_TIMEOUT);
		return;
	}
	cl->signo = w->signum;
	client_set_reading(cl, false);
	wsconn_close(cl->c, 1001);
	set_timer(cl, CLIENT_GRACE_TIMEOUT);
}

/* How the connection ended, as an exit status, with its message. */
static int
end_status(struct client *cl)
{
	const struct wsconn *c = cl->c;
	char how[LOG_ERR_MAX];
	const char *why;
	uint16_t code;

	if (cl->status != -1) {
		if (cl->status == WS_EXIT_CONNECT && cl->wcfg.proxy != NULL)
			log_msg("cannot connect to %s for %s: %s",
			    cl->proxy_shown, cl->cfg->url_text, cl->err);
		else if (cl->status == WS_EXIT_CONNECT)
			log_msg("cannot connect to %s: %s", cl->cfg->url_text,
			    cl->err);
		else if (cl->err[0] != '\0')
			log_msg("%s", cl->err);
		return cl->status;
	}
	wsconn_describe_end(c, how, sizeof(how));
	switch (wsconn_end(c)) {
	case WSCONN_END_CLOSED:
		if (cl->signo != 0)
			return 128 + cl->signo;
		code = wsconn_code_received(c);
		/* A server's answer to /close CODE is no failure. */
		if (code == 1000 || code == 1001 || code == 1005 ||
		    code == cl->close_code)
			return WS_EXIT_OK;
		/* At the console, "Disconnected (code: ...)" said it. */
		if (!cl->cfg->term.console)
			log_msg("server closed the connection: %s", how);
		return WS_EXIT_PEER_CLOSE;
	case WSCONN_END_REFUSED:
		log_msg("handshake with %s failed: %s", cl->cfg->url_text,
		    wsconn_error(c));
		return WS_EXIT_HANDSHAKE;
	case WSCONN_END_TLS:
		/* src/tls says "TLS: why"; the line names the URL. */
		why = wsconn_error(c);
		if (strncmp(why, "TLS: ", 5) == 0)
			why += 5;
		log_msg("TLS %s %s failed: %s",
		    wsconn_opened(c) ? "connection to" : "handshake with",
		    cl->cfg->url_text, why);
		return WS_EXIT_TLS;
	case WSCONN_END_FAILED:
		log_msg("closed the connection: %s", how);
		return WS_EXIT_FAIL;
	case WSCONN_END_LOST:
	case WSCONN_END_TIMEOUT:
	default:
		log_msg("%s", wsconn_error(c));
		return WS_EXIT_LOST;
	}
}

/* The one place where an outcome becomes an exit status and a message.
 * A clean end turns into a failure when the input did not all go out:
 * stdin could not be read, or lines were dropped (over --max-message) or
 * were still queued at the end.  Each of those was reported already but
 * the queued ones, which are counted here. */
static int
exit_status(struct client *cl)
{
	size_t lost;
	int status;
	bool short_input;

	lost = cl->unsent + (cl->c != NULL ? wsconn_undelivered(cl->c) : 0);
	if (lost > 0)
		log_msg("%zu message%s not delivered", lost,
		    lost == 1 ? "" : "s");
	status = end_status(cl);
	/* A clean close, then the program's own failure. */
	if (status == WS_EXIT_OK && cl->x_ended && cl->x_status != 0)
		status = WIFEXITED(cl->x_status) ?
		    WEXITSTATUS(cl->x_status) :
		    128 + WTERMSIG(cl->x_status);
	short_input = lost > 0 ||
	    (cl->in != NULL &&
		(lineio_reader_error(cl->in) != 0 ||
		    lineio_reader_dropped(cl->in) > 0));
	return status == WS_EXIT_OK && short_input ? WS_EXIT_FAIL : status;
}

/* The proxy to u's server: --proxy, else the environment's (curl's
 * rules), or none.  0, or -1 with the reason in cl->err. */
static int
pick_proxy(struct client *cl, const struct url *u)
{
	const char *s = cl->cfg->proxy;
	char err[LOG_ERR_MAX / 2], shown[LOG_ERR_MAX / 4];

	cl->wcfg.proxy = NULL;
	if (cl->cfg->unix_path != NULL)
		return 0;
	if (s == NULL)
		s = proxy_from_env(u->tls, u->host);
	if (s == NULL || s[0] == '\0')
		return 0;
	url_redact(s, shown, sizeof(shown));
	if (proxy_parse(s, &cl->proxy, err, sizeof(err)) == -1) {
		snprintf(cl->err, sizeof(cl->err), "proxy %s: %s", shown, err);
		return -1;
	}
	snprintf(cl->proxy_shown, sizeof(cl->proxy_shown),
	    strchr(cl->proxy.host, ':') ? "proxy [%s]:%s" : "proxy %s:%s",
	    cl->proxy.host, cl->proxy.port);
	log_debug("through %s (%s)", cl->proxy_shown, shown);
	cl->wcfg.proxy = &cl->proxy;
	cl->wcfg.target_host = u->host;
	cl->wcfg.target_port = u->port;
	return 0;
}

static int
client_start(struct client *cl)
{
	const struct url *u = &cl->cfg->url;
	ev_tstamp t0 = ev_time(), left;
	int r;

	if (pick_proxy(cl, u) == -1)
		return WS_EXIT_USAGE;

	/* A Unix socket: one address, no DNS. */
	if (cl->cfg->unix_path != NULL) {
		if (net_unix_addr(cl->cfg->unix_path, &cl->unix_sun, cl->err,
			sizeof(cl->err)) == -1)
			return WS_EXIT_CONNECT;
		cl->unix_ai.ai_family = AF_UNIX;
		cl->unix_ai.ai_socktype = SOCK_STREAM;
		cl->unix_ai.ai_addr = (struct sockaddr *)&cl->unix_sun;
		cl->unix_ai.ai_addrlen = sizeof(cl->unix_sun);
		cl->next_ai = &cl->unix_ai;
	} else {
		/* Through a proxy, its address; the proxy resolves u's. */
		r = net_resolve(cl->wcfg.proxy ? cl->proxy.host : u->host,
		    cl->wcfg.proxy ? cl->proxy.port : u->port,
		    cl->cfg->connect_timeout, &cl->addrs, cl->err,
		    sizeof(cl->err));
		if (r != 0)
			return r == -2 ? WS_EXIT_LOST : WS_EXIT_CONNECT;
		cl->next_ai = cl->addrs;
	}
	left = cl->cfg->connect_timeout - (ev_time() - t0);
	set_timer(cl, left > 0.001 ? left : 0.001);
	connect_next(cl);
	/* A Unix socket may fail at once, before the loop runs. */
	return cl->status;
}

static const struct lineio_cbs stdio_cbs = { on_line, on_batch, on_stdin_eof,
	on_stdout_drain, on_stdout_error };

/* Everything client_run needs before it connects.  0, or -1 with the
 * exit status in cl->status and the reason in cl->err. */
static int
client_init(struct client *cl, const struct client_config *cfg)
{
	memset(cl, 0, sizeof(*cl));
	cl->loop = ev_default_loop(EVFLAG_AUTO);
	cl->cfg = cfg;
	cl->status = -1;
	cl->wcfg.role = WSCONN_CLIENT;
	cl->wcfg.max_message = cfg->max_message;
	cl->wcfg.ping_interval = cfg->ping_interval;
	cl->wcfg.ping_timeout = cfg->ping_timeout;
	cl->wcfg.client = &cfg->hs;
	ev_init(&cl->timer, timer_cb);
	cl->timer.data = cl;
	proc_signals_start(cl->loop, &cl->signals, signal_cb, cl);
	if (lineio_open_stdio(cl->loop, record_max(&cfg->rec, cfg->max_message),
		&stdio_cbs, cl, &cl->in, &cl->out) == -1) {
		snprintf(cl->err, sizeof(cl->err), "out of memory");
		cl->status = WS_EXIT_FAIL;
		return -1;
	}
	lineio_reader_set_records(cl->in, cfg->rec.sep,
	    record_check(&cfg->rec));
	lineio_writer_set_end(cl->out, cfg->rec.sep);
	buf_init(&cl->evline, 4 * URL_MAX_RESOURCE + 1024);
	record_init(&cl->rec);
	client_console_init(cl);
	if (!cfg->url.tls)
		return 0;
	if ((cl->wcfg.tls = tls_client_ctx(&cfg->tls, cl->err,
		 sizeof(cl->err))) == NULL) {
		cl->status = WS_EXIT_USAGE;
		return -1;
	}
	cl->wcfg.tls_host = cfg->url.host;
	if (cfg->tls.insecure)
		log_msg("warning: TLS certificates are not verified "
			"(--insecure)");
	return 0;
}

int
client_run(const struct client_config *cfg)
{
	struct client cl;
	int status, error;

	if (client_init(&cl, cfg) == 0) {
		if ((status = client_start(&cl)) != -1)
			cl.status = status;
		else
			ev_run(cl.loop, 0);
	}
	client_console_close(&cl);
	if ((error = lineio_writer_close(cl.out)) != 0 && cl.status == -1) {
		snprintf(cl.err, sizeof(cl.err), "stdout: %s", strerror(error));
		cl.status = WS_EXIT_FAIL;
	}
	status = exit_status(&cl);
	if (ev_is_active(&cl.connecting)) {
		ev_io_stop(cl.loop, &cl.connecting);
		close(cl.connecting.fd);
	}
	ev_timer_stop(cl.loop, &cl.timer);
	proc_signals_stop(cl.loop, &cl.signals);
	exec_free(cl.x);
	wsconn_free(cl.c);
	lineio_reader_free(cl.in);
	chunk_unref(cl.json);
	buf_deinit(&cl.evline);
	record_clear(&cl.rec);
	if (cl.addrs != NULL)
		freeaddrinfo(cl.addrs);
	SSL_CTX_free(cl.wcfg.tls);
	return status;
}
