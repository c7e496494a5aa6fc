/*
 * wscat's engine inside: the client, shared by client.c (the connection,
 * stdin, stdout, the exit status) and client_console.c (what a terminal
 * shows, and the commands).  Nothing else includes this.
 */
#ifndef CLIENT_INT_H
#define CLIENT_INT_H

#include <stdbool.h>
#include <netdb.h>
#include <sys/un.h>

#include <ev.h>

#include "buf.h"
#include "client.h"
#include "console.h"
#include "display.h"
#include "exec.h"
#include "lineio.h"
#include "log.h"
#include "proc.h"
#include "proxy.h"
#include "record.h"
#include "wsconn.h"

struct client {
	struct ev_loop *loop;
	const struct client_config *cfg;
	struct wsconn_config wcfg;
	struct url url;		    /* where it connects: cfg->url, or where
				     * redirects led */
	struct handshake_client hs; /* ... the request for it */
	char url_text[URL_MAX_RESOURCE + URL_MAX_HOST + 64]; /* ... shown */
	const char **headers; /* hs.headers: cfg's; owned */
	SSL_CTX *tls;	      /* made for the first wss:// URL; owned */
	size_t redirects;     /* followed so far */
	bool was_open;	      /* a connection opened: --reconnect */
	bool reconnecting;    /* lost it; the next has not opened */
	size_t attempts;      /* reconnects since the last open */
	bool closing;	      /* we asked for the close */
	ev_timer retry;	      /* the next reconnect */
	struct proxy proxy;   /* wcfg.proxy's, when there is one */
	char proxy_shown[PROXY_MAX_HOST + 8]; /* its "HOST:PORT" */
	struct addrinfo *addrs;		      /* owned */
	struct addrinfo unix_ai;	      /* a Unix socket's, instead */
	struct sockaddr_un unix_sun;
	struct addrinfo *next_ai;  /* next address to try */
	ev_io connecting;	   /* fd of the connect in progress */
	ev_timer timer;		   /* connect timeout, -w, grace */
	struct wsconn *c;	   /* owned */
	struct lineio_reader *in;  /* owned */
	struct lineio_writer *out; /* owned */
	struct proc_signals signals;
	unsigned long received;
	size_t unsent;		/* messages that could not be queued */
	int signo;		/* the signal that stopped us */
	bool input_ended;	/* stdin's EOF, Ctrl-D or /quit */
	bool interrupted;	/* Ctrl-C at the console: closing with 1000 */
	struct display display; /* what it shows then */
	struct console *con;	/* owned; stdin is a terminal too */
	struct buf bytes;	/* /binary's message; owned */
	struct buf cmdline;	/* --slash: a pipe's line, NUL-ended; owned */
	struct chunk *json;	/* --jsonl records of messages; owned */
	struct buf evline;	/* an event's record; owned */
	struct record rec;	/* the stdin record parsed; owned */
	struct exec *x;		/* --exec: the program; owned */
	int x_status;		/* its wait status, once x_ended */
	bool x_ended;
	bool ended;	       /* the connection's on_end came */
	uint16_t close_code;   /* /close CODE: the server may echo it */
	ev_tstamp ping_sent;   /* /ping waiting for its pong, or 0 */
	int status;	       /* decided early, or -1 */
	char err[LOG_ERR_MAX]; /* why, when decided early */
};

/* client.c */
/* Closes at our request (nothing reconnects after it). */
void client_close(struct client *cl, uint16_t code, const char *reason);
/* Queues one message; one that cannot be queued is counted. */
void client_send(struct client *cl, const char *p, size_t n, bool text);
/* After a batch of input: flush, and read no more while above the mark. */
void client_after_input(struct client *cl);
/* The input ended (or /quit): close now, after -w, or at --count. */
void client_input_done(struct client *cl);
/* Reads the input (stdin or the console) or stops. */
void client_set_reading(struct client *cl, bool on);

/* client_io.c: stdin and stdout records in cfg->rec's framing. */
/* One stdin record: a message or a close. */
void client_input(struct client *cl, const char *p, size_t n, bool text);
/* A received message on stdout (c: its chunk, or NULL).  0 or -1. */
int client_output_message(struct client *cl, int opcode, const uint8_t *p,
    size_t n, struct chunk *c);
/* --events: the open and the end as records. */
void client_event_open(struct client *cl);
void client_event_close(struct client *cl);

/* client_exec.c: --exec, the program in the place of stdin and stdout. */
/* Once open: starts it.  0, or -1 (cl->err says why). */
int client_exec_start(struct client *cl);
/* A received message, for its stdin. */
void client_exec_message(struct client *cl, const uint8_t *p, size_t n,
    struct chunk *c);

/* client_console.c */
void client_console_init(struct client *cl);
/* Once open: the console, when stdin is a terminal.  0, or -1. */
int client_console_start(struct client *cl);
void client_console_close(struct client *cl);
/* An input line that may be a slash command. */
void client_console_line(struct client *cl, const char *line, size_t len);
void client_show_open(struct client *cl);
void client_show_end(struct client *cl);
int client_show_message(struct client *cl, int opcode, const uint8_t *p,
    size_t n);
void client_show_control(struct client *cl, int opcode, const uint8_t *p,
    size_t n);

#endif
