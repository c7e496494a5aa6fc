/*
 * permessage-deflate's compression: round trips in every window size with
 * and without context takeover, that a compressor keeps to its window
 * (checked by raw zlib with that window, the 256-byte one included), the
 * inflater's room and input accounting, bad data, BFINAL streams, message
 * ends, and the server's pool of compressors.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <zlib.h>

#include "deflate.h"
#include "tests.h"

/* An assertion that names its case: a loop's failures are otherwise all
 * alike. */
#define CHECK(cond, what)                                                 \
	CU_assertImplementation(!!(cond), __LINE__, (what), __FILE__, "", \
	    CU_FALSE)

/* The empty stored block a sync flush ends with, left off on the wire. */
static const uint8_t tail[4] = { 0x00, 0x00, 0xff, 0xff };

/* xorshift64: the same bytes on every run. */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = next_rand(&seed) >> 24;
}

/* Words picked at random: text that compresses, though not to nothing. */
static void
fill_text(uint8_t *p, size_t n, uint64_t seed)
{
	static const char *const words[] = { "the", "socket", "frame",
		"deflate", "window", "message", "server", "client", "sends",
		"a", "of", "compressed", "takeover", "context", "bits",
		"permessage" };
	const char *w;
	size_t i = 0;

	while (i < n) {
		w = words[next_rand(&seed) % UNIT_NTESTS(words)];
		while (*w != '\0' && i < n)
			p[i++] = *w++;
		if (i < n)
			p[i++] = next_rand(&seed) % 8 == 0 ? '\n' : ' ';
	}
}

/* zdeflate_message into a buffer of exactly zdeflate_bound bytes (so a
 * sanitizer sees a write past it): the payload with its length in *len,
 * or NULL when it failed. */
static uint8_t *
deflated(struct zdeflate *z, const uint8_t *p, size_t n, size_t *len)
{
	uint8_t *out;
	ssize_t r;

	if ((out = malloc(zdeflate_bound(z, n))) == NULL)
		return NULL;
	if ((r = zdeflate_message(z, p, n, out)) == -1) {
		free(out);
		return NULL;
	}
	*len = r;
	return out;
}

/* Inflates a whole message with room to spare: true when it gave back
 * exactly want[0..wn), all of the input taken, 1 returned. */
static bool
inflates_to(struct zinflate *zi, const uint8_t *in, size_t n,
    const uint8_t *want, size_t wn)
{
	size_t used, made;
	uint8_t *out;
	bool ok;
	int r;

	if ((out = malloc(wn + 1)) == NULL)
		return false;
	r = zinflate_run(zi, in, n, true, &used, out, wn + 1, &made);
	ok = r == 1 && used == n && made == wn && memcmp(out, want, wn) == 0;
	free(out);
	return ok;
}

/* Inflates a message piece bytes of input and room bytes of output at a
 * time, giving again what a call did not take: true when it gave back
 * exactly want[0..wn), 0 returned only with the room filled and 1 only
 * with the piece taken. */
static bool
inflates_slowly(struct zinflate *zi, const uint8_t *in, size_t n,
    const uint8_t *want, size_t wn, size_t piece, size_t room)
{
	size_t at = 0, got = 0, k, used, made;
	uint8_t *out;
	bool ok = true, end;
	int r;

	if ((out = malloc(wn + room)) == NULL)
		return false;
	while (ok && at < n) {
		k = n - at < piece ? n - at : piece;
		end = at + k == n;
		do {
			r = zinflate_run(zi, in + at, k, end, &used, out + got,
			    room, &made);
			if (r == -1 || used > k || made > room ||
			    got + made > wn || (r == 0 && made != room)) {
				ok = false;
				break;
			}
			at += used;
			k -= used;
			got += made;
		} while (r == 0);
		ok = ok && k == 0;
	}
	ok = ok && got == wn && memcmp(out, want, wn) == 0;
	free(out);
	return ok;
}

/*
 * Raw zlib with a window of 2^bits, given one byte of output room per
 * call: every back-reference is then checked against that window alone
 * (with more room, zlib also takes a distance into the output of the same
 * call).  A payload gets its flush block back, as RFC 7692 says.
 */
static bool
strict_feed(z_stream *s, const uint8_t *in, size_t n, const uint8_t *want,
    size_t wn, size_t *got)
{
	uint8_t b;
	int r;

	s->next_in = (Bytef *)in;
	s->avail_in = n;
	for (;;) {
		s->next_out = &b;
		s->avail_out = 1;
		r = inflate(s, Z_SYNC_FLUSH);
		if (s->avail_out == 0) {
			if (*got >= wn || want[*got] != b)
				return false;
			(*got)++;
			continue;
		}
		if (r == Z_BUF_ERROR || (r == Z_OK && s->avail_in == 0))
			return true;
		if (r != Z_OK)
			return false;
	}
}

static bool
strict_message(z_stream *s, const uint8_t *in, size_t n, const uint8_t *want,
    size_t wn)
{
	size_t got = 0;

	return strict_feed(s, in, n, want, wn, &got) &&
	    strict_feed(s, tail, sizeof(tail), want, wn, &got) && got == wn;
}

/* The messages of the round trips: text and random bytes, from the
 * smallest we compress to one of several windows. */
static const struct {
	bool text;
	size_t n;
} shapes[] = {
	{ true, DEFLATE_MIN },
	{ false, DEFLATE_MIN },
	{ true, 1000 },
	{ false, 1000 },
	{ true, 100000 },
	{ false, 100000 },
};

static void
test_round_trip(void)
{
	struct zdeflate *z;
	struct zinflate *zi;
	uint8_t *msg, *c;
	size_t len = 0, n;
	char what[128];

	CU_ASSERT_FATAL((msg = malloc(100000)) != NULL);
	for (int bits = 8; bits <= 15; bits++)
		for (int takeover = 0; takeover <= 1; takeover++) {
			z = zdeflate_new(bits, takeover);
			zi = zinflate_new(takeover);
			CU_ASSERT_FATAL(z != NULL && zi != NULL);
			/* Each shape twice: the second may refer to the
			 * first. */
			for (size_t i = 0; i < 2 * UNIT_NTESTS(shapes); i++) {
				n = shapes[i / 2].n;
				snprintf(what, sizeof(what),
				    "bits %d takeover %d: %s %zu (%s)", bits,
				    takeover,
				    shapes[i / 2].text ? "text" : "random", n,
				    i % 2 ? "again" : "first");
				if (shapes[i / 2].text)
					fill_text(msg, n, i / 2 + 1);
				else
					fill_random(msg, n, i / 2 + 1);
				c = deflated(z, msg, n, &len);
				CHECK(c != NULL, what);
				if (c == NULL)
					continue;
				CHECK(inflates_to(zi, c, len, msg, n), what);
				CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
				/* Text compresses: even Huffman codes alone
				 * save a third of it. */
				if (shapes[i / 2].text && n >= 1000)
					CHECK(len < n * 2 / 3, what);
				free(c);
			}
			zdeflate_free(z);
			zinflate_free(zi);
		}
	free(msg);
}

/*
 * A message again, right after itself: with takeover it is a few
 * back-references; without, compressed alike.  Random bytes, so that only
 * the previous message can shorten it, and short enough for zlib to reach
 * back to its start (2^bits less 262 bytes of look-ahead).  8 bits is
 * Huffman codes alone: the window never serves.
 */
static void
test_takeover_sizes(void)
{
	struct zdeflate *z;
	struct zinflate *zi;
	uint8_t *msg, *c1, *c2;
	size_t n, len1 = 0, len2 = 0;
	char what[128];
	int reach;

	CU_ASSERT_FATAL((msg = malloc(1 << 15)) != NULL);
	for (int bits = 8; bits <= 15; bits++)
		for (int takeover = 0; takeover <= 1; takeover++) {
			reach = ((1 << bits) - 262) * 3 / 4;
			n = reach < DEFLATE_MIN ? DEFLATE_MIN : reach;
			fill_random(msg, n, bits);
			snprintf(what, sizeof(what),
			    "bits %d takeover %d: %zu bytes twice", bits,
			    takeover, n);
			z = zdeflate_new(bits, takeover);
			zi = zinflate_new(takeover);
			CU_ASSERT_FATAL(z != NULL && zi != NULL);
			c1 = deflated(z, msg, n, &len1);
			c2 = deflated(z, msg, n, &len2);
			CU_ASSERT_FATAL(c1 != NULL && c2 != NULL);
			if (takeover && bits > 8)
				CHECK(len2 < len1 / 4, what);
			else
				CHECK(len2 == len1 && memcmp(c1, c2, len1) == 0,
				    what);
			/* Random bytes do not compress by themselves. */
			CHECK(len1 >= n, what);
			CHECK(inflates_to(zi, c1, len1, msg, n), what);
			CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
			CHECK(inflates_to(zi, c2, len2, msg, n), what);
			free(c1);
			free(c2);
			zdeflate_free(z);
			zinflate_free(zi);
		}
	free(msg);
}

/*
 * Data that tempts a compressor beyond its window: a 64-byte run repeated
 * at each distance listed, then messages repeated whole.  Each window of
 * 2^10 bytes and more has a distance it may use but a window half its
 * size may not.
 */
static const size_t distances[] = { 200, 250, 251, 256, 257, 300, 600, 1100,
	2100, 4200, 8300, 16500, 33000 };
#define TEMPT_MAX 80000

static size_t
fill_tempting(uint8_t *p)
{
	size_t n = 0;

	for (size_t i = 0; i < UNIT_NTESTS(distances); i++) {
		fill_random(p + n, distances[i], 100 + i);
		memcpy(p + n + distances[i], p + n, 64);
		n += distances[i] + 64;
	}
	return n;
}

/* The messages a compressor of 2^bits sends, checked by a raw decoder
 * of 2^check_bits.  True when it read them all. */
static bool
window_holds(int bits, bool takeover, int check_bits)
{
	static const size_t again[] = { 200, 1000, 20000 };
	struct zdeflate *z;
	uint8_t *msg, *c;
	z_stream s;
	size_t n, len = 0;
	bool ok = true;

	memset(&s, 0, sizeof(s));
	if ((msg = malloc(TEMPT_MAX)) == NULL ||
	    (z = zdeflate_new(bits, takeover)) == NULL) {
		free(msg);
		return false;
	}
	/* zlib takes a 256-byte window to inflate, if not to deflate. */
	CU_ASSERT_EQUAL_FATAL(inflateInit2(&s, -check_bits), Z_OK);
	n = fill_tempting(msg);
	for (size_t i = 0; ok && i <= 2 * UNIT_NTESTS(again); i++) {
		if (i > 0) {
			n = again[(i - 1) / 2];
			fill_random(msg, n, 200 + (i - 1) / 2);
		}
		if ((c = deflated(z, msg, n, &len)) == NULL) {
			ok = false;
			break;
		}
		ok = strict_message(&s, c, len, msg, n);
		free(c);
		if (!takeover)
			inflateReset(&s);
	}
	inflateEnd(&s);
	zdeflate_free(z);
	free(msg);
	return ok;
}

/* The peer's window is what it allows us: a decoder with no more reads
 * us, 256 bytes included. */
static void
test_window_kept(void)
{
	char what[128];

	for (int bits = 8; bits <= 15; bits++)
		for (int takeover = 0; takeover <= 1; takeover++) {
			snprintf(what, sizeof(what),
			    "bits %d takeover %d read in 2^%d bytes", bits,
			    takeover, bits);
			CHECK(window_holds(bits, takeover, bits), what);
		}
}

/* The check above can fail: a window half the size refuses what it was
 * sent.  Not so for 9 bits, whose zlib distances stay within 250. */
static void
test_window_check_bites(void)
{
	char what[128];

	for (int bits = 10; bits <= 15; bits++) {
		snprintf(what, sizeof(what), "bits %d not read in 2^%d bytes",
		    bits, bits - 1);
		CHECK(!window_holds(bits, true, bits - 1), what);
	}
}

/* One byte of room per call: 0 while the room fills, 1 once all is made,
 * the same bytes; all of the input taken over the calls. */
static void
test_tiny_room(void)
{
	struct zdeflate *z;
	struct zinflate *zi;
	uint8_t msg[1000], out[1000], *c;
	size_t len = 0, used, made, in = 0, got = 0, calls = 0;
	int r;

	fill_text(msg, sizeof(msg), 7);
	CU_ASSERT_FATAL((z = zdeflate_new(15, false)) != NULL);
	CU_ASSERT_FATAL((zi = zinflate_new(false)) != NULL);
	CU_ASSERT_FATAL((c = deflated(z, msg, sizeof(msg), &len)) != NULL);
	do {
		r = zinflate_run(zi, c + in, len - in, true, &used,
		    out + (got < sizeof(out) ? got : 0), 1, &made);
		CU_ASSERT(made <= 1);
		CU_ASSERT(used <= len - in);
		in += used;
		got += made;
		if (r == 0)
			CU_ASSERT_EQUAL(made, 1);
	} while (r == 0 && ++calls < 10 * sizeof(msg));
	CU_ASSERT_EQUAL(r, 1);
	CU_ASSERT_EQUAL(in, len);
	CU_ASSERT_EQUAL(got, sizeof(msg));
	CU_ASSERT(memcmp(out, msg, sizeof(msg)) == 0);
	free(c);
	zdeflate_free(z);
	zinflate_free(zi);
}

/* The input in pieces, end only with the last: each piece is all taken
 * when there is room, and the output is the message's. */
static void
test_input_pieces(void)
{
	static const size_t piece[] = { 1, 3, 7, 64 };
	struct zdeflate *z;
	struct zinflate *zi;
	uint8_t msg[5000], *out, *c;
	size_t len = 0, used, made, got, k;
	char what[64];
	bool end;
	int r;

	fill_text(msg, sizeof(msg), 9);
	CU_ASSERT_FATAL((z = zdeflate_new(15, false)) != NULL);
	CU_ASSERT_FATAL((c = deflated(z, msg, sizeof(msg), &len)) != NULL);
	CU_ASSERT_FATAL((out = malloc(sizeof(msg) + 8)) != NULL);
	for (size_t i = 0; i < UNIT_NTESTS(piece); i++) {
		snprintf(what, sizeof(what), "pieces of %zu bytes", piece[i]);
		CU_ASSERT_FATAL((zi = zinflate_new(false)) != NULL);
		got = 0;
		r = 1;
		for (size_t at = 0; at < len && r == 1; at += k) {
			k = len - at < piece[i] ? len - at : piece[i];
			end = at + k == len;
			r = zinflate_run(zi, c + at, k, end, &used, out + got,
			    sizeof(msg) + 1 - got, &made);
			CHECK(r == 1 && used == k, what);
			got += made;
		}
		CHECK(got == sizeof(msg) && memcmp(out, msg, got) == 0, what);
		zinflate_free(zi);
	}

	/* Less room than the output: what is not taken is given again. */
	for (size_t i = 0; i < UNIT_NTESTS(piece); i++)
		for (size_t room = 1; room <= 7; room += 3) {
			snprintf(what, sizeof(what),
			    "pieces of %zu bytes into %zu of room", piece[i],
			    room);
			CU_ASSERT_FATAL((zi = zinflate_new(false)) != NULL);
			CHECK(inflates_slowly(zi, c, len, msg, sizeof(msg),
				  piece[i], room),
			    what);
			zinflate_free(zi);
		}
	free(out);
	free(c);
	zdeflate_free(z);
}

/* What is not deflate is -1, whether or not the message ends there. */
static void
test_corrupt(void)
{
	static const struct {
		const char *what;
		uint8_t in[8];
		size_t n;
	} c[] = {
		/* BFINAL, then the reserved block type 11. */
		{ "0xff bytes",
		    { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 8 },
		{ "block type 11", { 0x06 }, 1 },
		/* A stored block whose NLEN is not ~LEN. */
		{ "stored lengths", { 0x00, 0x05, 0x00, 0x05, 0x00 }, 5 },
		/* A fixed-Huffman block whose first code is a match: its
		 * distance reaches before the stream. */
		{ "distance too far", { 0x02, 0x02, 0x00 }, 3 },
	};
	struct zinflate *zi;
	uint8_t out[64];
	size_t used, made;
	char what[64];

	for (size_t i = 0; i < UNIT_NTESTS(c); i++)
		for (int end = 0; end <= 1; end++) {
			snprintf(what, sizeof(what), "%s (end %d)", c[i].what,
			    end);
			CU_ASSERT_FATAL((zi = zinflate_new(false)) != NULL);
			CHECK(zinflate_run(zi, c[i].in, c[i].n, end, &used, out,
				  sizeof(out), &made) == -1,
			    what);
			zinflate_free(zi);
		}
}

/* How a peer other than us may end a message's stream. */
enum ending {
	SYNC,	   /* a sync flush, its tail left off: as we do */
	FINAL,	   /* a final block (BFINAL), and the 0x00 RFC 7692 adds */
	FINAL_BARE /* a final block and nothing more */
};

/* Raw zlib deflate of p[0..n), with dict as the window before it when
 * not NULL, ended as said: its length in *len, or NULL. */
static uint8_t *
zlib_deflate(const uint8_t *dict, size_t dn, const uint8_t *p, size_t n,
    enum ending ending, size_t *len)
{
	uint8_t *out;
	z_stream s;
	size_t room;
	int r;

	memset(&s, 0, sizeof(s));
	if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
		Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	room = deflateBound(&s, n) + 16;
	if ((out = malloc(room)) == NULL ||
	    (dict != NULL && deflateSetDictionary(&s, dict, dn) != Z_OK)) {
		free(out);
		deflateEnd(&s);
		return NULL;
	}
	s.next_in = (Bytef *)p;
	s.avail_in = n;
	s.next_out = out;
	s.avail_out = room - 1;
	r = deflate(&s, ending == SYNC ? Z_SYNC_FLUSH : Z_FINISH);
	*len = room - 1 - s.avail_out;
	deflateEnd(&s);
	if (r != (ending == SYNC ? Z_OK : Z_STREAM_END) ||
	    (ending == SYNC &&
		(*len < 4 || memcmp(out + *len - 4, tail, 4) != 0))) {
		free(out);
		return NULL;
	}
	if (ending == SYNC)
		*len -= 4;
	else if (ending == FINAL)
		out[(*len)++] = 0x00;
	return out;
}

/*
 * RFC 7692 section 7.2.3.3: a peer may end a message with a final block
 * (BFINAL) and a 0x00 octet, the header of the empty block the flush tail
 * completes.  The inflater then starts a new stream, and with takeover
 * the next message still refers to the previous one's bytes.
 */
static void
test_bfinal(void)
{
	/* The RFC's own example: "Hello" in a fixed-Huffman final block. */
	static const uint8_t hello[] = { 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07,
		0x00, 0x00 };
	struct zinflate *zi;
	uint8_t msg[3000], *m1, *m2, *m3;
	size_t len1 = 0, len2 = 0, len3 = 0;

	for (int takeover = 0; takeover <= 1; takeover++) {
		CU_ASSERT_FATAL((zi = zinflate_new(takeover)) != NULL);
		for (int i = 0; i < 3; i++) {
			CU_ASSERT(inflates_to(zi, hello, sizeof(hello),
			    (const uint8_t *)"Hello", 5));
			CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
		}
		zinflate_free(zi);
	}

	/* Message 1 ends with BFINAL; 2 is message 1 again, in
	 * back-references to it; 3 too, itself ending with BFINAL. */
	fill_random(msg, sizeof(msg), 11);
	m1 = zlib_deflate(NULL, 0, msg, sizeof(msg), FINAL, &len1);
	m2 = zlib_deflate(msg, sizeof(msg), msg, sizeof(msg), SYNC, &len2);
	m3 = zlib_deflate(msg, sizeof(msg), msg, sizeof(msg), FINAL, &len3);
	CU_ASSERT_FATAL(m1 != NULL && m2 != NULL && m3 != NULL);
	CU_ASSERT(len2 < sizeof(msg) / 10 && len3 < sizeof(msg) / 10);

	/* With takeover, what follows a final block sees its window. */
	CU_ASSERT_FATAL((zi = zinflate_new(true)) != NULL);
	CU_ASSERT(inflates_to(zi, m1, len1, msg, sizeof(msg)));
	CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
	CU_ASSERT(inflates_to(zi, m2, len2, msg, sizeof(msg)));
	CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
	CU_ASSERT(inflates_to(zi, m3, len3, msg, sizeof(msg)));
	CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
	CU_ASSERT(inflates_to(zi, m3, len3, msg, sizeof(msg)));
	zinflate_free(zi);

	/* Without, it does not: proof that message 2 needs the window. */
	CU_ASSERT_FATAL((zi = zinflate_new(false)) != NULL);
	CU_ASSERT(inflates_to(zi, m1, len1, msg, sizeof(msg)));
	CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
	CU_ASSERT_FALSE(inflates_to(zi, m2, len2, msg, sizeof(msg)));
	zinflate_free(zi);

	free(m1);
	free(m2);
	free(m3);
}

/*
 * A final block without the 0x00 after it: the flush tail put back is
 * then not a whole block, but the stream before it ended, and the next
 * message must not read the tail's leftovers as its own start.
 */
static void
test_bfinal_bare(void)
{
	struct zinflate *zi;
	uint8_t msg[3000], *m1, *m2;
	size_t len1 = 0, len2 = 0;

	fill_random(msg, sizeof(msg), 12);
	m1 = zlib_deflate(NULL, 0, msg, sizeof(msg), FINAL_BARE, &len1);
	m2 = zlib_deflate(msg, sizeof(msg), msg, sizeof(msg), SYNC, &len2);
	CU_ASSERT_FATAL(m1 != NULL && m2 != NULL);

	for (int takeover = 0; takeover <= 1; takeover++) {
		CU_ASSERT_FATAL((zi = zinflate_new(takeover)) != NULL);
		CU_ASSERT(inflates_to(zi, m1, len1, msg, sizeof(msg)));
		CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
		if (takeover)
			CU_ASSERT(inflates_to(zi, m2, len2, msg, sizeof(msg)));
		CU_ASSERT(inflates_to(zi, m1, len1, msg, sizeof(msg)));
		zinflate_free(zi);
	}
	free(m1);
	free(m2);
}

/* Final blocks, with and without the 0x00, through little input and
 * room at a time: where a piece ends must not matter, the stream's end
 * included. */
static void
test_bfinal_slowly(void)
{
	static const size_t piece[] = { 1, 2, 5, 4096 };
	static const size_t room[] = { 1, 7, 4096 };
	struct zinflate *zi;
	uint8_t msg[3000], *m1, *m2;
	size_t len1 = 0, len2 = 0;
	char what[128];

	fill_random(msg, sizeof(msg), 13);
	m2 = zlib_deflate(msg, sizeof(msg), msg, sizeof(msg), SYNC, &len2);
	CU_ASSERT_FATAL(m2 != NULL);
	for (int bare = 0; bare <= 1; bare++) {
		m1 = zlib_deflate(NULL, 0, msg, sizeof(msg),
		    bare ? FINAL_BARE : FINAL, &len1);
		CU_ASSERT_FATAL(m1 != NULL);
		for (size_t i = 0; i < UNIT_NTESTS(piece); i++)
			for (size_t j = 0; j < UNIT_NTESTS(room); j++) {
				snprintf(what, sizeof(what),
				    "%s, pieces of %zu, room %zu",
				    bare ? "bare" : "with 0x00", piece[i],
				    room[j]);
				CU_ASSERT_FATAL(
				    (zi = zinflate_new(true)) != NULL);
				CHECK(inflates_slowly(zi, m1, len1, msg,
					  sizeof(msg), piece[i], room[j]),
				    what);
				CHECK(zinflate_end_message(zi) == 0, what);
				CHECK(inflates_slowly(zi, m2, len2, msg,
					  sizeof(msg), piece[i], room[j]),
				    what);
				CHECK(zinflate_end_message(zi) == 0, what);
				CHECK(inflates_slowly(zi, m1, len1, msg,
					  sizeof(msg), piece[i], room[j]),
				    what);
				zinflate_free(zi);
			}
		free(m1);
	}
	free(m2);
}

/* The end of a message forgets its window only without takeover. */
static void
test_end_message(void)
{
	struct zdeflate *z, *zt;
	struct zinflate *zi;
	uint8_t a[2000], b[2000], *ca, *cb, *ct1, *ct2;
	size_t la = 0, lb = 0, lt1 = 0, lt2 = 0;

	fill_random(a, sizeof(a), 21);
	fill_text(b, sizeof(b), 22);
	CU_ASSERT_FATAL((z = zdeflate_new(15, false)) != NULL);
	CU_ASSERT_FATAL((zt = zdeflate_new(15, true)) != NULL);
	ca = deflated(z, a, sizeof(a), &la);
	cb = deflated(z, b, sizeof(b), &lb);
	ct1 = deflated(zt, a, sizeof(a), &lt1);
	ct2 = deflated(zt, a, sizeof(a), &lt2);
	CU_ASSERT_FATAL(ca && cb && ct1 && ct2);

	/* Independent messages, one after the other, in either order. */
	CU_ASSERT_FATAL((zi = zinflate_new(false)) != NULL);
	CU_ASSERT(inflates_to(zi, ca, la, a, sizeof(a)));
	CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
	CU_ASSERT(inflates_to(zi, cb, lb, b, sizeof(b)));
	CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
	CU_ASSERT(inflates_to(zi, ca, la, a, sizeof(a)));
	CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
	/* A message that refers to the last is refused: the window went. */
	CU_ASSERT(inflates_to(zi, ct1, lt1, a, sizeof(a)));
	CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
	CU_ASSERT_FALSE(inflates_to(zi, ct2, lt2, a, sizeof(a)));
	zinflate_free(zi);

	/* With takeover the window carries over the end. */
	CU_ASSERT_FATAL((zi = zinflate_new(true)) != NULL);
	CU_ASSERT(inflates_to(zi, ct1, lt1, a, sizeof(a)));
	CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
	CU_ASSERT(inflates_to(zi, ct2, lt2, a, sizeof(a)));
	CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
	zinflate_free(zi);

	free(ca);
	free(cb);
	free(ct1);
	free(ct2);
	zdeflate_free(z);
	zdeflate_free(zt);
}

/* Many sizes of random bytes through one compressor with takeover: the
 * bound holds however the window and the blocks fall. */
static void
test_bound_holds(void)
{
	struct zdeflate *z;
	struct zinflate *zi;
	uint8_t *msg, *c;
	size_t n, len = 0;
	char what[64];
	uint64_t seed = 5;

	CU_ASSERT_FATAL((msg = malloc(70000)) != NULL);
	for (int bits = 8; bits <= 15; bits++) {
		CU_ASSERT_FATAL((z = zdeflate_new(bits, true)) != NULL);
		CU_ASSERT_FATAL((zi = zinflate_new(true)) != NULL);
		for (int i = 0; i < 40; i++) {
			n = DEFLATE_MIN + next_rand(&seed) % 70000;
			if (n > 70000)
				n = 70000;
			fill_random(msg, n, i + 1);
			snprintf(what, sizeof(what), "bits %d: %zu bytes", bits,
			    n);
			c = deflated(z, msg, n, &len);
			CHECK(c != NULL, what);
			if (c == NULL)
				break;
			CHECK(inflates_to(zi, c, len, msg, n), what);
			CU_ASSERT_EQUAL(zinflate_end_message(zi), 0);
			free(c);
		}
		zdeflate_free(z);
		zinflate_free(zi);
	}
	free(msg);
}

/* One compressor per window size, made once; it keeps nothing from one
 * message to the next. */
static void
test_pool(void)
{
	struct zdeflate *z[16];
	struct zpool *p;
	uint8_t msg[1000], *c1, *c2, *c3;
	size_t l1 = 0, l2 = 0, l3 = 0;

	CU_ASSERT_FATAL((p = zpool_new()) != NULL);
	for (int bits = 8; bits <= 15; bits++) {
		z[bits] = zpool_get(p, bits);
		CU_ASSERT_PTR_NOT_NULL(z[bits]);
		CU_ASSERT_PTR_EQUAL(zpool_get(p, bits), z[bits]);
		for (int other = 8; other < bits; other++)
			CU_ASSERT_PTR_NOT_EQUAL(z[other], z[bits]);
	}
	for (int bits = 8; bits <= 15; bits++)
		CU_ASSERT_PTR_EQUAL(zpool_get(p, bits), z[bits]);

	/* Shared: a message compresses alike after another. */
	fill_text(msg, sizeof(msg), 31);
	c1 = deflated(z[12], msg, sizeof(msg), &l1);
	c2 = deflated(z[12], msg, 500, &l2);
	c3 = deflated(z[12], msg, sizeof(msg), &l3);
	CU_ASSERT_FATAL(c1 && c2 && c3);
	CU_ASSERT(l1 == l3 && memcmp(c1, c3, l1) == 0);
	free(c1);
	free(c2);
	free(c3);

	zpool_free(p);
	zpool_free(NULL);
	zdeflate_free(NULL);
	zinflate_free(NULL);
}

static const struct unit_test tests[] = {
	{ "round trips, windows 8-15, with and without takeover",
	    test_round_trip },
	{ "takeover shortens a repeated message", test_takeover_sizes },
	{ "a compressor keeps to its window (8 bits too)", test_window_kept },
	{ "the window check refuses a longer reach", test_window_check_bites },
	{ "inflate one byte of room at a time", test_tiny_room },
	{ "inflate input in pieces", test_input_pieces },
	{ "corrupt input is -1", test_corrupt },
	{ "a message ending with BFINAL", test_bfinal },
	{ "a message ending with BFINAL alone", test_bfinal_bare },
	{ "BFINAL in pieces and little room", test_bfinal_slowly },
	{ "a message's end and the window", test_end_message },
	{ "the bound holds", test_bound_holds },
	{ "pool of compressors", test_pool },
};

int
test_deflate_add(void)
{
	return unit_add_suite("deflate", tests, UNIT_NTESTS(tests));
}
