/*
 * What a terminal shows of a peer: received messages, pings and notices,
 * one line each, with npm wscat's marks and colours, printed through the
 * console when there is one (above its prompt), else through the stdout
 * writer.  No byte a peer sent
 * reaches the terminal as a control: C0 controls and DEL as \n, \r or
 * \xNN (tab passes), C1 controls and the bidirectional overrides as
 * \uNNNN, bytes that are not UTF-8 as \xNN.  Pipes never come here.
 */
#ifndef DISPLAY_H
#define DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "console.h"
#include "lineio.h"
#include "log.h"

#define DISPLAY_HEX_MAX 32 /* bytes of a binary message shown as hex */

enum display_color {
	DISPLAY_PLAIN,
	DISPLAY_GREEN, /* connected, disconnected */
	DISPLAY_BLUE,  /* received */
	DISPLAY_RED,   /* errors */
	DISPLAY_DIM    /* our own pings and pongs, details */
};

struct display {
	struct lineio_writer *out; /* borrowed */
	struct console *con;	   /* borrowed; NULL: no prompt */
	bool color;
	struct buf line;	      /* the line being formatted; owned */
	enum display_color log_color; /* display_take_log */
	bool log_taken;
};

/* Lines of at most max_message bytes of a peer's (4 times that once
 * escaped), through out, or through con when con is not NULL. */
void display_init(struct display *d, struct lineio_writer *out,
    struct console *con, bool color, size_t max_message);
/* Gives log lines back to stderr, if taken, and frees the buffer. */
void display_deinit(struct display *d);

/* Log lines are printed by d, in colour c, until display_deinit: at a
 * console they must go above the prompt too. */
void display_take_log(struct display *d, enum display_color c);

/* A received message (text or binary): mark, a space, the payload, in
 * blue.  0, or -1 when the output buffer is full (the line is lost). */
int display_message(struct display *d, const char *mark, bool text,
    const uint8_t *p, size_t n);

/* A line in colour c, printf-formatted: strings that came from a peer
 * must be passed through display_escape first (see display_quote). */
int display_notice(struct display *d, enum display_color c, const char *fmt,
    ...) LOG_PRINTF(3, 4);

/* p escaped into out (NUL-ended, cut to fit), for display_notice. */
void display_quote(char *out, size_t outlen, const void *p, size_t n);

/* How a tool meets the terminal, decided once from its options. */
struct display_opts {
	bool show;	     /* stdout is a terminal: marks, escapes */
	bool console;	     /* stdin is one too: a prompt and commands */
	bool color;	     /* colours on stdout */
	const char *history; /* the console's history file, or NULL */
	char history_path[4096];
};

/* Fills o for program prog from --color WHEN (NULL: auto), --no-color,
 * --no-history and whether stdin is read at all; a history file that
 * cannot be had is logged and left out. */
void display_opts_init(struct display_opts *o, const char *prog,
    const char *when, bool no_color, bool no_history, bool reads_stdin);

/* --color WHEN: NULL when when is auto, always or never, else why not;
 * an opt hook (src/opt). */
const char *display_color_valid(void *cfg, const char *when);

/* Whether to colour: --color WHEN (NULL: auto), --no-color, then
 * NO_COLOR and TERM=dumb, then whether stdout is a terminal. */
bool display_use_color(const char *when, bool no_color, bool tty);

/* Appends p escaped as above. */
void display_escape(struct buf *b, const void *p, size_t n);

/* Appends a message as shown: text escaped, binary as
 * "[binary, N bytes] 00 01 62" with at most DISPLAY_HEX_MAX bytes. */
void display_payload(struct buf *b, bool text, const uint8_t *p, size_t n);

/* Starts and ends colour c in b, when color is set. */
void display_color(struct buf *b, bool color, enum display_color c);
void display_reset(struct buf *b, bool color);

#endif
