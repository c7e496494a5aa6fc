/*
 * Frame boundaries in a raw WebSocket byte stream, found from the headers
 * alone (payloads are skipped, never read).  wsconn uses it to hand each
 * close frame to wslay in one piece: wslay 1.1.1 checks the UTF-8 of a
 * close reason per chunk and restarts at byte 2 of every chunk, so a
 * reason split across reads is judged wrongly (valid text failed with
 * 1007, invalid text let through).
 */
#ifndef FRAMESCAN_H
#define FRAMESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAMESCAN_MAX_HEADER 14

struct framescan {
	uint64_t skip; /* payload bytes left in this frame */
	uint8_t hdr[FRAMESCAN_MAX_HEADER]; /* a header read so far */
	size_t hlen;
};

/* Passes over up to n bytes of the stream p and returns how many it
 * passed; with stop_at_close it stops right before the first byte of a
 * close frame.  State carries across calls. */
size_t framescan_advance(struct framescan *fs, const uint8_t *p, size_t n,
    bool stop_at_close);

/* For a frame header at p (n bytes there): the whole frame's length, or 0
 * while the header is incomplete. */
uint64_t framescan_frame_len(const uint8_t *p, size_t n);

#endif
