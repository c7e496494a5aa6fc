/*
 * The built-in page, its Content-Security-Policy, and plain HTTP answers.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "handshake.h"
#include "page.h"

/* From page_html.S: the bytes of page.html. */
extern const char ws_page[], ws_page_end[];

/* 'sha256-...' of the text between open and close tags in the page. */
static int
block_hash(const char *page, size_t len, const char *open, const char *close,
    char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE], b64[2 * EVP_MAX_MD_SIZE];
	const char *start, *end;
	unsigned int mdlen;

	if ((start = memmem(page, len, open, strlen(open))) == NULL)
		return -1;
	start += strlen(open);
	end = memmem(start, len - (start - page), close, strlen(close));
	if (end == NULL ||
	    EVP_Digest(start, end - start, md, &mdlen, EVP_sha256(), NULL) != 1)
		return -1;
	EVP_EncodeBlock(b64, md, mdlen);
	snprintf(out, outlen, "'sha256-%s'", b64);
	return 0;
}

int
page_init(struct page *p, char *err, size_t errlen)
{
	char script[160], style[160];

	p->body = ws_page;
	/* Two symbols: subtracting their addresses as pointers is not
	 * defined by C. */
	p->len = (uintptr_t)ws_page_end - (uintptr_t)ws_page;
	if (block_hash(p->body, p->len, "<script>", "</script>", script,
		sizeof(script)) == -1 ||
	    block_hash(p->body, p->len, "<style>", "</style>", style,
		sizeof(style)) == -1) {
		snprintf(err, errlen,
		    "built-in page lacks <script> or <style>");
		return -1;
	}
	snprintf(p->csp, sizeof(p->csp),
	    "default-src 'none'; script-src %s; "
	    "style-src %s; connect-src 'self'; img-src 'none'; "
	    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	    script, style);
	return 0;
}

bool
page_is_health(const char *in, size_t len, bool *head)
{
	size_t m = len > 4 && memcmp(in, "GET ", 4) == 0 ? 4 :
	    len > 5 && memcmp(in, "HEAD ", 5) == 0	 ? 5 :
							   0;
	size_t n = strlen(PAGE_HEALTH);

	*head = m == 5;
	return m > 0 && len - m > n && memcmp(in + m, PAGE_HEALTH, n) == 0 &&
	    (in[m + n] == ' ' || in[m + n] == '?');
}

int
page_health(struct buf *out, bool head)
{
	if (buf_printf(out,
		"HTTP/1.1 200 OK\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 3\r\nCache-Control: no-store\r\n"
		"X-Content-Type-Options: nosniff\r\n"
		"Connection: close\r\n\r\n%s",
		head ? "" : "ok\n") == -1)
		return -1;
	return 200;
}

int
page_answer(struct buf *out, const struct page *p, const char *path,
    size_t pathlen, bool head)
{
	const char *q = memchr(path, '?', pathlen);
	size_t n = q ? (size_t)(q - path) : pathlen;

	if (p == NULL || n != 1 || path[0] != '/') {
		if (handshake_build_error(out, 404,
			"no such page; WebSocket "
			"clients connect with an Upgrade request",
			head) == -1)
			return -1;
		return 404;
	}
	if (buf_printf(out,
		"HTTP/1.1 200 OK\r\n"
		"Content-Type: text/html; charset=utf-8\r\n"
		"Content-Length: %zu\r\nCache-Control: no-store\r\n"
		"Content-Security-Policy: %s\r\n"
		"X-Content-Type-Options: nosniff\r\n"
		"Referrer-Policy: no-referrer\r\n"
		"Connection: close\r\n\r\n",
		p->len, p->csp) == -1 ||
	    (!head && buf_append(out, p->body, p->len) == -1))
		return -1;
	return 200;
}
