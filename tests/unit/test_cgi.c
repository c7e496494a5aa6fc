/*
 * cgi: the environment of a --exec program, built from a request head as
 * received: every variable's exact value (addresses and ports of both
 * ends, IPv6 included; the path split at its first '?', undecoded; each
 * header as HTTP_NAME, repeats joined, Authorization left out), HTTPS and
 * the default port with TLS, SUBPROTOCOL, WSSERVE_ID, --passenv, the
 * exact set of names (nothing else), one allocation, and NULL for a head
 * that does not parse.
 */
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "cgi.h"
#include "tests.h"

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="

/* The head of the brief: a path with a query, a Host with a port, a
 * header twice, Authorization. */
static const char full_head[] =
    "GET /a/b?x=1&y=2 HTTP/1.1\r\n"
    "Host: example.test:8080\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: " KEY "\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "X-Multi: a\r\n"
    "X-Multi: b\r\n"
    "Authorization: Basic dTpw\r\n"
    "\r\n";

/* A head for path and host, with the WebSocket headers and nothing else
 * (into buf). */
static const char *
head_for(char *buf, size_t len, const char *path, const char *host)
{
	snprintf(buf, len,
	    "GET %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " KEY "\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "\r\n",
	    path, host);
	return buf;
}

static struct cgi_request
request(const char *head, const char *peer)
{
	struct cgi_request r = { .head = head,
		.len = strlen(head),
		.peer = peer,
		.protocol = "",
		.id = 1 };

	return r;
}

static size_t
count(char **env)
{
	size_t n = 0;

	while (env[n] != NULL)
		n++;
	return n;
}

/* The value of name, or NULL; a name found twice fails the test. */
static const char *
get(char **env, const char *name)
{
	size_t nl = strlen(name);
	const char *found = NULL;

	for (size_t i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], name, nl) == 0 && env[i][nl] == '=') {
			CU_ASSERT_PTR_NULL(found);
			found = env[i] + nl + 1;
		}
	return found;
}

static void
assert_var(char **env, const char *name, const char *want)
{
	const char *v = get(env, name);

	CU_ASSERT_PTR_NOT_NULL(v);
	if (v == NULL) {
		fprintf(stderr, "\n  missing %s\n", name);
		return;
	}
	CU_ASSERT_STRING_EQUAL(v, want);
	if (strcmp(v, want) != 0)
		fprintf(stderr, "\n  %s='%s', want '%s'\n", name, v, want);
}

/* env is exactly the n "NAME=value" strings of want, in any order. */
static void
assert_exactly(char **env, const char *const want[], size_t n)
{
	size_t i, j;

	CU_ASSERT_EQUAL(count(env), n);
	for (i = 0; i < n; i++) {
		for (j = 0; env[j] != NULL; j++)
			if (strcmp(env[j], want[i]) == 0)
				break;
		CU_ASSERT_PTR_NOT_NULL(env[j]);
		if (env[j] == NULL)
			fprintf(stderr, "\n  missing %s\n", want[i]);
	}
	for (j = 0; env[j] != NULL; j++) {
		for (i = 0; i < n; i++)
			if (strcmp(env[j], want[i]) == 0)
				break;
		CU_ASSERT(i < n);
		if (i == n)
			fprintf(stderr, "\n  unexpected %s\n", env[j]);
	}
}

static void
test_full_request(void)
{
	static const char *const want[] = {
		"HTTP_HOST=example.test:8080",
		"HTTP_UPGRADE=websocket",
		"HTTP_CONNECTION=Upgrade",
		"HTTP_SEC_WEBSOCKET_KEY=" KEY,
		"HTTP_SEC_WEBSOCKET_VERSION=13",
		"HTTP_X_MULTI=a, b",
		"REMOTE_ADDR=127.0.0.1",
		"REMOTE_PORT=5123",
		"SERVER_NAME=example.test",
		"SERVER_PORT=8080",
		"SERVER_PROTOCOL=HTTP/1.1",
		"REQUEST_METHOD=GET",
		"REQUEST_URI=/a/b?x=1&y=2",
		"PATH_INFO=/a/b",
		"QUERY_STRING=x=1&y=2",
		"SUBPROTOCOL=",
		"WSSERVE_ID=7",
	};
	struct cgi_request r = request(full_head, "127.0.0.1:5123");
	char **env;

	r.id = 7;
	env = cgi_env(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	assert_exactly(env, want, UNIT_NTESTS(want));
	CU_ASSERT_PTR_NULL(get(env, "HTTP_AUTHORIZATION"));
	CU_ASSERT_PTR_NULL(get(env, "HTTPS"));
	free(env);
}

/* The pointer array and every string in one block: the strings lie
 * inside what malloc gave for the array. */
static void
test_one_allocation(void)
{
	struct cgi_request r = request(full_head, "127.0.0.1:5123");
	char **env = cgi_env(&r);
	const char *block, *end;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	n = count(env);
	block = (const char *)env;
	end = block + malloc_usable_size(env);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT(env[i] >= (const char *)(env + n + 1));
		CU_ASSERT(env[i] + strlen(env[i]) < end);
	}
	free(env);
}

static void
test_remote_ipv4_and_ipv6(void)
{
	struct cgi_request r = request(full_head, "127.0.0.1:5123");
	char **env = cgi_env(&r);

	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	assert_var(env, "REMOTE_ADDR", "127.0.0.1");
	assert_var(env, "REMOTE_PORT", "5123");
	free(env);

	r.peer = "[::1]:5123";
	env = cgi_env(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	assert_var(env, "REMOTE_ADDR", "::1");
	assert_var(env, "REMOTE_PORT", "5123");
	free(env);

	r.peer = "[2001:db8::7]:65535";
	env = cgi_env(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	assert_var(env, "REMOTE_ADDR", "2001:db8::7");
	assert_var(env, "REMOTE_PORT", "65535");
	free(env);
}

/* SERVER_NAME and SERVER_PORT for a Host, and whether HTTPS is there. */
static void
check_server(const char *host, bool tls, const char *name, const char *port)
{
	char buf[512];
	struct cgi_request r = request(head_for(buf, sizeof(buf), "/", host),
	    "127.0.0.1:5123");
	char **env;

	r.tls = tls;
	env = cgi_env(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	assert_var(env, "SERVER_NAME", name);
	assert_var(env, "SERVER_PORT", port);
	assert_var(env, "HTTP_HOST", host);
	if (tls)
		assert_var(env, "HTTPS", "on");
	else
		CU_ASSERT_PTR_NULL(get(env, "HTTPS"));
	free(env);
}

static void
test_server_name_and_port(void)
{
	check_server("example.test:8080", false, "example.test", "8080");
	check_server("example.test:8080", true, "example.test", "8080");
	check_server("example.test", false, "example.test", "80");
	check_server("example.test", true, "example.test", "443");
	check_server("127.0.0.1:15678", false, "127.0.0.1", "15678");
	check_server("[::1]:9000", false, "::1", "9000");
	check_server("[::1]", false, "::1", "80");
	check_server("[::1]", true, "::1", "443");
}

/* REQUEST_URI, PATH_INFO and QUERY_STRING for a request path. */
static void
check_path(const char *path, const char *info, const char *query)
{
	char buf[512];
	struct cgi_request r = request(
	    head_for(buf, sizeof(buf), path, "localhost"), "127.0.0.1:5123");
	char **env = cgi_env(&r);

	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	assert_var(env, "REQUEST_URI", path);
	assert_var(env, "PATH_INFO", info);
	assert_var(env, "QUERY_STRING", query);
	free(env);
}

static void
test_path_and_query(void)
{
	check_path("/a/b?x=1&y=2", "/a/b", "x=1&y=2");
	check_path("/", "/", "");
	check_path("/a/b", "/a/b", "");
	check_path("/p?", "/p", "");
	/* Undecoded; the first '?' splits. */
	check_path("/a%20b/%3F?q=%3F?r", "/a%20b/%3F", "q=%3F?r");
	check_path("/?only=query", "/", "only=query");
}

static void
test_headers(void)
{
	static const char head[] =
	    "GET / HTTP/1.1\r\n"
	    "Host: localhost\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " KEY "\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Protocol: chat, superchat\r\n"
	    "X-Multi: a\r\n"
	    "x-multi: b\r\n"
	    "X-MULTI: c\r\n"
	    "X-Padded:   v w  \r\n"
	    "X-Empty:\r\n"
	    "authorization: Basic dTpw\r\n"
	    "Cookie: k=v; k2=v2\r\n"
	    "\r\n";
	struct cgi_request r = request(head, "127.0.0.1:5123");
	char **env = cgi_env(&r);

	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	assert_var(env, "HTTP_X_MULTI", "a, b, c");
	assert_var(env, "HTTP_X_PADDED", "v w");
	assert_var(env, "HTTP_X_EMPTY", "");
	assert_var(env, "HTTP_COOKIE", "k=v; k2=v2");
	assert_var(env, "HTTP_SEC_WEBSOCKET_PROTOCOL", "chat, superchat");
	CU_ASSERT_PTR_NULL(get(env, "HTTP_AUTHORIZATION"));
	/* 11 variables of the request, 10 of its headers. */
	CU_ASSERT_EQUAL(count(env), 11 + 10);
	free(env);
}

/* httpoxy: a client must not set the program's HTTP_PROXY; nor pass a
 * header off as another by writing '_' for '-'. */
static void
test_headers_left_out(void)
{
	static const char head[] =
	    "GET / HTTP/1.1\r\n"
	    "Host: localhost\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " KEY "\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "Proxy: http://evil.example:3128\r\n"
	    "proxy: http://evil.example:3129\r\n"
	    "X-A: real\r\n"
	    "X_A: forged\r\n"
	    "\r\n";
	struct cgi_request r = request(head, "127.0.0.1:5123");
	char **env = cgi_env(&r);

	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	CU_ASSERT_PTR_NULL(get(env, "HTTP_PROXY"));
	assert_var(env, "HTTP_X_A", "real");
	/* 11 variables of the request, 6 of its headers. */
	CU_ASSERT_EQUAL(count(env), 11 + 6);
	free(env);
}

static void
test_subprotocol_and_id(void)
{
	struct cgi_request r = request(full_head, "127.0.0.1:5123");
	char **env;

	r.protocol = "chat";
	r.id = ULONG_MAX;
	env = cgi_env(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	assert_var(env, "SUBPROTOCOL", "chat");
	assert_var(env, "WSSERVE_ID", "18446744073709551615");
	free(env);

	r.protocol = "";
	r.id = 1;
	env = cgi_env(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	assert_var(env, "SUBPROTOCOL", "");
	assert_var(env, "WSSERVE_ID", "1");
	free(env);
}

/* Only the --passenv variables that are set, with their values; nothing
 * else of our environment (HOME and PATH are set in any test run). */
static void
test_passenv(void)
{
	static const char *const names[] = { "WSSERVE_TEST_SET",
		"WSSERVE_TEST_UNSET", "WSSERVE_TEST_SET" };
	struct cgi_request r = request(full_head, "127.0.0.1:5123");
	char **env;
	size_t base;

	CU_ASSERT_EQUAL_FATAL(setenv("WSSERVE_TEST_SET", "a b=c, d", 1), 0);
	CU_ASSERT_EQUAL_FATAL(unsetenv("WSSERVE_TEST_UNSET"), 0);
	CU_ASSERT_EQUAL_FATAL(setenv("HOME", "/home/test", 0), 0);
	CU_ASSERT_EQUAL_FATAL(setenv("PATH", "/usr/bin:/bin", 0), 0);

	env = cgi_env(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	base = count(env);
	CU_ASSERT_PTR_NULL(get(env, "WSSERVE_TEST_SET"));
	CU_ASSERT_PTR_NULL(get(env, "HOME"));
	CU_ASSERT_PTR_NULL(get(env, "PATH"));
	free(env);

	r.passenv = names;
	r.npassenv = UNIT_NTESTS(names);
	env = cgi_env(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	assert_var(env, "WSSERVE_TEST_SET", "a b=c, d");
	CU_ASSERT_PTR_NULL(get(env, "WSSERVE_TEST_UNSET"));
	CU_ASSERT_PTR_NULL(get(env, "HOME"));
	CU_ASSERT_PTR_NULL(get(env, "PATH"));
	CU_ASSERT_EQUAL(count(env), base + 1);
	free(env);

	unsetenv("WSSERVE_TEST_SET");
}

static void
check_refused(const char *head)
{
	struct cgi_request r = request(head, "127.0.0.1:5123");
	char **env = cgi_env(&r);

	CU_ASSERT_PTR_NULL(env);
	if (env != NULL)
		fprintf(stderr, "\n  not refused: %s\n", head);
	free(env);
}

static void
test_malformed_head(void)
{
	char buf[512];

	check_refused("garbage\r\n\r\n");
	check_refused("");
	/* No Host. */
	check_refused(
	    "GET / HTTP/1.1\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " KEY "\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "\r\n");
	/* Not an upgrade: a plain GET. */
	check_refused("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
	/* HTTP/1.0. */
	head_for(buf, sizeof(buf), "/", "localhost");
	memcpy(strstr(buf, "HTTP/1.1"), "HTTP/1.0", 8);
	check_refused(buf);
}

/* A valid head of well under 8 KiB with 300 short headers: each is
 * there (the contract: NULL only when out of memory or the head does
 * not parse). */
static void
test_many_headers(void)
{
	char head[8192], name[32];
	size_t n;
	struct cgi_request r;
	char **env;

	n = strlen(head_for(head, sizeof(head), "/", "localhost"));
	n -= 2; /* before the blank line */
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(head + n, sizeof(head) - n, "H%d: v\r\n",
		    i);
	n += (size_t)snprintf(head + n, sizeof(head) - n, "\r\n");
	CU_ASSERT_FATAL(n < sizeof(head) - 1);
	r = request(head, "127.0.0.1:5123");
	env = cgi_env(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	for (int i = 0; i < 300; i += 50) {
		snprintf(name, sizeof(name), "HTTP_H%d", i);
		assert_var(env, name, "v");
	}
	/* 11 variables of the request, 5 WebSocket headers, 300 more. */
	CU_ASSERT_EQUAL(count(env), 11 + 5 + 300);
	free(env);
}

/* A header with a 300-character name (valid HTTP, well within 8 KiB)
 * is there like any other. */
static void
test_long_header_name(void)
{
	char head[8192], want[512];
	size_t n;
	struct cgi_request r;
	char **env;

	n = strlen(head_for(head, sizeof(head), "/", "localhost")) - 2;
	memcpy(head + n, "X-", 2);
	memset(head + n + 2, 'n', 298);
	n += 300;
	n += (size_t)snprintf(head + n, sizeof(head) - n, ": v\r\n\r\n");
	memcpy(want, "HTTP_X_", 7);
	memset(want + 7, 'N', 298);
	want[305] = '\0';
	r = request(head, "127.0.0.1:5123");
	env = cgi_env(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	assert_var(env, want, "v");
	free(env);
}

int
test_cgi_add(void)
{
	static const struct unit_test tests[] = {
		{ "the brief's request: exactly these variables",
		    test_full_request },
		{ "the array and its strings are one allocation",
		    test_one_allocation },
		{ "REMOTE_ADDR and REMOTE_PORT, IPv4 and IPv6",
		    test_remote_ipv4_and_ipv6 },
		{ "SERVER_NAME and SERVER_PORT from Host; 80, 443 and HTTPS",
		    test_server_name_and_port },
		{ "REQUEST_URI, PATH_INFO and QUERY_STRING, undecoded",
		    test_path_and_query },
		{ "headers: repeats joined, blanks trimmed, no Authorization",
		    test_headers },
		{ "no HTTP_PROXY, no header named with '_'",
		    test_headers_left_out },
		{ "SUBPROTOCOL and WSSERVE_ID", test_subprotocol_and_id },
		{ "--passenv: set variables only, nothing else of ours",
		    test_passenv },
		{ "a head that does not parse gives NULL",
		    test_malformed_head },
		{ "300 short headers within 8 KiB are all there",
		    test_many_headers },
		{ "a header name of 300 characters is there",
		    test_long_header_name },
	};

	return unit_add_suite("cgi", tests, UNIT_NTESTS(tests));
}
