/*
 * session: the WebSocket layer with no socket, fed scripted bytes the way
 * wslay's own tests are (tests/wslay_event_test.c: scripted_data_feed and
 * an accumulator).  The reader hands out the input in the chunk sizes a
 * test scripts, then says "nothing now" (or EOF); the writer keeps every
 * byte, optionally a few per call or up to a budget, as a full socket
 * would.  Frames are built by hand: masked as a client sends them, plain
 * as a server does, so that the bytes a session writes can be compared
 * exactly.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <zlib.h>

#include "deflate.h"
#include "frame.h"
#include "outq.h"
#include "session.h"
#include "tests.h"

#define OP_CONT 0x0
#define OP_TEXT 0x1
#define OP_BINARY 0x2
#define OP_CLOSE 0x8
#define OP_PING 0x9
#define OP_PONG 0xa

#define STREAM_MAX (2 * 1024 * 1024) /* bytes of one scripted input */
#define OUT_MAX (4 * 1024 * 1024)    /* bytes the writer keeps */
#define MSG_MAX 64		     /* messages recorded */
#define MSGBUF_MAX (2 * 1024 * 1024) /* their bytes */
#define SIZES_MAX 4096		     /* scripted chunk sizes */
#define MAX_MESSAGE (1024 * 1024)    /* a session's max_message */

/* The RFC 6455 section 5.7 sample mask. */
static const uint8_t mask_key[4] = { 0x37, 0xfa, 0x21, 0x3d };

/* Bytes being built: an input stream or the output expected. */
struct bytes {
	uint8_t b[STREAM_MAX];
	size_t n;
};

struct msg {
	int opcode;
	size_t off, len; /* in t.msgbuf */
	int calls;	 /* read calls made before it arrived */
};

/* Everything one test drives; static, as it is large. */
static struct {
	struct session *s;
	/* the scripted reader */
	struct bytes in;
	size_t inpos;
	size_t sizes[SIZES_MAX]; /* per read; 0: "nothing now" once */
	size_t nsizes, next;
	size_t each; /* after sizes: bytes per read, 0 the rest */
	size_t cur;  /* left of the chunk being handed out */
	bool eof;    /* at the end: EOF rather than "nothing now" */
	bool read_fails;
	int calls; /* read calls */
	/* the accumulating writer */
	uint8_t out[OUT_MAX];
	size_t outlen;
	size_t per_write; /* at most this per call; 0: no limit */
	size_t room;	  /* bytes taken before "nothing now" */
	bool write_fails;
	int writes;
	/* on_message */
	bool echo;
	int nmsg;
	struct msg msg[MSG_MAX];
	uint8_t msgbuf[MSGBUF_MAX];
	size_t msgbuf_used;
	/* on_control: the last ping or pong and how many there were */
	int ncontrol, control_op;
	char control[126];
} t;

static struct bytes want;

static ssize_t
script_read(void *arg, void *p, size_t n)
{
	size_t k;

	CU_ASSERT_PTR_EQUAL(arg, &t);
	t.calls++;
	if (t.read_fails)
		return SESSION_IO_ERR;
	if (t.inpos == t.in.n)
		return t.eof ? 0 : SESSION_IO_AGAIN;
	if (t.cur == 0) {
		if (t.next < t.nsizes) {
			if ((t.cur = t.sizes[t.next++]) == 0)
				return SESSION_IO_AGAIN;
		} else
			t.cur = t.each ? t.each : t.in.n - t.inpos;
	}
	k = t.cur < n ? t.cur : n;
	if (k > t.in.n - t.inpos)
		k = t.in.n - t.inpos;
	memcpy(p, t.in.b + t.inpos, k);
	t.inpos += k;
	t.cur -= k;
	return k;
}

static ssize_t
acc_write(void *arg, const struct iovec *iov, int niov)
{
	size_t k = 0, n;

	CU_ASSERT_PTR_EQUAL(arg, &t);
	CU_ASSERT_FATAL(niov > 0);
	if (t.write_fails)
		return SESSION_IO_ERR;
	for (int i = 0; i < niov; i++)
		k += iov[i].iov_len;
	if (t.per_write > 0 && k > t.per_write)
		k = t.per_write;
	if (k > t.room)
		k = t.room;
	if (k == 0)
		return SESSION_IO_AGAIN;
	CU_ASSERT_FATAL(t.outlen + k <= sizeof(t.out));
	/* Gathered in order, as writev does. */
	for (size_t left = k, i = 0; left > 0; i++) {
		n = iov[i].iov_len < left ? iov[i].iov_len : left;
		memcpy(t.out + t.outlen, iov[i].iov_base, n);
		t.outlen += n;
		left -= n;
	}
	t.room -= k;
	t.writes++;
	return k;
}

static void
on_message(void *arg, int opcode, const uint8_t *p, size_t n)
{
	struct msg *m;

	CU_ASSERT_PTR_EQUAL(arg, &t);
	CU_ASSERT_FATAL(t.nmsg < MSG_MAX);
	CU_ASSERT_FATAL(t.msgbuf_used + n <= sizeof(t.msgbuf));
	m = &t.msg[t.nmsg++];
	m->opcode = opcode;
	m->off = t.msgbuf_used;
	m->len = n;
	m->calls = t.calls;
	if (n > 0)
		memcpy(t.msgbuf + t.msgbuf_used, p, n);
	t.msgbuf_used += n;
	if (t.echo)
		CU_ASSERT_EQUAL(session_send(t.s, opcode, p, n), 0);
}

static void
on_control(void *arg, int opcode, const uint8_t *p, size_t n)
{
	CU_ASSERT_PTR_EQUAL(arg, &t);
	CU_ASSERT_FATAL(n < sizeof(t.control));
	t.ncontrol++;
	t.control_op = opcode;
	if (n > 0)
		memcpy(t.control, p, n);
	t.control[n] = '\0';
}

static const struct session_io io = { script_read, acc_write, on_message,
	on_control };

/* A fresh session in role with a fresh script: input in one chunk, no
 * limit on writes. */
static void
start(enum session_role role, size_t max_message)
{
	session_free(t.s);
	memset(&t, 0, sizeof(t));
	t.room = SIZE_MAX;
	want.n = 0;
	t.s = session_new(role, max_message, &io, &t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t.s);
}

static void
finish(void)
{
	session_free(t.s);
	t.s = NULL;
}

/* Appends raw bytes to b. */
static void
put(struct bytes *b, const void *p, size_t n)
{
	CU_ASSERT_FATAL(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

/* Appends one frame: FIN or not, opcode, masked with mask_key (as a
 * client sends) or not, with the shortest length encoding. */
static void
frame(struct bytes *b, bool fin, int opcode, bool masked, const void *p,
    size_t n)
{
	uint8_t h[14];
	size_t hl = 2;

	h[0] = (fin ? 0x80 : 0) | opcode;
	if (n < 126)
		h[1] = n;
	else if (n <= 0xffff) {
		h[1] = 126;
		h[hl++] = n >> 8;
		h[hl++] = n & 0xff;
	} else {
		h[1] = 127;
		for (int i = 7; i >= 0; i--)
			h[hl++] = (uint64_t)n >> (8 * i) & 0xff;
	}
	if (masked) {
		h[1] |= 0x80;
		memcpy(h + hl, mask_key, 4);
		hl += 4;
	}
	put(b, h, hl);
	CU_ASSERT_FATAL(b->n + n <= sizeof(b->b));
	for (size_t i = 0; i < n; i++)
		b->b[b->n + i] = ((const uint8_t *)p)[i] ^
		    (masked ? mask_key[i % 4] : 0);
	b->n += n;
}

/* A client frame (masked): what a server reads. */
static void
cframe(bool fin, int opcode, const void *p, size_t n)
{
	frame(&t.in, fin, opcode, true, p, n);
}

/* A close frame's payload: the code, then the reason. */
static size_t
close_payload(uint8_t *p, uint16_t code, const char *reason)
{
	size_t n = strlen(reason);

	p[0] = code >> 8;
	p[1] = code & 0xff;
	memcpy(p + 2, reason, n);
	return n + 2;
}

static void
cclose(uint16_t code, const char *reason)
{
	uint8_t p[128];

	cframe(true, OP_CLOSE, p, close_payload(p, code, reason));
}

/* The unmasked close a server writes (or a client's, once unmasked). */
static void
want_close(uint16_t code, const char *reason)
{
	uint8_t p[128];

	frame(&want, true, OP_CLOSE, false, p, close_payload(p, code, reason));
}

static void
hexdump(const char *what, const uint8_t *p, size_t n)
{
	fprintf(stderr, "\n  %s (%zu):", what, n);
	for (size_t i = 0; i < n && i < 64; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, "%s\n", n > 64 ? " ..." : "");
}

/* True when p[0..n) is exactly want; shows both when not. */
static bool
same(const uint8_t *p, size_t n)
{
	if (n == want.n && memcmp(p, want.b, n) == 0)
		return true;
	hexdump("got", p, n);
	hexdump("want", want.b, want.n);
	return false;
}

/* The writer got exactly want. */
static bool
out_is_want(void)
{
	return same(t.out, t.outlen);
}

/* Message i is opcode with payload p[0..n). */
static bool
msg_is(int i, int opcode, const void *p, size_t n)
{
	return i < t.nmsg && t.msg[i].opcode == opcode && t.msg[i].len == n &&
	    (n == 0 || memcmp(t.msgbuf + t.msg[i].off, p, n) == 0);
}

/* Reads 1 byte per call, "nothing now" after each. */
static void
script_bytewise_pauses(void)
{
	CU_ASSERT_FATAL(2 * t.in.n <= SIZES_MAX);
	for (size_t i = 0; i < t.in.n; i++) {
		t.sizes[t.nsizes++] = 1;
		t.sizes[t.nsizes++] = 0;
	}
}

/* Calls session_recv until the script is used up (or it fails); returns
 * the last result and the number of calls in *calls. */
static int
recv_all(int *calls)
{
	int r, n = 0;

	do {
		r = session_recv(t.s);
		n++;
	} while (r == SESSION_OK && t.inpos < t.in.n && n < 100000);
	if (calls != NULL)
		*calls = n;
	return r;
}

/*
 * Client frames written by a session: checks that each is masked and
 * re-encodes it unmasked into *plain, so that it compares with frames
 * built the server's way.  -1 when a frame is unmasked or truncated.
 */
static int
client_frames_plain(const uint8_t *p, size_t n, struct bytes *plain)
{
	size_t i = 0, hl, len;
	uint8_t key[4], payload[256];

	plain->n = 0;
	while (i < n) {
		if (n - i < 2 || !(p[i + 1] & 0x80))
			return -1;
		len = p[i + 1] & 0x7f;
		hl = 2;
		if (len == 126) {
			if (n - i < 4)
				return -1;
			len = (size_t)p[i + 2] << 8 | p[i + 3];
			hl = 4;
		} else if (len == 127)
			return -1; /* not used by these tests */
		if (n - i < hl + 4 + len || len > sizeof(payload))
			return -1;
		memcpy(key, p + i + hl, 4);
		for (size_t j = 0; j < len; j++)
			payload[j] = p[i + hl + 4 + j] ^ key[j % 4];
		frame(plain, p[i] & 0x80, p[i] & 0x0f, false, payload, len);
		i += hl + 4 + len;
	}
	return 0;
}

/* ---- messages ---------------------------------------------------------- */

static void
test_text_message(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_TEXT, "Hello", 5);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 1);
	CU_ASSERT_TRUE(msg_is(0, OP_TEXT, "Hello", 5));
	/* Nothing to answer, nothing written. */
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.outlen, 0);
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_ACTIVE);
	CU_ASSERT_TRUE(session_want_read(t.s));
	CU_ASSERT_FALSE(session_want_write(t.s));
	CU_ASSERT_FALSE(session_close_received(t.s));
	CU_ASSERT_EQUAL(session_code_received(t.s), 0);
	finish();
}

static void
test_binary_message(void)
{
	static const uint8_t bin[] = { 0x00, 0xff, 0x80, 0x0a, 0x88, 0x00 };

	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_BINARY, bin, sizeof(bin));
	cframe(true, OP_BINARY, "", 0);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 2);
	CU_ASSERT_TRUE(msg_is(0, OP_BINARY, bin, sizeof(bin)));
	CU_ASSERT_TRUE(msg_is(1, OP_BINARY, "", 0));
	finish();
}

/* 7-bit, 16-bit and 64-bit payload lengths, several frames per read and
 * reads of odd sizes. */
static void
test_payload_lengths(void)
{
	static uint8_t big[70000];
	size_t lens[] = { 125, 126, 300, 65535, 65536, sizeof(big) };
	size_t chunkings[] = { 0, 1000, 4096, 7 };

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31 + 7);
	for (size_t c = 0; c < sizeof(chunkings) / sizeof(chunkings[0]); c++) {
		start(SESSION_SERVER, MAX_MESSAGE);
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
			cframe(true, OP_BINARY, big, lens[i]);
		t.each = chunkings[c];
		CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
		CU_ASSERT_EQUAL(t.inpos, t.in.n);
		CU_ASSERT_EQUAL(t.nmsg, 6);
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
			CU_ASSERT_TRUE(msg_is(i, OP_BINARY, big, lens[i]));
		finish();
	}
}

static void
test_fragments_with_ping(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(false, OP_TEXT, "Hel", 3);
	cframe(false, OP_CONT, "lo", 2);
	cframe(true, OP_PING, "are you there", 13);
	cframe(false, OP_CONT, "", 0);
	cframe(true, OP_CONT, "!", 1);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 1);
	CU_ASSERT_TRUE(msg_is(0, OP_TEXT, "Hello!", 6));
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_PONG, false, "are you there", 13);
	CU_ASSERT_TRUE(out_is_want());
	finish();
}

/* One-byte fragments of a text whose multibyte characters straddle them,
 * read whole, a byte per read, and a byte per session_recv. */
static void
test_one_byte_fragments(void)
{
	static const char text[] = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac"
				   "\xf0\x9f\x98\x80";
	size_t n = sizeof(text) - 1;

	for (int how = 0; how < 3; how++) {
		start(SESSION_SERVER, MAX_MESSAGE);
		for (size_t i = 0; i < n; i++)
			cframe(i == n - 1, i == 0 ? OP_TEXT : OP_CONT, text + i,
			    1);
		if (how == 1)
			t.each = 1;
		else if (how == 2)
			script_bytewise_pauses();
		CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
		CU_ASSERT_EQUAL(t.nmsg, 1);
		CU_ASSERT_TRUE(msg_is(0, OP_TEXT, text, n));
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		CU_ASSERT_EQUAL(t.outlen, 0);
		finish();
	}
}

static void
test_binary_fragments(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(false, OP_BINARY, "\x00\x01", 2);
	cframe(true, OP_PING, "", 0);
	cframe(true, OP_CONT, "\xff", 1);
	cframe(true, OP_TEXT, "after", 5);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 2);
	CU_ASSERT_TRUE(msg_is(0, OP_BINARY, "\x00\x01\xff", 3));
	CU_ASSERT_TRUE(msg_is(1, OP_TEXT, "after", 5));
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_PONG, false, "", 0);
	CU_ASSERT_TRUE(out_is_want());
	finish();
}

static void
test_ping_pong(void)
{
	static const uint8_t payload[] = { 'p', 0x00, 0xff, 'g' };

	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_PING, payload, sizeof(payload));
	cframe(true, OP_PING, "", 0);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 0); /* pings are not messages */
	CU_ASSERT_TRUE(session_want_write(t.s));
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_PONG, false, payload, sizeof(payload));
	frame(&want, true, OP_PONG, false, "", 0);
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_FALSE(session_want_write(t.s));
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_ACTIVE);
	finish();
}

/* An unsolicited pong is fine and needs no answer. */
static void
test_pong_ignored(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_PONG, "x", 1);
	cframe(true, OP_TEXT, "y", 1);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 1);
	CU_ASSERT_TRUE(msg_is(0, OP_TEXT, "y", 1));
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.outlen, 0);
	finish();
}

/* ---- the peer's close -------------------------------------------------- */

/* The peer's close, read whole: echoed; the handshake is then complete. */
static void
test_peer_close(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cclose(1000, "bye");
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_TRUE(session_close_received(t.s));
	CU_ASSERT_TRUE(session_closing(t.s));
	CU_ASSERT_EQUAL(session_code_received(t.s), 1000);
	CU_ASSERT_STRING_EQUAL(session_reason(t.s), "bye");
	CU_ASSERT_FALSE(session_want_read(t.s));
	/* The reply is not written yet: still active. */
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_ACTIVE);
	CU_ASSERT_TRUE(session_want_write(t.s));
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	want_close(1000, "bye");
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_CLOSED);
	CU_ASSERT_FALSE(session_want_write(t.s));
	/* No more sending once closing. */
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "late", 4), -1);
	finish();
}

static void
test_close_without_code(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_CLOSE, "", 0);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_TRUE(session_close_received(t.s));
	CU_ASSERT_EQUAL(session_code_received(t.s), 1005);
	CU_ASSERT_STRING_EQUAL(session_reason(t.s), "");
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_CLOSE, false, "", 0);
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_CLOSED);
	finish();
}

/*
 * A close whose reason has multibyte characters, split across reads of
 * every size from 1 to 8 bytes: in one session_recv, and with "nothing
 * now" after every byte (a session_recv per byte).  wslay 1.1.1 alone
 * rejects a valid reason split like this with 1007.
 */
static void
test_close_split_valid_reason(void)
{
	static const char reason[] = "caf\xc3\xa9 \xe2\x82\xac";
	int calls;

	for (size_t each = 0; each <= 8; each++) {
		start(SESSION_SERVER, MAX_MESSAGE);
		cclose(1000, reason);
		if (each == 0)
			script_bytewise_pauses();
		else
			t.each = each;
		CU_ASSERT_EQUAL(recv_all(&calls), SESSION_OK);
		if (each == 0)
			CU_ASSERT(calls > 10);
		CU_ASSERT_TRUE(session_close_received(t.s));
		CU_ASSERT_EQUAL(session_code_received(t.s), 1000);
		CU_ASSERT_STRING_EQUAL(session_reason(t.s), reason);
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		want_close(1000, reason);
		CU_ASSERT_TRUE(out_is_want());
		CU_ASSERT_EQUAL(session_code_sent(t.s), 1000);
		CU_ASSERT_EQUAL(session_phase(t.s), SESSION_CLOSED);
		finish();
	}
}

/* Before the last byte of a split close arrives, nothing is decided. */
static void
test_close_partial_waits(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cclose(1001, "gone \xc3\xa9");
	t.sizes[0] = t.in.n - 1;
	t.sizes[1] = 0;
	t.sizes[2] = 1;
	t.nsizes = 3;
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_FALSE(session_close_received(t.s));
	CU_ASSERT_TRUE(session_want_read(t.s));
	/* Held, but only the stream can complete it. */
	CU_ASSERT_FALSE(session_has_readahead(t.s));
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.outlen, 0);
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_ACTIVE);
	CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
	CU_ASSERT_TRUE(session_close_received(t.s));
	CU_ASSERT_EQUAL(session_code_received(t.s), 1001);
	CU_ASSERT_STRING_EQUAL(session_reason(t.s), "gone \xc3\xa9");
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	want_close(1001, "gone \xc3\xa9");
	CU_ASSERT_TRUE(out_is_want());
	finish();
}

/*
 * A close reason that is not UTF-8 fails the session with 1007, read whole
 * or a byte at a time (wslay 1.1.1 alone lets the second through).
 */
static void
test_close_invalid_reason(void)
{
	char why[64];

	for (size_t each = 0; each <= 3; each++) {
		start(SESSION_SERVER, MAX_MESSAGE);
		cclose(1000, "ab\xc3(cd");
		t.each = each;
		CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
		CU_ASSERT_FALSE(session_want_read(t.s));
		CU_ASSERT_FALSE(session_close_received(t.s));
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		want_close(1007, "");
		CU_ASSERT_TRUE(out_is_want());
		CU_ASSERT_EQUAL(session_code_sent(t.s), 1007);
		CU_ASSERT_EQUAL(session_phase(t.s), SESSION_BROKEN);
		why[0] = '\0';
		session_describe_failure(t.s, why, sizeof(why));
		CU_ASSERT_STRING_EQUAL(why, "invalid UTF-8 in a close reason");
		finish();
	}
}

/* session_code_sent() knows the code of wslay's own close once it is
 * written (session.h): nothing before the flush, 1007 after it. */
static void
test_code_sent_when_queued(void)
{
	char why[64];

	start(SESSION_SERVER, MAX_MESSAGE);
	cclose(1000, "\xff");
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_TRUE(session_want_write(t.s));
	CU_ASSERT_EQUAL(session_code_sent(t.s), 0);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1007);
	session_describe_failure(t.s, why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(why, "invalid UTF-8 in a close reason");
	finish();
}

/* The IANA codes 1012-1014 (wslay 1.1.1 answers them with 1002), the
 * private range, and codes that are never valid on the wire. */
static void
test_close_codes(void)
{
	static const uint16_t ok[] = { 1000, 1001, 1003, 1007, 1011, 1012, 1013,
		1014, 3000, 4999 };
	static const uint16_t bad[] = { 0, 999, 1004, 1005, 1006, 1015, 1016,
		2999, 5000, 65535 };
	uint16_t got;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		start(SESSION_SERVER, MAX_MESSAGE);
		cclose(ok[i], "r");
		CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
		CU_ASSERT_TRUE(session_close_received(t.s));
		CU_ASSERT_EQUAL(session_code_received(t.s), ok[i]);
		CU_ASSERT_STRING_EQUAL(session_reason(t.s), "r");
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		/* A close that is not 1002: the code echoed, or 1000 (what
		 * the session turns 1012-1014 into for wslay). */
		CU_ASSERT_FATAL(t.outlen >= 4);
		got = t.out[2] << 8 | t.out[3];
		CU_ASSERT_EQUAL(t.out[0], 0x88);
		CU_ASSERT(got == ok[i] || (ok[i] >= 1012 && got == 1000));
		CU_ASSERT_NOT_EQUAL(got, 1002);
		CU_ASSERT_EQUAL(session_phase(t.s), SESSION_CLOSED);
		finish();
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start(SESSION_SERVER, MAX_MESSAGE);
		cclose(bad[i], "");
		CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
		CU_ASSERT_FALSE(session_close_received(t.s));
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		want_close(1002, "");
		CU_ASSERT_TRUE(out_is_want());
		CU_ASSERT_EQUAL(session_code_sent(t.s), 1002);
		CU_ASSERT_EQUAL(session_phase(t.s), SESSION_BROKEN);
		finish();
	}
}

/* 1012 read a byte at a time still counts as 1012. */
static void
test_close_1012_split(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cclose(1012, "restart");
	script_bytewise_pauses();
	CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
	CU_ASSERT_TRUE(session_close_received(t.s));
	CU_ASSERT_EQUAL(session_code_received(t.s), 1012);
	CU_ASSERT_STRING_EQUAL(session_reason(t.s), "restart");
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_FATAL(t.outlen >= 4);
	CU_ASSERT_EQUAL(t.out[0], 0x88);
	CU_ASSERT_NOT_EQUAL(t.out[2] << 8 | t.out[3], 1002);
	finish();
}

/* Only the first 2 bytes of a close are its code: a 1012 later in the
 * stream, inside a reason or another frame, is left alone. */
static void
test_close_code_bytes_only(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_BINARY, "\x03\xf4", 2);
	cclose(1000, "\x03\xf4\x8f\xbf\xbf"); /* U+0003 U+10FFFF */
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_TRUE(msg_is(0, OP_BINARY, "\x03\xf4", 2));
	CU_ASSERT_EQUAL(session_code_received(t.s), 1000);
	CU_ASSERT_STRING_EQUAL(session_reason(t.s), "\x03\xf4\x8f\xbf\xbf");
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	want_close(1000, "\x03\xf4\x8f\xbf\xbf");
	CU_ASSERT_TRUE(out_is_want());
	finish();
}

/* Frames after the peer's close are not read. */
static void
test_nothing_after_close(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_TEXT, "a", 1);
	cclose(1000, "");
	cframe(true, OP_TEXT, "b", 1);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 1);
	CU_ASSERT_TRUE(msg_is(0, OP_TEXT, "a", 1));
	CU_ASSERT_TRUE(session_close_received(t.s));
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 1);
	finish();
}

/* ---- protocol errors --------------------------------------------------- */

static void
test_unmasked_to_server(void)
{
	char why[64];
	int r;

	start(SESSION_SERVER, MAX_MESSAGE);
	frame(&t.in, true, OP_TEXT, false, "plain", 5);
	r = session_recv(t.s);
	/* wslay fails this at the event level: recv itself succeeds, the
	 * session stops reading and a 1002 waits to be written. */
	CU_ASSERT_EQUAL(r, SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 0);
	CU_ASSERT_FALSE(session_want_read(t.s));
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_ACTIVE);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	want_close(1002, "");
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1002);
	CU_ASSERT_FALSE(session_close_received(t.s));
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_BROKEN);
	session_describe_failure(t.s, why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(why, "protocol error");
	finish();
}

/* A frame-level error (a control frame over 125 bytes): SESSION_FAILED,
 * and the close queued is an empty one. */
static void
test_frame_level_error(void)
{
	static uint8_t big[126];
	char why[64];

	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_PING, big, sizeof(big));
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_FAILED);
	CU_ASSERT_FALSE(session_want_read(t.s));
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_CLOSE, false, "", 0);
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(session_code_sent(t.s), 0);
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_BROKEN);
	session_describe_failure(t.s, why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(why, "protocol error");
	finish();
}

/* A close frame over 125 bytes, whole or a byte per read, is a
 * frame-level error like any other control frame that long. */
static void
test_close_too_long(void)
{
	static uint8_t payload[200];

	payload[0] = 0x03;
	payload[1] = 0xe8;
	memset(payload + 2, 'r', sizeof(payload) - 2);
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		start(SESSION_SERVER, MAX_MESSAGE);
		cframe(true, OP_CLOSE, payload, sizeof(payload));
		if (bytewise)
			script_bytewise_pauses();
		CU_ASSERT_EQUAL(recv_all(NULL), SESSION_FAILED);
		CU_ASSERT_FALSE(session_close_received(t.s));
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		frame(&want, true, OP_CLOSE, false, "", 0);
		CU_ASSERT_TRUE(out_is_want());
		CU_ASSERT_EQUAL(session_phase(t.s), SESSION_BROKEN);
		finish();
	}
}

/* Other event-level violations: each gets a 1002 and no message. */
static void
test_protocol_violations(void)
{
	for (int k = 0; k < 4; k++) {
		start(SESSION_SERVER, MAX_MESSAGE);
		switch (k) {
		case 0: /* continuation without a start */
			cframe(true, OP_CONT, "x", 1);
			break;
		case 1: /* a reserved opcode */
			cframe(true, 0x3, "x", 1);
			break;
		case 2: /* a new message inside a fragmented one */
			cframe(false, OP_TEXT, "a", 1);
			cframe(true, OP_TEXT, "b", 1);
			break;
		case 3: /* RSV1 without an extension */
			cframe(true, OP_TEXT, "x", 1);
			t.in.b[0] |= 0x40;
			break;
		}
		CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
		CU_ASSERT_EQUAL(t.nmsg, 0);
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		want_close(1002, "");
		CU_ASSERT_TRUE(out_is_want());
		CU_ASSERT_EQUAL(session_phase(t.s), SESSION_BROKEN);
		finish();
	}
}

static void
test_invalid_utf8_text(void)
{
	char why[64];

	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_TEXT, "ok", 2);
	cframe(false, OP_TEXT, "ab\xc3", 3);
	cframe(true, OP_CONT, "(", 1);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 1);
	CU_ASSERT_TRUE(msg_is(0, OP_TEXT, "ok", 2));
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	want_close(1007, "");
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1007);
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_BROKEN);
	session_describe_failure(t.s, why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(why, "invalid UTF-8 in a text message");
	finish();
}

/* A large text message, its multibyte characters split across reads of
 * every size (the mask's phase too), read whole, into the read buffer or
 * straight into the message; one bad byte deep inside fails it with 1007
 * however it is split. */
static void
test_large_text_split(void)
{
	static const char unit[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	static char text[20000];
	size_t each[] = { 0, 1, 3, 5, 4095, 4097, 9000 };
	size_t n = 0;

	while (n + sizeof(unit) - 1 <= sizeof(text)) {
		memcpy(text + n, unit, sizeof(unit) - 1);
		n += sizeof(unit) - 1;
	}
	for (size_t e = 0; e < sizeof(each) / sizeof(each[0]); e++) {
		for (int bad = 0; bad < 2; bad++) {
			start(SESSION_SERVER, MAX_MESSAGE);
			cframe(true, OP_TEXT, "x", 1);
			if (bad)
				text[15001] = '\xff';
			cframe(true, OP_TEXT, text, n);
			text[15001] = unit[15001 % (sizeof(unit) - 1)];
			cframe(true, OP_TEXT, "y", 1);
			t.each = each[e];
			CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
			if (!bad) {
				CU_ASSERT_EQUAL(t.nmsg, 3);
				CU_ASSERT_TRUE(msg_is(1, OP_TEXT, text, n));
				CU_ASSERT_TRUE(msg_is(2, OP_TEXT, "y", 1));
				finish();
				continue;
			}
			CU_ASSERT_EQUAL(t.nmsg, 1);
			CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
			want_close(1007, "");
			CU_ASSERT_TRUE(out_is_want());
			finish();
		}
	}
}

static void
test_message_too_big(void)
{
	char why[64];

	/* Exactly max_message is fine. */
	start(SESSION_SERVER, 10);
	cframe(true, OP_BINARY, "0123456789", 10);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_TRUE(msg_is(0, OP_BINARY, "0123456789", 10));
	CU_ASSERT_TRUE(session_want_read(t.s));
	finish();

	/* One byte more, in one frame or over two. */
	for (int frag = 0; frag < 2; frag++) {
		start(SESSION_SERVER, 10);
		if (frag) {
			cframe(false, OP_TEXT, "012345", 6);
			cframe(true, OP_CONT, "67890", 5);
		} else
			cframe(true, OP_TEXT, "0123456789A", 11);
		CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
		CU_ASSERT_EQUAL(t.nmsg, 0);
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		want_close(1009, "");
		CU_ASSERT_TRUE(out_is_want());
		CU_ASSERT_EQUAL(session_code_sent(t.s), 1009);
		CU_ASSERT_EQUAL(session_phase(t.s), SESSION_BROKEN);
		session_describe_failure(t.s, why, sizeof(why));
		CU_ASSERT_STRING_EQUAL(why, "message too big");
		finish();
	}
}

/* ---- our close --------------------------------------------------------- */

/* What was queued before session_close goes out first, then the close. */
static void
test_close_after_queued_data(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "one", 3), 0);
	CU_ASSERT_EQUAL(session_send(t.s, OP_BINARY, "\x00\x02", 2), 0);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "three", 5), 0);
	CU_ASSERT_EQUAL(session_undelivered(t.s), 3);
	session_close(t.s, 1000, NULL);
	CU_ASSERT_TRUE(session_close_pending(t.s));
	CU_ASSERT_FALSE(session_closing(t.s));
	/* Nothing more once a close is asked for. */
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "four", 4), -1);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_TEXT, false, "one", 3);
	frame(&want, true, OP_BINARY, false, "\x00\x02", 2);
	frame(&want, true, OP_TEXT, false, "three", 5);
	want_close(1000, "");
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_FALSE(session_close_pending(t.s));
	CU_ASSERT_TRUE(session_closing(t.s));
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1000);
	CU_ASSERT_EQUAL(session_undelivered(t.s), 0);
	/* Waiting for the peer's answer. */
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_ACTIVE);
	CU_ASSERT_TRUE(session_want_read(t.s));
	CU_ASSERT_FALSE(session_want_write(t.s));
	cclose(1000, "");
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_TRUE(session_close_received(t.s));
	CU_ASSERT_EQUAL(session_code_received(t.s), 1000);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_TRUE(out_is_want()); /* no second close */
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_CLOSED);
	finish();
}

/* The same through a socket that takes 3 bytes per write and fills up
 * after every 7: each flush writes what it can, in order, and the close
 * still comes last. */
static void
test_close_after_data_slow_writer(void)
{
	int flushes = 0;

	start(SESSION_SERVER, MAX_MESSAGE);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "message", 7), 0);
	session_close(t.s, 1001, NULL);
	t.per_write = 3;
	do {
		t.room = 7;
		CU_ASSERT_EQUAL_FATAL(session_flush(t.s), SESSION_OK);
		flushes++;
	} while (session_want_write(t.s) && flushes < 1000);
	for (int i = 0; i < 5; i++)
		frame(&want, true, OP_TEXT, false, "message", 7);
	want_close(1001, "");
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT(flushes >= (int)(want.n / 7));
	CU_ASSERT_EQUAL(session_queued_bytes(t.s), 0);
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1001);
	finish();
}

/* Our close asked for, and the peer's close arriving before it went:
 * one close frame goes out (the reply), what was queued is counted as
 * undelivered, and the handshake is complete. */
static void
test_close_crossing(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	session_close(t.s, 1000, NULL);
	cclose(1001, "away");
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	want_close(1001, "away");
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_FALSE(session_close_pending(t.s));
	CU_ASSERT_EQUAL(session_code_received(t.s), 1001);
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_CLOSED);
	finish();

	/* What was queued before the peer's close goes out before the
	 * reply to it. */
	start(SESSION_SERVER, MAX_MESSAGE);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "a", 1), 0);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "b", 1), 0);
	session_close(t.s, 1000, NULL);
	cclose(1000, "");
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(session_undelivered(t.s), 2);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_TEXT, false, "a", 1);
	frame(&want, true, OP_TEXT, false, "b", 1);
	want_close(1000, "");
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(session_undelivered(t.s), 0);
	CU_ASSERT_FALSE(session_close_pending(t.s));
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_CLOSED);
	finish();
}

/* Echoes made while reading go out before the reply to a close that came
 * in the same read, whatever the read sizes. */
static void
test_echo_before_close(void)
{
	char text[24];
	size_t eaches[] = { 0, 1, 3, 9, 64 };

	for (size_t e = 0; e < sizeof(eaches) / sizeof(eaches[0]); e++) {
		start(SESSION_SERVER, MAX_MESSAGE);
		t.echo = true;
		want.n = 0;
		for (int i = 0; i < 8; i++) {
			snprintf(text, sizeof(text), "line %d", i);
			cframe(true, i % 2 ? OP_BINARY : OP_TEXT, text,
			    strlen(text));
			frame(&want, true, i % 2 ? OP_BINARY : OP_TEXT, false,
			    text, strlen(text));
		}
		cclose(1000, "done");
		want_close(1000, "done");
		t.each = eaches[e];
		CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
		CU_ASSERT_EQUAL(t.nmsg, 8);
		CU_ASSERT_TRUE(session_close_received(t.s));
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		CU_ASSERT_TRUE(out_is_want());
		CU_ASSERT_EQUAL(session_phase(t.s), SESSION_CLOSED);
		finish();
	}
}

/* An echo goes out before the 1002 a bad frame later in the same read
 * causes. */
static void
test_echo_before_failure(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	t.echo = true;
	cframe(true, OP_TEXT, "valid", 5);
	frame(&t.in, true, OP_TEXT, false, "unmasked", 8);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_TEXT, false, "valid", 5);
	want_close(1002, "");
	CU_ASSERT_TRUE(out_is_want());
	finish();
}

/* session_abort: the close goes at once, what was queued is dropped and
 * counted. */
static void
test_abort_undelivered(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "a", 1), 0);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "b", 1), 0);
	CU_ASSERT_EQUAL(session_send(t.s, OP_BINARY, "c", 1), 0);
	session_close(t.s, 1000, NULL); /* overridden by the abort */
	session_abort(t.s, 1001);
	CU_ASSERT_FALSE(session_close_pending(t.s));
	CU_ASSERT_TRUE(session_closing(t.s));
	CU_ASSERT_EQUAL(session_undelivered(t.s), 3);
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1001);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "d", 1), -1);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	want_close(1001, "");
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(session_undelivered(t.s), 3);
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1001);
	/* A second abort changes nothing. */
	session_abort(t.s, 1011);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1001);
	finish();
}

/* A frame partly written when the abort comes is finished, so that the
 * stream stays well-formed; the messages behind it are dropped. */
static void
test_abort_partial(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "abcdef", 6), 0);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "g", 1), 0);
	CU_ASSERT_EQUAL(session_control(t.s, OP_PING, "p", 1), 0);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "h", 1), 0);
	t.room = 3;
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.outlen, 3);
	session_abort(t.s, 1001);
	CU_ASSERT_EQUAL(session_undelivered(t.s), 3);
	t.room = SIZE_MAX;
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_TEXT, false, "abcdef", 6);
	want_close(1001, "");
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(session_undelivered(t.s), 2);
	finish();
}

/* A frame encoded once goes to a queue by reference, as often as it is
 * queued; bytes that follow it in the chunk join its segment. */
static void
test_send_encoded(void)
{
	struct chunk *cur = NULL, *c;
	size_t off, off2;

	start(SESSION_SERVER, MAX_MESSAGE);
	c = frame_encode(&cur, OP_TEXT, "all", 3, NULL, &off);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(session_send_encoded(t.s, c, off, c->len - off), 0);
	CU_ASSERT_EQUAL(session_send_encoded(t.s, c, off, c->len - off), 0);
	CU_ASSERT_EQUAL(c->refs, 3);
	CU_ASSERT_PTR_EQUAL(frame_encode(&cur, OP_BINARY, "b", 1, NULL, &off2),
	    c);
	CU_ASSERT_EQUAL(session_send_encoded(t.s, c, off2, c->len - off2), 0);
	CU_ASSERT_EQUAL(c->refs, 3); /* joined the second segment */
	CU_ASSERT_EQUAL(session_undelivered(t.s), 3);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_TEXT, false, "all", 3);
	frame(&want, true, OP_TEXT, false, "all", 3);
	frame(&want, true, OP_BINARY, false, "b", 1);
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(c->refs, 1);
	CU_ASSERT_EQUAL(session_undelivered(t.s), 0);
	/* Not once a close is on its way. */
	session_close(t.s, 1000, NULL);
	CU_ASSERT_EQUAL(session_send_encoded(t.s, c, off, 3), -1);
	CU_ASSERT_EQUAL(c->refs, 1);
	chunk_unref(cur);
	finish();
}

/* Nothing queued: nothing undelivered, before or after the abort. */
static void
test_abort_nothing_queued(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	session_abort(t.s, 1008);
	CU_ASSERT_EQUAL(session_undelivered(t.s), 0);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	want_close(1008, "");
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(session_undelivered(t.s), 0);
	finish();
}

/* ---- flow ---------------------------------------------------------------- */

static void
test_pause(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_TEXT, "held", 4);
	session_pause(t.s, true);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.calls, 0);
	CU_ASSERT_EQUAL(t.inpos, 0);
	CU_ASSERT_EQUAL(t.nmsg, 0);
	session_pause(t.s, false);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT(t.calls > 0);
	CU_ASSERT_TRUE(msg_is(0, OP_TEXT, "held", 4));
	finish();
}

/* Bytes fed before the first read (the ones behind the HTTP head) are
 * received first, a frame split between them and the stream included. */
static void
test_feed_before_read(void)
{
	struct bytes *fed = &want; /* just a scratch buffer here */
	size_t cut;

	start(SESSION_SERVER, MAX_MESSAGE);
	frame(fed, true, OP_TEXT, true, "first", 5);
	frame(fed, true, OP_TEXT, true, "second", 6);
	cut = fed->n - 4;
	put(&t.in, fed->b + cut, fed->n - cut);
	cframe(true, OP_TEXT, "third", 5);
	CU_ASSERT_EQUAL(session_feed(t.s, fed->b, cut), 0);
	CU_ASSERT_TRUE(session_has_readahead(t.s));
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 3);
	CU_ASSERT_TRUE(msg_is(0, OP_TEXT, "first", 5));
	CU_ASSERT_TRUE(msg_is(1, OP_TEXT, "second", 6));
	CU_ASSERT_TRUE(msg_is(2, OP_TEXT, "third", 5));
	CU_ASSERT_EQUAL(t.msg[0].calls, 0); /* before any read */
	CU_ASSERT_FALSE(session_has_readahead(t.s));
	finish();
}

/* A close frame fed whole, with nothing on the stream. */
static void
test_feed_close(void)
{
	struct bytes *fed = &want;

	start(SESSION_SERVER, MAX_MESSAGE);
	frame(fed, true, OP_TEXT, true, "x", 1);
	frame(fed, true, OP_CLOSE, true, "\x03\xe8", 2);
	CU_ASSERT_EQUAL(session_feed(t.s, fed->b, fed->n), 0);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_TRUE(msg_is(0, OP_TEXT, "x", 1));
	CU_ASSERT_TRUE(session_close_received(t.s));
	CU_ASSERT_EQUAL(session_code_received(t.s), 1000);
	CU_ASSERT_EQUAL(t.calls, 0);
	want.n = 0;
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	want_close(1000, "");
	CU_ASSERT_TRUE(out_is_want());
	finish();
}

static void
test_feed_too_much(void)
{
	static uint8_t big[SESSION_IN_MAX + 1];

	start(SESSION_SERVER, MAX_MESSAGE);
	CU_ASSERT_EQUAL(session_feed(t.s, big, sizeof(big)), -1);
	CU_ASSERT_EQUAL(session_feed(t.s, big, SESSION_IN_MAX), 0);
	CU_ASSERT_EQUAL(session_feed(t.s, big, 1), -1);
	finish();
}

static void
test_eof(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_TEXT, "last", 4);
	t.eof = true;
	/* The short read ends the first pass: the socket looks empty. */
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_EOF);
	CU_ASSERT_TRUE(msg_is(0, OP_TEXT, "last", 4));
	CU_ASSERT_FALSE(session_close_received(t.s));
	finish();

	/* EOF in the middle of a frame. */
	start(SESSION_SERVER, MAX_MESSAGE);
	cframe(true, OP_TEXT, "cut short", 9);
	t.in.n -= 3;
	t.eof = true;
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_EOF);
	CU_ASSERT_EQUAL(t.nmsg, 0);
	finish();

	/* EOF right after a close: the close still counts. */
	start(SESSION_SERVER, MAX_MESSAGE);
	cclose(1000, "");
	t.eof = true;
	(void)session_recv(t.s);
	CU_ASSERT_TRUE(session_close_received(t.s));
	CU_ASSERT_EQUAL(session_code_received(t.s), 1000);
	finish();
}

static void
test_io_errors(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	t.read_fails = true;
	cframe(true, OP_TEXT, "x", 1);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_IOERR);
	CU_ASSERT_EQUAL(t.nmsg, 0);
	finish();

	start(SESSION_SERVER, MAX_MESSAGE);
	t.write_fails = true;
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "x", 1), 0);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_IOERR);
	CU_ASSERT_EQUAL(t.outlen, 0);
	finish();
}

/* Queued bytes: frames, encoded when queued, until they are written;
 * a message is undelivered until written whole. */
static void
test_queued_bytes(void)
{
	start(SESSION_SERVER, MAX_MESSAGE);
	CU_ASSERT_EQUAL(session_queued_bytes(t.s), 0);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "hello", 5), 0);
	CU_ASSERT_EQUAL(session_queued_bytes(t.s), 7); /* header + 5 */
	CU_ASSERT_EQUAL(session_undelivered(t.s), 1);
	CU_ASSERT_TRUE(session_want_write(t.s));
	t.room = 0; /* the socket is full */
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.outlen, 0);
	CU_ASSERT_EQUAL(session_queued_bytes(t.s), 7);
	t.room = 4; /* a part goes */
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(session_queued_bytes(t.s), 3);
	CU_ASSERT_EQUAL(session_undelivered(t.s), 1);
	CU_ASSERT_TRUE(session_want_write(t.s));
	t.room = SIZE_MAX;
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(session_undelivered(t.s), 0);
	CU_ASSERT_EQUAL(session_queued_bytes(t.s), 0);
	CU_ASSERT_FALSE(session_want_write(t.s));
	frame(&want, true, OP_TEXT, false, "hello", 5);
	CU_ASSERT_TRUE(out_is_want());
	finish();
}

/* session_control queues a ping or pong with its payload, up to 125
 * bytes; the peer's pings and pongs reach on_control. */
static void
test_our_ping(void)
{
	char big[SESSION_CONTROL_MAX + 1];

	memset(big, 'p', sizeof(big));
	start(SESSION_SERVER, MAX_MESSAGE);
	CU_ASSERT_EQUAL(session_control(t.s, OP_PING, NULL, 0), 0);
	CU_ASSERT_EQUAL(session_control(t.s, OP_PONG, "hb", 2), 0);
	CU_ASSERT_EQUAL(session_control(t.s, OP_PING, big, sizeof(big)), -1);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_PING, false, "", 0);
	frame(&want, true, OP_PONG, false, "hb", 2);
	CU_ASSERT_TRUE(out_is_want());
	cframe(true, OP_PONG, "rtt", 3);
	cframe(true, OP_PING, "hi", 2);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.ncontrol, 2);
	CU_ASSERT_EQUAL(t.control_op, OP_PING);
	CU_ASSERT_STRING_EQUAL(t.control, "hi");
	CU_ASSERT_EQUAL(t.nmsg, 0);
	finish();
}

/* A close asked for with a reason carries it. */
static void
test_close_reason(void)
{
	static const uint8_t payload[] = { 0x0f, 0xa1, 'b', 'y', 'e' };

	start(SESSION_SERVER, MAX_MESSAGE);
	session_close(t.s, 4001, "bye");
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	frame(&want, true, OP_CLOSE, false, payload, sizeof(payload));
	CU_ASSERT_TRUE(out_is_want());
	CU_ASSERT_EQUAL(session_code_sent(t.s), 4001);
	finish();
}

/*
 * Echoes that pile up past SESSION_HIGH stop reading: the second message
 * waits until the output is written.
 */
static void
test_reading_stops_above_high(void)
{
	static uint8_t big[400000];
	int n = 0;

	memset(big, 'x', sizeof(big));
	start(SESSION_SERVER, sizeof(big));
	t.echo = true;
	cframe(true, OP_BINARY, big, sizeof(big));
	cframe(true, OP_BINARY, big, sizeof(big));
	cframe(true, OP_BINARY, big, sizeof(big));
	/* The last message in a read of its own: wslay takes whatever is
	 * in its 4 KiB buffer already. */
	t.sizes[0] = t.in.n;
	t.nsizes = 1;
	cframe(true, OP_TEXT, "last", 4);
	while (
	    session_recv(t.s) == SESSION_OK && t.inpos < t.in.n && ++n < 1000) {
		if (session_want_read(t.s))
			continue;
		/* Above the mark: read nothing more until written. */
		CU_ASSERT(session_queued_bytes(t.s) > SESSION_HIGH);
		break;
	}
	CU_ASSERT_FALSE(session_want_read(t.s));
	CU_ASSERT_EQUAL(t.nmsg, 3);
	CU_ASSERT(t.inpos < t.in.n);
	t.room = SIZE_MAX;
	while (t.inpos < t.in.n && ++n < 1000) {
		CU_ASSERT_EQUAL_FATAL(session_flush(t.s), SESSION_OK);
		CU_ASSERT_EQUAL_FATAL(session_recv(t.s), SESSION_OK);
	}
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 4);
	CU_ASSERT_TRUE(msg_is(3, OP_TEXT, "last", 4));
	CU_ASSERT_EQUAL(t.outlen, 3 * (sizeof(big) + 10) + 6);
	CU_ASSERT_TRUE(session_want_read(t.s));
	finish();
}

/* ---- client role --------------------------------------------------------- */

static void
test_client_frames_masked(void)
{
	struct bytes *plain = &t.in; /* unused as input here */

	start(SESSION_CLIENT, MAX_MESSAGE);
	CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, "hello", 5), 0);
	CU_ASSERT_EQUAL(session_send(t.s, OP_BINARY, "\x00\x01\x02", 3), 0);
	session_close(t.s, 1000, NULL);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_FATAL(t.outlen > 6);
	CU_ASSERT_EQUAL(t.out[0], 0x81);
	CU_ASSERT_EQUAL(t.out[1], 0x80 | 5); /* mask bit, length 5 */
	CU_ASSERT_EQUAL(client_frames_plain(t.out, t.outlen, plain), 0);
	frame(&want, true, OP_TEXT, false, "hello", 5);
	frame(&want, true, OP_BINARY, false, "\x00\x01\x02", 3);
	want_close(1000, "");
	CU_ASSERT_TRUE(same(plain->b, plain->n));
	finish();
}

static void
test_client_receives(void)
{
	start(SESSION_CLIENT, MAX_MESSAGE);
	frame(&t.in, true, OP_TEXT, false, "from server", 11);
	frame(&t.in, true, OP_CLOSE, false,
	    "\x03\xe8"
	    "ok",
	    4);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 1);
	CU_ASSERT_TRUE(msg_is(0, OP_TEXT, "from server", 11));
	CU_ASSERT_TRUE(session_close_received(t.s));
	CU_ASSERT_EQUAL(session_code_received(t.s), 1000);
	CU_ASSERT_STRING_EQUAL(session_reason(t.s), "ok");
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	/* The close reply, masked. */
	CU_ASSERT_EQUAL(client_frames_plain(t.out, t.outlen, &t.in), 0);
	want_close(1000, "ok");
	CU_ASSERT_TRUE(same(t.in.b, t.in.n));
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_CLOSED);
	finish();
}

static void
test_client_masked_from_server(void)
{
	start(SESSION_CLIENT, MAX_MESSAGE);
	frame(&t.in, true, OP_TEXT, true, "masked", 6);
	CU_ASSERT_EQUAL(session_recv(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 0);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(client_frames_plain(t.out, t.outlen, &t.in), 0);
	want_close(1002, "");
	CU_ASSERT_TRUE(same(t.in.b, t.in.n));
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1002);
	CU_ASSERT_EQUAL(session_phase(t.s), SESSION_BROKEN);
	finish();
}

/* ---- permessage-deflate ------------------------------------------------ */

#define RSV1 0x40

/* n bytes of p compressed as a peer compresses a message (raw deflate, a
 * sync flush, its empty block left off) into z: their count. */
static size_t
zcompress(z_stream *zs, const void *p, size_t n, uint8_t *z, size_t room)
{
	zs->next_in = (Bytef *)p;
	zs->avail_in = n;
	zs->next_out = z;
	zs->avail_out = room;
	CU_ASSERT_EQUAL_FATAL(deflate(zs, Z_SYNC_FLUSH), Z_OK);
	CU_ASSERT_EQUAL_FATAL(zs->avail_in, 0);
	return room - zs->avail_out - 4;
}

/* A message compressed on its own. */
static size_t
zmessage(const void *p, size_t n, uint8_t *z, size_t room)
{
	z_stream zs;
	size_t len;

	memset(&zs, 0, sizeof(zs));
	CU_ASSERT_EQUAL_FATAL(
	    deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	len = zcompress(&zs, p, n, z, room);
	deflateEnd(&zs);
	return len;
}

/* A session with permessage-deflate: its own compressor in *tx. */
static void
start_deflate(enum session_role role, size_t max_message, bool takeover,
    struct zdeflate **tx)
{
	start(role, max_message);
	*tx = zdeflate_new(15, takeover);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*tx);
	session_set_deflate(t.s, *tx, takeover);
}

/* Compressed messages arrive whole, in fragments (RSV1 on the first
 * only) and a byte per read, next to uncompressed ones. */
static void
test_deflate_receive(void)
{
	static uint8_t text[20000], z[30000];
	struct zdeflate *tx;
	size_t zn;

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = "WebSocket compression "[i % 22];
	zn = zmessage(text, sizeof(text), z, sizeof(z));
	CU_ASSERT_FATAL(zn < sizeof(text) / 10);
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		start_deflate(SESSION_SERVER, MAX_MESSAGE, false, &tx);
		cframe(true, OP_TEXT | RSV1, z, zn);
		cframe(false, OP_BINARY | RSV1, z, 10);
		cframe(false, OP_CONT, z + 10, 20);
		cframe(true, OP_CONT, z + 30, zn - 30);
		cframe(true, OP_TEXT, "plain", 5);
		if (bytewise)
			script_bytewise_pauses();
		CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
		CU_ASSERT_EQUAL(t.nmsg, 3);
		CU_ASSERT_TRUE(msg_is(0, OP_TEXT, text, sizeof(text)));
		CU_ASSERT_TRUE(msg_is(1, OP_BINARY, text, sizeof(text)));
		CU_ASSERT_TRUE(msg_is(2, OP_TEXT, "plain", 5));
		CU_ASSERT_TRUE(session_idle(t.s));
		finish();
		zdeflate_free(tx);
	}
}

/* With takeover a message may point back into the one before it. */
static void
test_deflate_takeover(void)
{
	static const char msg[] = "the same long sentence, over and over again";
	uint8_t z1[128], z2[128];
	struct zdeflate *tx;
	size_t n1, n2;
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	CU_ASSERT_EQUAL_FATAL(
	    deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	n1 = zcompress(&zs, msg, sizeof(msg) - 1, z1, sizeof(z1));
	n2 = zcompress(&zs, msg, sizeof(msg) - 1, z2, sizeof(z2));
	deflateEnd(&zs);
	CU_ASSERT_FATAL(n2 < n1 / 2); /* it did point back */
	start_deflate(SESSION_CLIENT, MAX_MESSAGE, true, &tx);
	frame(&t.in, true, OP_TEXT | RSV1, false, z1, n1);
	frame(&t.in, true, OP_TEXT | RSV1, false, z2, n2);
	CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 2);
	CU_ASSERT_TRUE(msg_is(1, OP_TEXT, msg, sizeof(msg) - 1));
	finish();
	zdeflate_free(tx);
	/* Without takeover the second cannot be read: 1007. */
	start_deflate(SESSION_CLIENT, MAX_MESSAGE, false, &tx);
	frame(&t.in, true, OP_TEXT | RSV1, false, z1, n1);
	frame(&t.in, true, OP_TEXT | RSV1, false, z2, n2);
	CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 1);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1007);
	finish();
	zdeflate_free(tx);
}

/* A message that inflates past max_message fails with 1009 however it is
 * split, and never grows past the bound; its compressed bytes count too;
 * bad deflate data and bad UTF-8 inside fail with 1007. */
static void
test_deflate_bounds(void)
{
	static uint8_t zeros[1000000], z[20000];
	struct zdeflate *tx;
	uint8_t bad[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t zn = zmessage(zeros, sizeof(zeros), z, sizeof(z));

	for (int bytewise = 0; bytewise < 2; bytewise++) {
		start_deflate(SESSION_SERVER, 4096, false, &tx);
		cframe(true, OP_BINARY | RSV1, z, zn);
		if (bytewise)
			script_bytewise_pauses();
		CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
		CU_ASSERT_EQUAL(t.nmsg, 0);
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		CU_ASSERT_EQUAL(session_code_sent(t.s), 1009);
		finish();
		zdeflate_free(tx);
	}
	/* Exactly max_message inflated is fine. */
	zn = zmessage(zeros, 4096, z, sizeof(z));
	start_deflate(SESSION_SERVER, 4096, false, &tx);
	cframe(true, OP_BINARY | RSV1, z, zn);
	CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
	CU_ASSERT_TRUE(msg_is(0, OP_BINARY, zeros, 4096));
	finish();
	zdeflate_free(tx);
	/* Compressed bytes well over max_message, however they inflate. */
	start_deflate(SESSION_SERVER, 16, false, &tx);
	cframe(true, OP_BINARY | RSV1, z, 16 + 16 / 16 + 256 + 1);
	CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1009);
	finish();
	zdeflate_free(tx);
	start_deflate(SESSION_SERVER, MAX_MESSAGE, false, &tx);
	cframe(true, OP_BINARY | RSV1, bad, sizeof(bad));
	CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1007);
	finish();
	zn = zmessage("ok \xc3\x28", 5, z, sizeof(z));
	start(SESSION_SERVER, MAX_MESSAGE);
	session_set_deflate(t.s, tx, false);
	cframe(true, OP_TEXT | RSV1, z, zn);
	CU_ASSERT_EQUAL(recv_all(NULL), SESSION_OK);
	CU_ASSERT_EQUAL(t.nmsg, 0);
	CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
	CU_ASSERT_EQUAL(session_code_sent(t.s), 1007);
	finish();
	zdeflate_free(tx);
}

/* RSV1 on a continuation or a control frame, or without the extension,
 * is a protocol error. */
static void
test_deflate_rsv1_misplaced(void)
{
	struct zdeflate *tx;
	uint8_t z[64];
	size_t zn = zmessage("abc", 3, z, sizeof(z));

	for (int k = 0; k < 3; k++) {
		start_deflate(SESSION_SERVER, MAX_MESSAGE, false, &tx);
		switch (k) {
		case 0:
			cframe(false, OP_TEXT | RSV1, z, 1);
			cframe(true, OP_CONT | RSV1, z + 1, zn - 1);
			break;
		case 1:
			cframe(true, OP_PING | RSV1, "p", 1);
			break;
		case 2:
			session_set_deflate(t.s, NULL, false);
			cframe(true, OP_TEXT | RSV1, z, zn);
			break;
		}
		(void)recv_all(NULL);
		CU_ASSERT_EQUAL(t.nmsg, 0);
		CU_ASSERT_FALSE(session_want_read(t.s));
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		CU_ASSERT_EQUAL(session_phase(t.s), SESSION_BROKEN);
		finish();
		zdeflate_free(tx);
	}
}

/* What we send: compressed with RSV1 from DEFLATE_MIN bytes on, masked
 * by a client; shorter ones as they are. */
static void
test_deflate_send(void)
{
	static char text[4000];
	uint8_t out[8000];
	struct zdeflate *tx;
	struct frame_head h;
	z_stream zs;
	size_t hl;

	memset(text, 'a', sizeof(text));
	for (int client = 0; client < 2; client++) {
		start_deflate(client ? SESSION_CLIENT : SESSION_SERVER,
		    MAX_MESSAGE, false, &tx);
		CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, text,
				    DEFLATE_MIN - 1),
		    0);
		CU_ASSERT_EQUAL(session_send(t.s, OP_TEXT, text, sizeof(text)),
		    0);
		CU_ASSERT_EQUAL(session_flush(t.s), SESSION_OK);
		hl = frame_parse(t.out, t.outlen, &h);
		CU_ASSERT_FATAL(hl > 0);
		CU_ASSERT_EQUAL(h.rsv, 0);
		CU_ASSERT_EQUAL(h.len, DEFLATE_MIN - 1);
		hl += h.len;
		CU_ASSERT_FATAL(frame_parse(t.out + hl, t.outlen - hl, &h) > 0);
		CU_ASSERT_EQUAL(h.rsv, RSV1);
		CU_ASSERT_EQUAL(h.masked, client == 1);
		CU_ASSERT_FATAL(h.len < 100);
		CU_ASSERT_EQUAL_FATAL(t.outlen, hl + h.hlen + h.len);
		uint8_t *p = t.out + hl + h.hlen;
		if (client)
			frame_mask(p, p, h.len, h.mask);
		memcpy(p + h.len, "\x00\x00\xff\xff", 4);
		memset(&zs, 0, sizeof(zs));
		CU_ASSERT_EQUAL_FATAL(inflateInit2(&zs, -15), Z_OK);
		zs.next_in = p;
		zs.avail_in = h.len + 4;
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		CU_ASSERT_EQUAL(inflate(&zs, Z_SYNC_FLUSH), Z_OK);
		CU_ASSERT_EQUAL(sizeof(out) - zs.avail_out, sizeof(text));
		CU_ASSERT_EQUAL(memcmp(out, text, sizeof(text)), 0);
		inflateEnd(&zs);
		finish();
		zdeflate_free(tx);
	}
}

int
test_session_add(void)
{
	static const struct unit_test tests[] = {
		{ "text message", test_text_message },
		{ "deflate: compressed messages received",
		    test_deflate_receive },
		{ "deflate: context takeover", test_deflate_takeover },
		{ "deflate: bounds, bad data, bad UTF-8", test_deflate_bounds },
		{ "deflate: RSV1 misplaced", test_deflate_rsv1_misplaced },
		{ "deflate: what we send", test_deflate_send },
		{ "binary messages, empty one too", test_binary_message },
		{ "7-, 16- and 64-bit lengths, any read size",
		    test_payload_lengths },
		{ "fragments with a ping between", test_fragments_with_ping },
		{ "1-byte fragments splitting characters",
		    test_one_byte_fragments },
		{ "binary fragments", test_binary_fragments },
		{ "ping answered with the same payload", test_ping_pong },
		{ "unsolicited pong ignored", test_pong_ignored },
		{ "peer close echoed, then CLOSED", test_peer_close },
		{ "close without a code is 1005", test_close_without_code },
		{ "close split in reads, UTF-8 reason split",
		    test_close_split_valid_reason },
		{ "partial close frame waits", test_close_partial_waits },
		{ "invalid UTF-8 close reason is 1007",
		    test_close_invalid_reason },
		{ "code_sent counts a queued 1007",
		    test_code_sent_when_queued },
		{ "close codes: 1012-1014 accepted, invalid 1002",
		    test_close_codes },
		{ "1012 split a byte per read", test_close_1012_split },
		{ "only a close's first 2 bytes are its code",
		    test_close_code_bytes_only },
		{ "nothing read after the peer's close",
		    test_nothing_after_close },
		{ "unmasked frame to a server is 1002",
		    test_unmasked_to_server },
		{ "frame-level error: recv fails, empty close",
		    test_frame_level_error },
		{ "close over 125 bytes is a frame-level error",
		    test_close_too_long },
		{ "other violations are 1002", test_protocol_violations },
		{ "invalid UTF-8 text is 1007", test_invalid_utf8_text },
		{ "message over max_message is 1009", test_message_too_big },
		{ "close goes after queued data",
		    test_close_after_queued_data },
		{ "close after data, slow writer",
		    test_close_after_data_slow_writer },
		{ "our close crossing the peer's", test_close_crossing },
		{ "echoes go before the close reply", test_echo_before_close },
		{ "echo goes before a 1002", test_echo_before_failure },
		{ "abort counts undelivered messages", test_abort_undelivered },
		{ "large text split across reads of every size",
		    test_large_text_split },
		{ "abort finishes a frame under way", test_abort_partial },
		{ "a frame encoded once, queued by reference",
		    test_send_encoded },
		{ "abort with nothing queued", test_abort_nothing_queued },
		{ "pause reads nothing", test_pause },
		{ "fed bytes come before any read", test_feed_before_read },
		{ "fed close frame", test_feed_close },
		{ "feed over SESSION_IN_MAX", test_feed_too_much },
		{ "EOF", test_eof },
		{ "read and write errors", test_io_errors },
		{ "queued bytes", test_queued_bytes },
		{ "our ping", test_our_ping },
		{ "close with a reason", test_close_reason },
		{ "reading stops above SESSION_HIGH",
		    test_reading_stops_above_high },
		{ "client frames are masked", test_client_frames_masked },
		{ "client accepts server frames", test_client_receives },
		{ "client fails masked server frames",
		    test_client_masked_from_server },
	};

	return unit_add_suite("session", tests, UNIT_NTESTS(tests));
}
