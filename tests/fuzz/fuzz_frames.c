/*
 * libFuzzer target: the frame receive path of wsconn and its wslay
 * callbacks, over a real socketpair and libev's default loop.
 *
 * Input: byte 0 selects the set-up, the rest are the raw bytes the peer
 * sends after the opening handshake.
 *   bit 0  0: wsconn is the server; the peer sends a valid upgrade request
 *             (pipelined with the first bytes of the rest)
 *          1: wsconn is the client; the peer reads its request and answers
 *             101 with the right Sec-WebSocket-Accept, then the rest
 *   bit 1  echo every message back (wsserve --echo, wscat --echo)
 *   bit 2  the owner closes with 1000 as soon as the connection opens
 *   bits 3-5  the peer's write size: 1500, 1, 2, 3, 5, 16, 100 or 4096
 *          bytes, each write followed by a loop pass, so that wsconn's
 *          reads split the stream there
 *   bit 6  raw: the rest is the whole stream, the opening handshake
 *          included (the server gets no canned request, the client no 101)
 *   bit 7  with bit 1, each message is echoed 256 times: past
 *          WSCONN_HIGH, so that reading pauses
 * The peer writes in those chunks, reading and discarding what wsconn
 * writes, reads on until wsconn falls silent, then shuts its side (EOF for
 * wsconn) and runs the loop until on_end.
 *
 * Failures (abort()): no on_end within HANG_SECONDS or HANG_ROUNDS loop
 * rounds after the peer's EOF (below every wsconn timer, so a connection
 * that waits for one despite the EOF counts as a hang); an open connection
 * that, once the peer has read everything, still has bytes queued
 * (wsconn_queued_bytes) or still says wsconn_above() (the owner would wait
 * for on_writable forever);
 * on_end twice; a callback
 * after on_end; an fd or socket left open; a text message that is not
 * UTF-8.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "attr.h"
#include "handshake.h"
#include "deflate.h"
#include "log.h"
#include "utf8.h"
#include "wsconn.h"

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define HANG_ROUNDS 10000    /* loop rounds after the peer's EOF */
#define HANG_SECONDS 1.5     /* < WSCONN_LINGER_TIMEOUT */
#define STUCK_SPINS 100000   /* write attempts that find no room */
#define SETTLE_ROUNDS 100000 /* loop passes before the peer's EOF */
#define SNDBUF (8 << 20)     /* wsconn's send buffer, as TCP autotunes it */

#define MODE_CLIENT 1
#define MODE_ECHO 2
#define MODE_CLOSE 4
#define MODE_RAW 64
#define MODE_MANY 128
#define MANY 256

static const char request[] =
    "GET /chat HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: " KEY "\r\n"
    "Origin: https://example.com\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

static const char *const protocols[] = { "chat", "superchat" };
static const char *const origins[] = { "https://example.com" };
#define PAGE "<!doctype html><p>fuzz</p>\n"
static const struct page page = { PAGE, sizeof(PAGE) - 1,
	"default-src 'none'" };
/* The server runs permessage-deflate: compressed frames (RSV1) are
 * inflated. */
static const struct handshake_policy policy = { .protocols = protocols,
	.nprotocols = 2,
	.origins = origins,
	.norigins = 1,
	.deflate = true };
static const struct handshake_client client = { "/", "h", NULL, NULL, NULL, 0,
	NULL, 0 };
static struct wsconn_config server_cfg = {
	.role = WSCONN_SERVER,
	.handshake_timeout = 5,
	.max_message = 1 << 20,
	.policy = &policy,
	.page = &page,
};
static const struct wsconn_config client_cfg = {
	.role = WSCONN_CLIENT,
	.handshake_timeout = 5,
	.max_message = 1 << 20,
	.client = &client,
};

static const size_t chunks[8] = { 1500, 1, 2, 3, 5, 16, 100, 4096 };

static struct ev_loop *loop;
static size_t chunk;  /* peer write size */
static ev_timer tick; /* wakes ev_run(EVRUN_ONCE) up */
static int mode, nended, nopened, nwritable;
static unsigned long nruns;
static int base_sockets = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
after_end(const char *what)
{
	if (nended > 0) {
		fprintf(stderr, "%s after on_end\n", what);
		abort();
	}
}

static void
on_open(struct wsconn *c, UNUSED void *arg)
{
	after_end("on_open");
	nopened++;
	if (mode & MODE_CLOSE)
		wsconn_close(c, 1000);
}

static void
on_message(struct wsconn *c, int opcode, const uint8_t *p, size_t n,
    UNUSED void *arg)
{
	after_end("on_message");
	if (nopened != 1 ||
	    (opcode != WSLAY_TEXT_FRAME && opcode != WSLAY_BINARY_FRAME)) {
		fprintf(stderr, "on_message: opcode %d, opened %d\n", opcode,
		    nopened);
		abort();
	}
	if (opcode == WSLAY_TEXT_FRAME && n > 0 && !utf8_valid(p, n)) {
		fprintf(stderr, "text message of %zu bytes is not UTF-8\n", n);
		abort();
	}
	for (int i = 0; (mode & MODE_ECHO) && i < (mode & MODE_MANY ? MANY : 1);
	     i++)
		wsconn_send(c, opcode, p, n);
}

static void
on_writable(UNUSED struct wsconn *c, UNUSED void *arg)
{
	after_end("on_writable");
	nwritable++;
}

static void
on_end(UNUSED struct wsconn *c, UNUSED void *arg)
{
	if (++nended > 1) {
		fprintf(stderr, "on_end twice\n");
		abort();
	}
}

static const struct wsconn_callbacks cbs = { on_open, on_message, on_writable,
	on_end };

static void
tick_cb(UNUSED struct ev_loop *l, UNUSED ev_timer *w, UNUSED int revents)
{
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sockets open in this process (other fds come and go: libFuzzer's
 * files, OpenSSL's random device).  With show, lists every fd. */
static int
count_sockets(bool show)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[64], link[256];
	ssize_t n;
	int count = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) < 0)
			continue;
		link[n] = '\0';
		count += strncmp(link, "socket:", 7) == 0;
		if (show)
			fprintf(stderr, "  fd %s -> %s\n", e->d_name, link);
	}
	closedir(d);
	return count;
}

int
LLVMFuzzerInitialize(UNUSED int *argc, UNUSED char ***argv)
{
	signal(SIGPIPE, SIG_IGN);
	log_init("fuzz_frames", LOG_QUIET);
	loop = ev_default_loop(0);
	if (loop == NULL || (server_cfg.deflaters = zpool_new()) == NULL)
		abort();
	ev_timer_init(&tick, tick_cb, 0.01, 0.01);
	return 0;
}

/* Reads and discards what wsconn sent; appends it to keep when given.
 * Returns the count. */
static size_t
drain(int fd, char *keep, size_t *kept, size_t keepmax)
{
	char b[65536];
	size_t total = 0;
	ssize_t n;

	while ((n = read(fd, b, sizeof(b))) > 0) {
		total += n;
		if (keep != NULL && *kept < keepmax) {
			size_t m = (size_t)n < keepmax - *kept ?
			    (size_t)n :
			    keepmax - *kept;

			memcpy(keep + *kept, b, m);
			*kept += m;
		}
	}
	return total;
}

/* With its side still open, the peer reads until wsconn has nothing more
 * to say (replies, echoes, a close), so that queues drain the way they do
 * with a live peer before the EOF comes. */
static void
settle(int fd)
{
	int idle = 0;

	for (int i = 0; i < SETTLE_ROUNDS && idle < 3 && nended == 0; i++) {
		idle = drain(fd, NULL, NULL, 0) > 0 ? 0 : idle + 1;
		ev_run(loop, EVRUN_NOWAIT);
	}
}

/* Writes all of p to fd, the first `first` bytes in one write and the rest
 * in chunks, running the loop after each write and while the socket is
 * full.  Stops early once the connection has ended or its side is closed. */
static void
peer_write(int fd, const void *p, size_t n, size_t first)
{
	const char *s = p;
	unsigned long spins = 0;
	size_t size = first;
	ssize_t w;

	while (n > 0 && nended == 0) {
		w = send(fd, s, n < size ? n : size, MSG_NOSIGNAL);
		if (w > 0) {
			s += w;
			n -= w;
			spins = 0;
			size = chunk;
			ev_run(loop, EVRUN_NOWAIT);
		} else if (w == -1 && (errno == EAGAIN || errno == EINTR)) {
			drain(fd, NULL, NULL, 0);
			ev_run(loop, EVRUN_NOWAIT);
			if (++spins > STUCK_SPINS)
				return; /* wsconn stopped reading */
		} else
			return; /* EPIPE, ECONNRESET */
	}
}

/* Client role: reads wsconn's request and answers 101 for its key, with
 * the first frame bytes in the same write. */
static void
answer_request(int fd, const uint8_t *frames, size_t n)
{
	char req[HANDSHAKE_MAX_HEAD + 1], accept[HANDSHAKE_ACCEPT_LEN + 1], *k,
	    *resp;
	size_t got = 0, first = n < chunk ? n : chunk;
	int len, spins = 0;

	while (memmem(req, got, "\r\n\r\n", 4) == NULL) {
		drain(fd, req, &got, HANDSHAKE_MAX_HEAD);
		if (nended > 0 || ++spins > 1000) {
			fprintf(stderr, "client sent no request\n");
			abort();
		}
		ev_run(loop, EVRUN_NOWAIT);
	}
	req[got] = '\0';
	if ((k = strstr(req, "Sec-WebSocket-Key: ")) == NULL) {
		fprintf(stderr, "request without a key\n");
		abort();
	}
	handshake_accept_key(k + 19, HANDSHAKE_KEY_LEN, accept);
	resp = malloc(256 + first);
	len = snprintf(resp, 256,
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n",
	    accept);
	memcpy(resp + len, frames, first);
	peer_write(fd, resp, len + first, len + first);
	free(resp);
	peer_write(fd, frames + first, n - first, chunk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wsconn *c;
	int sv[2], rounds = 0;
	double start;

	if (size < 1)
		return 0;
	mode = data[0];
	chunk = chunks[(mode >> 3) & 7];
	nended = nopened = nwritable = 0;
	data++, size--;
	if (base_sockets == -1)
		base_sockets = count_sockets(false);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		sv) == -1) {
		perror("socketpair");
		abort();
	}
	/* A send buffer as large as loopback TCP grows one: a flush can then
	 * write more than WSCONN_HIGH at once.  (Needs root for more than
	 * net.core.wmem_max; smaller is fine, just less searching.) */
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &(int){ SNDBUF },
		sizeof(int)) == -1)
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){ SNDBUF },
		    sizeof(int));
	c = wsconn_new(loop, sv[0], "fuzz",
	    (mode & MODE_CLIENT) ? &client_cfg : &server_cfg, &cbs, NULL);
	if (c == NULL)
		abort();
	if (mode & MODE_RAW) {
		if (mode & MODE_CLIENT) /* its request goes unread */
			drain(sv[1], NULL, NULL, 0);
		peer_write(sv[1], data, size, chunk);
	} else if (mode & MODE_CLIENT)
		answer_request(sv[1], data, size);
	else {
		/* The head and the first frame bytes in one write, as a
		 * client that pipelines them. */
		size_t first = size < chunk ? size : chunk;
		char *b = malloc(sizeof(request) - 1 + first);

		memcpy(b, request, sizeof(request) - 1);
		memcpy(b + sizeof(request) - 1, data, first);
		peer_write(sv[1], b, sizeof(request) - 1 + first,
		    sizeof(request) - 1 + first);
		free(b);
		peer_write(sv[1], data + first, size - first, chunk);
	}
	settle(sv[1]);
	/* The peer has read all there was, so an open connection has sent
	 * everything, and an owner told to hold back has been told to go on
	 * (else it would wait for an on_writable that never comes). */
	if (nended == 0 && wsconn_is_open(c)) {
		size_t queued = wsconn_queued_bytes(c);

		if (queued > 0) {
			fprintf(stderr,
			    "stalled: %zu bytes queued, the "
			    "peer reading\n",
			    queued);
			abort();
		}
		if (wsconn_above(c)) {
			fprintf(stderr,
			    "stuck: wsconn_above() with nothing "
			    "queued, and no on_writable (%d so far)\n",
			    nwritable);
			abort();
		}
	}
	shutdown(sv[1], SHUT_WR);
	ev_timer_start(loop, &tick);
	start = now();
	while (nended == 0) {
		drain(sv[1], NULL, NULL, 0);
		ev_run(loop, EVRUN_ONCE);
		if (nended == 0 &&
		    (++rounds > HANG_ROUNDS || now() - start > HANG_SECONDS)) {
			fprintf(stderr,
			    "hang: no on_end %d rounds and %.2f s "
			    "after EOF; opened %d, open %d, undelivered %zu, "
			    "err '%s'\n",
			    rounds, now() - start, wsconn_opened(c),
			    wsconn_is_open(c), wsconn_undelivered(c),
			    wsconn_error(c));
			abort();
		}
	}
	ev_timer_stop(loop, &tick);
	wsconn_free(c);
	close(sv[1]);
	if (fcntl(sv[0], F_GETFD) != -1) {
		fprintf(stderr, "wsconn_free left fd %d open\n", sv[0]);
		abort();
	}
	if (++nruns % 1024 == 0 && count_sockets(false) > base_sockets) {
		fprintf(stderr, "socket leak: %d open, %d at start\n",
		    count_sockets(true), base_sockets);
		abort();
	}
	return 0;
}
