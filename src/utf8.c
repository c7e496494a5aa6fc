/*
 * UTF-8 validation after the well-formed byte sequences table of
 * Unicode 15, section 3.9, table 3-7.
 */
#include <stdint.h>

#include "utf8.h"

bool
utf8_valid(const void *p, size_t n)
{
	const uint8_t *s = p, *end = s + n;
	uint8_t lo, hi;
	int more;

	while (s < end) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		lo = 0x80, hi = 0xbf;
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
			return false;
		if (end - s <= more)
			return false;
		if (s[1] < lo || s[1] > hi)
			return false;
		for (int i = 2; i <= more; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return false;
		s += more + 1;
	}
	return true;
}
