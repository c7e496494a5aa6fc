/*
 * permessage-deflate's compression on zlib's raw deflate streams.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "deflate.h"

#define MSG_MAX (1UL << 30) /* zlib counts in 32 bits: longer is refused */

/* The empty stored block a sync flush ends with (RFC 7692 7.2.1). */
static const uint8_t flush_tail[4] = { 0x00, 0x00, 0xff, 0xff };

struct zdeflate {
	z_stream s;
	bool takeover;
};

struct zpool {
	struct zdeflate *z[16]; /* by window bits, 8-15 */
};

struct zinflate {
	z_stream s;
	bool takeover;
	bool ended;    /* the peer ended the deflate stream (BFINAL) */
	unsigned tail; /* bytes of flush_tail fed for this message */
};

struct zdeflate *
zdeflate_new(int bits, bool takeover)
{
	struct zdeflate *z;

	if ((z = calloc(1, sizeof(*z))) == NULL)
		return NULL;
	z->takeover = takeover;
	/* The fastest level: 4 times level 6's speed on text, for a ratio
	 * little worse. */
	if (deflateInit2(&z->s, Z_BEST_SPEED, Z_DEFLATED,
		-(bits < 9 ? 9 : bits), 8,
		bits < 9 ? Z_HUFFMAN_ONLY : Z_DEFAULT_STRATEGY) != Z_OK) {
		free(z);
		return NULL;
	}
	return z;
}

void
zdeflate_free(struct zdeflate *z)
{
	if (z == NULL)
		return;
	deflateEnd(&z->s);
	free(z);
}

size_t
zdeflate_bound(struct zdeflate *z, size_t n)
{
	/* deflateBound leaves out the flush's empty block (5 bytes) and
	 * the bits a stream with takeover has pending. */
	return deflateBound(&z->s, n) + 16;
}

ssize_t
zdeflate_message(struct zdeflate *z, const void *p, size_t n, uint8_t *out)
{
	size_t room = zdeflate_bound(z, n), len;

	if (n > MSG_MAX)
		return -1;
	z->s.next_in = (Bytef *)p;
	z->s.avail_in = n;
	z->s.next_out = out;
	z->s.avail_out = room;
	/* With room for the bound, one call takes it all; otherwise the
	 * stream is left mid-message. */
	if (deflate(&z->s, Z_SYNC_FLUSH) != Z_OK || z->s.avail_in != 0 ||
	    z->s.avail_out == 0)
		return -1;
	len = room - z->s.avail_out;
	if (len < 4 || memcmp(out + len - 4, flush_tail, 4) != 0)
		return -1;
	if (!z->takeover)
		deflateReset(&z->s);
	return len - 4;
}

void
zdeflate_forget(struct zdeflate *z)
{
	if (z->takeover)
		deflateReset(&z->s);
}

struct zpool *
zpool_new(void)
{
	return calloc(1, sizeof(struct zpool));
}

void
zpool_free(struct zpool *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < 16; i++)
		zdeflate_free(p->z[i]);
	free(p);
}

struct zdeflate *
zpool_get(struct zpool *p, int bits)
{
	if (p->z[bits] == NULL)
		p->z[bits] = zdeflate_new(bits, false);
	return p->z[bits];
}

struct zinflate *
zinflate_new(bool takeover)
{
	struct zinflate *z;

	if ((z = calloc(1, sizeof(*z))) == NULL)
		return NULL;
	z->takeover = takeover;
	if (inflateInit2(&z->s, -15) != Z_OK) {
		free(z);
		return NULL;
	}
	return z;
}

void
zinflate_free(struct zinflate *z)
{
	if (z == NULL)
		return;
	inflateEnd(&z->s);
	free(z);
}

/* The peer ended its deflate stream with a final block (RFC 7692
 * 7.2.3.4): a new one starts, with the window kept when it carries
 * over.  Z_OK, or Z_DATA_ERROR. */
static int
restart(struct zinflate *z)
{
	uint8_t dict[1 << 15];
	uInt n = 0;

	z->ended = false;
	if (z->takeover && inflateGetDictionary(&z->s, dict, &n) != Z_OK)
		return Z_DATA_ERROR;
	if (inflateReset(&z->s) != Z_OK ||
	    (n > 0 && inflateSetDictionary(&z->s, dict, n) != Z_OK))
		return Z_DATA_ERROR;
	return Z_OK;
}

/* Inflates in[0..n) into the output room left: 1 when the input is used
 * up and its output made, 0 when the output filled first, -1 on bad
 * data.  *used: the input bytes taken. */
static int
feed(struct zinflate *z, const uint8_t *in, size_t n, size_t *used)
{
	int r = Z_OK;

	z->s.next_in = (Bytef *)in;
	z->s.avail_in = n;
	do {
		/* Bytes after a final block begin a new stream. */
		if (z->ended && z->s.avail_in > 0 && (r = restart(z)) != Z_OK)
			break;
		/* Z_BUF_ERROR: nothing to do, all made already. */
		if ((r = inflate(&z->s, Z_SYNC_FLUSH)) == Z_STREAM_END) {
			z->ended = true;
			r = Z_OK;
		}
	} while (r == Z_OK && z->s.avail_in > 0 && z->s.avail_out > 0);
	*used = n - z->s.avail_in;
	if (r != Z_OK && r != Z_BUF_ERROR)
		return -1;
	return z->s.avail_out == 0 ? 0 : 1;
}

int
zinflate_run(struct zinflate *z, const uint8_t *in, size_t n, bool end,
    size_t *used, uint8_t *out, size_t room, size_t *made)
{
	size_t tail;
	int r;

	if (n > MSG_MAX)
		n = MSG_MAX;
	if (room > MSG_MAX)
		room = MSG_MAX;
	z->s.next_out = out;
	z->s.avail_out = room;
	r = feed(z, in, n, used);
	/* After a final block the flush block is no stream's. */
	if (r == 1 && end && !z->ended && z->tail < 4) {
		r = feed(z, flush_tail + z->tail, 4 - z->tail, &tail);
		z->tail += tail;
	}
	*made = room - z->s.avail_out;
	return r;
}

int
zinflate_end_message(struct zinflate *z)
{
	z->tail = 0;
	if (z->ended)
		return restart(z) == Z_OK ? 0 : -1;
	if (!z->takeover)
		inflateReset(&z->s);
	return 0;
}
