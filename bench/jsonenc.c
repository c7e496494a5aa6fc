/*
 * The cost of writing a received message as a JSON line: src/record's
 * hand-written encoder against jansson building and dumping the same
 * object, for text and binary payloads of a few sizes.  Prints MB/s of
 * payload for each; the figures decide whether the encoder by hand is
 * worth its lines (see README).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "outq.h"
#include "record.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What the hand-written encoder does, with jansson. */
static size_t
jansson_line(unsigned long id, int text, const unsigned char *p, size_t n,
    char *b64, char **out)
{
	json_t *o = json_object();
	size_t len;

	json_object_set_new(o, "id", json_integer((json_int_t)id));
	json_object_set_new(o, "type", json_string(text ? "text" : "binary"));
	if (text)
		json_object_set_new(o, "data",
		    json_stringn_nocheck((const char *)p, n));
	else {
		EVP_EncodeBlock((unsigned char *)b64, p, (int)n);
		json_object_set_new(o, "data", json_string_nocheck(b64));
	}
	*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	len = strlen(*out);
	json_decref(o);
	return len;
}

static void
run(size_t size, int text)
{
	size_t count = (64u << 20) / size, off, len, sink = 0;
	unsigned char *p = malloc(size);
	char *b64 = malloc(4 * (size / 3 + 1) + 1), *s;
	struct chunk *cur = NULL;
	double t0, hand, lib;

	/* Mostly plain text, with a quote and a newline now and then. */
	for (size_t i = 0; i < size; i++)
		p[i] = i % 61 == 60 ? '\n' : i % 67 == 66 ? '"' : 'a' + i % 26;
	t0 = now();
	for (size_t i = 0; i < count; i++) {
		if (record_json_message(&cur, 3, text, p, size, &off, &len) ==
		    NULL)
			exit(1);
		sink += len;
	}
	hand = now() - t0;
	t0 = now();
	for (size_t i = 0; i < count; i++) {
		sink += jansson_line(3, text, p, size, b64, &s);
		free(s);
	}
	lib = now() - t0;
	printf("json lines, %s %zu B: by hand %.0f MB/s, jansson %.0f MB/s "
	       "(%.1fx)\n",
	    text ? "text" : "binary", size, count * size / hand / 1e6,
	    count * size / lib / 1e6, lib / hand);
	chunk_unref(cur);
	free(p);
	free(b64);
	if (sink == 0)
		exit(1);
}

int
main(void)
{
	static const size_t sizes[] = { 16, 1024, 65536, 1 << 20 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		run(sizes[i], 1);
	run(1024, 0);
	run(1 << 20, 0);
	return 0;
}
