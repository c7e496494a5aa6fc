/*
 * framescan: frame boundaries from headers alone, across any split of the
 * stream, stopping right before a close frame.
 */
#include <string.h>

#include <CUnit/CUnit.h>

#include "framescan.h"
#include "tests.h"

/* A masked text frame "hi", a 126-length binary frame of 200 bytes, a
 * ping, then a close 1000 "é", then a text frame "x". */
static size_t
make_stream(uint8_t *s)
{
	size_t n = 0;

	memcpy(s + n,
	    "\x81\x82\x01\x02\x03\x04"
	    "ab",
	    8),
	    n += 8;
	s[n++] = 0x82, s[n++] = 126, s[n++] = 0, s[n++] = 200;
	memset(s + n, 0x88, 200), n += 200; /* payload bytes look like close */
	s[n++] = 0x89, s[n++] = 0;
	memcpy(s + n, "\x88\x04\x03\xe8\xc3\xa9", 6), n += 6;
	memcpy(s + n, "\x81\x01x", 3), n += 3;
	return n;
}

#define CLOSE_AT (8 + 204 + 2)

static void
test_whole_stream_stops_at_close(void)
{
	struct framescan fs = { 0 };
	uint8_t s[256];
	size_t n = make_stream(s);

	CU_ASSERT_EQUAL(framescan_advance(&fs, s, n, true), CLOSE_AT);
	/* Stopped at a frame boundary, nothing half-read. */
	CU_ASSERT_EQUAL(fs.skip, 0);
	CU_ASSERT_EQUAL(fs.hlen, 0);
	CU_ASSERT_EQUAL(framescan_frame_len(s + CLOSE_AT, n - CLOSE_AT), 6);
}

static void
test_every_split_stops_at_the_same_place(void)
{
	uint8_t s[256];
	size_t n = make_stream(s);

	for (size_t chunk = 1; chunk <= 17; chunk++) {
		struct framescan fs = { 0 };
		size_t pos = 0, k;

		while (pos < n) {
			size_t want = n - pos < chunk ? n - pos : chunk;

			k = framescan_advance(&fs, s + pos, want, true);
			pos += k;
			if (k < want)
				break;
		}
		CU_ASSERT_EQUAL(pos, CLOSE_AT);
	}
}

static void
test_passing_the_close_goes_on(void)
{
	struct framescan fs = { 0 };
	uint8_t s[256];
	size_t n = make_stream(s);

	framescan_advance(&fs, s, CLOSE_AT, true);
	CU_ASSERT_EQUAL(framescan_advance(&fs, s + CLOSE_AT, 6, false), 6);
	CU_ASSERT_EQUAL(framescan_advance(&fs, s + CLOSE_AT + 6,
			    n - CLOSE_AT - 6, true),
	    3);
}

static void
test_frame_len_needs_the_whole_header(void)
{
	const uint8_t h64[] = { 0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0 };
	const uint8_t masked[] = { 0x88, 0x82, 1, 2, 3, 4 };

	CU_ASSERT_EQUAL(framescan_frame_len(h64, 1), 0);
	CU_ASSERT_EQUAL(framescan_frame_len(h64, 9), 0);
	CU_ASSERT_EQUAL(framescan_frame_len(h64, 10), 10 + 65536);
	CU_ASSERT_EQUAL(framescan_frame_len(masked, 5), 0);
	CU_ASSERT_EQUAL(framescan_frame_len(masked, 6), 6 + 2);
}

int
test_framescan_add(void)
{
	static const struct unit_test tests[] = {
		{ "stops right before a close frame",
		    test_whole_stream_stops_at_close },
		{ "same stop for every split",
		    test_every_split_stops_at_the_same_place },
		{ "passing the close frame goes on",
		    test_passing_the_close_goes_on },
		{ "frame length needs the whole header",
		    test_frame_len_needs_the_whole_header },
	};

	return unit_add_suite("framescan", tests, UNIT_NTESTS(tests));
}
