/*
 * proxy: URLs, the environment and no_proxy, the CONNECT request and its
 * answers, and SOCKS5 exchanges compared byte for byte.  The tests that
 * set proxy variables restore them, so other suites see the environment
 * they started with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "buf.h"
#include "proxy.h"
#include "tests.h"

#define LEN(s) (sizeof(s) - 1) /* of a string literal, NULs inside too */

static char err[512];

struct parse_case {
	const char *s;
	enum proxy_kind kind;
	const char *host, *port, *auth;
};

static void
test_parse(void)
{
	static const struct parse_case cases[] = {
		{ "http://proxy.example:3128", PROXY_HTTP, "proxy.example",
		    "3128", "" },
		{ "http://proxy.example", PROXY_HTTP, "proxy.example", "1080",
		    "" },
		{ "http://proxy.example:3128/", PROXY_HTTP, "proxy.example",
		    "3128", "" },
		{ "HTTP://Proxy:8080", PROXY_HTTP, "Proxy", "8080", "" },
		/* No scheme means http://, as in curl. */
		{ "proxy:8080", PROXY_HTTP, "proxy", "8080", "" },
		{ "proxy", PROXY_HTTP, "proxy", "1080", "" },
		{ "[::1]:3128", PROXY_HTTP, "::1", "3128", "" },
		{ "http://[2001:db8::1]", PROXY_HTTP, "2001:db8::1", "1080",
		    "" },
		{ "socks5h://127.0.0.1:9050", PROXY_SOCKS5H, "127.0.0.1",
		    "9050", "" },
		{ "socks5h://tor", PROXY_SOCKS5H, "tor", "1080", "" },
		{ "SOCKS5://tor:1081", PROXY_SOCKS5H, "tor", "1081", "" },
		{ "socks5://[::1]", PROXY_SOCKS5H, "::1", "1080", "" },
		{ "http://user:pass@proxy:3128", PROXY_HTTP, "proxy", "3128",
		    "user:pass" },
		{ "socks5h://us%40er:p%3As%20s@[::1]:1080", PROXY_SOCKS5H,
		    "::1", "1080", "us@er:p:s s" },
		{ "user:pass@proxy:3128", PROXY_HTTP, "proxy", "3128",
		    "user:pass" },
		/* A user alone gets an empty password. */
		{ "http://user@proxy", PROXY_HTTP, "proxy", "1080", "user:" },
		{ "http://:secret@proxy", PROXY_HTTP, "proxy", "1080",
		    ":secret" },
	};
	struct proxy p;

	for (size_t i = 0; i < UNIT_NTESTS(cases); i++) {
		const struct parse_case *c = &cases[i];

		err[0] = '\0';
		CU_ASSERT_EQUAL(proxy_parse(c->s, &p, err, sizeof(err)), 0);
		CU_ASSERT_STRING_EQUAL(err, "");
		CU_ASSERT_EQUAL(p.kind, c->kind);
		CU_ASSERT_STRING_EQUAL(p.host, c->host);
		CU_ASSERT_STRING_EQUAL(p.port, c->port);
		CU_ASSERT_STRING_EQUAL(p.auth, c->auth);
	}
}

static void
test_parse_refused(void)
{
	static const struct {
		const char *s, *err;
	} cases[] = {
		{ "", "empty proxy URL" },
		{ "https://proxy:3128", "https:// proxies are not supported" },
		{ "socks4://proxy",
		    "proxy scheme must be http://, socks5:// or socks5h://" },
		{ "socks4a://proxy",
		    "proxy scheme must be http://, socks5:// or socks5h://" },
		{ "ftp://proxy",
		    "proxy scheme must be http://, socks5:// or socks5h://" },
		{ "ws://proxy",
		    "proxy scheme must be http://, socks5:// or socks5h://" },
		{ "http://proxy/path", "a proxy URL takes no path" },
		{ "http://proxy?x=1", "a proxy URL takes no path" },
		{ "http://proxy:0", "port must be 1-65535" },
		{ "http://us%zzer@proxy", "bad percent-encoding in user info" },
		{ "http://u%0ar:p@proxy", "control character in user info" },
		{ "http://", NULL },
		{ "http://:3128", NULL },
		{ "http://proxy:99999", NULL },
		{ "http://proxy:port", NULL },
		{ "http://pro xy", NULL },
		{ "http://[::1", NULL },
	};
	struct proxy p;

	for (size_t i = 0; i < UNIT_NTESTS(cases); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(proxy_parse(cases[i].s, &p, err, sizeof(err)),
		    -1);
		CU_ASSERT(err[0] != '\0');
		if (cases[i].err != NULL)
			CU_ASSERT_STRING_EQUAL(err, cases[i].err);
	}
}

static void
test_parse_too_long(void)
{
	char s[PROXY_MAX_HOST + 32], auth[PROXY_MAX_AUTH + 32];
	struct proxy p;

	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	CU_ASSERT_EQUAL(proxy_parse(s, &p, err, sizeof(err)), -1);
	/* 255 bytes of user name fit, but not with the ':' added. */
	memset(auth, 'u', sizeof(auth));
	strcpy(auth + PROXY_MAX_AUTH - 1, "@proxy");
	CU_ASSERT_EQUAL(proxy_parse(auth, &p, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "user info too long");
	auth[PROXY_MAX_AUTH - 2] = ':';
	CU_ASSERT_EQUAL(proxy_parse(auth, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(p.auth), PROXY_MAX_AUTH - 1);
}

/* The variables proxy_from_env() reads, as indexes into env_case.env. */
enum {
	E_HTTP,
	E_HTTP_UP,
	E_HTTPS,
	E_HTTPS_UP,
	E_ALL,
	E_ALL_UP,
	E_NO,
	E_NO_UP,
	NENV
};
static const char *const env_names[NENV] = { "http_proxy", "HTTP_PROXY",
	"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
	"NO_PROXY" };
static char *env_saved[NENV];

/* Saves and unsets every proxy variable. */
static void
env_save(void)
{
	for (int i = 0; i < NENV; i++) {
		const char *v = getenv(env_names[i]);

		env_saved[i] = v != NULL ? strdup(v) : NULL;
		unsetenv(env_names[i]);
	}
}

static void
env_restore(void)
{
	for (int i = 0; i < NENV; i++) {
		if (env_saved[i] != NULL)
			setenv(env_names[i], env_saved[i], 1);
		else
			unsetenv(env_names[i]);
		free(env_saved[i]);
		env_saved[i] = NULL;
	}
}

struct env_case {
	const char *env[NENV]; /* NULL: unset */
	bool tls;
	const char *host;
	const char *want; /* NULL: no proxy */
};

static void
test_from_env(void)
{
	static const struct env_case cases[] = {
		{ { NULL }, false, "h", NULL },
		{ { NULL }, true, "h", NULL },
		{ { [E_HTTP] = "A" }, false, "h", "A" },
		{ { [E_HTTP] = "A" }, true, "h", NULL },
		{ { [E_HTTPS] = "B" }, true, "h", "B" },
		{ { [E_HTTPS] = "B" }, false, "h", NULL },
		{ { [E_HTTPS_UP] = "C" }, true, "h", "C" },
		{ { [E_HTTPS] = "B", [E_HTTPS_UP] = "C" }, true, "h", "B" },
		/* HTTP_PROXY may come from a request header (CGI). */
		{ { [E_HTTP_UP] = "X" }, false, "h", NULL },
		{ { [E_HTTP_UP] = "X", [E_ALL] = "D" }, false, "h", "D" },
		{ { [E_ALL] = "D" }, false, "h", "D" },
		{ { [E_ALL] = "D" }, true, "h", "D" },
		{ { [E_ALL_UP] = "E" }, true, "h", "E" },
		{ { [E_ALL] = "D", [E_ALL_UP] = "E" }, false, "h", "D" },
		{ { [E_HTTP] = "A", [E_ALL] = "D" }, false, "h", "A" },
		{ { [E_HTTPS_UP] = "C", [E_ALL] = "D" }, true, "h", "C" },
		/* Empty values count as unset. */
		{ { [E_HTTP] = "", [E_ALL] = "D" }, false, "h", "D" },
		{ { [E_HTTPS] = "", [E_HTTPS_UP] = "C" }, true, "h", "C" },
		{ { [E_ALL] = "", [E_ALL_UP] = "E" }, true, "h", "E" },
		{ { [E_HTTP] = "", [E_ALL] = "", [E_ALL_UP] = "" }, false, "h",
		    NULL },
		/* no_proxy, else NO_PROXY. */
		{ { [E_HTTP] = "A", [E_NO] = "h" }, false, "h", NULL },
		{ { [E_HTTP] = "A", [E_NO] = "h" }, false, "g", "A" },
		{ { [E_HTTP] = "A", [E_NO_UP] = "h" }, false, "h", NULL },
		{ { [E_HTTP] = "A", [E_NO] = "", [E_NO_UP] = "h" }, false, "h",
		    NULL },
		{ { [E_HTTP] = "A", [E_NO] = "g", [E_NO_UP] = "h" }, false, "h",
		    "A" },
		{ { [E_ALL] = "D", [E_NO] = "*" }, true, "h", NULL },
		{ { [E_HTTPS] = "B", [E_NO] = ".example.com" }, true,
		    "www.example.com", NULL },
	};

	env_save();
	for (size_t i = 0; i < UNIT_NTESTS(cases); i++) {
		const struct env_case *c = &cases[i];
		const char *got;

		for (int v = 0; v < NENV; v++)
			if (c->env[v] != NULL)
				setenv(env_names[v], c->env[v], 1);
			else
				unsetenv(env_names[v]);
		got = proxy_from_env(c->tls, c->host);
		if (c->want == NULL) {
			CU_ASSERT_PTR_NULL(got);
		} else {
			CU_ASSERT_PTR_NOT_NULL(got);
			if (got != NULL)
				CU_ASSERT_STRING_EQUAL(got, c->want);
		}
	}
	env_restore();
}

static void
test_no_proxy(void)
{
	static const struct {
		const char *list, *host;
		bool match;
	} cases[] = {
		{ "example.com", "example.com", true },
		{ "example.com", "a.example.com", true },
		{ "example.com", "a.b.example.com", true },
		{ "example.com", "notexample.com", false },
		{ "example.com", "example.com.evil", false },
		{ "example.com", "example.org", false },
		{ "a.example.com", "example.com", false },
		{ ".example.com", "example.com", true },
		{ ".example.com", "a.example.com", true },
		{ "EXAMPLE.com", "www.Example.COM", true },
		{ "example.com.", "example.com", true },
		{ "example.com", "example.com.", true },
		{ ".", "example.com", false },
		{ "*", "example.com", true },
		{ "*", "::1", true },
		/* "*" is a wildcard only as the whole list, as in curl. */
		{ "example.org,*", "example.com", false },
		{ " example.org , example.com ", "example.com", true },
		{ "example.org,,\texample.com", "example.com", true },
		{ "example.org, ", "example.com", false },
		{ "", "example.com", false },
		{ "example.com", "", false },
		/* Ports do not count. */
		{ "example.com:8080", "example.com", true },
		{ "127.0.0.1:8080", "127.0.0.1", true },
		{ "[::1]:8080", "::1", true },
		/* IP literals: addresses, not names; nothing is resolved. */
		{ "127.0.0.1", "127.0.0.1", true },
		{ "127.0.0.1", "127.0.0.10", false },
		{ "0.0.1", "127.0.0.1", false },
		{ "localhost", "127.0.0.1", false },
		{ "127.0.0.1", "::1", false },
		{ "::1", "::1", true },
		{ "::1", "0:0::1", true },
		{ "[::1]", "::1", true },
		{ "::1", "[::1]", true },
		{ "::1", "::2", false },
		/* CIDR. */
		{ "10.0.0.0/8", "10.1.2.3", true },
		{ "10.0.0.0/8", "11.0.0.1", false },
		{ "192.168.0.0/16", "192.168.255.1", true },
		{ "192.168.0.0/17", "192.168.128.1", false },
		{ "192.168.0.0/17", "192.168.127.1", true },
		{ "1.2.3.4/32", "1.2.3.4", true },
		{ "1.2.3.4/33", "1.2.3.4", false },
		{ "10.0.0.0/x", "10.0.0.1", false },
		{ "10.0.0.0/", "10.0.0.1", false },
		{ "10.0.0.0/8", "ten.example", false },
		{ "::1/128", "::1", true },
		{ "[::1]/128", "::1", true },
		{ "fe80::/10", "fe80::1", true },
		{ "fe80::/10", "febf::1", true },
		{ "fe80::/10", "fec0::1", false },
		{ "2001:db8::/32", "2001:db8:ffff::1", true },
		{ "2001:db8::/129", "2001:db8::", false },
		{ "10.0.0.0/8", "::ffff:10.0.0.1", false },
	};

	char what[128];

	/* A failure names its row. */
	for (size_t i = 0; i < UNIT_NTESTS(cases); i++) {
		snprintf(what, sizeof(what),
		    "proxy_no_proxy(\"%s\", \"%s\") is %s", cases[i].list,
		    cases[i].host, cases[i].match ? "true" : "false");
		CU_assertImplementation(proxy_no_proxy(cases[i].list,
					    cases[i].host) == cases[i].match,
		    __LINE__, what, __FILE__, "", CU_FALSE);
	}
}

static void
test_connect_request(void)
{
	struct proxy p = { .kind = PROXY_HTTP };
	struct buf out;

	buf_init(&out, 4096);
	CU_ASSERT_EQUAL(proxy_connect_request(&out, &p, "example.com:443"), 0);
	CU_ASSERT_EQUAL(buf_used(&out),
	    LEN("CONNECT example.com:443 HTTP/1.1\r\n"
		"Host: example.com:443\r\n\r\n"));
	CU_ASSERT_NSTRING_EQUAL(buf_head(&out),
	    "CONNECT example.com:443 HTTP/1.1\r\n"
	    "Host: example.com:443\r\n\r\n",
	    buf_used(&out));
	buf_consume(&out, buf_used(&out));

	/* RFC 7617's example credentials. */
	strcpy(p.auth, "Aladdin:open sesame");
	CU_ASSERT_EQUAL(proxy_connect_request(&out, &p, "[::1]:8080"), 0);
	CU_ASSERT_EQUAL(buf_used(&out),
	    LEN("CONNECT [::1]:8080 HTTP/1.1\r\nHost: [::1]:8080\r\n"
		"Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
		"\r\n"));
	CU_ASSERT_NSTRING_EQUAL(buf_head(&out),
	    "CONNECT [::1]:8080 HTTP/1.1\r\nHost: [::1]:8080\r\n"
	    "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
	    "\r\n",
	    buf_used(&out));
	buf_deinit(&out);
}

/* Nothing is appended when a value would inject a line or there is no
 * room for all of the request. */
static void
test_connect_request_refused(void)
{
	static const char *const hostports[] = { "", "a:1\r\nX-Evil: 1",
		"a:1\nX: 1", "a b:1", "a:1\t" };
	struct proxy p = { .kind = PROXY_HTTP };
	struct buf out;

	buf_init(&out, 4096);
	for (size_t i = 0; i < UNIT_NTESTS(hostports); i++)
		CU_ASSERT_EQUAL(proxy_connect_request(&out, &p, hostports[i]),
		    -1);
	strcpy(p.auth, "user:pa\r\nss");
	CU_ASSERT_EQUAL(proxy_connect_request(&out, &p, "a:1"), -1);
	strcpy(p.auth, "user:pa\x7fss");
	CU_ASSERT_EQUAL(proxy_connect_request(&out, &p, "a:1"), -1);
	strcpy(p.auth, "user"); /* Basic needs the colon (RFC 7617) */
	CU_ASSERT_EQUAL(proxy_connect_request(&out, &p, "a:1"), -1);
	CU_ASSERT_EQUAL(buf_used(&out), 0);
	buf_deinit(&out);

	p.auth[0] = '\0';
	buf_init(&out, LEN("CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n") - 1);
	CU_ASSERT_EQUAL(proxy_connect_request(&out, &p, "a:1"), -1);
	CU_ASSERT_EQUAL(buf_used(&out), 0);
	buf_deinit(&out);
}

/* Feeds the answer a[0..n) and checks the outcome. */
static enum proxy_status
answer(const char *a, size_t n, int *status)
{
	size_t head_len = 12345;
	enum proxy_status r;

	err[0] = '\0';
	r = proxy_connect_response(a, n, &head_len, status, err, sizeof(err));
	if (r != PROXY_DONE)
		CU_ASSERT_EQUAL(head_len, 0);
	return r;
}

static void
test_connect_response_done(void)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n"
				 "\r\n"
				 "\x81\x05hello";
	static const char *const others[] = {
		"HTTP/1.0 200 Connection established\r\n"
		"Proxy-agent: tinyproxy/1.11.1\r\n\r\n",
		"HTTP/1.1 200\r\n\r\n",
		"HTTP/1.1 204 No Content\r\n\r\n",
		/* Length headers in a 2xx to CONNECT are ignored. */
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
		"Transfer-Encoding: chunked\r\n\r\n",
	};
	size_t head_len;
	int status;

	CU_ASSERT_EQUAL(proxy_connect_response(ok, LEN(ok), &head_len, &status,
			    err, sizeof(err)),
	    PROXY_DONE);
	CU_ASSERT_EQUAL(status, 200);
	CU_ASSERT_EQUAL(head_len, LEN(ok) - LEN("\x81\x05hello"));
	for (size_t i = 0; i < UNIT_NTESTS(others); i++) {
		CU_ASSERT_EQUAL(proxy_connect_response(others[i],
				    strlen(others[i]), &head_len, &status, err,
				    sizeof(err)),
		    PROXY_DONE);
		CU_ASSERT_EQUAL(head_len, strlen(others[i]));
		CU_ASSERT(status >= 200 && status <= 299);
	}
}

/* Every cut of the head short of its end waits for more. */
static void
test_connect_response_partial(void)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n"
				 "Via: 1.1 proxy\r\n\r\n";
	int status;

	for (size_t n = 0; n < LEN(ok); n++)
		CU_ASSERT_EQUAL(answer(ok, n, &status), PROXY_MORE);
	CU_ASSERT_EQUAL(answer(ok, LEN(ok), &status), PROXY_DONE);
}

static void
test_connect_response_refused(void)
{
	static const struct {
		const char *in;
		int status;
		const char *err;
	} cases[] = {
		{ "HTTP/1.1 407 Proxy Authentication Required\r\n"
		  "Proxy-Authenticate: Basic realm=\"proxy\"\r\n"
		  "Content-Length: 5\r\n\r\nnope\n",
		    407,
		    "proxy answered 'HTTP/1.1 407 Proxy Authentication "
		    "Required'" },
		{ "HTTP/1.1 403 Forbidden\r\n\r\n", 403,
		    "proxy answered 'HTTP/1.1 403 Forbidden'" },
		{ "HTTP/1.0 502 Bad Gateway\r\nConnection: close\r\n\r\n", 502,
		    "proxy answered 'HTTP/1.0 502 Bad Gateway'" },
		{ "HTTP/1.1 101 Switching Protocols\r\n\r\n", 101,
		    "proxy answered 'HTTP/1.1 101 Switching Protocols'" },
		{ "HTTP/1.1 301 Moved\r\nLocation: http://x/\r\n\r\n", 301,
		    "proxy answered 'HTTP/1.1 301 Moved'" },
		/* Control bytes in the status line are escaped. */
		{ "HTTP/1.1 403 No\x1b[2J\x07\x7f\r\n\r\n", 403,
		    "proxy answered 'HTTP/1.1 403 No\\x1b[2J\\x07\\x7f'" },
		{ "HTTP/1.1 abc\r\n\r\n", 0,
		    "malformed proxy answer 'HTTP/1.1 abc'" },
		{ "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", 0,
		    "malformed proxy answer 'HTTP/1.1 200 OK'" },
		/* Not HTTP: refused at once, without waiting for a head. */
		{ "SSH-2.0-OpenSSH_9.2\r\n", 0,
		    "proxy answer is not HTTP: 'SSH-2.0-OpenSSH_9.2'" },
		{ "\x16\x03\x01", 0,
		    "proxy answer is not HTTP: '\\x16\\x03\\x01'" },
		{ "HTTP/", 0, NULL }, /* a prefix of HTTP: MORE */
	};
	int status;

	for (size_t i = 0; i < UNIT_NTESTS(cases); i++) {
		if (cases[i].err == NULL) {
			CU_ASSERT_EQUAL(answer(cases[i].in, strlen(cases[i].in),
					    &status),
			    PROXY_MORE);
			continue;
		}
		CU_ASSERT_EQUAL(answer(cases[i].in, strlen(cases[i].in),
				    &status),
		    PROXY_REFUSED);
		CU_ASSERT_EQUAL(status, cases[i].status);
		CU_ASSERT_STRING_EQUAL(err, cases[i].err);
	}
	/* A NUL is a control byte like the others. */
	CU_ASSERT_EQUAL(answer("\0HTTP", 5, &status), PROXY_REFUSED);
	CU_ASSERT_STRING_EQUAL(err, "proxy answer is not HTTP: '\\x00HTTP'");
}

/* A head of exactly PROXY_MAX_HEAD bytes is taken; a longer one, or as
 * many bytes without its end, is refused.  A long status line is cut. */
static void
test_connect_response_long(void)
{
	char in[PROXY_MAX_HEAD + 16], want[200];
	static const char start[] = "HTTP/1.1 200 OK\r\nX: ";
	size_t head_len;
	int status;

	memset(in, 'a', sizeof(in));
	memcpy(in, start, LEN(start));
	memcpy(in + PROXY_MAX_HEAD - 4, "\r\n\r\n", 4);
	CU_ASSERT_EQUAL(proxy_connect_response(in, sizeof(in), &head_len,
			    &status, err, sizeof(err)),
	    PROXY_DONE);
	CU_ASSERT_EQUAL(head_len, PROXY_MAX_HEAD);

	memset(in + PROXY_MAX_HEAD - 4, 'a', 4);
	memcpy(in + PROXY_MAX_HEAD - 3, "\r\n\r\n", 4);
	CU_ASSERT_EQUAL(answer(in, sizeof(in), &status), PROXY_REFUSED);
	CU_ASSERT_STRING_EQUAL(err, "proxy answer too long");
	CU_ASSERT_EQUAL(status, 0);
	memset(in + PROXY_MAX_HEAD - 3, 'a', 4);
	CU_ASSERT_EQUAL(answer(in, PROXY_MAX_HEAD - 1, &status), PROXY_MORE);
	CU_ASSERT_EQUAL(answer(in, PROXY_MAX_HEAD, &status), PROXY_REFUSED);
	CU_ASSERT_STRING_EQUAL(err, "proxy answer too long");

	memset(in, 'x', sizeof(in));
	memcpy(in, "HTTP/1.1 403 ", 13);
	memcpy(in + 300, "\r\n\r\n", 4);
	snprintf(want, sizeof(want), "proxy answered '%.100s'", in);
	CU_ASSERT_EQUAL(answer(in, 304, &status), PROXY_REFUSED);
	CU_ASSERT_STRING_EQUAL(err, want);
}

/* One SOCKS exchange: the proxy's bytes, and what we must send. */
struct socks_run {
	struct proxy_socks st;
	struct buf out;
	int status;
	size_t used;
};

static void
socks_begin(struct socks_run *r, const char *auth, const char *host,
    const char *port, const char *hello, size_t hello_len)
{
	struct proxy p = { .kind = PROXY_SOCKS5H };

	snprintf(p.auth, sizeof(p.auth), "%s", auth);
	buf_init(&r->out, 4096);
	CU_ASSERT_EQUAL_FATAL(
	    proxy_socks_start(&r->st, &r->out, &p, host, port), 0);
	CU_ASSERT_EQUAL(buf_used(&r->out), hello_len);
	CU_ASSERT(memcmp(buf_head(&r->out), hello, hello_len) == 0);
	buf_consume(&r->out, buf_used(&r->out));
}

/* Feeds in[0..n); checks the result, the bytes consumed and the bytes
 * sent (n_sent of sent). */
static void
socks_feed(struct socks_run *r, const char *in, size_t n,
    enum proxy_status want, size_t used, const char *sent, size_t n_sent)
{
	err[0] = '\0';
	CU_ASSERT_EQUAL(proxy_socks_step(&r->st, in, n, &r->used, &r->out,
			    &r->status, err, sizeof(err)),
	    want);
	if (want != PROXY_REFUSED)
		CU_ASSERT_EQUAL(r->used, used);
	CU_ASSERT_EQUAL(buf_used(&r->out), n_sent);
	CU_ASSERT(memcmp(buf_head(&r->out), sent, n_sent) == 0);
	buf_consume(&r->out, buf_used(&r->out));
}

#define NO_AUTH_HELLO "\x05\x01\x00"
#define AUTH_HELLO "\x05\x02\x00\x02"
/* CONNECT example.com:443 */
#define REQ_NAME               \
	"\x05\x01\x00\x03\x0b" \
	"example.com\x01\xbb"
/* Succeeded, bound to 127.0.0.1:8080. */
#define REPLY_OK "\x05\x00\x00\x01\x7f\x00\x00\x01\x1f\x90"

static void
test_socks_no_auth(void)
{
	struct socks_run r;

	socks_begin(&r, "", "example.com", "443", NO_AUTH_HELLO,
	    LEN(NO_AUTH_HELLO));
	socks_feed(&r, "\x05\x00", 2, PROXY_MORE, 2, REQ_NAME, LEN(REQ_NAME));
	/* The tunnel's first bytes came with the reply: not consumed. */
	socks_feed(&r, REPLY_OK "\x81\x00", LEN(REPLY_OK) + 2, PROXY_DONE,
	    LEN(REPLY_OK), "", 0);
	CU_ASSERT_EQUAL(r.status, 0);
	buf_deinit(&r.out);
}

/* Addresses go as addresses, names as names; the reply's bound address
 * may be of any type. */
static void
test_socks_address_types(void)
{
	static const char v4[] = "\x05\x01\x00\x01\xc0\x00\x02\x01\x00\x50";
	static const char v6[] = "\x05\x01\x00\x04"
				 "\x20\x01\x0d\xb8\x00\x00\x00\x00"
				 "\x00\x00\x00\x00\x00\x00\x00\x01"
				 "\x1f\x90";
	static const char reply6[] = "\x05\x00\x00\x04"
				     "\x00\x00\x00\x00\x00\x00\x00\x00"
				     "\x00\x00\x00\x00\x00\x00\x00\x01"
				     "\x00\x01";
	static const char reply_name[] = "\x05\x00\x00\x03\x05proxy\x04\x38";
	struct socks_run r;

	socks_begin(&r, "", "192.0.2.1", "80", NO_AUTH_HELLO,
	    LEN(NO_AUTH_HELLO));
	socks_feed(&r, "\x05\x00", 2, PROXY_MORE, 2, v4, LEN(v4));
	socks_feed(&r, reply6, LEN(reply6), PROXY_DONE, LEN(reply6), "", 0);
	buf_deinit(&r.out);

	socks_begin(&r, "", "2001:db8::1", "8080", NO_AUTH_HELLO,
	    LEN(NO_AUTH_HELLO));
	socks_feed(&r, "\x05\x00", 2, PROXY_MORE, 2, v6, LEN(v6));
	socks_feed(&r, reply_name, LEN(reply_name), PROXY_DONE, LEN(reply_name),
	    "", 0);
	buf_deinit(&r.out);
}

static void
test_socks_user_pass(void)
{
	static const char auth_req[] = "\x01\x05"
				       "alice\x07s3c:ret";
	struct socks_run r;

	socks_begin(&r, "alice:s3c:ret", "example.com", "443", AUTH_HELLO,
	    LEN(AUTH_HELLO));
	socks_feed(&r, "\x05\x02", 2, PROXY_MORE, 2, auth_req, LEN(auth_req));
	socks_feed(&r, "\x01\x00", 2, PROXY_MORE, 2, REQ_NAME, LEN(REQ_NAME));
	socks_feed(&r, REPLY_OK, LEN(REPLY_OK), PROXY_DONE, LEN(REPLY_OK), "",
	    0);
	buf_deinit(&r.out);

	/* Offered, but the proxy wants none. */
	socks_begin(&r, "alice:s3c:ret", "example.com", "443", AUTH_HELLO,
	    LEN(AUTH_HELLO));
	socks_feed(&r, "\x05\x00", 2, PROXY_MORE, 2, REQ_NAME, LEN(REQ_NAME));
	buf_deinit(&r.out);

	/* Some proxies answer RFC 1929 with version 5: the status counts. */
	socks_begin(&r, "u:", "example.com", "443", AUTH_HELLO,
	    LEN(AUTH_HELLO));
	socks_feed(&r, "\x05\x02", 2, PROXY_MORE, 2, "\x01\x01u\x00", 4);
	socks_feed(&r, "\x05\x00", 2, PROXY_MORE, 2, REQ_NAME, LEN(REQ_NAME));
	buf_deinit(&r.out);
}

static void
test_socks_auth_refused(void)
{
	struct socks_run r;

	socks_begin(&r, "alice:wrong", "example.com", "443", AUTH_HELLO,
	    LEN(AUTH_HELLO));
	socks_feed(&r, "\x05\x02", 2, PROXY_MORE, 2,
	    "\x01\x05"
	    "alice\x05wrong",
	    13);
	socks_feed(&r, "\x01\x01", 2, PROXY_REFUSED, 0, "", 0);
	CU_ASSERT_STRING_EQUAL(err,
	    "SOCKS proxy rejected the user name or password");
	buf_deinit(&r.out);

	socks_begin(&r, "", "example.com", "443", NO_AUTH_HELLO,
	    LEN(NO_AUTH_HELLO));
	socks_feed(&r, "\x05\xff", 2, PROXY_REFUSED, 0, "", 0);
	CU_ASSERT_STRING_EQUAL(err, "SOCKS proxy wants authentication");
	buf_deinit(&r.out);

	socks_begin(&r, "a:b", "example.com", "443", AUTH_HELLO,
	    LEN(AUTH_HELLO));
	socks_feed(&r, "\x05\xff", 2, PROXY_REFUSED, 0, "", 0);
	CU_ASSERT_STRING_EQUAL(err,
	    "SOCKS proxy accepts none of our authentication methods");
	buf_deinit(&r.out);

	/* A method we did not offer: user/pass without credentials. */
	socks_begin(&r, "", "example.com", "443", NO_AUTH_HELLO,
	    LEN(NO_AUTH_HELLO));
	socks_feed(&r, "\x05\x02", 2, PROXY_REFUSED, 0, "", 0);
	CU_ASSERT_STRING_EQUAL(err,
	    "SOCKS proxy chose authentication method 2, which was not "
	    "offered");
	buf_deinit(&r.out);
}

static void
test_socks_connect_refused(void)
{
	static const char *const why[] = { NULL, "general SOCKS server failure",
		"connection not allowed by ruleset", "network unreachable",
		"host unreachable", "connection refused", "TTL expired",
		"command not supported", "address type not supported",
		"unknown error" };
	char want[128], reply[2] = { 5, 0 };
	struct socks_run r;

	for (int rep = 1; rep <= 9; rep++) {
		socks_begin(&r, "", "example.com", "443", NO_AUTH_HELLO,
		    LEN(NO_AUTH_HELLO));
		socks_feed(&r, "\x05\x00", 2, PROXY_MORE, 2, REQ_NAME,
		    LEN(REQ_NAME));
		/* Two bytes are enough to refuse. */
		reply[1] = rep;
		socks_feed(&r, reply, 2, PROXY_REFUSED, 0, "", 0);
		CU_ASSERT_EQUAL(r.status, rep);
		snprintf(want, sizeof(want), "SOCKS proxy refused: %s (%d)",
		    why[rep], rep);
		CU_ASSERT_STRING_EQUAL(err, want);
		buf_deinit(&r.out);
	}
	CU_ASSERT_STRING_EQUAL(want, "SOCKS proxy refused: unknown error (9)");
}

/* Not SOCKS5 at all, or a reply with an unknown address type. */
static void
test_socks_garbage(void)
{
	struct socks_run r;

	socks_begin(&r, "", "example.com", "443", NO_AUTH_HELLO,
	    LEN(NO_AUTH_HELLO));
	socks_feed(&r, "HTTP/1.1 400", 12, PROXY_REFUSED, 0, "", 0);
	CU_ASSERT_STRING_EQUAL(err,
	    "proxy answer is not SOCKS5 (version byte 0x48)");
	buf_deinit(&r.out);

	socks_begin(&r, "", "example.com", "443", NO_AUTH_HELLO,
	    LEN(NO_AUTH_HELLO));
	socks_feed(&r, "\x05\x00", 2, PROXY_MORE, 2, REQ_NAME, LEN(REQ_NAME));
	socks_feed(&r, "\x05\x00\x00\x09\x00", 5, PROXY_REFUSED, 0, "", 0);
	CU_ASSERT_STRING_EQUAL(err, "SOCKS proxy replied with address type 9");
	buf_deinit(&r.out);

	socks_begin(&r, "", "example.com", "443", NO_AUTH_HELLO,
	    LEN(NO_AUTH_HELLO));
	socks_feed(&r, "\x05\x00", 2, PROXY_MORE, 2, REQ_NAME, LEN(REQ_NAME));
	socks_feed(&r, "\x04\x5a", 2, PROXY_REFUSED, 0, "", 0);
	CU_ASSERT_STRING_EQUAL(err,
	    "proxy answer is not SOCKS5 (version byte 0x04)");
	buf_deinit(&r.out);
}

/* The proxy's bytes one at a time, kept by the caller until consumed, as
 * a connection would: the same requests go out, and the tunnel's bytes
 * are left over. */
static void
test_socks_byte_by_byte(void)
{
	static const char proxy[] = "\x05\x02"
				    "\x01\x00" REPLY_OK "tunnel";
	static const char sent[] = AUTH_HELLO "\x01\x01u\x01p" REQ_NAME;
	struct proxy p = { .kind = PROXY_SOCKS5H, .auth = "u:p" };
	struct proxy_socks st;
	struct buf out, pending;
	enum proxy_status s = PROXY_MORE;
	size_t used, i;
	int status;

	buf_init(&out, 4096);
	buf_init(&pending, 4096);
	CU_ASSERT_EQUAL_FATAL(
	    proxy_socks_start(&st, &out, &p, "example.com", "443"), 0);
	for (i = 0; i < LEN(proxy) && s == PROXY_MORE; i++) {
		CU_ASSERT_EQUAL_FATAL(buf_append(&pending, proxy + i, 1), 0);
		s = proxy_socks_step(&st, buf_head(&pending),
		    buf_used(&pending), &used, &out, &status, err, sizeof(err));
		buf_consume(&pending, used);
	}
	CU_ASSERT_EQUAL(s, PROXY_DONE);
	CU_ASSERT_EQUAL(i, LEN(proxy) - LEN("tunnel"));
	CU_ASSERT_EQUAL(buf_used(&pending), 0);
	CU_ASSERT_EQUAL(buf_used(&out), LEN(sent));
	CU_ASSERT(memcmp(buf_head(&out), sent, LEN(sent)) == 0);
	buf_deinit(&out);
	buf_deinit(&pending);
}

static void
test_socks_start_refused(void)
{
	static const char *const ports[] = { "", "0", "65536", "https", "80x",
		"-1", "+80" };
	struct proxy p = { .kind = PROXY_SOCKS5H };
	char host[300];
	struct proxy_socks st;
	struct buf out;

	buf_init(&out, 4096);
	CU_ASSERT_EQUAL(proxy_socks_start(&st, &out, &p, "", "443"), -1);
	for (size_t i = 0; i < UNIT_NTESTS(ports); i++)
		CU_ASSERT_EQUAL(proxy_socks_start(&st, &out, &p, "h", ports[i]),
		    -1);
	memset(host, 'a', 256);
	host[256] = '\0';
	CU_ASSERT_EQUAL(proxy_socks_start(&st, &out, &p, host, "443"), -1);
	CU_ASSERT_EQUAL(buf_used(&out), 0);
	/* 255 bytes is the most a name can have. */
	host[255] = '\0';
	CU_ASSERT_EQUAL(proxy_socks_start(&st, &out, &p, host, "65535"), 0);
	CU_ASSERT_EQUAL(st.reqlen, 4 + 1 + 255 + 2);
	CU_ASSERT_EQUAL(st.req[4], 255);
	CU_ASSERT_EQUAL(st.req[st.reqlen - 2], 0xff);
	CU_ASSERT_EQUAL(st.req[st.reqlen - 1], 0xff);
	buf_deinit(&out);

	/* The longest user name, no password: the largest RFC 1929 request. */
	memset(p.auth, 'u', sizeof(p.auth) - 1);
	CU_ASSERT_EQUAL(proxy_socks_start(&st, &out, &p, "h", "1"), 0);
	CU_ASSERT_EQUAL(st.authlen, 1 + 1 + 255 + 1);
	CU_ASSERT(st.authlen <= sizeof(st.auth));
	CU_ASSERT_EQUAL(st.auth[st.authlen - 1], 0);
	buf_deinit(&out);

	p.auth[0] = '\0';
	buf_init(&out, 2);
	CU_ASSERT_EQUAL(proxy_socks_start(&st, &out, &p, "h", "1"), -1);
	buf_deinit(&out);
}

static const struct unit_test tests[] = {
	{ "proxy URLs: schemes, default ports, IPv6, user info", test_parse },
	{ "proxy URLs refused with a reason", test_parse_refused },
	{ "proxy URLs: host and user info bounds", test_parse_too_long },
	{ "the environment picks the proxy as curl does", test_from_env },
	{ "no_proxy: names, suffixes, addresses and CIDR", test_no_proxy },
	{ "CONNECT request bytes, with and without auth",
	    test_connect_request },
	{ "CONNECT request refused rather than cut or injected",
	    test_connect_request_refused },
	{ "CONNECT 2xx opens the tunnel, extra bytes left",
	    test_connect_response_done },
	{ "CONNECT answer incomplete: more", test_connect_response_partial },
	{ "CONNECT refusals and garbage, escaped",
	    test_connect_response_refused },
	{ "CONNECT answer bounds", test_connect_response_long },
	{ "SOCKS5 without authentication", test_socks_no_auth },
	{ "SOCKS5 IPv4, IPv6 and name requests and replies",
	    test_socks_address_types },
	{ "SOCKS5 user name and password", test_socks_user_pass },
	{ "SOCKS5 authentication refused", test_socks_auth_refused },
	{ "SOCKS5 CONNECT refusal codes", test_socks_connect_refused },
	{ "SOCKS5 answers that are not SOCKS5", test_socks_garbage },
	{ "SOCKS5 input one byte at a time", test_socks_byte_by_byte },
	{ "SOCKS5 start refuses bad hosts and ports",
	    test_socks_start_refused },
};

int
test_proxy_add(void)
{
	return unit_add_suite("proxy", tests, UNIT_NTESTS(tests));
}
