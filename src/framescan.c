/*
 * Header-only walk over a WebSocket frame stream (RFC 6455 5.2).
 */
#include "framescan.h"

#define OPCODE_CLOSE 0x8

/* Header length from its first two bytes: 2, extended length, mask. */
static size_t
header_len(uint8_t b1)
{
	size_t len = 2 + ((b1 & 0x80) ? 4 : 0);

	if ((b1 & 0x7f) == 126)
		len += 2;
	else if ((b1 & 0x7f) == 127)
		len += 8;
	return len;
}

static uint64_t
payload_len(const uint8_t *h)
{
	uint64_t len = h[1] & 0x7f;
	int ext = len == 126 ? 2 : len == 127 ? 8 : 0;

	if (ext > 0)
		len = 0;
	for (int i = 0; i < ext; i++)
		len = len << 8 | h[2 + i];
	return len;
}

uint64_t
framescan_frame_len(const uint8_t *p, size_t n)
{
	if (n < 2 || n < header_len(p[1]))
		return 0;
	return header_len(p[1]) + payload_len(p);
}

size_t
framescan_advance(struct framescan *fs, const uint8_t *p, size_t n,
    bool stop_at_close)
{
	size_t i = 0, step;

	while (i < n) {
		if (fs->skip > 0) {
			step = fs->skip < n - i ? fs->skip : n - i;
			fs->skip -= step;
			i += step;
			continue;
		}
		if (fs->hlen == 0 && stop_at_close &&
		    (p[i] & 0x0f) == OPCODE_CLOSE)
			break;
		fs->hdr[fs->hlen++] = p[i++];
		if (fs->hlen >= 2 && fs->hlen == header_len(fs->hdr[1])) {
			fs->skip = payload_len(fs->hdr);
			fs->hlen = 0;
		}
	}
	return i;
}
