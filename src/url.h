/*
 * ws:// and wss:// URLs, parsed by http_parser_parse_url.  A URL without a
 * scheme means ws://, http:// means ws:// and https:// wss:// (as npm wscat
 * has them).  Fixed-size fields: a url holds no pointers and needs no
 * freeing.
 */
#ifndef URL_H
#define URL_H

#include <stdbool.h>
#include <stddef.h>

#define URL_MAX_HOST 256
#define URL_MAX_RESOURCE 4096
#define URL_MAX_USERINFO 256
#define URL_MAX_UNIX 108 /* sun_path */

struct url {
	bool tls;			 /* wss:// or https:// */
	char host[URL_MAX_HOST];	 /* no brackets around IPv6 */
	char port[6];			 /* always set: 80/443 default */
	char resource[URL_MAX_RESOURCE]; /* path and ?query; "/" default */
	char hostport[URL_MAX_HOST + 8]; /* the Host header value */
	char userinfo[URL_MAX_USERINFO]; /* "user:pass" decoded, or "" */
	char unix_path[URL_MAX_UNIX];	 /* ws+unix://: the socket, or "" */
};

/* Parses s into u.  Returns 0, or -1 with the reason in err.
 * ws+unix:///run/x.sock and ws+unix:///run/x.sock:/path?q (npm ws's way;
 * wss+unix:// for TLS) name a Unix socket: the path after the colon is
 * the request's ("/" without one), and the Host is localhost.  The user
 * info is percent-decoded ("us%40er:p%3Ass" is user "us@er", password
 * "p:ss"); one with a bad escape, a control character or a colon in the
 * user name is refused. */
int url_parse(const char *s, struct url *u, char *err, size_t errlen);

/* The URL that ref, a redirect's Location, names from base (RFC 3986
 * 5.2 as far as these URLs go): absolute (ws, wss, http, https),
 * "//host/path" in base's scheme, "/path", "path" beside base's last
 * segment or "?query" on base's path, on base's server (a Unix socket
 * included), dot segments removed.  A fragment is dropped ("#x" alone is
 * base).  The user info is ref's own (base's is not carried over).  0,
 * or -1 with the reason in err. */
int url_resolve(const struct url *base, const char *ref, struct url *out,
    char *err, size_t errlen);

/* The URL u names, as messages show it: scheme, host, port unless the
 * default, path; no user info. */
void url_format(const struct url *u, char *out, size_t outlen);

/* The URL s as messages show it: a password in its user info replaced by
 * "***" (a user info without one: all of it), the rest as given.  Cut
 * short to fit outlen, always NUL-terminated. */
void url_redact(const char *s, char *out, size_t outlen);

#endif
