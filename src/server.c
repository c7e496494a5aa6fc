/*
 * wsserve: accept WebSocket clients, print what they send, broadcast stdin.
 *
 * Flow control is lossless: stdin is read only while at least one client
 * is open and none has more than WSCONN_HIGH bytes queued, so the slowest
 * client sets the pace and no line is dropped; clients are read only while
 * stdout keeps up.  Messages are received whole (wslay's buffered mode), so
 * each is appended to stdout in one piece and never interleaves.
 *
 * Ownership: server_run owns the server, the server its list of peers, each
 * peer its wsconn.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <unistd.h>

#include <ev.h>

#include "attr.h"
#include "budget.h"
#include "child.h"
#include "deflate.h"
#include "exitcode.h"
#include "frame.h"
#include "lineio.h"
#include "log.h"
#include "net.h"
#include "outq.h"
#include "page.h"
#include "policy.h"
#include "proc.h"
#include "server.h"
#include "server_int.h"
#include "wsconn.h"

#define ACCEPT_BURST 64 /* accepts per readiness, for fairness */

static void
stop_listening(struct server *s)
{
	/* Closed, not just unwatched: a load balancer's connects are
	 * refused at once and go to another instance. */
	for (int i = 0; i < s->nlisteners; i++)
		if (s->listeners[i].fd >= 0) {
			ev_io_stop(s->loop, &s->listeners[i]);
			close(s->listeners[i].fd);
			ev_io_set(&s->listeners[i], -1, EV_READ);
		}
}

/* Each queue is bounded by its high mark, all of them together by the
 * memory budget.  A client stdin did not fill (pongs, echoes) holds
 * nothing back: the next line for it would. */
static bool
clients_keep_up(struct server *s)
{
	struct peer *p;
	size_t queued = 0;

	TAILQ_FOREACH(p, &s->clients, link) {
		if (p->held && wsconn_is_open(p->conn) && wsconn_above(p->conn))
			return false;
		queued += wsconn_queued_bytes(p->conn);
	}
	return s->budget.max == 0 || queued + s->budget.used <= s->budget.max;
}

/* stdin flows only toward open clients that are keeping up; a console
 * takes lines with no client too (it says they went nowhere). */
void
server_update_stdin(struct server *s)
{
	/* With --exec stdin is nobody's. */
	bool go = !s->stopping && s->cfg->nexec == 0 && clients_keep_up(s);

	if (s->con != NULL) {
		if (go)
			console_start(s->con);
		else
			console_stop(s->con);
	} else if (go && !s->stdin_eof && s->nopen > 0)
		lineio_reader_start(s->in);
	else
		lineio_reader_stop(s->in);
}

static void
close_all(struct server *s, uint16_t code)
{
	struct peer *p;

	/* wsconn_close never frees: on_end comes from the loop. */
	TAILQ_FOREACH(p, &s->pending, link)
		wsconn_close(p->conn, code);
	TAILQ_FOREACH(p, &s->clients, link)
		wsconn_close(p->conn, code);
}

/* Memory came free: the peers that stopped reading for the budget read
 * on (each rechecks it). */
static void
resume_budget(struct server *s)
{
	struct peer *p;

	if (!budget_changed(&s->budget))
		return;
	TAILQ_FOREACH(p, &s->clients, link)
		wsconn_flush(p->conn);
}

/* How long a signal's shutdown waits: for the close replies, and
 * programs get EOF when their clients have gone, SIGTERM --close-grace
 * later, and SIGKILL after that. */
static double
shutdown_grace(const struct server *s)
{
	return SERVER_GRACE_TIMEOUT +
	    (s->cfg->nexec > 0 ?
		    s->cfg->close_grace + CHILD_KILL_DELAY + EXEC_EOF_WAIT :
		    0);
}

/* Stops accepting and closes every client with code.  A signal bounds the
 * wait with the grace timer; -E lets each client drain what it was sent
 * (each close handshake is still bounded by wsconn). */
void
server_shut_down(struct server *s, uint16_t code, bool bounded)
{
	if (s->stopping)
		return;
	s->stopping = true;
	stop_listening(s);
	lineio_reader_stop(s->in);
	if (s->con != NULL)
		console_stop(s->con);
	close_all(s, code);
	if (TAILQ_EMPTY(&s->clients) && TAILQ_EMPTY(&s->pending) &&
	    TAILQ_EMPTY(&s->exiting))
		ev_break(s->loop, EVBREAK_ALL);
	else if (bounded) {
		ev_timer_set(&s->grace, shutdown_grace(s), 0.);
		ev_timer_start(s->loop, &s->grace);
	}
}

/* A broadcast, encoded once for each compressor among its peers (NULL:
 * uncompressed), at the first peer that needs it.  Each encoding holds a
 * reference to its chunk until the broadcast is queued: encoding the next
 * one may move on from s->frames. */
struct bcast {
	const char *msg;
	size_t len;
	int opcode;
	size_t n;
	struct {
		struct zdeflate *z;
		struct chunk *c; /* NULL: out of memory */
		size_t off, n;	 /* the frame in c */
	} v[9];			 /* none, or one of a pool's 8 window sizes */
};

/* Queues b to p; a message p could not take is counted, and reported
 * with its end like the rest of what it was not sent. */
static void
queue_bcast(struct server *s, struct bcast *b, struct peer *p, size_t *taken)
{
	struct zdeflate *z = b->len >= DEFLATE_MIN ?
	    wsconn_deflater(p->conn) :
	    NULL;
	size_t i;

	for (i = 0; i < b->n && b->v[i].z != z; i++)
		;
	if (i == b->n && b->n < sizeof(b->v) / sizeof(b->v[0])) {
		b->v[i].z = z;
		b->v[i].c = z != NULL ?
		    frame_encode_deflated(&s->frames, z, b->opcode, b->msg,
			b->len, NULL, &b->v[i].off) :
		    frame_encode(&s->frames, b->opcode, b->msg, b->len, NULL,
			&b->v[i].off);
		if (b->v[i].c != NULL) {
			b->v[i].c->refs++;
			b->v[i].n = b->v[i].c->len - b->v[i].off;
		}
		b->n++;
	}
	if (i == b->n || b->v[i].c == NULL ||
	    wsconn_send_encoded(p->conn, b->v[i].c, b->v[i].off, b->v[i].n) ==
		-1) {
		p->unsent++;
		return;
	}
	(*taken)++;
	if (wsconn_above(p->conn))
		p->held = true;
}

/* Where id is in s->byid, or would go. */
static size_t
byid_slot(const struct server *s, unsigned long id)
{
	size_t lo = 0, hi = s->nbyid, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->byid[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Clients open in any order, and nearly in the order of their ids: the
 * insertion moves little.  0, or -1 when out of memory. */
static int
byid_add(struct server *s, struct peer *p)
{
	size_t i = byid_slot(s, p->id);

	if (s->nbyid == s->byid_cap) {
		size_t cap = s->byid_cap ? 2 * s->byid_cap : 64;
		struct peer **v = realloc(s->byid, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		s->byid = v;
		s->byid_cap = cap;
	}
	memmove(&s->byid[i + 1], &s->byid[i],
	    (s->nbyid - i) * sizeof(*s->byid));
	s->byid[i] = p;
	s->nbyid++;
	return 0;
}

static void
byid_remove(struct server *s, const struct peer *p)
{
	size_t i = byid_slot(s, p->id);

	if (i < s->nbyid && s->byid[i] == p) {
		memmove(&s->byid[i], &s->byid[i + 1],
		    (s->nbyid - i - 1) * sizeof(*s->byid));
		s->nbyid--;
	}
}

struct peer *
server_find(struct server *s, unsigned long id)
{
	size_t i = byid_slot(s, id);

	if (i < s->nbyid && s->byid[i]->id == id &&
	    wsconn_is_open(s->byid[i]->conn))
		return s->byid[i];
	return NULL;
}

/* Server frames are unmasked: one encoding serves every client's queue
 * that takes it. */
size_t
server_queue(struct server *s, const char *msg, size_t len, bool text,
    const unsigned long *to, size_t nto)
{
	struct bcast b = { .msg = msg,
		.len = len,
		.opcode = text ? WSLAY_TEXT_FRAME : WSLAY_BINARY_FRAME };
	struct peer *p;
	size_t taken = 0;

	if (nto == 0) {
		TAILQ_FOREACH(p, &s->clients, link)
			if (wsconn_is_open(p->conn))
				queue_bcast(s, &b, p, &taken);
	} else {
		/* "to":[3,3] sends once: each peer named remembers the
		 * record. */
		s->gen++;
		for (size_t i = 0; i < nto; i++) {
			if ((p = server_find(s, to[i])) == NULL)
				server_event_gone(s, to[i]);
			else if (p->gen != s->gen) {
				p->gen = s->gen;
				queue_bcast(s, &b, p, &taken);
			}
		}
	}
	for (size_t i = 0; i < b.n; i++)
		chunk_unref(b.v[i].c);
	return taken;
}

static void
on_line(const char *line, size_t len, bool text, void *arg)
{
	server_input(arg, line, len, text);
}

static void
on_batch(void *arg)
{
	struct server *s = arg;
	struct peer *p;

	TAILQ_FOREACH(p, &s->clients, link)
		wsconn_flush(p->conn);
	server_update_stdin(s);
}

size_t
server_broadcast(struct server *s, const char *line, size_t len, bool text)
{
	size_t taken = server_queue(s, line, len, text, NULL, 0);

	on_batch(s);
	return taken;
}

static void
on_stdin_eof(void *arg)
{
	struct server *s = arg;

	s->stdin_eof = true;
	if (s->cfg->exit_on_eof)
		server_shut_down(s, 1000, false);
}

static void
pause_clients(struct server *s, bool pause)
{
	struct peer *p;

	TAILQ_FOREACH(p, &s->pending, link)
		wsconn_pause(p->conn, pause);
	TAILQ_FOREACH(p, &s->clients, link)
		wsconn_pause(p->conn, pause);
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
	int error = lineio_writer_error(s->out);

	if (error != EPIPE) {
		log_msg("stdout: %s", strerror(error));
		s->status = WS_EXIT_FAIL;
	}
	/* Read on, or the close replies would never be seen. */
	pause_clients(s, false);
	server_shut_down(s, 1001, true);
}

static void
on_open(UNUSED struct wsconn *c, void *arg)
{
	struct peer *p = arg;
	struct server *s = p->srv;

	TAILQ_REMOVE(&s->pending, p, link);
	TAILQ_INSERT_TAIL(&s->clients, p, link);
	p->opened = true;
	if (byid_add(s, p) == -1) {
		log_msg("%s: out of memory", wsconn_peer(c));
		wsconn_abort(c, 1011, "out of memory");
	}
	s->npending--;
	s->nopen++;
	p->since = ev_now(s->loop);
	if (p->x != NULL)
		exec_read(p->x, true);
	if (s->cfg->term.show)
		server_show_open(s, p);
	else
		server_event_open(s, p);
	server_update_stdin(s);
}

static void
on_message(struct wsconn *c, int opcode, const uint8_t *data, size_t n,
    void *arg)
{
	struct peer *p = arg;
	struct server *s = p->srv;
	int r;

	if (p->x != NULL) {
		server_exec_message(p, data, n, wsconn_message_chunk(c));
		resume_budget(s);
		return;
	}
	/* A large message goes to stdout by reference, not copied. */
	r = s->cfg->term.show ?
	    server_show_message(s, p, opcode, data, n) :
	    server_output_message(s, p, opcode, data, n,
		wsconn_message_chunk(c));

	if (r == -1 && lineio_writer_error(s->out) == 0)
		log_msg("%s: message of %zu bytes lost: stdout buffer full",
		    wsconn_peer(c), n);
	/* An echo that cannot be queued (out of memory) is counted with
	 * what the peer was not sent. */
	if (s->cfg->echo && wsconn_send(c, opcode, data, n) == -1)
		p->unsent++;
	if (lineio_writer_full(s->out))
		pause_clients(s, true);
	resume_budget(s);
}

/* --max-clients counts open clients (and programs still ending), not
 * handshakes: they have their own bound, --max-pending. */
/* --trust-proxy: whether the peer is a proxy we take the word of. */
static bool
trusted_proxy(const struct server *s, const char *peer)
{
	unsigned char addr[16];
	int family;

	if (strcmp(peer, "unix") == 0)
		return s->trust_unix;
	if (net_peer_addr(peer, &family, addr) == -1)
		return false;
	for (size_t i = 0; i < s->ntrusted; i++)
		if (net_cidr_has(&s->trusted[i], family, addr))
			return true;
	return false;
}

/* A trusted proxy's client is the peer from here on, in the log lines
 * and the records. */
static void
take_forwarded(struct server *s, struct wsconn *c)
{
	char client[NET_ADDRSTRLEN];
	const char *head;
	size_t len;

	if (!trusted_proxy(s, wsconn_peer(c)) ||
	    (head = wsconn_request(c, &len)) == NULL ||
	    policy_forwarded_for(head, len, client, sizeof(client)) == -1)
		return;
	log_debug("%s: forwarded for %s", wsconn_peer(c), client);
	wsconn_set_peer(c, client);
}

static int
on_request(struct wsconn *c, const char **why, void *arg)
{
	struct peer *p = arg;

	if (p->srv->ntrusted > 0 || p->srv->trust_unix)
		take_forwarded(p->srv, c);

	/* A program still ending counts: --max-clients bounds them. */
	if (p->srv->nopen + p->srv->nexiting >= p->srv->cfg->max_clients) {
		*why = "too many clients";
		return 503;
	}
	return p->srv->cfg->nexec > 0 ? server_exec_start(p->srv, p, why) : 0;
}

static void
on_writable(UNUSED struct wsconn *c, void *arg)
{
	struct peer *p = arg;

	p->held = false;
	if (p->x != NULL)
		exec_read(p->x, true);
	server_update_stdin(p->srv);
}

void
server_free_peer(struct peer *p)
{
	wsconn_free(p->conn);
	exec_free(p->x);
	free(p);
}

void
server_maybe_done(struct server *s)
{
	if (s->stopping && TAILQ_EMPTY(&s->clients) &&
	    TAILQ_EMPTY(&s->pending) && TAILQ_EMPTY(&s->exiting))
		ev_break(s->loop, EVBREAK_ALL);
}

/* Reports what p leaves undelivered and takes it off the list; frees it,
 * or its connection only while its program ends. */
static void
remove_client(struct server *s, struct peer *p)
{
	size_t lost = wsconn_undelivered(p->conn) + p->unsent;

	if (lost > 0)
		log_msg("%s: %zu queued message%s not delivered",
		    wsconn_peer(p->conn), lost, lost == 1 ? "" : "s");
	if (p->opened) {
		TAILQ_REMOVE(&s->clients, p, link);
		byid_remove(s, p);
	} else {
		TAILQ_REMOVE(&s->pending, p, link);
		if (!p->dropped)
			s->npending--;
	}
	if (server_exec_release(s, p)) {
		wsconn_free(p->conn);
		p->conn = NULL;
		return;
	}
	server_free_peer(p);
}

static void
refusal_report_cb(UNUSED struct ev_loop *loop, ev_timer *w, UNUSED int revents)
{
	struct refusal *r = w->data;

	log_info("%lu more request%s refused %d (%s) not logged", r->suppressed,
	    r->suppressed == 1 ? "" : "s", r->status, r->kind);
	r->suppressed = 0;
}

/* The slot for a refusal of this status and reason; when all are taken,
 * the last one serves the rest. */
static struct refusal *
refusal_class(struct server *s, int status, const char *why)
{
	struct refusal *r;
	size_t n = strcspn(why, "'");

	while (n > 0 && why[n - 1] == ' ')
		n--;
	for (int i = 0; i < SERVER_REFUSAL_CLASSES; i++) {
		r = &s->refusals[i];
		if (r->status == 0) {
			r->status = status;
			snprintf(r->kind, sizeof(r->kind), "%.*s", (int)n, why);
			return r;
		}
		if (r->status == status && strlen(r->kind) == n &&
		    strncmp(r->kind, why, n) == 0)
			return r;
	}
	return r;
}

/* A flood of requests the policy refuses (401, 403) must not fill the
 * disk: one line per kind and interval, then the count of the others. */
static void
log_refusal(struct server *s, struct wsconn *c, const char *how)
{
	struct refusal *r = refusal_class(s, wsconn_http_status(c),
	    wsconn_error(c));
	ev_tstamp now = ev_now(s->loop);

	if (r->last == 0 || now - r->last >= SERVER_REFUSAL_INTERVAL) {
		r->last = now;
		log_info("%s not upgraded: %s", wsconn_peer(c), how);
		return;
	}
	r->suppressed++;
	if (!ev_is_active(&r->report)) {
		ev_timer_set(&r->report,
		    r->last + SERVER_REFUSAL_INTERVAL - now, 0.);
		ev_timer_start(s->loop, &r->report);
	}
}

static void
on_end(struct wsconn *c, void *arg)
{
	struct peer *p = arg;
	struct server *s = p->srv;
	char how[LOG_ERR_MAX];
	int status = wsconn_http_status(c);

	wsconn_describe_end(c, how, sizeof(how));
	if (wsconn_end(c) == WSCONN_END_REFUSED &&
	    (status == 401 || status == 403))
		log_refusal(s, c, how);
	else if (!wsconn_opened(c)) {
		/* A load balancer polls: no line each time. */
		if (strcmp(wsconn_error(c), PAGE_HEALTH_WHY) != 0)
			log_info("%s not upgraded: %s", wsconn_peer(c), how);
	} else {
		s->nopen--;
		if (s->cfg->term.show)
			server_show_end(s, p, how);
		else
			server_event_close(s, p, how);
	}
	remove_client(s, p);
	server_update_stdin(s);
	resume_budget(s);
	server_maybe_done(s);
}

static const struct wsconn_callbacks server_cbs = { on_open, on_message,
	on_writable, on_end, on_request, NULL };

/* --max-pending: the oldest handshake gives way to a new one, so that
 * sockets that never send a byte cannot lock real clients out. */
static void
drop_oldest_pending(struct server *s)
{
	struct peer *p;

	TAILQ_FOREACH(p, &s->pending, link)
		if (!p->dropped) {
			p->dropped = true;
			s->npending--;
			wsconn_close(p->conn, 1001); /* on_end follows */
			return;
		}
}

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
	if (fd == -1) /* nothing was waiting after all */
		return;
	/* Counted, and reported by shed_log_cb a second later. */
	if (s->nshed++ == 0)
		ev_timer_start(s->loop, &s->shed_log);
}

static void
shed_log_cb(UNUSED struct ev_loop *loop, ev_timer *w, UNUSED int revents)
{
	struct server *s = w->data;

	log_msg("out of file descriptors: %lu connection%s closed unserved",
	    s->nshed, s->nshed == 1 ? "" : "s");
	s->nshed = 0;
}

/* Takes fd into a new peer at the end of the list. */
static void
add_client(struct server *s, int fd, const char *addr)
{
	struct peer *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		close(fd);
		log_msg("%s: out of memory", addr);
		return;
	}
	p->srv = s;
	p->id = ++s->last_id;
	p->ntag = snprintf(p->tag, sizeof(p->tag), "%lu\t", p->id);
	if ((p->conn = wsconn_new(s->loop, fd, addr, &s->wcfg, &server_cbs,
		 p)) == NULL) {
		free(p);
		log_msg("%s: out of memory", addr);
		return;
	}
	if (s->npending >= s->cfg->max_pending)
		drop_oldest_pending(s);
	TAILQ_INSERT_TAIL(&s->pending, p, link);
	s->npending++;
	if (lineio_writer_full(s->out))
		wsconn_pause(p->conn, true);
}

static void
accept_cb(UNUSED struct ev_loop *loop, ev_io *w, UNUSED int revents)
{
	struct server *s = w->data;
	char addr[NET_ADDRSTRLEN];
	int fd;

	for (int i = 0; i < ACCEPT_BURST; i++) {
		if ((fd = net_accept(w->fd, addr, sizeof(addr))) == -1) {
			if (errno == EMFILE || errno == ENFILE)
				shed_connection(s, w->fd);
			else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_msg("accept: %s", strerror(errno));
			if (errno != ECONNABORTED)
				return;
			continue;
		}
		add_client(s, fd, addr);
	}
}

/* --slow-client-timeout: a client over the high mark that long is closed
 * with 1008, and what it was sent is counted as undelivered. */
static void
slow_check_cb(struct ev_loop *loop, ev_timer *w, UNUSED int revents)
{
	struct server *s = w->data;
	ev_tstamp now = ev_now(loop);
	struct peer *p;

	TAILQ_FOREACH(p, &s->clients, link)
		if (p->held && wsconn_is_open(p->conn) &&
		    wsconn_above(p->conn) &&
		    now - wsconn_above_since(p->conn) >=
			s->cfg->slow_client_timeout) {
			log_msg("%s: slow client: over %d KiB queued for %g s, "
				"closing (1008)",
			    wsconn_peer(p->conn), WSCONN_HIGH / 1024,
			    s->cfg->slow_client_timeout);
			wsconn_abort(p->conn, 1008, "slow client");
		}
	server_update_stdin(s);
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, UNUSED int revents)
{
	struct server *s = w->data;

	if (s->stopping) {
		ev_break(loop, EVBREAK_ALL); /* second signal: go now */
		return;
	}
	log_debug("signal %d: closing clients", w->signum);
	server_shut_down(s, 1001, true);
}

static void
grace_cb(struct ev_loop *loop, ev_timer *w, UNUSED int revents)
{
	struct server *s = w->data;

	log_msg("%s did not finish closing within %g s",
	    TAILQ_EMPTY(&s->clients) ? "programs" : "clients",
	    shutdown_grace(s));
	ev_break(loop, EVBREAK_ALL);
}

/* Adds name to the Host names we answer to, once. */
static void
add_host(const char *name, void *arg)
{
	struct server *s = arg;
	char **v;

	for (size_t i = 0; i < s->nhosts; i++)
		if (strcasecmp(s->hosts[i], name) == 0)
			return;
	if (s->nhosts == s->hosts_cap) {
		size_t cap = s->hosts_cap ? 2 * s->hosts_cap : 16;

		if ((v = realloc(s->hosts, cap * sizeof(*v))) == NULL) {
			s->hosts_failed = true;
			return;
		}
		s->hosts = v;
		s->hosts_cap = cap;
	}
	if ((s->hosts[s->nhosts] = strdup(name)) == NULL)
		s->hosts_failed = true;
	else
		s->nhosts++;
}

/* The names a Host header may carry (see server.h) and our ports, from
 * the addresses we listen on; the --auth warning.  0, or -1 (logged). */
static int
allow_hosts(struct server *s)
{
	const struct server_config *cfg = s->cfg;
	char err[LOG_ERR_MAX], name[NET_ADDRSTRLEN + 2], line[LOG_ERR_MAX];
	bool wildcard = false, exposed = false;
	struct net_local l;
	size_t n = 0;

	add_host("localhost", s);
	add_host("127.0.0.1", s);
	add_host("[::1]", s);
	for (size_t i = 0; i < cfg->naddresses; i++) {
		const char *a = cfg->addresses[i];

		snprintf(name, sizeof(name),
		    strchr(a, ':') && a[0] != '[' ? "[%s]" : "%s", a);
		add_host(name, s);
	}
	for (int i = 0; i < s->nlisteners; i++) {
		if (s->unix_path[i] != NULL)
			continue; /* a Host says nothing of a Unix socket */
		if (net_local(s->listeners[i].fd, &l, err, sizeof(err)) == -1) {
			log_msg("%s", err);
			return -1;
		}
		add_host(l.host, s);
		s->ports[s->policy.nports++] = l.port;
		wildcard |= l.wildcard;
		exposed |= !l.loopback;
	}
	if (wildcard) {
		/* Fewer names refuse more, never less: go on. */
		if (net_interfaces(add_host, s, err, sizeof(err)) == -1)
			log_msg("warning: %s", err);
		if (gethostname(name, sizeof(name)) == 0) {
			name[sizeof(name) - 1] = '\0';
			add_host(name, s);
		}
	}
	for (size_t i = 0; i < cfg->nallow_hosts; i++)
		add_host(cfg->allow_hosts[i], s);
	if (s->hosts_failed) {
		log_msg("out of memory");
		return -1;
	}
	s->policy.hosts = (const char *const *)s->hosts;
	s->policy.nhosts = s->nhosts;
	for (size_t i = 0; i < s->nhosts && n < sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%s", i ? ", " : "",
		    s->hosts[i]);
	log_debug("Host names allowed: %s", line);
	if (cfg->policy.ncredentials > 0 && !cfg->use_tls && exposed)
		log_msg("warning: --auth without --cert on an address other "
			"than loopback: passwords cross the network in clear");
	return 0;
}

/* Watches fd, a listening socket; path: -U's. */
static void
add_listener(struct server *s, int fd, const char *path)
{
	ev_io *w = &s->listeners[s->nlisteners];

	s->unix_path[s->nlisteners++] = path;
	ev_io_init(w, accept_cb, fd, EV_READ);
	w->data = s;
	ev_io_start(s->loop, w);
}

static int
start_listeners(struct server *s)
{
	const struct server_config *cfg = s->cfg;
	char err[LOG_ERR_MAX], name[NET_ADDRSTRLEN];
	int fds[SERVER_MAX_LISTENERS], n;

	for (size_t i = 0; i < cfg->naddresses; i++) {
		n = net_listen(cfg->addresses[i], cfg->port, fds,
		    SERVER_MAX_LISTENERS - s->nlisteners, err, sizeof(err));
		if (n == -1) {
			log_msg("cannot listen on %s", err);
			return -1;
		}
		for (int j = 0; j < n; j++) {
			add_listener(s, fds[j], NULL);
			net_sockname(fds[j], name, sizeof(name));
			log_msg("listening on %s://%s/",
			    cfg->use_tls ? "wss" : "ws", name);
		}
	}
	for (size_t i = 0; i < cfg->nunix; i++) {
		if (s->nlisteners == SERVER_MAX_LISTENERS) {
			log_msg("cannot listen on %s: more than %d sockets",
			    cfg->unix_paths[i], SERVER_MAX_LISTENERS);
			return -1;
		}
		n = net_listen_unix(cfg->unix_paths[i], cfg->unix_mode, err,
		    sizeof(err));
		if (n == -1) {
			log_msg("cannot listen on %s", err);
			return -1;
		}
		add_listener(s, n, cfg->unix_paths[i]);
		log_msg("listening on %s://%s",
		    cfg->use_tls ? "wss+unix" : "ws+unix", cfg->unix_paths[i]);
	}
	return allow_hosts(s);
}

static void
server_deinit(struct server *s)
{
	struct peer *p, *next;
	int error;

	for (p = TAILQ_FIRST(&s->pending); p != NULL; p = next) {
		next = TAILQ_NEXT(p, link);
		remove_client(s, p);
	}
	for (p = TAILQ_FIRST(&s->clients); p != NULL; p = next) {
		next = TAILQ_NEXT(p, link);
		remove_client(s, p);
	}
	/* Programs still running end here, with their process groups. */
	while ((p = TAILQ_FIRST(&s->exiting)) != NULL) {
		TAILQ_REMOVE(&s->exiting, p, link);
		s->nexiting--;
		server_free_peer(p);
	}
	stop_listening(s);
	for (int i = 0; i < s->nlisteners; i++)
		if (s->unix_path[i] != NULL)
			(void)unlink(s->unix_path[i]);
	proc_signals_stop(s->loop, &s->signals);
	ev_timer_stop(s->loop, &s->grace);
	ev_timer_stop(s->loop, &s->slow_check);
	if (ev_is_active(&s->shed_log))
		shed_log_cb(s->loop, &s->shed_log, 0);
	ev_timer_stop(s->loop, &s->shed_log);
	for (int i = 0; i < SERVER_REFUSAL_CLASSES; i++) {
		struct refusal *r = &s->refusals[i];

		if (ev_is_active(&r->report))
			refusal_report_cb(s->loop, &r->report, 0);
		ev_timer_stop(s->loop, &r->report);
	}
	for (size_t i = 0; i < s->nhosts; i++)
		free(s->hosts[i]);
	free(s->hosts);
	server_console_close(s);
	if (s->spare_fd != -1)
		close(s->spare_fd);
	/* Input that could not be read or sent: reported line by line,
	 * and a failure in the end. */
	if (s->in != NULL && s->status == WS_EXIT_OK &&
	    (lineio_reader_error(s->in) != 0 ||
		lineio_reader_dropped(s->in) > 0))
		s->status = WS_EXIT_FAIL;
	lineio_reader_free(s->in);
	if ((error = lineio_writer_close(s->out)) != 0 &&
	    s->status == WS_EXIT_OK) {
		log_msg("stdout: %s", strerror(error));
		s->status = WS_EXIT_FAIL;
	}
	SSL_CTX_free(s->wcfg.tls);
	zpool_free(s->wcfg.deflaters);
	free(s->trusted);
	chunk_unref(s->frames);
	chunk_unref(s->json);
	free(s->byid);
	buf_deinit(&s->evline);
	record_clear(&s->rec);
}

static const struct lineio_cbs stdio_cbs = { on_line, on_batch, on_stdin_eof,
	on_stdout_drain, on_stdout_error };

/* --trust-proxy, as checked by cmd/.  0, or -1 when out of memory. */
static int
trust_proxies(struct server *s)
{
	const struct server_config *cfg = s->cfg;

	if (cfg->ntrust_proxies > 0 &&
	    (s->trusted = calloc(cfg->ntrust_proxies, sizeof(*s->trusted))) ==
		NULL) {
		log_msg("out of memory");
		s->status = WS_EXIT_FAIL;
		return -1;
	}
	for (size_t i = 0; i < cfg->ntrust_proxies; i++) {
		if (strcmp(cfg->trust_proxies[i], "unix") == 0) {
			s->trust_unix = true;
			continue;
		}
		if (net_cidr_text(cfg->trust_proxies[i],
			&s->trusted[s->ntrusted]) == 0)
			s->ntrusted++;
	}
	return 0;
}

/* Everything server_run needs before it listens.  0, or -1 with the exit
 * status in s->status (reported here). */
static int
server_init(struct server *s, const struct server_config *cfg)
{
	char err[LOG_ERR_MAX];

	memset(s, 0, sizeof(*s));
	s->loop = ev_default_loop(EVFLAG_AUTO);
	s->cfg = cfg;
	s->status = WS_EXIT_OK;
	s->wcfg.role = WSCONN_SERVER;
	s->wcfg.handshake_timeout = cfg->handshake_timeout;
	s->wcfg.max_message = cfg->max_message;
	s->wcfg.ping_interval = cfg->ping_interval;
	s->wcfg.ping_timeout = cfg->ping_timeout;
	s->policy = cfg->policy;
	s->policy.tls = cfg->use_tls;
	s->policy.ports = s->ports;
	s->wcfg.policy = &s->policy; /* hosts and ports: start_listeners */
	/* An open event names the path and origin. */
	s->wcfg.keep_request = cfg->rec.framing != RECORD_LINES ||
	    cfg->nexec > 0 || cfg->ntrust_proxies > 0;
	if (trust_proxies(s) == -1)
		return -1;
	/* Six bytes at most for each of the head's in an open event. */
	buf_init(&s->evline, 6 * HANDSHAKE_MAX_HEAD + 1024);
	record_init(&s->rec);
	for (int i = 0; i < SERVER_REFUSAL_CLASSES; i++) {
		ev_init(&s->refusals[i].report, refusal_report_cb);
		s->refusals[i].report.data = &s->refusals[i];
	}
	budget_init(&s->budget, cfg->max_memory);
	s->wcfg.budget = &s->budget;
	if (cfg->policy.deflate && (s->wcfg.deflaters = zpool_new()) == NULL) {
		log_msg("out of memory");
		s->status = WS_EXIT_FAIL;
		return -1;
	}
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ev_timer_init(&s->shed_log, shed_log_cb, 1., 0.);
	s->shed_log.data = s;
	ev_timer_init(&s->slow_check, slow_check_cb, 1., 1.);
	s->slow_check.data = s;
	if (cfg->slow_client_timeout > 0)
		ev_timer_start(s->loop, &s->slow_check);
	TAILQ_INIT(&s->pending);
	TAILQ_INIT(&s->clients);
	TAILQ_INIT(&s->exiting);
	ev_init(&s->grace, grace_cb);
	s->grace.data = s;
	proc_signals_start(s->loop, &s->signals, signal_cb, s);
	if (lineio_open_stdio(s->loop, record_max(&cfg->rec, cfg->max_message),
		&stdio_cbs, s, &s->in, &s->out) == -1) {
		log_msg("out of memory");
		s->status = WS_EXIT_FAIL;
		return -1;
	}
	lineio_reader_set_records(s->in, cfg->rec.sep, record_check(&cfg->rec));
	lineio_writer_set_end(s->out, cfg->rec.sep);
	if (cfg->term.show && server_console_open(s) == -1) {
		s->status = WS_EXIT_FAIL;
		return -1;
	}
	if (cfg->use_tls &&
	    (s->wcfg.tls = tls_server_ctx(&cfg->tls, err, sizeof(err))) ==
		NULL) {
		log_msg("%s", err);
		s->status = WS_EXIT_USAGE;
		return -1;
	}
	if (!cfg->no_page) {
		if (page_init(&s->page, err, sizeof(err)) == -1) {
			log_msg("%s", err);
			s->status = WS_EXIT_FAIL;
			return -1;
		}
		s->wcfg.page = &s->page;
	}
	return 0;
}

int
server_run(const struct server_config *cfg)
{
	struct server s;

	if (server_init(&s, cfg) == 0) {
		if (start_listeners(&s) == -1)
			s.status = WS_EXIT_CONNECT;
		else
			ev_run(s.loop, 0);
	}
	server_deinit(&s);
	return s.status;
}
