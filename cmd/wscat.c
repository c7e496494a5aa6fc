/*
 * wscat: a WebSocket client for the command line, with npm wscat's option
 * spellings.  The option table fills a client_config (src/opt.c does the
 * parsing), one block checks combinations and derives what follows from
 * the URL, and client_run() does the rest.
 */
#include <err.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "exitcode.h"
#include "handshake.h"
#include "log.h"
#include "opt.h"
#include "proc.h"
#include "version.h"

#define MAX_LIST 64 /* repeats of -H, -s, -x */

/* What the options fill: the config, and what it points to. */
struct wscat_args {
	struct client_config cl;
	int log_level; /* -v: an enum log_level */
	const char *headers[MAX_LIST];
	const char *protocols[MAX_LIST];
	const char *execute[MAX_LIST];
};

#define AT(m) offsetof(struct wscat_args, m)

/* -1 is the short way to say --count 1. */
static const char *
count_one(void *args, const char *arg)
{
	(void)arg;
	((struct wscat_args *)args)->cl.count = 1;
	return NULL;
}

/* What goes into the request is checked here, not when the request is
 * built: a bad value is a usage error, found before anything connects. */
static const char *
auth_valid(void *args, const char *arg)
{
	(void)args;
	if (strchr(arg, ':') == NULL)
		return "expected user:pass";
	return handshake_auth_valid(arg) ?
	    NULL :
	    "control character not allowed";
}

static const char *
header_valid(void *args, const char *arg)
{
	(void)args;
	return handshake_header_valid(arg) ?
	    NULL :
	    "not a 'Name: value' header";
}

static const char *
origin_valid(void *args, const char *arg)
{
	(void)args;
	return handshake_value_valid(arg) ?
	    NULL :
	    "control character not allowed";
}

static const char *
protocol_valid(void *args, const char *arg)
{
	(void)args;
	return handshake_token_valid(arg) ? NULL : "not a token";
}

static const char *
ciphers_valid(void *args, const char *arg)
{
	(void)args;
	return tls_ciphers_check(arg);
}

/* -w -1 waits until the server closes; no other negative means anything. */
static const char *
wait_valid(void *args, const char *arg)
{
	double sec = ((struct wscat_args *)args)->cl.wait_sec;

	(void)arg;
	return sec < 0 && sec != -1 ? "negative (only -1 means forever)" : NULL;
}

/* The table is laid out by hand: one option, one block of lines. */
/* clang-format off */
static const struct opt_def options[] = {
	{ NULL, '1', NULL, "exit after one received message (--count 1)",
	    .kind = OPT_HOOK, .hook = count_one },
	{ "auth", 0, "USER:PASS", "send HTTP Basic authorization",
	    .kind = OPT_STRING, .off = AT(cl.hs.auth), .hook = auth_valid },
	{ "ca", 0, "FILE", "trust the CAs in this PEM file, not the system's",
	    .kind = OPT_STRING, .off = AT(cl.tls.ca) },
	{ "cert", 0, "FILE", "client certificate (PEM) for wss://",
	    .kind = OPT_STRING, .off = AT(cl.tls.cert) },
	{ "ciphers", 0, "LIST", "TLS 1.2 cipher suites (OpenSSL syntax)",
	    .kind = OPT_STRING, .off = AT(cl.tls.ciphers),
	    .hook = ciphers_valid },
	/* The same field as the URL operand: one or the other. */
	{ "connect", 'c', "URL", "the server to connect to",
	    .kind = OPT_STRING, .off = AT(cl.url_text) },
	{ "connect-timeout", 0, "SECONDS", "bound DNS, TCP and handshake",
	    .kind = OPT_SECONDS, .off = AT(cl.connect_timeout),
	    .min = 0.001, .max = OPT_DAY, .def = 10 },
	/* The default, 0, is no limit. */
	{ "count", 0, "N", "exit after N received messages",
	    .kind = OPT_COUNT, .off = AT(cl.count),
	    .min = 1, .max = 1LL << 40, .def = 0 },
	{ "echo", 0, NULL, "send each message back; do not read stdin",
	    .kind = OPT_FLAG, .off = AT(cl.echo) },
	{ "execute", 'x', "MESSAGE", "send MESSAGE instead of reading stdin",
	    .kind = OPT_LIST, .off = AT(cl.execute), .store_off = AT(execute),
	    .count_off = AT(cl.nexecute), .max = MAX_LIST },
	{ "header", 'H', "NAME:VALUE", "add a request header",
	    .kind = OPT_LIST, .off = AT(cl.hs.headers),
	    .store_off = AT(headers), .count_off = AT(cl.hs.nheaders),
	    .max = MAX_LIST, .hook = header_valid },
	OPT_ROW_HELP,
	{ "insecure", 'k', NULL, "do not verify the server's certificate",
	    .kind = OPT_FLAG, .off = AT(cl.tls.insecure) },
	{ "key", 0, "FILE", "private key (PEM) for --cert",
	    .kind = OPT_STRING, .off = AT(cl.tls.key) },
	OPT_ROW_MAX_MESSAGE(AT(cl.max_message)),
	{ "no-check", 'n', NULL, "the same as --insecure",
	    .kind = OPT_FLAG, .off = AT(cl.tls.insecure) },
	{ "origin", 'o', "ORIGIN", "send an Origin header",
	    .kind = OPT_STRING, .off = AT(cl.hs.origin),
	    .hook = origin_valid },
	OPT_ROW_PING_INTERVAL(AT(cl.ping_interval),
	    "ping a server silent that long; 0: never"),
	OPT_ROW_PING_TIMEOUT(AT(cl.ping_timeout),
	    "give up on a server that does not answer a ping"),
	{ "passphrase", 0, "PASS", "passphrase of an encrypted --key",
	    .kind = OPT_STRING, .off = AT(cl.tls.passphrase) },
	{ "subprotocol", 's', "PROTOCOL", "offer PROTOCOL",
	    .kind = OPT_LIST, .off = AT(cl.hs.protocols),
	    .store_off = AT(protocols), .count_off = AT(cl.hs.nprotocols),
	    .max = MAX_LIST, .hook = protocol_valid },
	OPT_ROW_VERBOSE(AT(log_level), "show connection details on stderr"),
	OPT_ROW_VERSION,
	{ "wait", 'w', "SECONDS", "after the input ends, wait SECONDS; "
	    "-1: until closed", .kind = OPT_SECONDS, .off = AT(cl.wait_sec),
	    .min = -1, .max = OPT_DAY, .def = 0, .hook = wait_valid },
	{ 0 }
};
/* clang-format on */

static const char usage[] =
    "usage: wscat [-1hknVv] [-H name:value] [-o origin] [-s protocol]\n"
    "             [-w seconds] [-x message] [--auth user:pass] [--ca file]\n"
    "             [--cert file] [--ciphers list] [--connect-timeout seconds]\n"
    "             [--count n] [--echo] [--key file] [--max-message bytes]\n"
    "             [--passphrase pass] [--ping-interval seconds]\n"
    "             [--ping-timeout seconds] -c url | url";

static const char about[] =
    "A WebSocket client: sends each stdin line as a message and prints\n"
    "each message received, one per line.";

static const struct opt_cli cli = { .name = "wscat",
	.version = WS_VERSION,
	.usage = usage,
	.about = about,
	.defs = options,
	.operand = "URL",
	.operand_off = AT(cl.url_text) };

int
main(int argc, char *argv[])
{
	static struct wscat_args a; /* struct url is large */
	static char shown[URL_MAX_RESOURCE + URL_MAX_HOST + 64];
	struct client_config *cfg = &a.cl;
	char err[OPT_ERRLEN], quoted[OPT_ERRLEN];
	int rc;

	proc_init();
	if ((rc = opt_parse(&cli, &a, argc, argv, err, sizeof(err))) < 0)
		warnx("%s", err);
	if (rc != OPT_OK)
		return opt_print(rc < 0 ? stderr : stdout, &cli, rc);

	/* From here on, messages show the URL without its password. */
	url_redact(cfg->url_text, shown, sizeof(shown));
	if (url_parse(cfg->url_text, &cfg->url, err, sizeof(err)) == -1) {
		opt_quote(shown, quoted, sizeof(quoted));
		errx(WS_EXIT_USAGE, "%s: %s", quoted, err);
	}
	cfg->url_text = shown;
	if (cfg->echo && cfg->nexecute > 0)
		errx(WS_EXIT_USAGE, "--echo and -x do not go together");
	if (cfg->tls.key != NULL && cfg->tls.cert == NULL)
		errx(WS_EXIT_USAGE, "--key needs --cert");
	if (cfg->tls.cert != NULL && cfg->tls.key == NULL)
		cfg->tls.key = cfg->tls.cert; /* both in one PEM file */
	if (cfg->hs.auth == NULL && cfg->url.userinfo[0] != '\0')
		cfg->hs.auth = cfg->url.userinfo;
	cfg->hs.resource = cfg->url.resource;
	cfg->hs.hostport = cfg->url.hostport;
	cfg->interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO) &&
	    cfg->nexecute == 0 && !cfg->echo;

	log_init(cli.name, (enum log_level)a.log_level);
	return client_run(cfg);
}
