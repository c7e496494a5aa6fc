/*
 * What permessage-deflate costs and saves: src/deflate compressing and
 * inflating messages of a few sizes, on text that compresses (JSON log
 * records) and text that does not (random base64), the way wsserve does it
 * (no context takeover, a shared compressor) and the way wscat does it
 * against a server that allows takeover.  Prints the CPU time per message
 * each way and the bytes on the wire per 100 bytes of message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "deflate.h"

#define BUDGET_BYTES (64u << 20) /* message bytes per measurement */
/* Message i of run(). */
#define AT(i) (src + ((i) * (n + 4099)) % (srclen - n + 1))

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* n bytes of JSON records, each a little different from the last. */
static void
json_text(char *p, size_t n, unsigned seed)
{
	size_t len = 0;
	char rec[160];
	int k;

	while (len < n) {
		k = snprintf(rec, sizeof(rec),
		    "{\"ts\":%u,\"level\":\"info\",\"user\":%u,"
		    "\"msg\":\"request served\",\"ms\":%u}\n",
		    1765000000 + seed, seed % 977, seed % 131);
		seed = seed * 1103515245 + 12345;
		memcpy(p + len, rec, len + k > n ? n - len : (size_t)k);
		len += k;
	}
}

/* n bytes of base64 of random bytes: text that deflate cannot shrink
 * below its 6 bits per byte. */
static void
random_text(char *p, size_t n)
{
	unsigned char raw[48], b64[65];

	for (size_t len = 0; len < n; len += 64) {
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)rand();
		EVP_EncodeBlock(b64, raw, sizeof(raw));
		memcpy(p + len, b64, n - len < 64 ? n - len : 64);
	}
}

/* Messages of n bytes from different places in src[0..srclen): with
 * takeover, each one finds the last in the window, as a stream of log
 * records would, but not itself. */
static void
run(const char *what, const char *src, size_t srclen, size_t n, bool takeover)
{
	size_t count = BUDGET_BYTES / n, wire = 0, used, made;
	struct zdeflate *z = zdeflate_new(15, takeover);
	struct zinflate *zi = zinflate_new(takeover);
	uint8_t *out = malloc(zdeflate_bound(z, n)), *back = malloc(n + 1);
	uint8_t **frames = calloc(count, sizeof(*frames));
	size_t *lens = calloc(count, sizeof(*lens));
	double t0, t1, t2;
	ssize_t zn;

	/* Each message from new text: no wrapping around src. */
	if (count > (srclen - n) / (n + 4099))
		count = (srclen - n) / (n + 4099);
	if (count > 20000)
		count = 20000;
	if (z == NULL || zi == NULL || out == NULL || back == NULL ||
	    frames == NULL || lens == NULL) {
		fprintf(stderr, "deflate: out of memory\n");
		exit(1);
	}
	t0 = now();
	for (size_t i = 0; i < count; i++) {
		if ((zn = zdeflate_message(z, AT(i), n, out)) == -1 ||
		    (frames[i] = malloc(zn)) == NULL) {
			fprintf(stderr, "deflate: failed\n");
			exit(1);
		}
		memcpy(frames[i], out, zn);
		lens[i] = zn;
		wire += zn;
	}
	t1 = now();
	for (size_t i = 0; i < count; i++) {
		if (zinflate_run(zi, frames[i], lens[i], true, &used, back,
			n + 1, &made) != 1 ||
		    made != n || memcmp(back, AT(i), n) != 0 ||
		    zinflate_end_message(zi) == -1) {
			fprintf(stderr, "deflate: round trip failed\n");
			exit(1);
		}
	}
	t2 = now();
	printf("  %-22s %7zu B  %8.2f us  %8.2f us  %6.1f\n", what, n,
	    (t1 - t0) * 1e6 / count, (t2 - t1) * 1e6 / count,
	    100.0 * wire / count / n);
	for (size_t i = 0; i < count; i++)
		free(frames[i]);
	free(frames);
	free(lens);
	free(out);
	free(back);
	zdeflate_free(z);
	zinflate_free(zi);
}

int
main(void)
{
	static const size_t sizes[] = { 128, 1024, 16384, 262144 };
	char *json, *rnd, name[64];
	size_t max = 64 * sizes[sizeof(sizes) / sizeof(sizes[0]) - 1];

	if ((json = malloc(max)) == NULL || (rnd = malloc(max)) == NULL)
		return 1;
	json_text(json, max, 1);
	random_text(rnd, max);
	printf("permessage-deflate, per message: compress, inflate, wire bytes "
	       "per 100 bytes\n");
	for (int takeover = 0; takeover < 2; takeover++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			snprintf(name, sizeof(name), "JSON%s",
			    takeover ? ", takeover" : "");
			run(name, json, max, sizes[i], takeover);
			snprintf(name, sizeof(name), "random%s",
			    takeover ? ", takeover" : "");
			run(name, rnd, max, sizes[i], takeover);
		}
	free(json);
	free(rnd);
	return 0;
}
