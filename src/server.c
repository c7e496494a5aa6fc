/*
 * wsserve: accept WebSocket clients, print what they send, broadcast stdin.
 *
 * Flow control is lossless: stdin is read only while at least one client
 * is open and none has more than WSCONN_HIGH bytes queued, so the slowest
 * client sets the pace and no line is dropped; clients are read only while
 * stdout keeps up.  Messages are received whole (wslay's buffered mode), so
 * each is appended to stdout in one piece and never interleaves.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <ev.h>

#include "exitcode.h"
#include "lineio.h"
#include "log.h"
#include "net.h"
#include "page.h"
#include "server.h"
#include "wsconn.h"

#define ACCEPT_BURST 64		/* accepts per readiness, for fairness */

TAILQ_HEAD(wsconn_list, wsconn);

struct server {
	struct ev_loop *loop;
	const struct server_config *cfg;
	struct wsconn_config wcfg;
	struct hs_policy policy;	/* cfg's, plus the page */
	struct hs_page page;
	ev_io listeners[SERVER_MAX_LISTENERS];
	int nlisteners;
	struct wsconn_list clients;	/* owns every wsconn */
	size_t nclients;		/* in the list */
	size_t nrejected;		/* ... being turned away with 503 */
	size_t nopen;			/* clients past the handshake */
	int spare_fd;			/* given up when fds run out */
	unsigned long nshed;		/* connections closed unserved */
	ev_timer shed_log;		/* reports nshed once a second */
	ev_timer slow_check;
	struct linereader in;
	struct outwriter out;
	ev_signal sigint, sigterm;
	ev_timer grace;
	bool stopping;		/* closing everything down */
	bool stdin_eof;
	int status;
};

static void
stop_listening(struct server *s)
{
	for (int i = 0; i < s->nlisteners; i++)
		if (ev_is_active(&s->listeners[i]))
			ev_io_stop(s->loop, &s->listeners[i]);
}

/* stdin flows only toward open clients that are keeping up. */
static void
update_stdin(struct server *s)
{
	struct wsconn *c;

	if (s->stopping || s->stdin_eof || s->nopen == 0)
		goto stop;
	TAILQ_FOREACH(c, &s->clients, link)
		if (wsconn_is_open(c) && wsconn_above(c))
			goto stop;
	linereader_start(&s->in);
	return;
stop:
	linereader_stop(&s->in);
}

static void
close_all(struct server *s, uint16_t code)
{
	struct wsconn *c, *next;

	/* wsconn_close never frees: on_end comes from the loop. */
	for (c = TAILQ_FIRST(&s->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		wsconn_close(c, code);
	}
}

/* Stops accepting and closes every client with code.  A signal bounds the
 * wait with the grace timer; -E lets each client drain what it was sent
 * (each close handshake is still bounded by wsconn). */
static void
shut_down(struct server *s, uint16_t code, bool bounded)
{
	if (s->stopping)
		return;
	s->stopping = true;
	stop_listening(s);
	linereader_stop(&s->in);
	close_all(s, code);
	if (TAILQ_EMPTY(&s->clients))
		ev_break(s->loop, EVBREAK_ALL);
	else if (bounded) {
		ev_timer_set(&s->grace, SERVER_GRACE_TIMEOUT, 0.);
		ev_timer_start(s->loop, &s->grace);
	}
}

static void
on_line(const char *line, size_t len, bool text, void *arg)
{
	struct server *s = arg;
	struct wsconn *c;

	TAILQ_FOREACH(c, &s->clients, link)
		if (wsconn_is_open(c))
			wsconn_send(c, text ? WSLAY_TEXT_FRAME :
			    WSLAY_BINARY_FRAME, line, len);
}

static void
on_batch(void *arg)
{
	struct server *s = arg;
	struct wsconn *c;

	TAILQ_FOREACH(c, &s->clients, link)
		wsconn_flush(c);
	update_stdin(s);
}

static void
on_stdin_eof(void *arg)
{
	struct server *s = arg;

	s->stdin_eof = true;
	if (s->cfg->exit_on_eof)
		shut_down(s, 1000, false);
}

static void
pause_clients(struct server *s, bool pause)
{
	struct wsconn *c;

	TAILQ_FOREACH(c, &s->clients, link)
		wsconn_pause(c, pause);
}

static void
on_stdout_drain(void *arg)
{
	pause_clients(arg, false);
}

static void
on_stdout_error(void *arg)
{
	struct server *s = arg;

	if (s->out.error != EPIPE) {
		log_msg("stdout: %s", strerror(s->out.error));
		s->status = WS_EXIT_FAIL;
	}
	/* Read on, or the close replies would never be seen. */
	pause_clients(s, false);
	shut_down(s, 1001, true);
}

static void
on_open(struct wsconn *c, void *arg)
{
	struct server *s = arg;

	s->nopen++;
	log_info("%s connected", c->peer);
	update_stdin(s);
}

static void
on_message(struct wsconn *c, int opcode, const uint8_t *p, size_t n,
    void *arg)
{
	struct server *s = arg;

	if (outwriter_message(&s->out, p, n) == -1 && s->out.error == 0)
		log_msg("%s: message of %zu bytes lost: stdout buffer full",
		    c->peer, n);
	if (s->cfg->echo)
		wsconn_send(c, opcode, p, n);
	if (outwriter_full(&s->out))
		pause_clients(s, true);
}

static void
on_writable(struct wsconn *c, void *arg)
{
	update_stdin(arg);
}

/* Reports what c leaves undelivered, takes it off the list, frees it. */
static void
remove_client(struct server *s, struct wsconn *c)
{
	size_t lost = wsconn_undelivered(c);

	if (lost > 0)
		log_msg("%s: %zu queued message%s not delivered", c->peer,
		    lost, lost == 1 ? "" : "s");
	TAILQ_REMOVE(&s->clients, c, link);
	s->nclients--;
	if (c->http_status == 503)	/* turned away by --max-clients */
		s->nrejected--;
	wsconn_free(c);
}

static void
on_end(struct wsconn *c, void *arg)
{
	struct server *s = arg;
	char how[256];

	wsconn_describe_end(c, how, sizeof(how));
	if (c->ctx == NULL)	/* it never opened */
		log_info("%s not upgraded: %s", c->peer, how);
	else {
		s->nopen--;
		log_info("%s disconnected (%s)", c->peer, how);
	}
	remove_client(s, c);
	update_stdin(s);
	if (s->stopping && TAILQ_EMPTY(&s->clients))
		ev_break(s->loop, EVBREAK_ALL);
}

static const struct wsconn_callbacks server_cbs = {
	on_open, on_message, on_writable, on_end
};

/*
 * Out of file descriptors, the pending connection would keep the listener
 * readable forever (ev(3), "The special problem of accept()ing when you
 * can't"): give up the spare fd, accept and close at once, and take the
 * spare back.  The peer sees its connection closed.
 */
static void
shed_connection(struct server *s, int lfd)
{
	int fd;

	if (s->spare_fd != -1)
		close(s->spare_fd);
	if ((fd = accept(lfd, NULL, NULL)) != -1)
		close(fd);
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd == -1)		/* nothing was waiting after all */
		return;
	/* Counted, and reported by shed_log_cb a second later. */
	if (s->nshed++ == 0)
		ev_timer_start(s->loop, &s->shed_log);
}

static void
shed_log_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *s = w->data;

	log_msg("out of file descriptors: %lu connection%s closed unserved",
	    s->nshed, s->nshed == 1 ? "" : "s");
	s->nshed = 0;
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct server *s = w->data;
	char peer[NET_ADDRSTRLEN];
	struct wsconn *c;
	int fd;

	for (int i = 0; i < ACCEPT_BURST; i++) {
		if ((fd = net_accept(w->fd, peer, sizeof(peer))) == -1) {
			if (errno == EMFILE || errno == ENFILE)
				shed_connection(s, w->fd);
			else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_msg("accept: %s", strerror(errno));
			if (errno != ECONNABORTED)
				return;
			continue;
		}
		if ((c = wsconn_new(loop, fd, peer, &s->wcfg, &server_cbs,
		    s)) == NULL) {
			log_msg("%s: out of memory", peer);
			continue;
		}
		TAILQ_INSERT_TAIL(&s->clients, c, link);
		if (s->nclients - s->nrejected >= s->cfg->max_clients) {
			/* Answered with 503 at once, then closed. */
			wsconn_reject(c, 503, "too many clients");
			s->nrejected++;
		}
		s->nclients++;
		if (outwriter_full(&s->out))
			wsconn_pause(c, true);
	}
}

/* --slow-client-timeout: a client over the high mark that long is closed
 * with 1008, and what it was sent is counted as undelivered. */
static void
slow_check_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *s = w->data;
	ev_tstamp now = ev_now(loop);
	struct wsconn *c;

	TAILQ_FOREACH(c, &s->clients, link)
		if (wsconn_is_open(c) && wsconn_above(c) &&
		    now - c->above_since >= s->cfg->slow_client_timeout) {
			log_msg("%s: slow client: over %d KiB queued for %g s, "
			    "closing (1008)", c->peer, WSCONN_HIGH / 1024,
			    s->cfg->slow_client_timeout);
			wsconn_abort(c, 1008, "slow client");
		}
	update_stdin(s);
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct server *s = w->data;

	if (s->stopping) {
		ev_break(loop, EVBREAK_ALL);	/* second signal: go now */
		return;
	}
	log_debug("signal %d: closing clients", w->signum);
	shut_down(s, 1001, true);
}

static void
grace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	log_msg("clients did not finish closing within %g s",
	    SERVER_GRACE_TIMEOUT);
	ev_break(loop, EVBREAK_ALL);
}

static int
start_listeners(struct server *s)
{
	const struct server_config *cfg = s->cfg;
	char err[256], name[NET_ADDRSTRLEN];
	int fds[SERVER_MAX_LISTENERS], n;

	for (size_t i = 0; i < cfg->naddresses; i++) {
		n = net_listen(cfg->addresses[i], cfg->port, fds,
		    SERVER_MAX_LISTENERS - s->nlisteners, err, sizeof(err));
		if (n == -1) {
			log_msg("cannot listen on %s", err);
			return -1;
		}
		for (int j = 0; j < n; j++) {
			ev_io *w = &s->listeners[s->nlisteners++];

			ev_io_init(w, accept_cb, fds[j], EV_READ);
			w->data = s;
			ev_io_start(s->loop, w);
			net_sockname(fds[j], name, sizeof(name));
			log_msg("listening on %s://%s/", cfg->use_tls ? "wss" :
			    "ws", name);
		}
	}
	return 0;
}

static void
server_deinit(struct server *s)
{
	struct wsconn *c;

	while ((c = TAILQ_FIRST(&s->clients)) != NULL)
		remove_client(s, c);
	for (int i = 0; i < s->nlisteners; i++) {
		ev_io_stop(s->loop, &s->listeners[i]);
		close(s->listeners[i].fd);
	}
	ev_signal_stop(s->loop, &s->sigint);
	ev_signal_stop(s->loop, &s->sigterm);
	ev_timer_stop(s->loop, &s->grace);
	ev_timer_stop(s->loop, &s->slow_check);
	if (ev_is_active(&s->shed_log))
		shed_log_cb(s->loop, &s->shed_log, 0);
	ev_timer_stop(s->loop, &s->shed_log);
	if (s->spare_fd != -1)
		close(s->spare_fd);
	linereader_deinit(&s->in);
	if (outwriter_flush(&s->out) == -1 && s->out.error != EPIPE &&
	    s->status == WS_EXIT_OK) {
		log_msg("stdout: %s", strerror(s->out.error));
		s->status = WS_EXIT_FAIL;
	}
	outwriter_deinit(&s->out);
	SSL_CTX_free(s->wcfg.tls);
}

int
server_run(const struct server_config *cfg)
{
	struct server s;

	memset(&s, 0, sizeof(s));
	s.loop = ev_default_loop(EVFLAG_AUTO);
	s.cfg = cfg;
	s.status = WS_EXIT_OK;
	s.wcfg.role = WSCONN_SERVER;
	s.wcfg.handshake_timeout = cfg->handshake_timeout;
	s.wcfg.max_message = cfg->max_message;
	s.wcfg.ping_interval = cfg->ping_interval;
	s.wcfg.ping_timeout = cfg->ping_timeout;
	s.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ev_timer_init(&s.shed_log, shed_log_cb, 1., 0.);
	s.shed_log.data = &s;
	ev_timer_init(&s.slow_check, slow_check_cb, 1., 1.);
	s.slow_check.data = &s;
	if (cfg->slow_client_timeout > 0)
		ev_timer_start(s.loop, &s.slow_check);
	s.policy = cfg->policy;
	s.wcfg.policy = &s.policy;
	TAILQ_INIT(&s.clients);
	/* A line is one message, so it is bounded like one. */
	linereader_init(&s.in, s.loop, STDIN_FILENO, cfg->max_message,
	    on_line, on_batch, on_stdin_eof, &s);
	outwriter_init(&s.out, s.loop, STDOUT_FILENO, SERVER_OUT_HIGH,
	    SERVER_OUT_HIGH + 2 * cfg->max_message + 65536, on_stdout_drain,
	    on_stdout_error, &s);
	ev_signal_init(&s.sigint, signal_cb, SIGINT);
	ev_signal_init(&s.sigterm, signal_cb, SIGTERM);
	s.sigint.data = s.sigterm.data = &s;
	ev_signal_start(s.loop, &s.sigint);
	ev_signal_start(s.loop, &s.sigterm);
	ev_init(&s.grace, grace_cb);
	s.grace.data = &s;

	if (cfg->use_tls) {
		char err[512];

		if ((s.wcfg.tls = tls_server_ctx(&cfg->tls, err,
		    sizeof(err))) == NULL) {
			log_msg("%s", err);
			s.status = WS_EXIT_USAGE;
			goto out;
		}
	}
	if (!cfg->no_page) {
		char err[128];

		if (page_init(&s.page, err, sizeof(err)) == -1) {
			log_msg("%s", err);
			s.status = WS_EXIT_FAIL;
			goto out;
		}
		s.policy.page = &s.page;
	}
	if (start_listeners(&s) == -1)
		s.status = WS_EXIT_CONNECT;
	else
		ev_run(s.loop, 0);
out:
	server_deinit(&s);
	return s.status;
}
