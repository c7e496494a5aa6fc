/*
 * UTF-8 validation after the well-formed byte sequences table of
 * Unicode 15, section 3.9, table 3-7.
 */
#include <stdint.h>

#include "utf8.h"

size_t
utf8_seq(const void *p, size_t n)
{
	const uint8_t *s = p;
	uint8_t lo = 0x80, hi = 0xbf;
	size_t more;

	if (n == 0)
		return 0;
	if (*s < 0x80)
		return 1;
	if (*s >= 0xc2 && *s <= 0xdf)
		more = 1;
	else if (*s >= 0xe0 && *s <= 0xef) {
		more = 2;
		if (*s == 0xe0)
			lo = 0xa0; /* overlong */
		else if (*s == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (*s >= 0xf0 && *s <= 0xf4) {
		more = 3;
		if (*s == 0xf0)
			lo = 0x90; /* overlong */
		else if (*s == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else
		return 0;
	if (n <= more || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i <= more; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return more + 1;
}

bool
utf8_valid(const void *p, size_t n)
{
	const uint8_t *s = p, *end = s + n;
	size_t k;

	while (s < end) {
		if (*s < 0x80) { /* the common case, without a call */
			s++;
			continue;
		}
		if ((k = utf8_seq(s, end - s)) == 0)
			return false;
		s += k;
	}
	return true;
}
