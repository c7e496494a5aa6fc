/*
 * wsserve's engine inside: the server and its peers, shared by server.c
 * (connections, flow, shutdown) and server_console.c (what a terminal
 * shows, and the commands typed at it).  Nothing else includes this.
 */
#ifndef SERVER_INT_H
#define SERVER_INT_H

#include <stdbool.h>
#include <sys/queue.h>

#include <ev.h>

#include "budget.h"
#include "console.h"
#include "display.h"
#include "exec.h"
#include "lineio.h"
#include "net.h"
#include "page.h"
#include "proc.h"
#include "record.h"
#include "server.h"
#include "wsconn.h"

/* One accepted connection. */
struct peer {
	TAILQ_ENTRY(peer) link; /* in srv->pending, then srv->clients,
				 * then (--exec) srv->exiting */
	struct server *srv;
	unsigned long id;	 /* 1, 2, ... in the order of arrival */
	char tag[RECORD_ID_MAX]; /* "3\t": its --ids records' prefix */
	size_t ntag;
	ev_tstamp since;     /* when it opened */
	struct wsconn *conn; /* owned; NULL once ended (exiting) */
	struct exec *x;	     /* --exec: its program; owned */
	size_t unsent;	     /* lines it could not be sent */
	bool opened;	     /* moved to srv->clients */
	bool held;	     /* went above its mark on stdin's lines */
	unsigned long gen;   /* the record that last named it */
	bool x_ended;	     /* its program ended (on_end came) */
	bool released;	     /* its program was told to stop */
	bool dropped;	     /* pending, dropped for a newer one */
};

TAILQ_HEAD(peer_list, peer);

/* One kind of policy refusal: a status, and its reason up to the peer's
 * value ("origin", "authorization missing"). */
struct refusal {
	int status; /* 0: slot unused */
	char kind[48];
	ev_tstamp last;		  /* when one was last logged */
	unsigned long suppressed; /* since then, not logged */
	ev_timer report;	  /* logs the count of those */
};

struct server {
	struct ev_loop *loop;
	const struct server_config *cfg;
	struct net_cidr *trusted; /* --trust-proxy's addresses; owned */
	size_t ntrusted;
	bool trust_unix; /* ... and --trust-proxy unix */
	struct wsconn_config wcfg;
	struct page page;
	ev_io listeners[SERVER_MAX_LISTENERS];
	const char *unix_path[SERVER_MAX_LISTENERS]; /* -U's, or NULL for TCP;
						      * unlinked at the end */
	int nlisteners;
	struct peer_list pending; /* handshaking peers; owned */
	struct peer_list clients; /* peers past the handshake; owned */
	struct peer_list exiting; /* ended, their program not yet; owned */
	size_t nexiting;	  /* in exiting */
	struct peer **byid;	  /* open clients by id, ascending; owned */
	size_t nbyid, byid_cap;
	unsigned long gen;    /* counts records that name clients */
	size_t npending;      /* pending and not dropped */
	size_t nopen;	      /* in clients, not yet ended */
	struct budget budget; /* partial messages of all peers */
	int spare_fd;	      /* given up when fds run out */
	unsigned long nshed;  /* connections closed unserved */
	ev_timer shed_log;    /* reports nshed once a second */

	/* Access: cfg's policy with the Host names (owned, each too) and
	 * the ports we listen on; the rate limit of refusal lines. */
	struct handshake_policy policy;
	char **hosts;
	size_t nhosts, hosts_cap;
	bool hosts_failed; /* out of memory: the list is short */
	unsigned short ports[SERVER_MAX_LISTENERS];
	struct refusal refusals[SERVER_REFUSAL_CLASSES];

	ev_timer slow_check;
	struct lineio_reader *in;  /* owned */
	struct lineio_writer *out; /* owned */
	struct proc_signals signals;
	ev_timer grace;
	unsigned long last_id;	/* the id of the newest peer */
	struct display display; /* what it shows then */
	struct console *con;	/* owned; stdin is a terminal too */
	struct buf bytes;	/* /binary's message; owned */
	struct chunk *frames;	/* broadcasts, encoded once; owned */
	struct chunk *json;	/* --jsonl records of messages; owned */
	struct buf evline;	/* an event's record; owned */
	struct record rec;	/* the stdin record parsed; owned */
	bool stopping;		/* closing everything down */
	bool stdin_eof;
	int status;
};

/* server.c */
void server_update_stdin(struct server *s);
/* The run is over when nothing is left to wait for. */
void server_maybe_done(struct server *s);
/* Frees p, which is on no list any more. */
void server_free_peer(struct peer *p);
void server_shut_down(struct server *s, uint16_t code, bool bounded);
/* Queues line for every open client and flushes; how many took it. */
size_t server_broadcast(struct server *s, const char *line, size_t len,
    bool text);
/* Queues a message for the open clients with the nto ids in to (nto 0:
 * all of them); an id not open is reported.  How many took it. */
size_t server_queue(struct server *s, const char *msg, size_t len, bool text,
    const unsigned long *to, size_t nto);
/* The open client with this id, or NULL. */
struct peer *server_find(struct server *s, unsigned long id);

/* server_exec.c: --exec, a program per connection. */
/* At the request: starts p's program.  0, or an HTTP status (503) with
 * *why. */
int server_exec_start(struct server *s, struct peer *p, const char **why);
/* A message from p's client, for its program. */
void server_exec_message(struct peer *p, const uint8_t *data, size_t n,
    struct chunk *c);
/* p's connection ended: its program is told, and p waits for it in
 * s->exiting.  False when there is no program to wait for. */
bool server_exec_release(struct server *s, struct peer *p);

/* server_io.c: stdin and stdout records in cfg->rec's framing. */
/* One stdin record: a message, to whom, or a close. */
void server_input(struct server *s, const char *p, size_t n, bool text);
/* A received message on stdout (c: the chunk it lies in, or NULL).  0 or
 * -1, as lineio_writer_message. */
int server_output_message(struct server *s, const struct peer *p, int opcode,
    const uint8_t *data, size_t n, struct chunk *c);
/* A client opened or ended: a record or a log line. */
void server_event_open(struct server *s, const struct peer *p);
void server_event_close(struct server *s, const struct peer *p,
    const char *how);
/* Input was meant for client id, which is not open. */
void server_event_gone(struct server *s, unsigned long id);

/* server_console.c: with cfg->term.show, what stdout shows; with
 * cfg->term.console also the prompt and its commands.  Open: 0, or -1 (logged).
 */
int server_console_open(struct server *s);
void server_console_close(struct server *s);
void server_show_open(struct server *s, const struct peer *p);
void server_show_end(struct server *s, const struct peer *p, const char *how);
int server_show_message(struct server *s, const struct peer *p, int opcode,
    const uint8_t *data, size_t n);

#endif
