/*
 * What a terminal shows of a peer: received messages, pings and notices,
 * one line each, with npm wscat's marks and colours.  No byte a peer sent
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

#define DISPLAY_HEX_MAX 32 /* bytes of a binary message shown as hex */

enum display_color {
	DISPLAY_PLAIN,
	DISPLAY_GREEN, /* connected, disconnected */
	DISPLAY_BLUE,  /* received */
	DISPLAY_RED,   /* errors */
	DISPLAY_DIM    /* our own pings and pongs, details */
};

/* Appends p escaped as above. */
void display_escape(struct buf *b, const void *p, size_t n);

/* Appends a message as shown: text escaped, binary as
 * "[binary, N bytes] 00 01 62" with at most DISPLAY_HEX_MAX bytes. */
void display_payload(struct buf *b, bool text, const uint8_t *p, size_t n);

/* Starts and ends colour c in b, when color is set. */
void display_color(struct buf *b, bool color, enum display_color c);
void display_reset(struct buf *b, bool color);

#endif
