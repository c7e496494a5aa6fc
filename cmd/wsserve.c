/*
 * wsserve: a WebSocket server for the command line.  The option table
 * fills a server_config (src/opt.c does the parsing), one block rejects
 * bad combinations, and server_run() does the rest.
 */
#include <err.h>
#include <stddef.h>
#include <stdio.h>

#include "exitcode.h"
#include "log.h"
#include "opt.h"
#include "proc.h"
#include "server.h"
#include "version.h"

#define MAX_LIST 16 /* repeats of -a, --origin, --subprotocol */

/* What the options fill: the config, and what it points to. */
struct wsserve_args {
	struct server_config srv;
	int log_level; /* -q, -v: an enum log_level */
	const char *addresses[MAX_LIST];
	const char *origins[MAX_LIST];
	const char *protocols[MAX_LIST];
};

#define AT(m) offsetof(struct wsserve_args, m)

/* An invalid list is a usage error, found before anything listens. */
static const char *
ciphers_valid(void *args, const char *arg)
{
	(void)args;
	return tls_ciphers_check(arg);
}

/* The table is laid out by hand: one option, one block of lines. */
/* clang-format off */
static const struct opt_def options[] = {
	{ "address", 'a', "ADDRESS", "listen on ADDRESS",
	    .kind = OPT_LIST, .off = AT(srv.addresses),
	    .store_off = AT(addresses), .count_off = AT(srv.naddresses),
	    .max = MAX_LIST, .def_str = "127.0.0.1" },
	{ "cert", 0, "FILE", "serve wss:// with this PEM certificate chain",
	    .kind = OPT_STRING, .off = AT(srv.tls.cert) },
	{ "ciphers", 0, "LIST", "TLS 1.2 cipher suites (OpenSSL syntax)",
	    .kind = OPT_STRING, .off = AT(srv.tls.ciphers),
	    .hook = ciphers_valid },
	{ "client-ca", 0, "FILE", "require client certificates signed by "
	    "this CA", .kind = OPT_STRING, .off = AT(srv.tls.client_ca) },
	{ "exit-on-eof", 'E', NULL, "at stdin EOF close all clients (1000) "
	    "and exit", .kind = OPT_FLAG, .off = AT(srv.exit_on_eof) },
	{ "echo", 0, NULL, "send each message back to its sender",
	    .kind = OPT_FLAG, .off = AT(srv.echo) },
	{ "handshake-timeout", 0, "SECONDS", "drop handshakes not done in "
	    "SECONDS", .kind = OPT_SECONDS, .off = AT(srv.handshake_timeout),
	    .min = 0.001, .max = OPT_DAY, .def = 10 },
	OPT_ROW_HELP,
	{ "key", 0, "FILE", "the PEM private key for --cert",
	    .kind = OPT_STRING, .off = AT(srv.tls.key) },
	{ "max-clients", 0, "N", "answer 503 beyond N open clients",
	    .kind = OPT_COUNT, .off = AT(srv.max_clients),
	    .min = 1, .max = 1000000, .def = 1024 },
	{ "max-memory", 0, "BYTES", "bound partial messages of all clients "
	    "together", .kind = OPT_BYTES, .off = AT(srv.max_memory),
	    .min = 1 << 20, .max = 1LL << 40, .def = 256 << 20 },
	OPT_ROW_MAX_MESSAGE(AT(srv.max_message)),
	{ "max-pending", 0, "N", "drop the oldest handshake beyond N",
	    .kind = OPT_COUNT, .off = AT(srv.max_pending),
	    .min = 1, .max = 1000000, .def = 128 },
	{ "no-page", 0, NULL, "do not serve the test page at "
	    "http://ADDRESS:PORT/", .kind = OPT_FLAG, .off = AT(srv.no_page) },
	{ "origin", 0, "ORIGIN", "accept only this Origin",
	    .kind = OPT_LIST, .off = AT(srv.policy.origins),
	    .store_off = AT(origins), .count_off = AT(srv.policy.norigins),
	    .max = MAX_LIST },
	OPT_ROW_PING_INTERVAL(AT(srv.ping_interval),
	    "ping a client silent that long; 0: never"),
	OPT_ROW_PING_TIMEOUT(AT(srv.ping_timeout),
	    "drop a client that does not answer a ping"),
	{ "port", 'p', "PORT", "listen on PORT; 0: any",
	    .kind = OPT_PORT, .off = AT(srv.port), .def_str = "15678" },
	{ "quiet", 'q', NULL, "do not log connects and disconnects",
	    .kind = OPT_SET, .off = AT(log_level), .def = LOG_QUIET },
	/* 0 is lossless: the slowest client sets the pace, forever. */
	{ "slow-client-timeout", 0, "SECONDS", "close (1008) a client that "
	    "lags that long; 0: never", .kind = OPT_SECONDS,
	    .off = AT(srv.slow_client_timeout),
	    .min = 0, .max = OPT_DAY, .def = 30 },
	{ "subprotocol", 0, "NAME", "accept subprotocol NAME",
	    .kind = OPT_LIST, .off = AT(srv.policy.protocols),
	    .store_off = AT(protocols), .count_off = AT(srv.policy.nprotocols),
	    .max = MAX_LIST },
	OPT_ROW_VERBOSE(AT(log_level), "log handshake details"),
	OPT_ROW_VERSION,
	{ 0 }
};
/* clang-format on */

static const char usage[] =
    "usage: wsserve [-EhqVv] [-a address] [-p port] [--cert file]\n"
    "               [--ciphers list] [--client-ca file] [--echo]\n"
    "               [--handshake-timeout seconds] [--key file]\n"
    "               [--max-clients n] [--max-memory bytes]\n"
    "               [--max-message bytes] [--max-pending n] [--no-page]\n"
    "               [--origin origin] [--ping-interval seconds]\n"
    "               [--ping-timeout seconds] [--slow-client-timeout seconds]\n"
    "               [--subprotocol name]";

static const char about[] =
    "A WebSocket server: prints what clients send, one message per line,\n"
    "and sends each stdin line to every client.  A browser opening\n"
    "http://ADDRESS:PORT/ gets a test page that connects back.";

static const struct opt_cli cli = { .name = "wsserve",
	.version = WS_VERSION,
	.usage = usage,
	.about = about,
	.defs = options };

int
main(int argc, char *argv[])
{
	struct wsserve_args a = { 0 };
	struct server_config *cfg = &a.srv;
	char err[OPT_ERRLEN];
	int rc;

	proc_init();
	if ((rc = opt_parse(&cli, &a, argc, argv, err, sizeof(err))) < 0)
		warnx("%s", err);
	if (rc != OPT_OK)
		return opt_print(rc < 0 ? stderr : stdout, &cli, rc);

	if ((cfg->tls.cert == NULL) != (cfg->tls.key == NULL))
		errx(WS_EXIT_USAGE, "--cert and --key go together");
	if (cfg->tls.client_ca != NULL && cfg->tls.cert == NULL)
		errx(WS_EXIT_USAGE, "--client-ca needs --cert and --key");
	if (cfg->tls.ciphers != NULL && cfg->tls.cert == NULL)
		errx(WS_EXIT_USAGE, "--ciphers needs --cert and --key");
	cfg->use_tls = cfg->tls.cert != NULL;

	log_init(cli.name, (enum log_level)a.log_level);
	return server_run(cfg);
}
