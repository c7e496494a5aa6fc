/*
 * UTF-8 validation after the well-formed byte sequences table of
 * Unicode 15, section 3.9, table 3-7.
 */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

#define ASCII_MASK 0x8080808080808080ULL

/* For a lead byte b: how many bytes follow, and the range of the first of
 * them.  False when b leads no sequence. */
static bool
lead(uint8_t b, uint8_t *more, uint8_t *lo, uint8_t *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (b >= 0xc2 && b <= 0xdf)
		*more = 1;
	else if (b >= 0xe0 && b <= 0xef) {
		*more = 2;
		if (b == 0xe0)
			*lo = 0xa0; /* overlong */
		else if (b == 0xed)
			*hi = 0x9f; /* surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		*more = 3;
		if (b == 0xf0)
			*lo = 0x90; /* overlong */
		else if (b == 0xf4)
			*hi = 0x8f; /* above U+10FFFF */
	} else
		return false;
	return true;
}

size_t
utf8_seq(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint8_t more, lo, hi;

	if (n == 0)
		return 0;
	if (*s < 0x80)
		return 1;
	if (!lead(*s, &more, &lo, &hi) || n <= more || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i <= more; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return more + 1;
}

bool
utf8_feed(struct utf8_state *st, const void *p, size_t n)
{
	const uint8_t *s = p;
	size_t i = 0;

	while (i < n) {
		if (st->more > 0) {
			if (s[i] < st->lo || s[i] > st->hi)
				return false;
			st->more--;
			st->lo = 0x80;
			st->hi = 0xbf;
			i++;
			continue;
		}
		/* ASCII, the common case, eight bytes a step. */
		for (uint64_t w; i + 8 <= n; i += 8) {
			memcpy(&w, s + i, 8);
			if (w & ASCII_MASK)
				break;
		}
		if (i < n && s[i] < 0x80)
			i++;
		else if (i < n && !lead(s[i++], &st->more, &st->lo, &st->hi))
			return false;
	}
	return true;
}

bool
utf8_valid(const void *p, size_t n)
{
	struct utf8_state st = { 0 };

	return utf8_feed(&st, p, n) && st.more == 0;
}
