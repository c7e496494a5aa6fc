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
#include <strings.h>
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
		client_close(cl, 1000, NULL);
}

void
client_close(struct client *cl, uint16_t code, const char *reason)
{
	cl->closing = true;
	if (cl->c != NULL)
		wsconn_close_reason(cl->c, code, reason);
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

	if (cl->c != NULL)
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
	if (cl->c == NULL) { /* between reconnects */
		stop(cl, -1);
		return;
	}
	wsconn_pause(cl->c, false); /* or the close reply is never read */
	client_close(cl, 1001, NULL);
}

static void
on_open(struct wsconn *c, void *arg)
{
	struct client *cl = arg;
	const struct client_config *cfg = cl->cfg;

	set_timer(cl, 0);
	if (cl->reconnecting)
		log_info("reconnected to %s", cl->url_text);
	else
		log_debug("connected to %s (%s)", cl->url_text, wsconn_peer(c));
	cl->was_open = true;
	cl->reconnecting = false;
	cl->attempts = 0;
	cl->ended = false;
	if (client_console_start(cl) == -1) {
		snprintf(cl->err, sizeof(cl->err), "out of memory");
		cl->status = WS_EXIT_FAIL;
		client_close(cl, 1001, NULL);
		return;
	}
	if (cl->con != NULL)
		client_show_open(cl);
	else if (!cfg->term.show)
		client_event_open(cl);
	if (cfg->nexec > 0 && client_exec_start(cl) == -1) {
		cl->status = WS_EXIT_FAIL;
		client_close(cl, 1011, NULL);
		return;
	}
	if (cfg->echo)
		return; /* replies only; stdin is not read */
	if (cfg->nexecute == 0) {
		/* A reconnect after the input ended: -w starts again. */
		if (cl->input_ended)
			client_input_done(cl);
		else
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
		client_close(cl, 1000, NULL);
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

static int client_connect(struct client *cl);
static bool retry(struct client *cl, const char *why);

/* A 301, 302, 303, 307 or 308 with a Location. */
static bool
is_redirect(const struct wsconn *c)
{
	int status = wsconn_http_status(c);

	return wsconn_end(c) == WSCONN_END_REFUSED &&
	    wsconn_location(c) != NULL &&
	    (status == 301 || status == 302 || status == 303 || status == 307 ||
		status == 308);
}

/* -H lines that are credentials, for a redirect to another server. */
static void
drop_credential_headers(struct client *cl)
{
	size_t n = 0;

	for (size_t i = 0; i < cl->hs.nheaders; i++)
		if (strncasecmp(cl->headers[i], "Authorization:", 14) != 0 &&
		    strncasecmp(cl->headers[i], "Cookie:", 7) != 0)
			cl->headers[n++] = cl->headers[i];
	cl->hs.nheaders = n;
}

/* -L: the request again, to where c's answer points.  The credentials
 * stay with their server: another host or port gets neither --auth nor
 * the URL's user, nor -H Authorization or Cookie lines, unless the
 * Location names a user itself. */
static void
follow_redirect(struct client *cl, struct wsconn *c)
{
	const struct client_config *cfg = cl->cfg;
	char err[LOG_ERR_MAX / 2], shown[4 * 256];
	struct url next;
	bool same, own_user;
	int r;

	log_escape(shown, sizeof(shown), wsconn_location(c),
	    strnlen(wsconn_location(c), 256));
	/* Each refusal is the end, reported here. */
	if (cl->redirects == cfg->max_redirects) {
		log_msg("handshake with %s failed: too many redirects (%zu)",
		    cl->url_text, cfg->max_redirects);
		stop(cl, WS_EXIT_HANDSHAKE);
		return;
	}
	if (url_resolve(&cl->url, wsconn_location(c), &next, err,
		sizeof(err)) == -1) {
		log_msg("handshake with %s failed: redirect to '%s': %s",
		    cl->url_text, shown, err);
		stop(cl, WS_EXIT_HANDSHAKE);
		return;
	}
	if (cl->url.tls && !next.tls && !cfg->insecure_redirect) {
		log_msg("handshake with %s failed: refusing the redirect from "
			"wss:// to '%s' (--insecure-redirect allows it)",
		    cl->url_text, shown);
		stop(cl, WS_EXIT_HANDSHAKE);
		return;
	}
	cl->redirects++;
	log_debug("redirected (%d) to %s", wsconn_http_status(c), shown);
	same = strcasecmp(next.host, cl->url.host) == 0 &&
	    strcmp(next.port, cl->url.port) == 0 &&
	    strcmp(next.unix_path, cl->url.unix_path) == 0;
	/* The Location's own user, else on the same server the URL's
	 * (--auth stays there too), else none. */
	own_user = next.userinfo[0] != '\0';
	if (same && !own_user)
		memcpy(next.userinfo, cl->url.userinfo, sizeof(next.userinfo));
	if (own_user || (same && cl->hs.auth == cl->url.userinfo))
		cl->hs.auth = cl->url.userinfo; /* next's, once copied */
	else if (!same)
		cl->hs.auth = NULL;
	if (!same) {
		cl->hs.hostport = cl->url.hostport;
		drop_credential_headers(cl);
	}
	cl->url = next; /* hs points into cl->url, which stays */
	cl->hs.resource = cl->url.resource;
	url_format(&cl->url, cl->url_text, sizeof(cl->url_text));
	wsconn_free(c);
	cl->c = NULL;
	if ((r = client_connect(cl)) != -1)
		stop(cl, r);
}

/* Whether --reconnect applies to how c ended: lost, timed out, closed
 * by the server with anything but 1000, or a handshake that a server
 * (re)starting turned away (5xx, or no answer). */
static bool
reconnects_after(const struct wsconn *c)
{
	switch (wsconn_end(c)) {
	case WSCONN_END_LOST:
	case WSCONN_END_TIMEOUT:
		return true;
	case WSCONN_END_CLOSED:
		return wsconn_code_received(c) != 1000;
	case WSCONN_END_REFUSED:
		return wsconn_http_status(c) == 0 ||
		    wsconn_http_status(c) >= 500;
	default:
		return false;
	}
}

static void
on_end(struct wsconn *c, void *arg)
{
	struct client *cl = arg;
	char why[LOG_ERR_MAX];

	if (cl->cfg->location && is_redirect(c)) {
		follow_redirect(cl, c);
		return;
	}
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
	if (cl->was_open && reconnects_after(c)) {
		if (wsconn_end(c) == WSCONN_END_CLOSED) {
			strcpy(why, "server closed the connection: ");
			wsconn_describe_end(c, why + strlen(why),
			    sizeof(why) - strlen(why));
		} else
			snprintf(why, sizeof(why), "%s", wsconn_error(c));
		if (retry(cl, why))
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

/* The connection could not be made: once one was open, --reconnect
 * tries again; otherwise it is the end, with status. */
static void
connect_failed(struct client *cl, int status)
{
	char why[LOG_ERR_MAX + 16];

	snprintf(why, sizeof(why), "%s%s",
	    status == WS_EXIT_CONNECT ? "cannot connect: " : "", cl->err);
	if (!cl->reconnecting || !retry(cl, why))
		stop(cl, status);
}

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
	connect_failed(cl, WS_EXIT_CONNECT);
}

/* The connection under way or ended goes: what it did not send is
 * counted. */
static void
drop_connection(struct client *cl)
{
	if (ev_is_active(&cl->connecting)) {
		ev_io_stop(cl->loop, &cl->connecting);
		close(cl->connecting.fd);
	}
	if (cl->c != NULL) {
		cl->unsent += wsconn_undelivered(cl->c);
		wsconn_free(cl->c);
		cl->c = NULL;
	}
}

/* --reconnect: whether to try again after why.  If so, the attempt is
 * scheduled after a backoff with full jitter (a random delay up to
 * min(cap, min * 2^attempts)), and said on one line. */
static bool
retry(struct client *cl, const char *why)
{
	const struct client_config *cfg = cl->cfg;
	double bound = cfg->reconnect_min, delay;
	uint32_t r = UINT32_MAX / 2;

	if (!cfg->reconnect || cl->closing || cl->signo != 0 ||
	    cl->interrupted || cl->status != -1 ||
	    (cfg->reconnect_max > 0 && cl->attempts >= cfg->reconnect_max))
		return false;
	for (size_t i = 0; i < cl->attempts && bound < cfg->reconnect_cap; i++)
		bound *= 2;
	if (bound > cfg->reconnect_cap)
		bound = cfg->reconnect_cap;
	(void)proc_random(&r, sizeof(r)); /* failed: the middle */
	delay = bound * ((double)r / UINT32_MAX);
	cl->attempts++;
	if (cfg->reconnect_max > 0)
		log_msg("%s; reconnecting in %.2f s (attempt %zu of %zu)", why,
		    delay, cl->attempts, cfg->reconnect_max);
	else
		log_msg("%s; reconnecting in %.2f s (attempt %zu)", why, delay,
		    cl->attempts);
	drop_connection(cl);
	cl->reconnecting = true;
	client_set_reading(cl, false);
	set_timer(cl, 0);
	ev_timer_set(&cl->retry, delay, 0.);
	ev_timer_start(cl->loop, &cl->retry);
	return true;
}

static void
retry_cb(UNUSED struct ev_loop *loop, ev_timer *w, UNUSED int revents)
{
	struct client *cl = w->data;
	int r;

	cl->err[0] = '\0';
	if ((r = client_connect(cl)) != -1)
		connect_failed(cl, r);
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
		connect_failed(cl, WS_EXIT_LOST);
	} else
		client_close(cl, 1000, NULL); /* -w is over */
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
		client_close(cl, 1000, NULL);
		set_timer(cl, CLIENT_GRACE_TIMEOUT);
		return;
	}
	cl->signo = w->signum;
	client_set_reading(cl, false);
	client_close(cl, 1001, NULL);
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
			log_msg("cannot connect to proxy %s for %s: %s",
			    cl->proxy_shown, cl->url_text, cl->err);
		else if (cl->status == WS_EXIT_CONNECT)
			log_msg("cannot connect to %s: %s", cl->url_text,
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
		log_msg("handshake with %s failed: %s", cl->url_text,
		    wsconn_error(c));
		return WS_EXIT_HANDSHAKE;
	case WSCONN_END_TLS:
		/* src/tls says "TLS: why"; the line names the URL. */
		why = wsconn_error(c);
		if (strncmp(why, "TLS: ", 5) == 0)
			why += 5;
		log_msg("TLS %s %s failed: %s",
		    wsconn_opened(c) ? "connection to" : "handshake with",
		    cl->url_text, why);
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
	if (cl->cfg->unix_path != NULL || u->unix_path[0] != '\0')
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
	net_hostport(cl->proxy_shown, sizeof(cl->proxy_shown), cl->proxy.host,
	    cl->proxy.port);
	log_debug("through proxy %s (%s)", cl->proxy_shown, shown);
	cl->wcfg.proxy = &cl->proxy;
	cl->wcfg.target_host = u->host;
	cl->wcfg.target_port = u->port;
	return 0;
}

/* The TLS context, made for the first wss:// URL.  0, or -1 with the
 * reason in cl->err. */
static int
use_tls(struct client *cl)
{
	const struct client_config *cfg = cl->cfg;

	cl->wcfg.tls = NULL;
	if (!cl->url.tls)
		return 0;
	if (cl->tls == NULL) {
		if ((cl->tls = tls_client_ctx(&cfg->tls, cl->err,
			 sizeof(cl->err))) == NULL)
			return -1;
		if (cfg->tls.insecure)
			log_msg("warning: TLS certificates are not verified "
				"(--insecure)");
	}
	cl->wcfg.tls = cl->tls;
	cl->wcfg.tls_host = cl->url.host;
	return 0;
}

static int
client_connect(struct client *cl)
{
	const struct url *u = &cl->url;
	const char *unix_path = cl->cfg->unix_path;
	ev_tstamp t0 = ev_time(), left;
	int r;

	if (unix_path == NULL && u->unix_path[0] != '\0')
		unix_path = u->unix_path;
	if (use_tls(cl) == -1 || pick_proxy(cl, u) == -1)
		return WS_EXIT_USAGE;
	if (cl->addrs != NULL)
		freeaddrinfo(cl->addrs);
	cl->addrs = NULL;
	/* A Unix socket: one address, no DNS. */
	if (unix_path != NULL) {
		if (net_unix_addr(unix_path, &cl->unix_sun, cl->err,
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

/* The first URL and its request, which redirects may change. */
static int
client_target(struct client *cl, const struct client_config *cfg)
{
	cl->url = cfg->url;
	snprintf(cl->url_text, sizeof(cl->url_text), "%s", cfg->url_text);
	cl->hs = cfg->hs;
	cl->hs.resource = cl->url.resource;
	if (cfg->hs.hostport == cfg->url.hostport)
		cl->hs.hostport = cl->url.hostport;
	if (cfg->hs.auth == cfg->url.userinfo)
		cl->hs.auth = cl->url.userinfo;
	if (cfg->hs.nheaders > 0 &&
	    (cl->headers = calloc(cfg->hs.nheaders, sizeof(*cl->headers))) ==
		NULL) {
		snprintf(cl->err, sizeof(cl->err), "out of memory");
		cl->status = WS_EXIT_FAIL;
		return -1;
	}
	for (size_t i = 0; i < cfg->hs.nheaders; i++)
		cl->headers[i] = cfg->hs.headers[i];
	cl->hs.headers = cl->headers;
	cl->wcfg.client = &cl->hs;
	return 0;
}

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
	ev_init(&cl->timer, timer_cb);
	cl->timer.data = cl;
	ev_init(&cl->retry, retry_cb);
	cl->retry.data = cl;
	if (client_target(cl, cfg) == -1)
		return -1;
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
	return 0;
}

int
client_run(const struct client_config *cfg)
{
	struct client cl;
	int status, error;

	if (client_init(&cl, cfg) == 0) {
		if ((status = client_connect(&cl)) != -1)
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
	ev_timer_stop(cl.loop, &cl.retry);
	proc_signals_stop(cl.loop, &cl.signals);
	exec_free(cl.x);
	wsconn_free(cl.c);
	lineio_reader_free(cl.in);
	chunk_unref(cl.json);
	buf_deinit(&cl.evline);
	record_clear(&cl.rec);
	if (cl.addrs != NULL)
		freeaddrinfo(cl.addrs);
	SSL_CTX_free(cl.tls);
	free(cl.headers);
	return status;
}
