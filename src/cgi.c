/*
 * CGI-like variables for --exec: collected as "NAME=value" strings, then
 * packed with their pointer array into one block, which execve takes.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"
#include "handshake.h"

struct env {
	char **var; /* owned, each too */
	size_t n, cap;
	bool failed; /* out of memory: no environment */
};

/* The entry for name (up to '='), or NULL. */
static char **
find(struct env *e, const char *name, size_t n)
{
	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->var[i], name, n) == 0 && e->var[i][n] == '=')
			return &e->var[i];
	return NULL;
}

/* Sets name to value (n bytes of it); with join, a second one is added
 * after ", " instead of replacing it. */
static void
put(struct env *e, const char *name, const char *value, size_t n, bool join)
{
	size_t nl = strlen(name);
	char **old = find(e, name, nl), *v;

	if (e->failed)
		return;
	if (old != NULL && join) {
		size_t ol = strlen(*old);

		if ((v = realloc(*old, ol + 2 + n + 1)) == NULL) {
			e->failed = true;
			return;
		}
		snprintf(v + ol, 2 + n + 1, ", %.*s", (int)n, value);
		*old = v;
		return;
	}
	if (old == NULL && e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 64;
		char **a = realloc(e->var, cap * sizeof(*a));

		if (a == NULL) {
			e->failed = true;
			return;
		}
		e->var = a;
		e->cap = cap;
	}
	if (asprintf(&v, "%s=%.*s", name, (int)n, value) == -1) {
		e->failed = true;
		return;
	}
	if (old != NULL) {
		free(*old);
		*old = v;
	} else
		e->var[e->n++] = v;
}

static void
put_str(struct env *e, const char *name, const char *value)
{
	put(e, name, value, strlen(value), false);
}

/* HTTP_NAME for a header.  Left out: Authorization (a password), Proxy
 * (HTTP_PROXY would be taken for the program's proxy: "httpoxy"), and
 * names with '_', which would pass for another name's variable. */
static void
put_header(struct handshake_span f, struct handshake_span v, void *arg)
{
	char *name;
	size_t i;

	if ((f.n == 13 && strncasecmp(f.p, "Authorization", 13) == 0) ||
	    (f.n == 5 && strncasecmp(f.p, "Proxy", 5) == 0) ||
	    memchr(f.p, '_', f.n) != NULL)
		return;
	if ((name = malloc(5 + f.n + 1)) == NULL) {
		((struct env *)arg)->failed = true;
		return;
	}
	memcpy(name, "HTTP_", 5);
	for (i = 0; i < f.n; i++)
		name[5 + i] = isalnum((unsigned char)f.p[i]) ?
		    (char)toupper((unsigned char)f.p[i]) :
		    '_';
	name[5 + i] = '\0';
	put(arg, name, v.p, v.n, true);
	free(name);
}

/* "host:port", "[v6]:port" or "host": the host and port of each. */
static void
put_hostport(struct env *e, const char *addr, size_t n, const char *hname,
    const char *pname, const char *defport)
{
	const char *colon = NULL, *host = addr;
	size_t hl = n;

	if (n > 0 && addr[0] == '[') {
		const char *rb = memchr(addr, ']', n);

		if (rb != NULL) {
			host = addr + 1;
			hl = rb - host;
			if (rb + 1 < addr + n && rb[1] == ':')
				colon = rb + 1;
		}
	} else if ((colon = memrchr(addr, ':', n)) != NULL)
		hl = colon - addr;
	put(e, hname, host, hl, false);
	if (colon != NULL)
		put(e, pname, colon + 1, addr + n - (colon + 1), false);
	else
		put_str(e, pname, defport);
}

char **
cgi_env(const struct cgi_request *r)
{
	struct env e = { .var = NULL };
	struct handshake_request req;
	char err[128], id[32], **out = NULL, *p;
	const char *q, *v;
	size_t total = 0;

	if (handshake_parse_request(r->head, r->len, &req, err, sizeof(err)) !=
		0 ||
	    handshake_each_header(r->head, r->len, put_header, &e) == -1)
		goto done;
	put_hostport(&e, r->peer, strlen(r->peer), "REMOTE_ADDR", "REMOTE_PORT",
	    "");
	put_hostport(&e, req.host.p, req.host.n, "SERVER_NAME", "SERVER_PORT",
	    r->tls ? "443" : "80");
	put_str(&e, "SERVER_PROTOCOL", "HTTP/1.1");
	put_str(&e, "REQUEST_METHOD", "GET");
	put(&e, "REQUEST_URI", req.path.p, req.path.n, false);
	q = memchr(req.path.p, '?', req.path.n);
	put(&e, "PATH_INFO", req.path.p,
	    q != NULL ? (size_t)(q - req.path.p) : req.path.n, false);
	put(&e, "QUERY_STRING", q != NULL ? q + 1 : "",
	    q != NULL ? req.path.n - (q + 1 - req.path.p) : 0, false);
	if (r->tls)
		put_str(&e, "HTTPS", "on");
	put_str(&e, "SUBPROTOCOL", r->protocol);
	snprintf(id, sizeof(id), "%lu", r->id);
	put_str(&e, "WSSERVE_ID", id);
	for (size_t i = 0; i < r->npassenv; i++)
		if ((v = getenv(r->passenv[i])) != NULL)
			put_str(&e, r->passenv[i], v);
	if (e.failed)
		goto done;
	for (size_t i = 0; i < e.n; i++)
		total += strlen(e.var[i]) + 1;
	if ((out = malloc((e.n + 1) * sizeof(*out) + total)) == NULL)
		goto done;
	p = (char *)(out + e.n + 1);
	for (size_t i = 0; i < e.n; i++) {
		out[i] = p;
		p = stpcpy(p, e.var[i]) + 1;
	}
	out[e.n] = NULL;
done:
	for (size_t i = 0; i < e.n; i++)
		free(e.var[i]);
	free(e.var);
	return out;
}
