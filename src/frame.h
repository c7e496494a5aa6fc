/*
 * Data frames encoded and parsed here rather than by wslay: wslay copies
 * a message into its queue and once more while it masks it, byte by
 * byte, encodes a server's frame once per client, and unmasks what it
 * receives byte by byte into a 4 KiB buffer.  Encoding straight into an
 * output chunk is one copy (masked word by word), a server frame encoded
 * once serves every client (src/outq), and a received payload is
 * unmasked word by word where it lands.  Control frames stay wslay's.
 */
#ifndef FRAME_H
#define FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER_MAX 14 /* 2 + 8 length bytes + 4 mask bytes */
#define FRAME_RSV1 0x40	    /* with an opcode: a compressed message */

struct frame_head {
	bool fin;
	uint8_t rsv; /* the three RSV bits, in place */
	uint8_t opcode;
	bool masked;
	uint8_t mask[4];
	uint64_t len;	/* payload bytes */
	bool long_form; /* len in more bytes than needed, or above
			 * 2^63: RFC 6455 5.2 forbids both */
	size_t hlen;	/* header bytes */
};

/* Parses the frame header at the start of p[0..n): its size (2 to
 * FRAME_HEADER_MAX), or 0 while it is incomplete. */
size_t frame_parse(const uint8_t *p, size_t n, struct frame_head *h);

struct chunk;

/* Encodes a whole frame of the n bytes at p at the end of the current
 * chunk *cur (src/outq's chunk_room), masked when mask is not NULL: the
 * frame is c->data[*off..c->len).  The chunk, or NULL when out of
 * memory. */
struct chunk *frame_encode(struct chunk **cur, int opcode, const void *p,
    size_t n, const uint8_t *mask, size_t *off);

struct zdeflate;

/* frame_encode, the message compressed by z (src/deflate) with RSV1 set;
 * when that is not smaller, the frame goes out as frame_encode makes it
 * (and z forgets the message).  NULL when out of memory or z failed. */
struct chunk *frame_encode_deflated(struct chunk **cur, struct zdeflate *z,
    int opcode, const void *p, size_t n, const uint8_t *mask, size_t *off);

/* Writes the header of a whole (FIN) frame of n payload bytes at p, with
 * the masking key when mask is not NULL (a client's frame); its size.
 * opcode may carry FRAME_RSV1. */
size_t frame_header(uint8_t *p, int opcode, uint64_t n, const uint8_t *mask);

/* dst = src XOR the 4-byte mask, from the mask's first byte on; dst may
 * be src. */
void frame_mask(uint8_t *dst, const uint8_t *src, size_t n,
    const uint8_t *mask);

#endif
