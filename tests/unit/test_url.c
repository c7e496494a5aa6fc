/*
 * url_parse: schemes, defaults, the Host header value, and rejects.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "tests.h"
#include "url.h"

static struct url u;
static char err[256];

/* Parses s expecting success; err stays empty. */
static int
parse_ok(const char *s)
{
	int r;

	err[0] = '\0';
	r = url_parse(s, &u, err, sizeof(err));
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	return r;
}

/* Parses s expecting -1 with a reason. */
static void
parse_fails(const char *s)
{
	err[0] = '\0';
	CU_ASSERT_EQUAL(url_parse(s, &u, err, sizeof(err)), -1);
	CU_ASSERT(err[0] != '\0');
}

static void
test_plain(void)
{
	if (parse_ok("ws://example.com") != 0)
		return;
	CU_ASSERT_FALSE(u.tls);
	CU_ASSERT_STRING_EQUAL(u.host, "example.com");
	CU_ASSERT_STRING_EQUAL(u.port, "80");
	CU_ASSERT_STRING_EQUAL(u.resource, "/");
	CU_ASSERT_STRING_EQUAL(u.hostport, "example.com");
	CU_ASSERT_STRING_EQUAL(u.userinfo, "");
}

static void
test_port_path_query(void)
{
	if (parse_ok("ws://example.com:8080/chat/room?user=a&x=1") != 0)
		return;
	CU_ASSERT_FALSE(u.tls);
	CU_ASSERT_STRING_EQUAL(u.host, "example.com");
	CU_ASSERT_STRING_EQUAL(u.port, "8080");
	CU_ASSERT_STRING_EQUAL(u.resource, "/chat/room?user=a&x=1");
	CU_ASSERT_STRING_EQUAL(u.hostport, "example.com:8080");
}

/* npm wscat accepts "host:port"; so do we, as ws://. */
static void
test_no_scheme(void)
{
	if (parse_ok("localhost:15678") != 0)
		return;
	CU_ASSERT_FALSE(u.tls);
	CU_ASSERT_STRING_EQUAL(u.host, "localhost");
	CU_ASSERT_STRING_EQUAL(u.port, "15678");
	CU_ASSERT_STRING_EQUAL(u.resource, "/");
	CU_ASSERT_STRING_EQUAL(u.hostport, "localhost:15678");
}

static void
test_wss_default_port(void)
{
	if (parse_ok("wss://secure.example/feed") != 0)
		return;
	CU_ASSERT_TRUE(u.tls);
	CU_ASSERT_STRING_EQUAL(u.port, "443");
	CU_ASSERT_STRING_EQUAL(u.resource, "/feed");
	CU_ASSERT_STRING_EQUAL(u.hostport, "secure.example");
}

static void
test_scheme_case(void)
{
	if (parse_ok("WSS://h") != 0)
		return;
	CU_ASSERT_TRUE(u.tls);
	CU_ASSERT_STRING_EQUAL(u.port, "443");
}

static void
test_ipv6(void)
{
	if (parse_ok("ws://[::1]:9000/x") != 0)
		return;
	CU_ASSERT_STRING_EQUAL(u.host, "::1");
	CU_ASSERT_STRING_EQUAL(u.port, "9000");
	CU_ASSERT_STRING_EQUAL(u.resource, "/x");
	CU_ASSERT_STRING_EQUAL(u.hostport, "[::1]:9000");
}

/* Brackets stay in the Host header even without a port. */
static void
test_ipv6_default_port(void)
{
	if (parse_ok("wss://[2001:db8::1]/") != 0)
		return;
	CU_ASSERT_STRING_EQUAL(u.host, "2001:db8::1");
	CU_ASSERT_STRING_EQUAL(u.port, "443");
	CU_ASSERT_STRING_EQUAL(u.hostport, "[2001:db8::1]");
}

/* An explicit default port is not repeated in the Host header. */
static void
test_default_port_omitted(void)
{
	if (parse_ok("ws://h:80/") == 0) {
		CU_ASSERT_STRING_EQUAL(u.port, "80");
		CU_ASSERT_STRING_EQUAL(u.hostport, "h");
	}
	if (parse_ok("wss://h:443/") == 0) {
		CU_ASSERT_STRING_EQUAL(u.port, "443");
		CU_ASSERT_STRING_EQUAL(u.hostport, "h");
	}
	/* The other scheme's default is not ours. */
	if (parse_ok("wss://h:80/") == 0)
		CU_ASSERT_STRING_EQUAL(u.hostport, "h:80");
	if (parse_ok("ws://h:443/") == 0)
		CU_ASSERT_STRING_EQUAL(u.hostport, "h:443");
}

static void
test_userinfo(void)
{
	if (parse_ok("ws://u:p@h/") != 0)
		return;
	CU_ASSERT_STRING_EQUAL(u.userinfo, "u:p");
	CU_ASSERT_STRING_EQUAL(u.host, "h");
	CU_ASSERT_STRING_EQUAL(u.hostport, "h");
	CU_ASSERT_STRING_EQUAL(u.resource, "/");
}

/* Percent-decoded before it becomes Basic credentials: the user name up
 * to the first colon, the password after it. */
static void
test_userinfo_decoded(void)
{
	if (parse_ok("ws://us%40er:p%3Ass@host/") == 0) {
		CU_ASSERT_STRING_EQUAL(u.userinfo, "us@er:p:ss");
		CU_ASSERT_STRING_EQUAL(u.host, "host");
	}
	if (parse_ok("ws://%61%6c%69%63%65:%2F%2f%25@h/") == 0)
		CU_ASSERT_STRING_EQUAL(u.userinfo, "alice://%");
	/* Non-ASCII passes: only control characters are refused. */
	if (parse_ok("ws://j%C3%B6rg:pw@h/") == 0)
		CU_ASSERT_STRING_EQUAL(u.userinfo, "j\xc3\xb6rg:pw");
	if (parse_ok("ws://alice@h/") == 0)
		CU_ASSERT_STRING_EQUAL(u.userinfo, "alice");
	if (parse_ok("ws://alice:@h/") == 0)
		CU_ASSERT_STRING_EQUAL(u.userinfo, "alice:");
	if (parse_ok("ws://a:b:c@h/") == 0)
		CU_ASSERT_STRING_EQUAL(u.userinfo, "a:b:c");
}

/* Decoded, the user info must not carry what would end or bend a header
 * line, nor move the user/password split. */
static void
test_userinfo_refused(void)
{
	static const char *const ctl[] = { "ws://us%0D%0Aer:p@h/",
		"ws://u:p%0d%0aX-Evil:%201@h/", "ws://u:p%0A@h/",
		"ws://u:p%0D@h/", "ws://u%00:p@h/", "ws://u:p%00x@h/",
		"ws://u:p%7F@h/", "ws://u:p%09@h/", "ws://u:p%1b@h/" };
	static const char *const bad[] = { "ws://u:p%@h/", "ws://u:p%4@h/",
		"ws://u%zz:p@h/", "ws://u:%4g@h/", "ws://%:p@h/" };

	for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
		parse_fails(ctl[i]);
		CU_ASSERT_STRING_EQUAL(err, "control character in user info");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_fails(bad[i]);
		CU_ASSERT_STRING_EQUAL(err,
		    "bad percent-encoding in user info");
	}
	parse_fails("ws://us%3Aer:p@h/");
	CU_ASSERT_STRING_EQUAL(err, "colon in user name");
}

/* True when s holds no control byte, space or byte above 0x7e. */
static int
is_clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Whatever goes into the request line and the Host header comes out of a
 * hostile URL either refused or without a byte that could end a line. */
static void
test_request_parts_clean(void)
{
	static const char *const urls[] = { "ws://h\r\nX-Evil: 1/",
		"ws://h%0d%0a/", "ws://h\r/", "ws://h/\r\nX-Evil: 1",
		"ws://h/a\rb?c\nd", "ws://h?\x01\x7f", "ws://[::1\r\n]/",
		"ws://[fe80::1%25eth0]/", "ws://[fe80::1%eth0\r]/",
		"ws://h:80\r\n/", "ws://h\t/", "ws://h/#\r\n",
		"ws://h/\xc3\xa9\x85" };

	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		if (url_parse(urls[i], &u, err, sizeof(err)) == -1)
			continue;
		CU_ASSERT_TRUE(is_clean(u.host));
		CU_ASSERT_TRUE(is_clean(u.hostport));
		CU_ASSERT_TRUE(is_clean(u.resource));
	}
}

static void
test_query_without_path(void)
{
	if (parse_ok("ws://h?x=1") != 0)
		return;
	CU_ASSERT_STRING_EQUAL(u.host, "h");
	CU_ASSERT_STRING_EQUAL(u.resource, "/?x=1");
}

/* Bytes a request line cannot carry raw are percent-encoded; what is
 * already encoded stays as it is. */
static void
test_resource_encoded(void)
{
	if (parse_ok("ws://h/caf\xc3\xa9?q=a\fb&x=%20") != 0)
		return;
	CU_ASSERT_STRING_EQUAL(u.resource, "/caf%C3%A9?q=a%0Cb&x=%20");
	if (parse_ok("ws://h?\tx") != 0)
		return;
	CU_ASSERT_STRING_EQUAL(u.resource, "/?%09x");
}

/* A reused struct must not keep fields from the previous parse. */
static void
test_fields_reset(void)
{
	if (parse_ok("wss://u:p@h:9/a?b") != 0)
		return;
	if (parse_ok("ws://h") != 0)
		return;
	CU_ASSERT_FALSE(u.tls);
	CU_ASSERT_STRING_EQUAL(u.userinfo, "");
	CU_ASSERT_STRING_EQUAL(u.resource, "/");
	CU_ASSERT_STRING_EQUAL(u.port, "80");
}

/* npm wscat takes http:// for ws:// and https:// for wss://; so do we. */
static void
test_http_schemes(void)
{
	if (parse_ok("http://example.com:8080/chat?x=1") == 0) {
		CU_ASSERT_FALSE(u.tls);
		CU_ASSERT_STRING_EQUAL(u.host, "example.com");
		CU_ASSERT_STRING_EQUAL(u.port, "8080");
		CU_ASSERT_STRING_EQUAL(u.resource, "/chat?x=1");
		CU_ASSERT_STRING_EQUAL(u.hostport, "example.com:8080");
	}
	if (parse_ok("http://h") == 0) {
		CU_ASSERT_FALSE(u.tls);
		CU_ASSERT_STRING_EQUAL(u.port, "80");
		CU_ASSERT_STRING_EQUAL(u.hostport, "h");
	}
	if (parse_ok("HTTPS://secure.example/feed") == 0) {
		CU_ASSERT_TRUE(u.tls);
		CU_ASSERT_STRING_EQUAL(u.port, "443");
		CU_ASSERT_STRING_EQUAL(u.resource, "/feed");
		CU_ASSERT_STRING_EQUAL(u.hostport, "secure.example");
	}
	if (parse_ok("https://[::1]:8443/") == 0) {
		CU_ASSERT_TRUE(u.tls);
		CU_ASSERT_STRING_EQUAL(u.host, "::1");
		CU_ASSERT_STRING_EQUAL(u.hostport, "[::1]:8443");
	}
	if (parse_ok("https://user:pw@h:443/") == 0) {
		CU_ASSERT_STRING_EQUAL(u.userinfo, "user:pw");
		CU_ASSERT_STRING_EQUAL(u.hostport, "h");
	}
}

static void
test_bad_scheme(void)
{
	parse_fails("ftp://h");
	CU_ASSERT_STRING_EQUAL(err,
	    "scheme must be ws://, wss://, http:// or https://");
	parse_fails("httpx://h/");
	parse_fails("wsx://h/");
	parse_fails("file://h/");
}

static void
test_bad_port(void)
{
	parse_fails("ws://h:0/");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "port"));
	parse_fails("ws://h:70000/");
	parse_fails("ws://h:65536/");
	parse_fails("ws://h:x/");
}

static void
test_max_port(void)
{
	if (parse_ok("ws://h:65535/") == 0)
		CU_ASSERT_STRING_EQUAL(u.port, "65535");
}

static void
test_empty_host(void)
{
	parse_fails("ws://");
	parse_fails("ws:///path");
	parse_fails("http://");
	parse_fails("");
	CU_ASSERT_STRING_EQUAL(err, "empty URL");
}

static void
test_garbage(void)
{
	parse_fails("ws://exa mple.com/");
	parse_fails("not a url");
	parse_fails("ws://h/a b");
}

/* Anything longer than the fixed fields is refused, not truncated. */
static void
test_too_long(void)
{
	char s[URL_MAX_HOST + 32];

	memset(s, 'a', sizeof(s));
	memcpy(s, "ws://", 5);
	s[sizeof(s) - 1] = '\0';
	parse_fails(s);
}

/* npm ws's Unix socket URLs: the socket, then the request path after a
 * colon; Host localhost. */
static void
test_unix(void)
{
	char longpath[200];

	if (parse_ok("ws+unix:///run/app.sock") != 0)
		return;
	CU_ASSERT_STRING_EQUAL(u.unix_path, "/run/app.sock");
	CU_ASSERT_STRING_EQUAL(u.resource, "/");
	CU_ASSERT_STRING_EQUAL(u.hostport, "localhost");
	CU_ASSERT_FALSE(u.tls);
	if (parse_ok("WSS+UNIX://rel.sock:/chat?room=1") != 0)
		return;
	CU_ASSERT_STRING_EQUAL(u.unix_path, "rel.sock");
	CU_ASSERT_STRING_EQUAL(u.resource, "/chat?room=1");
	CU_ASSERT_TRUE(u.tls);
	/* Another URL after it leaves no socket behind. */
	if (parse_ok("ws://h/") == 0)
		CU_ASSERT_STRING_EQUAL(u.unix_path, "");
	parse_fails("ws+unix://");
	parse_fails("ws+unix://:/x");
	parse_fails("ws+unix:///run/app.sock:chat");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	memcpy(longpath, "ws+unix:///", 11);
	parse_fails(longpath);
}

/* A redirect's Location resolved from the URL it answered (RFC 3986
 * 5.4's examples, as far as ws:// URLs go). */
static void
test_resolve(void)
{
	static const struct {
		const char *ref, *want; /* want: url_format's, or NULL */
	} c[] = {
		{ "g", "ws://a/b/c/g" },
		{ "./g", "ws://a/b/c/g" },
		{ "g/", "ws://a/b/c/g/" },
		{ "/g", "ws://a/g" },
		{ "//g", "ws://g/" },
		{ "?y", "ws://a/b/c/d;p?y" },
		{ "g?y", "ws://a/b/c/g?y" },
		{ "#s", "ws://a/b/c/d;p?q" },
		{ "g#s", "ws://a/b/c/g" },
		{ ".", "ws://a/b/c/" },
		{ "..", "ws://a/b/" },
		{ "../g", "ws://a/b/g" },
		{ "../..", "ws://a/" },
		{ "../../../g", "ws://a/g" },
		{ "/./g", "ws://a/g" },
		{ "/../g", "ws://a/g" },
		{ "g.", "ws://a/b/c/g." },
		{ "..g", "ws://a/b/c/..g" },
		{ "./../g", "ws://a/b/g" },
		{ "g/./h", "ws://a/b/c/g/h" },
		{ "g/../h", "ws://a/b/c/h" },
		{ "g?y/../x", "ws://a/b/c/g?y/../x" },
		{ "wss://x:8443/p", "wss://x:8443/p" },
		{ "https://x/p", "wss://x/p" },
		{ "a b", "ws://a/b/c/a%20b" },
		{ "ftp://x/", NULL },
	};
	struct url base, r;
	char why[128], got[256];

	CU_ASSERT_EQUAL_FATAL(
	    url_parse("ws://u:p@a/b/c/d;p?q", &base, why, sizeof(why)), 0);
	for (size_t i = 0; i < UNIT_NTESTS(c); i++) {
		if (c[i].want == NULL) {
			CU_ASSERT_EQUAL(url_resolve(&base, c[i].ref, &r, why,
					    sizeof(why)),
			    -1);
			continue;
		}
		got[0] = '\0';
		if (url_resolve(&base, c[i].ref, &r, why, sizeof(why)) == 0)
			url_format(&r, got, sizeof(got));
		if (strcmp(got, c[i].want) != 0) {
			fprintf(stderr, "\n  %s: got '%s', want '%s'\n",
			    c[i].ref, got, c[i].want);
			CU_FAIL("resolved URL");
		}
		/* The user stays with base: a Location names its own. */
		CU_ASSERT_STRING_EQUAL(r.userinfo, "");
	}
}

static const struct unit_test tests[] = {
	{ "ws+unix:// and wss+unix://", test_unix },
	{ "a redirect's Location resolved", test_resolve },
	{ "ws://host", test_plain },
	{ "port, path and query", test_port_path_query },
	{ "no scheme means ws", test_no_scheme },
	{ "wss default port 443", test_wss_default_port },
	{ "scheme is case-insensitive", test_scheme_case },
	{ "IPv6 literal", test_ipv6 },
	{ "IPv6 literal, default port", test_ipv6_default_port },
	{ "default port omitted from hostport", test_default_port_omitted },
	{ "userinfo", test_userinfo },
	{ "userinfo percent-decoded", test_userinfo_decoded },
	{ "userinfo with controls or bad escapes refused",
	    test_userinfo_refused },
	{ "hostile URLs: host and resource stay clean",
	    test_request_parts_clean },
	{ "query without path", test_query_without_path },
	{ "control and non-ASCII bytes percent-encoded",
	    test_resource_encoded },
	{ "fields reset between parses", test_fields_reset },
	{ "http:// and https:// mean ws:// and wss://", test_http_schemes },
	{ "rejects other schemes", test_bad_scheme },
	{ "rejects bad ports", test_bad_port },
	{ "accepts port 65535", test_max_port },
	{ "rejects empty host", test_empty_host },
	{ "rejects garbage", test_garbage },
	{ "rejects an over-long host", test_too_long },
};

int
test_url_add(void)
{
	return unit_add_suite("url", tests, UNIT_NTESTS(tests));
}
