/*
 * The browser page wsserve serves at GET /: src/page.html, built into the
 * binary by src/page_html.S.  Its Content-Security-Policy allows exactly the
 * page's own inline <script> and <style>, by hash, and connections back to
 * where it came from.
 */
#ifndef PAGE_H
#define PAGE_H

#include <stddef.h>

#include "handshake.h"

/* Fills p with the built-in page and its policy.  0, or -1 with the
 * reason in err (a page without its <script> or <style> block). */
int page_init(struct hs_page *p, char *err, size_t errlen);

#endif
