/*
 * The RFC 6455 opening handshake as pure functions over buffers: no I/O, no
 * state beyond the call.  Parsing is http-parser's; key and accept values
 * are OpenSSL's SHA-1 and base64.  Spans point into the caller's head bytes.
 *
 * Error convention: functions return 0 on success, and on failure either an
 * HTTP status (server side) or -1 (client side), with a one-line reason in
 * the caller's err buffer.
 */
#ifndef HANDSHAKE_H
#define HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define HANDSHAKE_MAX_HEAD \
	8192		       /* request or response head, CRLFCRLF included */
#define HANDSHAKE_MAX_LISTS 16 /* repeated list header lines we keep */
#define HANDSHAKE_KEY_LEN 24
#define HANDSHAKE_ACCEPT_LEN 28
#define HANDSHAKE_MAX_PROTOCOL 128
#define HANDSHAKE_MAX_AUTH_B64 1024 /* base64 of user:pass */
#define HANDSHAKE_MAX_AUTH 765	    /* user:pass bytes that fit in it */
#define HANDSHAKE_BODY_LINE_MAX 200 /* a refusal's body line we show */

struct handshake_span {
	const char *p;
	size_t n;
};

struct handshake_request {
	bool plain; /* GET or HEAD without any WebSocket header */
	bool head;  /* ... and it was HEAD: no body in the answer */
	struct handshake_span path;
	struct handshake_span host;
	struct handshake_span key;
	struct handshake_span origin;
	struct handshake_span authorization;
	struct handshake_span
	    protocols[HANDSHAKE_MAX_LISTS]; /* Sec-WebSocket-Protocol lines */
	size_t nprotocols;
	struct handshake_span
	    extensions[HANDSHAKE_MAX_LISTS]; /* Sec-WebSocket-Extensions */
	size_t nextensions;
};

/*
 * Server policy: NULL-free arrays, none owned.  Host names are compared
 * case-insensitively, IPv6 literals in brackets ("[::1]") by address.
 */
struct handshake_policy {
	const char *const *protocols; /* subprotocols we speak; none: none */
	size_t nprotocols;
	const char *const *origins; /* origins let in besides our own, as
				     * policy_origin_valid() wants them;
				     * "*": any, "null": the opaque origin */
	size_t norigins;
	const char *const *hosts; /* names a Host header may carry; "*": any;
				   * none: no Host check */
	size_t nhosts;
	const unsigned short *ports; /* ports we listen on */
	size_t nports;
	bool tls;     /* our own origins are https:, not http: */
	bool deflate; /* accept permessage-deflate (src/pmd) */
	const char *const *credentials; /* "user:pass"; none: no auth asked */
	size_t ncredentials;
};

struct handshake_client {
	const char *resource; /* path and query */
	const char *hostport; /* Host header value */
	const char *origin;   /* or NULL */
	const char *auth;     /* "user:pass" for Basic, or NULL */
	const char *const *protocols;
	size_t nprotocols;
	const char *const *headers; /* extra "Name: value" lines */
	size_t nheaders;
	bool deflate; /* offer permessage-deflate (src/pmd) */
};

/* Length of the head (through CRLFCRLF) at the start of data: 0 while it is
 * incomplete, -1 when max bytes pass without one. */
ssize_t handshake_head_len(const char *data, size_t len, size_t max);

/* Parses and validates a client's upgrade request.  Returns 0 when it is a
 * valid WebSocket request, else the status to answer: 400 (malformed, a
 * folded header line, a body, HTTP/1.0 or 1.x other than 1.1, a missing or
 * repeated Host, a repeated Origin, a bad key or version header), 405 (not
 * GET), 426, or 505 (HTTP/2.0 and later majors).  A plain GET or HEAD
 * (req->plain) returns 426 too: see page_answer(). */
int handshake_parse_request(const char *head, size_t len,
    struct handshake_request *req, char *err, size_t errlen);

/* Calls fn with each header of a request head (as handshake_parse_request
 * took it) or a response head (one that starts with "HTTP/"), the value
 * without surrounding blanks.  0, or -1 when the head
 * does not parse. */
typedef void handshake_header_fn(struct handshake_span name,
    struct handshake_span value, void *arg);
int handshake_each_header(const char *head, size_t len, handshake_header_fn *fn,
    void *arg);

/* policy_check_access() (src/policy), then picks the first offered subprotocol
 * that the policy lists (*protocol = NULL when none).  Returns 0, 401 or 403.
 */
int handshake_check_policy(const struct handshake_request *req,
    const struct handshake_policy *pol, const char **protocol, char *err,
    size_t errlen);

/* Sec-WebSocket-Accept for a key as sent (at most HANDSHAKE_KEY_LEN bytes of
 * it count: a valid key has exactly that many). */
void handshake_accept_key(const char *key, size_t keylen,
    char out[HANDSHAKE_ACCEPT_LEN + 1]);

/* Appends the 101 answer; protocol and extensions (the value of
 * Sec-WebSocket-Extensions) may be NULL.  Like every answer, it carries
 * X-Content-Type-Options: nosniff.  0 or -1 (no room). */
int handshake_build_response(struct buf *out,
    const struct handshake_request *req, const char *protocol,
    const char *extensions);

/* Appends an error answer (400, 401, 403, 404, 405, 426, 431, 503, 505)
 * with a short plain-text body; for a HEAD request (head) the headers
 * only.  A 401 asks for Basic authorization (realm "wsserve").  0 or -1. */
int handshake_build_error(struct buf *out, int status, const char *detail,
    bool head);

/* A fresh random Sec-WebSocket-Key.  0 or -1. */
int handshake_new_key(char key[HANDSHAKE_KEY_LEN + 1]);

/*
 * Checks of what a client puts into its request, for cmd/ to refuse a bad
 * value as a usage error.  None lets a CR, LF or NUL through, so no value
 * can end a header line early.
 */
/* True when s is an RFC 7230 token, one or more tchars: what a subprotocol
 * name must be (RFC 6455 section 4.1). */
bool handshake_token_valid(const char *s);
/* True when s can be a header value as it is (RFC 7230 field-value): no
 * control character but HTAB. */
bool handshake_value_valid(const char *s);
/* True when s is "user:pass" for Basic authorization: a colon, and no
 * control character at all (RFC 7617 section 2). */
bool handshake_auth_valid(const char *s);
/* True when line is a well-formed "Name: value" extra header: a token,
 * a colon, and a value as handshake_value_valid() wants it. */
bool handshake_header_valid(const char *line);

/* Appends the client's upgrade request.  0, or -1 when there is no room or
 * a value fails the checks above (resource and hostport as values without
 * white space, origin as a value, protocols as tokens, headers as headers):
 * the request is never sent with a line cut short. */
int handshake_build_request(struct buf *out, const struct handshake_client *cl,
    const char *key);

struct pmd;

/* Validates the server's answer to key.  On success returns 0, copies
 * the chosen subprotocol ("" for none) into protocol and the
 * permessage-deflate agreed on into *pm (src/pmd).  Otherwise -1 with
 * the reason, and *status holds the HTTP status (0 if unparsable).  A
 * status other than 101 is "server answered 'HTTP/1.1 403 Forbidden'"
 * (the status line, cut at 100 bytes); a 3xx adds its Location (cut at
 * 200) and "(redirects are not followed)". */
int handshake_parse_response(const char *head, size_t len,
    const struct handshake_client *cl, const char *key, int *status,
    char protocol[HANDSHAKE_MAX_PROTOCOL], struct pmd *pm, char *err,
    size_t errlen);

/* The first line of a refused answer's body, for the message that reports
 * it.  True, with the line in out (control bytes escaped, cut to fit),
 * when head says the body is plain text (no Content-Type, or text/plain;
 * not chunked) and the body bytes at hand hold the whole line: up to a
 * line break, or all of Content-Length.  The line must be non-empty, at
 * most HANDSHAKE_BODY_LINE_MAX bytes, UTF-8, and without control
 * characters but tab; otherwise false. */
bool handshake_body_line(const char *head, size_t head_len, const char *body,
    size_t body_len, char *out, size_t outlen);

#endif
