/*
 * The browser page wsserve serves at GET /: src/page.html, built into the
 * binary by src/page_html.S, and the answers to plain (non-WebSocket) GET
 * and HEAD requests.  Its Content-Security-Policy allows exactly the
 * page's own inline <script> and <style>, by hash, and connections back to
 * where it came from.
 */
#ifndef PAGE_H
#define PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define PAGE_CSP_MAX 512

struct page {
	const char *body; /* static: the built-in bytes */
	size_t len;
	char csp[PAGE_CSP_MAX]; /* Content-Security-Policy value */
};

/* Fills p with the built-in page and its policy.  0, or -1 with the
 * reason in err (a page without its <script> or <style> block). */
int page_init(struct page *p, char *err, size_t errlen);

/* The health check a load balancer polls: GET or HEAD of PAGE_HEALTH
 * answers 200 "ok", before any Host, Origin or authorization check and
 * with or without the page; the server logs none of them (the upgrade's
 * reason is PAGE_HEALTH_WHY). */
#define PAGE_HEALTH "/healthz"
#define PAGE_HEALTH_WHY "health check"

/* Whether the request head in[0..len) asks for PAGE_HEALTH (a query
 * allowed), by GET or (*head true) HEAD, in any HTTP/1.x: a health
 * checker may send HTTP/1.0 without a Host. */
bool page_is_health(const char *in, size_t len, bool *head);

/* Appends the health check's answer.  200, or -1 when out has no room. */
int page_health(struct buf *out, bool head);

/* Answers a plain GET (or HEAD: headers only) of path: the page for "/"
 * (any query) when p is not NULL, else 404.  Returns the status, or -1
 * when out has no room. */
int page_answer(struct buf *out, const struct page *p, const char *path,
    size_t pathlen, bool head);

#endif
