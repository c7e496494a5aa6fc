/*
 * Reaching a WebSocket server through a proxy, as pure functions over
 * strings and byte buffers: proxy URLs, curl's environment variables
 * (http_proxy, https_proxy, all_proxy, no_proxy), the HTTP CONNECT request
 * and its answer, and the SOCKS5 exchange as a step function.  Sockets,
 * timers and the order of the steps are the caller's (src/client).
 *
 * Error convention: 0 or -1, or a proxy_status; a reason for the user goes
 * into the caller's err buffer.
 */
#ifndef PROXY_H
#define PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define PROXY_MAX_HOST 256
#define PROXY_MAX_AUTH 256
#define PROXY_MAX_HEAD 8192 /* a CONNECT answer's head, CRLFCRLF included */

enum proxy_kind { PROXY_HTTP, PROXY_SOCKS5H };

struct proxy {
	enum proxy_kind kind;
	char host[PROXY_MAX_HOST]; /* no brackets around IPv6 */
	char port[6];		   /* always set; default 1080 like curl */
	char auth[PROXY_MAX_AUTH]; /* "user:pass" percent-decoded, or "" */
};

/* Parses a proxy URL: "http://[user:pass@]host[:port]" (a bare
 * "host:port" means http://, as in curl) or "socks5h://[user:pass@]host
 * [:port]".  "socks5://" is taken as socks5h:// (curl resolves names
 * itself for socks5://): names always go to the proxy, which resolves them
 * as its network does, and wscat needs no resolving of its own.  The port
 * defaults to 1080 for both; a path other than "/" is refused, and so are
 * https:// (TLS to the proxy) and other schemes.  The user info is decoded as
 * url_parse() does it; a user name alone gets an empty password ("user:").
 * Returns 0, or -1 with the reason in err. */
int proxy_parse(const char *s, struct proxy *p, char *err, size_t errlen);

/* The proxy the environment names for a ws:// (tls false) or wss:// (tls
 * true) URL to host, by curl's rules: wss:// takes https_proxy, then
 * HTTPS_PROXY; ws:// takes http_proxy only; then both take all_proxy, then
 * ALL_PROXY.  An empty value counts as unset.  NULL when none is set or
 * when no_proxy (else NO_PROXY) lists host; otherwise the value, which
 * points into the environment. */
const char *proxy_from_env(bool tls, const char *host);

/* True when host (a name or an IP literal, brackets optional) matches the
 * no_proxy list: comma-separated entries, blanks around them ignored.  The
 * list "*" matches every host.  A name entry matches the host itself and
 * its subdomains, case-insensitively ("example.com" and ".example.com"
 * both match "example.com" and "a.example.com", not "notexample.com"); a
 * trailing dot on either side and an entry's ":port" are ignored.  An IP
 * literal host matches only address entries, whole ("::1", "[::1]") or
 * in CIDR notation ("10.0.0.0/8", "fe80::/10"); names are not resolved. */
bool proxy_no_proxy(const char *list, const char *host);

/* Appends the CONNECT request for hostport (as the Host header has it,
 * IPv6 in brackets), with Proxy-Authorization: Basic when p->auth is set.
 * Returns 0, or -1 when there is no room, hostport is empty or holds a
 * blank or control character, or p->auth is not "user:pass" without
 * control characters: no line is ever cut short or added. */
int proxy_connect_request(struct buf *out, const struct proxy *p,
    const char *hostport);

enum proxy_status { PROXY_MORE, PROXY_DONE, PROXY_REFUSED };

/* Reads the proxy's answer to CONNECT, in[0..len) as received so far.
 * PROXY_MORE while its head is incomplete.  PROXY_DONE on a 2xx: the
 * tunnel is open, and the bytes after the *head_len bytes of the head are
 * the tunnel's.  PROXY_REFUSED otherwise, with *status the HTTP status (0
 * when the answer is not HTTP or its head exceeds PROXY_MAX_HEAD) and a
 * reason in err, e.g. "proxy answered 'HTTP/1.1 407 Proxy Authentication
 * Required'" (the status line cut at 100 bytes, control bytes escaped). */
enum proxy_status proxy_connect_response(const char *in, size_t len,
    size_t *head_len, int *status, char *err, size_t errlen);

/* The SOCKS5 exchange (RFC 1928; RFC 1929 user name and password when the
 * proxy asks for them).  The requests are built at the start, so the
 * caller's strings need not outlive proxy_socks_start(). */
struct proxy_socks {
	int step;				/* internal */
	unsigned char auth[PROXY_MAX_AUTH + 2]; /* RFC 1929 request */
	size_t authlen;				/* 0: none offered */
	unsigned char req[PROXY_MAX_HOST + 6];	/* CONNECT request */
	size_t reqlen;
};

/* Starts the exchange for host and port (a number): appends the greeting,
 * which offers no authentication, and user name and password too when
 * p->auth is set.  An IPv4 or IPv6 literal host (no brackets) is sent as
 * an address, anything else as a name for the proxy to resolve.  Returns
 * 0, or -1 when there is no room, the port is not 1-65535, or the host is
 * empty or longer than 255 bytes. */
int proxy_socks_start(struct proxy_socks *st, struct buf *out,
    const struct proxy *p, const char *host, const char *port);

/* Reads the proxy's bytes in[0..len): whatever was not consumed last time,
 * and what came since.  *used says how many bytes it consumed (whole
 * replies only).  PROXY_MORE: waiting for more, with whatever must be sent
 * next appended to out.  PROXY_DONE: the tunnel is open, and the bytes
 * after *used are the tunnel's.  PROXY_REFUSED: the reason in err (e.g.
 * "SOCKS proxy refused: connection refused (5)", "SOCKS proxy wants
 * authentication", "SOCKS proxy rejected the user name or password"), and
 * *status the reply code of a refused CONNECT (0 otherwise).  Not to be
 * called again after DONE or REFUSED. */
enum proxy_status proxy_socks_step(struct proxy_socks *st, const char *in,
    size_t len, size_t *used, struct buf *out, int *status, char *err,
    size_t errlen);

#endif
