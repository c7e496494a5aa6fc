/*
 * Data frame headers (RFC 6455 5.2) and masking.
 */
#include <string.h>

#include "deflate.h"
#include "frame.h"
#include "outq.h"

size_t
frame_header(uint8_t *p, int opcode, uint64_t n, const uint8_t *mask)
{
	size_t h = 2;

	p[0] = 0x80 | (opcode & (FRAME_RSV1 | 0x0f));
	if (n < 126)
		p[1] = (uint8_t)n;
	else if (n <= 0xffff) {
		p[1] = 126;
		p[2] = (uint8_t)(n >> 8);
		p[3] = (uint8_t)n;
		h = 4;
	} else {
		p[1] = 127;
		for (int i = 0; i < 8; i++)
			p[2 + i] = (uint8_t)(n >> (56 - 8 * i));
		h = 10;
	}
	if (mask != NULL) {
		p[1] |= 0x80;
		memcpy(p + h, mask, 4);
		h += 4;
	}
	return h;
}

size_t
frame_parse(const uint8_t *p, size_t n, struct frame_head *h)
{
	size_t ext, hlen;

	if (n < 2)
		return 0;
	ext = (p[1] & 0x7f) == 126 ? 2 : (p[1] & 0x7f) == 127 ? 8 : 0;
	hlen = 2 + ext + (p[1] & 0x80 ? 4 : 0);
	if (n < hlen)
		return 0;
	h->fin = p[0] & 0x80;
	h->rsv = p[0] & 0x70;
	h->opcode = p[0] & 0x0f;
	h->masked = p[1] & 0x80;
	h->len = ext ? 0 : p[1] & 0x7f;
	for (size_t i = 0; i < ext; i++)
		h->len = h->len << 8 | p[2 + i];
	h->long_form = (ext == 2 && h->len < 126) ||
	    (ext == 8 && (h->len <= 0xffff || h->len >> 63));
	if (h->masked)
		memcpy(h->mask, p + 2 + ext, 4);
	h->hlen = hlen;
	return hlen;
}

void
frame_mask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *mask)
{
	uint64_t m, w;
	size_t i = 0;

	/* Eight bytes a step; memcpy keeps the unaligned loads defined. */
	memcpy(&m, mask, 4);
	memcpy((uint8_t *)&m + 4, mask, 4);
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, src + i, 8);
		w ^= m;
		memcpy(dst + i, &w, 8);
	}
	for (; i < n; i++)
		dst[i] = src[i] ^ mask[i & 3];
}

struct chunk *
frame_encode(struct chunk **cur, int opcode, const void *p, size_t n,
    const uint8_t *mask, size_t *off)
{
	struct chunk *c;
	uint8_t *dst;
	size_t h;

	if (n > SIZE_MAX - FRAME_HEADER_MAX ||
	    (c = chunk_room(cur, n + FRAME_HEADER_MAX)) == NULL)
		return NULL;
	dst = c->data + c->len;
	h = frame_header(dst, opcode, n, mask);
	if (mask != NULL)
		frame_mask(dst + h, p, n, mask);
	else if (n > 0)
		memcpy(dst + h, p, n);
	*off = c->len;
	c->len += h + n;
	return c;
}

/* The size of the header frame_header writes. */
static size_t
header_len(uint64_t n, bool masked)
{
	return (n < 126 ? 2 : n <= 0xffff ? 4 : 10) + (masked ? 4 : 0);
}

struct chunk *
frame_encode_deflated(struct chunk **cur, struct zdeflate *z, int opcode,
    const void *p, size_t n, const uint8_t *mask, size_t *off)
{
	size_t bound = zdeflate_bound(z, n), h;
	struct chunk *c;
	uint8_t *dst;
	ssize_t zn;

	if (bound > SIZE_MAX - FRAME_HEADER_MAX ||
	    (c = chunk_room(cur, bound + FRAME_HEADER_MAX)) == NULL)
		return NULL;
	/* Compressed after room for the largest header, which goes right
	 * before the payload once its length is known. */
	dst = c->data + c->len + FRAME_HEADER_MAX;
	if ((zn = zdeflate_message(z, p, n, dst)) == -1)
		return NULL;
	if ((size_t)zn >= n) {
		zdeflate_forget(z);
		return frame_encode(cur, opcode, p, n, mask, off);
	}
	h = header_len(zn, mask != NULL);
	*off = c->len + FRAME_HEADER_MAX - h;
	frame_header(c->data + *off, opcode | FRAME_RSV1, zn, mask);
	if (mask != NULL)
		frame_mask(dst, dst, zn, mask);
	c->len += FRAME_HEADER_MAX + zn;
	return c;
}
