/*
 * The server's access policy (src/handshake): the Host check, the Origin
 * check with RFC 6454 normalization, Basic authorization, the order they
 * run in, the redaction of credentials for logs, and how src/upgrade
 * applies them to upgrades and to plain GET and HEAD requests alike.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "buf.h"
#include "handshake.h"
#include "net.h"
#include "policy.h"
#include "tests.h"
#include "upgrade.h"

#define UPGRADE_HEADERS                                   \
	"Upgrade: websocket\r\nConnection: Upgrade\r\n"   \
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" \
	"Sec-WebSocket-Version: 13\r\n"

static const char *const loopback[] = { "localhost", "127.0.0.1", "[::1]" };
static const unsigned short port8080[] = { 8080 };

static char head[HANDSHAKE_MAX_HEAD];
static struct handshake_request req;
static char err[256];

/* Parses an upgrade request with Host host and the extra header lines
 * (each with its CRLF); fails the test unless it is valid. */
static void
request(const char *host, const char *extra)
{
	int n = snprintf(head, sizeof(head),
	    "GET / HTTP/1.1\r\nHost: %s\r\n" UPGRADE_HEADERS "%s\r\n", host,
	    extra);

	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(head));
	CU_ASSERT_EQUAL_FATAL(
	    handshake_parse_request(head, n, &req, err, sizeof(err)), 0);
	err[0] = '\0';
}

static int
host_status(const char *host, const struct handshake_policy *pol)
{
	request(host, "");
	return policy_check_host(&req, pol, err, sizeof(err));
}

/* The Origin check of a request to Host 127.0.0.1:8080. */
static int
origin_status(const char *origin, const struct handshake_policy *pol)
{
	char line[512];

	snprintf(line, sizeof(line), "Origin: %s\r\n", origin);
	request("127.0.0.1:8080", line);
	return policy_check_origin(&req, pol, err, sizeof(err));
}

static int
auth_status(const char *authorization, const struct handshake_policy *pol)
{
	char line[512];

	line[0] = '\0';
	if (authorization != NULL)
		snprintf(line, sizeof(line), "Authorization: %s\r\n",
		    authorization);
	request("127.0.0.1:8080", line);
	return policy_check_auth(&req, pol, err, sizeof(err));
}

static void
test_host(void)
{
	static const char *const star[] = { "localhost", "*" };
	static const char *const named[] = { "Example.COM.", "[::1]:99" };
	struct handshake_policy pol = { .hosts = loopback, .nhosts = 3 };
	struct handshake_policy any = { .hosts = star, .nhosts = 2 };
	struct handshake_policy none = { 0 };
	struct handshake_policy other = { .hosts = named, .nhosts = 2 };

	/* The port is ignored; names in any case; IPv6 by address. */
	CU_ASSERT_EQUAL(host_status("127.0.0.1:8080", &pol), 0);
	CU_ASSERT_EQUAL(host_status("127.0.0.1", &pol), 0);
	CU_ASSERT_EQUAL(host_status("LocalHost:1", &pol), 0);
	CU_ASSERT_EQUAL(host_status("localhost.:1", &pol), 0);
	CU_ASSERT_EQUAL(host_status("[::1]:8080", &pol), 0);
	CU_ASSERT_EQUAL(host_status("[0:0:0:0:0:0:0:1]", &pol), 0);

	CU_ASSERT_EQUAL(host_status("attacker.example:8080", &pol), 403);
	CU_ASSERT_STRING_EQUAL(err, "host 'attacker.example' not allowed");
	CU_ASSERT_EQUAL(host_status("localhost.attacker.example", &pol), 403);
	CU_ASSERT_EQUAL(host_status("127.0.0.2", &pol), 403);
	CU_ASSERT_EQUAL(host_status("[::2]:8080", &pol), 403);
	/* Malformed: a bare IPv6 address, a port that is not one. */
	CU_ASSERT_EQUAL(host_status("::1", &pol), 403);
	CU_ASSERT_EQUAL(host_status("127.0.0.1:80x", &pol), 403);
	CU_ASSERT_EQUAL(host_status("[::1]x", &pol), 403);
	CU_ASSERT_STRING_EQUAL(err, "host '[::1]x' not allowed");

	/* Entries are normalized too (case, trailing dot, port). */
	CU_ASSERT_EQUAL(host_status("example.com:1", &other), 0);
	CU_ASSERT_EQUAL(host_status("[::1]", &other), 0);
	CU_ASSERT_EQUAL(host_status("localhost", &other), 403);

	CU_ASSERT_EQUAL(host_status("attacker.example", &any), 0);
	CU_ASSERT_EQUAL(host_status("attacker.example", &none), 0);
}

static void
test_origin_own(void)
{
	struct handshake_policy pol = { .hosts = loopback,
		.nhosts = 3,
		.ports = port8080,
		.nports = 1 };
	struct handshake_policy tls = pol;

	tls.tls = true;
	/* Clients that are not browsers send none. */
	request("127.0.0.1:8080", "");
	CU_ASSERT_EQUAL(policy_check_origin(&req, &pol, err, sizeof(err)), 0);

	CU_ASSERT_EQUAL(origin_status("http://127.0.0.1:8080", &pol), 0);
	CU_ASSERT_EQUAL(origin_status("http://localhost:8080", &pol), 0);
	CU_ASSERT_EQUAL(origin_status("http://[::1]:8080", &pol), 0);
	CU_ASSERT_EQUAL(origin_status("HTTP://LocalHost:8080", &pol), 0);

	CU_ASSERT_EQUAL(origin_status("https://evil.example", &pol), 403);
	CU_ASSERT_STRING_EQUAL(err,
	    "origin 'https://evil.example' not allowed");
	/* Another scheme, another port, the default port, a path. */
	CU_ASSERT_EQUAL(origin_status("https://127.0.0.1:8080", &pol), 403);
	CU_ASSERT_EQUAL(origin_status("http://127.0.0.1:9090", &pol), 403);
	CU_ASSERT_EQUAL(origin_status("http://127.0.0.1", &pol), 403);
	CU_ASSERT_EQUAL(origin_status("http://127.0.0.1:8080/", &pol), 403);
	CU_ASSERT_EQUAL(origin_status("http://evil.example:8080", &pol), 403);
	CU_ASSERT_EQUAL(origin_status("null", &pol), 403);
	CU_ASSERT_EQUAL(origin_status("garbage", &pol), 403);
	/* The peer's bytes are shown escaped: nothing reaches a terminal. */
	CU_ASSERT_EQUAL(origin_status("http://\xc3\xa9\x9b.x'\\", &pol), 403);
	CU_ASSERT_STRING_EQUAL(err,
	    "origin 'http://\\xc3\\xa9\\x9b.x\\x27\\x5c' not allowed");

	/* Over TLS our own origins are https:. */
	CU_ASSERT_EQUAL(origin_status("https://localhost:8080", &tls), 0);
	CU_ASSERT_EQUAL(origin_status("http://localhost:8080", &tls), 403);
}

static void
test_origin_listed(void)
{
	static const char *const listed[] = { "https://App.Example",
		"http://x.example:8080/", "null", "http://[::2]:9" };
	static const char *const star[] = { "*" };
	struct handshake_policy pol = { .origins = listed,
		.norigins = 4,
		.hosts = loopback,
		.nhosts = 3,
		.ports = port8080,
		.nports = 1 };
	struct handshake_policy any = { .origins = star,
		.norigins = 1,
		.hosts = loopback,
		.nhosts = 3 };

	CU_ASSERT_EQUAL(origin_status("https://app.example", &pol), 0);
	CU_ASSERT_EQUAL(origin_status("https://app.example:443", &pol), 0);
	CU_ASSERT_EQUAL(origin_status("HTTPS://APP.EXAMPLE", &pol), 0);
	CU_ASSERT_EQUAL(origin_status("http://x.example:8080", &pol), 0);
	CU_ASSERT_EQUAL(origin_status("null", &pol), 0);
	CU_ASSERT_EQUAL(origin_status("http://[0::2]:9", &pol), 0);
	/* Our own origins stay allowed with a list. */
	CU_ASSERT_EQUAL(origin_status("http://127.0.0.1:8080", &pol), 0);

	CU_ASSERT_EQUAL(origin_status("http://app.example", &pol), 403);
	CU_ASSERT_EQUAL(origin_status("https://app.example:8443", &pol), 403);
	CU_ASSERT_EQUAL(origin_status("https://app.example.evil", &pol), 403);
	CU_ASSERT_EQUAL(origin_status("https://app.example/x", &pol), 403);
	CU_ASSERT_EQUAL(origin_status("NULL", &pol), 403);

	CU_ASSERT_EQUAL(origin_status("https://evil.example", &any), 0);
	CU_ASSERT_EQUAL(origin_status("null", &any), 0);
}

static void
test_origin_valid(void)
{
	CU_ASSERT_TRUE(policy_origin_valid("*"));
	CU_ASSERT_TRUE(policy_origin_valid("null"));
	CU_ASSERT_TRUE(policy_origin_valid("https://a.example"));
	CU_ASSERT_TRUE(policy_origin_valid("http://a.example:8080/"));
	CU_ASSERT_TRUE(policy_origin_valid("http://[::1]:1"));
	CU_ASSERT_FALSE(policy_origin_valid(""));
	CU_ASSERT_FALSE(policy_origin_valid("a.example"));
	CU_ASSERT_FALSE(policy_origin_valid("http://a.example/path"));
	CU_ASSERT_FALSE(policy_origin_valid("http://u@a.example"));
	CU_ASSERT_FALSE(policy_origin_valid("http://a.example?x"));
}

static void
test_auth(void)
{
	static const char *const users[] = { "user:pass", "other:pa:ss" };
	struct handshake_policy pol = { .credentials = users,
		.ncredentials = 2 };
	struct handshake_policy open = { 0 };

	CU_ASSERT_EQUAL(auth_status(NULL, &pol), 401);
	CU_ASSERT_STRING_EQUAL(err, "authorization missing");
	CU_ASSERT_EQUAL(auth_status("Basic dXNlcjpwYXNz", &pol), 0);
	CU_ASSERT_EQUAL(auth_status("basic   dXNlcjpwYXNz", &pol), 0);
	CU_ASSERT_EQUAL(auth_status("Basic b3RoZXI6cGE6c3M=", &pol), 0);

	/* user:pasz, user:passx, user:pa, another scheme, not base64. */
	CU_ASSERT_EQUAL(auth_status("Basic dXNlcjpwYXN6", &pol), 401);
	CU_ASSERT_STRING_EQUAL(err, "authorization wrong");
	CU_ASSERT_EQUAL(auth_status("Basic dXNlcjpwYXNzeA==", &pol), 401);
	CU_ASSERT_EQUAL(auth_status("Basic dXNlcjpwYQ==", &pol), 401);
	CU_ASSERT_EQUAL(auth_status("Bearer dXNlcjpwYXNz", &pol), 401);
	CU_ASSERT_EQUAL(auth_status("BasicdXNlcjpwYXNz", &pol), 401);
	CU_ASSERT_EQUAL(auth_status("Basic !!!!", &pol), 401);
	CU_ASSERT_EQUAL(auth_status("Basic dXNlcjpwYXN", &pol), 401);
	CU_ASSERT_STRING_EQUAL(err, "authorization wrong");

	/* No credentials: nothing asked. */
	CU_ASSERT_EQUAL(auth_status(NULL, &open), 0);
	CU_ASSERT_EQUAL(auth_status("Basic Zm9vOmJhcg==", &open), 0);

	/* Which of two the check saw would depend on the parser. */
	snprintf(head, sizeof(head),
	    "GET / HTTP/1.1\r\nHost: h\r\n" UPGRADE_HEADERS
	    "Authorization: Basic dXNlcjpwYXNz\r\n"
	    "Authorization: Basic Zm9vOmJhcg==\r\n\r\n");
	CU_ASSERT_EQUAL(handshake_parse_request(head, strlen(head), &req, err,
			    sizeof(err)),
	    400);
	CU_ASSERT_STRING_EQUAL(err, "repeated Authorization header");
}

/* DNS rebinding: Host and Origin agree, and name the attacker's domain. */
static void
test_access_order(void)
{
	static const char *const users[] = { "user:pass" };
	struct handshake_policy pol = { .hosts = loopback,
		.nhosts = 3,
		.ports = port8080,
		.nports = 1,
		.credentials = users,
		.ncredentials = 1 };

	request("rebind.test:8080", "Origin: http://rebind.test:8080\r\n");
	CU_ASSERT_EQUAL(policy_check_access(&req, &pol, err, sizeof(err)), 403);
	CU_ASSERT_STRING_EQUAL(err, "host 'rebind.test' not allowed");

	request("127.0.0.1:8080", "Origin: http://rebind.test:8080\r\n");
	CU_ASSERT_EQUAL(policy_check_access(&req, &pol, err, sizeof(err)), 403);
	CU_ASSERT_STRING_EQUAL(err,
	    "origin 'http://rebind.test:8080' not allowed");

	request("127.0.0.1:8080", "Origin: http://127.0.0.1:8080\r\n");
	CU_ASSERT_EQUAL(policy_check_access(&req, &pol, err, sizeof(err)), 401);
	request("127.0.0.1:8080",
	    "Origin: http://127.0.0.1:8080\r\n"
	    "Authorization: Basic dXNlcjpwYXNz\r\n");
	CU_ASSERT_EQUAL(policy_check_access(&req, &pol, err, sizeof(err)), 0);
}

static void
test_redact(void)
{
	static const char in[] =
	    "GET / HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n"
	    "X-A: Basic dXNlcjpwYXNz\r\nproxy-authorization: secret\r\n"
	    "authorization:Bearer  tok en";
	char out[512];

	policy_redact(in, strlen(in), out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out,
	    "GET / HTTP/1.1\r\nAuthorization: Basic ***\r\n"
	    "X-A: Basic dXNlcjpwYXNz\r\nproxy-authorization: ***\r\n"
	    "authorization:Bearer ***");
	policy_redact(in, strlen(in), out, 20);
	CU_ASSERT_STRING_EQUAL(out, "GET / HTTP/1.1\r\nAut");
}

/* src/upgrade applies the policy to the page as to the WebSocket. */
static void
test_upgrade_plain(void)
{
	static const char *const users[] = { "user:pass" };
	struct handshake_policy pol = { .hosts = loopback,
		.nhosts = 3,
		.ports = port8080,
		.nports = 1 };
	struct handshake_policy auth = pol;
	struct upgrade_result r;
	struct buf out;
	const char *get = "GET / HTTP/1.1\r\nHost: evil.example:8080\r\n\r\n";
	const char *head_rq = "HEAD / HTTP/1.1\r\nHost: evil.example\r\n\r\n";
	const char *mine = "GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n";

	auth.credentials = users;
	auth.ncredentials = 1;
	buf_init(&out, 65536);
	CU_ASSERT_EQUAL(upgrade_server(get, strlen(get), &pol, NULL, &out, &r),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 403);
	CU_ASSERT_STRING_EQUAL(r.why, "host 'evil.example' not allowed");
	CU_ASSERT_PTR_NOT_NULL(memmem(buf_head(&out), buf_used(&out),
	    "\r\n\r\n403 Forbidden: host", 21));
	buf_deinit(&out);

	CU_ASSERT_EQUAL(upgrade_server(head_rq, strlen(head_rq), &pol, NULL,
			    &out, &r),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 403);
	CU_ASSERT_EQUAL(memcmp(buf_head(&out), "HTTP/1.1 403 Forbidden\r\n",
			    24),
	    0);
	buf_deinit(&out);

	/* Allowed, it gets the page (404 without one). */
	CU_ASSERT_EQUAL(upgrade_server(mine, strlen(mine), &pol, NULL, &out,
			    &r),
	    UPGRADE_ANSWERED);
	CU_ASSERT_EQUAL(r.http_status, 404);
	buf_deinit(&out);

	CU_ASSERT_EQUAL(upgrade_server(mine, strlen(mine), &auth, NULL, &out,
			    &r),
	    UPGRADE_REFUSED);
	CU_ASSERT_EQUAL(r.http_status, 401);
	CU_ASSERT_STRING_EQUAL(r.why, "authorization missing");
	CU_ASSERT_PTR_NOT_NULL(memmem(buf_head(&out), buf_used(&out),
	    "\r\nWWW-Authenticate: Basic realm=\"wsserve\"\r\n", 42));
	CU_ASSERT_EQUAL(memcmp(buf_head(&out), "HTTP/1.1 401 Unauthorized\r\n",
			    27),
	    0);
	buf_deinit(&out);
}

/* The head of a request with the header lines given, for
 * policy_forwarded_for. */
static const char *
forwarded_head(const char *lines)
{
	static char fwd[1024];

	snprintf(fwd, sizeof(fwd), "GET / HTTP/1.1\r\nHost: h\r\n%s\r\n",
	    lines);
	return fwd;
}

/* A trusted proxy's word: Forwarded before X-Forwarded-For, the last
 * element of the last line, an address only. */
static void
test_forwarded_for(void)
{
	static const struct {
		const char *lines, *want; /* want NULL: none */
	} c[] = {
		{ "X-Forwarded-For: 203.0.113.9\r\n", "203.0.113.9" },
		{ "X-Forwarded-For: 203.0.113.9, 198.51.100.7\r\n",
		    "198.51.100.7" },
		{ "X-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\n",
		    "2.2.2.2" },
		{ "X-Forwarded-For: 2001:db8::1\r\n", "2001:db8::1" },
		{ "X-Forwarded-For: [2001:db8::1]:80\r\n", "2001:db8::1" },
		{ "X-Forwarded-For: 198.51.100.7:4711\r\n", "198.51.100.7" },
		{ "Forwarded: for=192.0.2.60;proto=http;by=203.0.113.43\r\n",
		    "192.0.2.60" },
		{ "Forwarded: for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\""
		  "\r\n",
		    "2001:db8:cafe::17" },
		{ "X-Forwarded-For: 1.1.1.1\r\nForwarded: proto=https;"
		  "for=192.0.2.1\r\n",
		    "192.0.2.1" },
		{ "Forwarded: for=_hidden\r\n", NULL },
		{ "Forwarded: for=unknown\r\n", NULL },
		{ "Forwarded: proto=https\r\n", NULL },
		{ "X-Forwarded-For: garbage\r\n", NULL },
		{ "X-Forwarded-For: 1.1.1.1, \r\n", NULL },
		{ "X-Other: 1.1.1.1\r\n", NULL },
	};
	char out[64];
	const char *h;

	for (size_t i = 0; i < UNIT_NTESTS(c); i++) {
		h = forwarded_head(c[i].lines);
		memset(out, 0, sizeof(out));
		if (c[i].want == NULL) {
			CU_ASSERT_EQUAL(policy_forwarded_for(h, strlen(h), out,
					    sizeof(out)),
			    -1);
		} else if (policy_forwarded_for(h, strlen(h), out,
			       sizeof(out)) != 0 ||
		    strcmp(out, c[i].want) != 0) {
			fprintf(stderr, "\n  %s: got '%s'\n", c[i].lines, out);
			CU_FAIL("forwarded address");
		}
	}
}

/* --trust-proxy's addresses and blocks, and peers as wsserve names
 * them. */
static void
test_cidr(void)
{
	static const struct {
		const char *cidr, *peer;
		bool in;
	} c[] = {
		{ "127.0.0.1", "127.0.0.1:5000", true },
		{ "127.0.0.1", "127.0.0.2:5000", false },
		{ "127.0.0.0/8", "127.255.1.2:1", true },
		{ "127.0.0.0/8", "128.0.0.1:1", false },
		{ "10.0.0.0/9", "10.127.255.255:1", true },
		{ "10.0.0.0/9", "10.128.0.0:1", false },
		{ "0.0.0.0/0", "192.0.2.1:1", true },
		{ "::1", "[::1]:80", true },
		{ "::1", "127.0.0.1:80", false },
		{ "fe80::/10", "[fe80::1]:9", true },
		{ "fe80::/10", "[fec0::1]:9", false },
		{ "2001:db8::/32", "2001:db8::5", true },
		{ "127.0.0.1", "unix", false },
	};
	static const char *const bad[] = { "", "x", "1.2.3.4/33", "::1/129",
		"1.2.3.4/", "1.2.3.4/a", "1.2.3.4/-1", "1.2.3.4/0008",
		"[::1]" };
	unsigned char addr[16];
	struct net_cidr nc;
	int family;

	for (size_t i = 0; i < UNIT_NTESTS(c); i++) {
		CU_ASSERT_EQUAL_FATAL(net_cidr_text(c[i].cidr, &nc), 0);
		CU_ASSERT_EQUAL(net_peer_addr(c[i].peer, &family, addr) == 0 &&
			net_cidr_has(&nc, family, addr),
		    c[i].in);
	}
	for (size_t i = 0; i < UNIT_NTESTS(bad); i++)
		CU_ASSERT_EQUAL(net_cidr_text(bad[i], &nc), -1);
}

static const struct unit_test tests[] = {
	{ "Host: port ignored, names and IPv6 normalized", test_host },
	{ "Origin: none, or our own scheme, host and port", test_origin_own },
	{ "Origin: --origin entries as RFC 6454 origins, null, *",
	    test_origin_listed },
	{ "Origin: what an --origin entry may be", test_origin_valid },
	{ "Basic authorization, missing and wrong", test_auth },
	{ "host, then origin, then authorization; DNS rebinding",
	    test_access_order },
	{ "credentials masked in a logged head", test_redact },
	{ "plain GET and HEAD pass the same checks", test_upgrade_plain },
	{ "a trusted proxy's Forwarded and X-Forwarded-For",
	    test_forwarded_for },
	{ "--trust-proxy addresses and blocks", test_cidr },
};

int
test_policy_add(void)
{
	return unit_add_suite("policy", tests, UNIT_NTESTS(tests));
}
