/*
 * The compression of permessage-deflate (RFC 7692 section 7.2), on zlib:
 * raw deflate, each message ended by a sync flush whose empty stored
 * block (00 00 ff ff) is left off on the wire and put back to inflate.
 * What was negotiated is src/pmd's; where messages are framed, src/session.
 *
 * zlib will not compress in a 256-byte window (it makes 8 bits into 9), so
 * a peer that allows us only 8 bits gets Huffman-only blocks: with no
 * back-references, any window reads them.
 */
#ifndef DEFLATE_H
#define DEFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DEFLATE_MIN 128 /* shorter messages go uncompressed */

struct zdeflate;

/* A compressor with a window of 2^bits bytes (8-15); takeover: the window
 * carries over from message to message.  NULL when out of memory. */
struct zdeflate *zdeflate_new(int bits, bool takeover);
void zdeflate_free(struct zdeflate *z);

/* The most bytes a message of n bytes compresses to. */
size_t zdeflate_bound(struct zdeflate *z, size_t n);

/* Compresses the message p[0..n) into out, which has room for
 * zdeflate_bound(z, n) bytes: the length of the payload to send, or -1
 * (out of memory; a compressor with takeover is then unusable). */
ssize_t zdeflate_message(struct zdeflate *z, const void *p, size_t n,
    uint8_t *out);

/* A server's compressors, one per window size, made when first needed
 * and shared by its connections: without takeover, a compressor keeps
 * nothing from one message to the next.  Owned by the server. */
struct zpool;
struct zpool *zpool_new(void);
void zpool_free(struct zpool *p);
/* The pool's compressor for 2^bits (8-15), or NULL when out of memory. */
struct zdeflate *zpool_get(struct zpool *p, int bits);

/* The message just compressed goes out uncompressed after all (it did
 * not get smaller): the peer never sees it, so nothing may point back at
 * it.  With takeover the window starts again, empty. */
void zdeflate_forget(struct zdeflate *z);

struct zinflate;

/* A decompressor with a 32 KiB window (it reads any smaller one);
 * takeover: the window carries over.  NULL when out of memory. */
struct zinflate *zinflate_new(bool takeover);
void zinflate_free(struct zinflate *z);

/* Inflates in[0..n) of a message, end true for the message's last bytes
 * (the flush block is added), into out[0..room): *used bytes of the input
 * taken, *made bytes of output.  1 when the input is used up and its
 * output made; 0 when out filled first (call again with more room); -1
 * when the data is not valid deflate. */
int zinflate_run(struct zinflate *z, const uint8_t *in, size_t n, bool end,
    size_t *used, uint8_t *out, size_t room, size_t *made);

/* The message is over: without takeover, forget its window.  0, or -1
 * when out of memory. */
int zinflate_end_message(struct zinflate *z);

#endif
