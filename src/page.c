/*
 * The built-in page and its Content-Security-Policy.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

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
	if (end == NULL || EVP_Digest(start, end - start, md, &mdlen,
	    EVP_sha256(), NULL) != 1)
		return -1;
	EVP_EncodeBlock(b64, md, mdlen);
	snprintf(out, outlen, "'sha256-%s'", b64);
	return 0;
}

int
page_init(struct hs_page *p, char *err, size_t errlen)
{
	char script[160], style[160];

	p->body = ws_page;
	p->len = ws_page_end - ws_page;
	if (block_hash(p->body, p->len, "<script>", "</script>", script,
	    sizeof(script)) == -1 || block_hash(p->body, p->len, "<style>",
	    "</style>", style, sizeof(style)) == -1) {
		snprintf(err, errlen, "built-in page lacks <script> or <style>");
		return -1;
	}
	snprintf(p->csp, sizeof(p->csp), "default-src 'none'; script-src %s; "
	    "style-src %s; connect-src 'self'; img-src 'none'; "
	    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	    script, style);
	return 0;
}
