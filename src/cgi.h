/*
 * The environment of a program wsserve runs for a connection (--exec), in
 * the manner of CGI and websocketd: the request's address, path, query and
 * headers as variables, and nothing of wsserve's own environment but the
 * variables named with --passenv.
 */
#ifndef CGI_H
#define CGI_H

#include <stdbool.h>
#include <stddef.h>

struct cgi_request {
	const char *head; /* the request head, as received */
	size_t len;
	const char *peer;     /* "127.0.0.1:5123" or "[::1]:5123" */
	const char *protocol; /* the subprotocol agreed on, or "" */
	unsigned long id;     /* the client's id */
	bool tls;
	const char *const *passenv; /* names to pass from our environment */
	size_t npassenv;
};

/*
 * REMOTE_ADDR, REMOTE_PORT, SERVER_NAME and SERVER_PORT (from Host: its
 * port, else 80 or 443), SERVER_PROTOCOL, REQUEST_METHOD, REQUEST_URI,
 * PATH_INFO (the path, undecoded), QUERY_STRING, HTTPS=on with TLS,
 * HTTP_NAME for each header but Authorization, Proxy and names holding
 * '_' (NAME upper-cased, '-' as '_'; repeats joined with ", "), SUBPROTOCOL,
 * WSSERVE_ID, and each
 * --passenv variable that is set.  A NULL-ended array in one allocation
 * (free() it), or NULL when out of memory or the head does not parse.
 */
char **cgi_env(const struct cgi_request *r);

#endif
