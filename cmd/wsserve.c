/*
 * wsserve: a WebSocket server for the command line.  Parses options into a
 * server_config and hands over to server_run(); nothing else lives here.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "opt.h"
#include "proc.h"
#include "server.h"
#include "version.h"

#define MAX_LIST 16	/* repeats of -a, --origin, --subprotocol */

enum {
	OPT_CERT = 256, OPT_CLIENT_CA, OPT_ECHO, OPT_HANDSHAKE_TIMEOUT, OPT_KEY,
	OPT_MAX_CLIENTS, OPT_MAX_MESSAGE, OPT_NO_PAGE, OPT_ORIGIN,
	OPT_PING_INTERVAL, OPT_PING_TIMEOUT, OPT_SLOW_CLIENT_TIMEOUT,
	OPT_SUBPROTOCOL
};

static const struct opt_def options[] = {
	{ "address", 'a', "ADDRESS", "listen on ADDRESS (repeatable; "
	    "default 127.0.0.1)" },
	{ "cert", OPT_CERT, "FILE", "serve wss:// with this PEM certificate "
	    "chain" },
	{ "client-ca", OPT_CLIENT_CA, "FILE", "require client certificates "
	    "signed by this CA" },
	{ "exit-on-eof", 'E', NULL, "at stdin EOF close all clients (1000) "
	    "and exit" },
	{ "echo", OPT_ECHO, NULL, "send each message back to its sender" },
	{ "handshake-timeout", OPT_HANDSHAKE_TIMEOUT, "SECONDS",
	    "drop handshakes not done in SECONDS (default 10)" },
	{ "help", 'h', NULL, "print this help and exit" },
	{ "key", OPT_KEY, "FILE", "the PEM private key for --cert" },
	{ "max-clients", OPT_MAX_CLIENTS, "N", "answer 503 beyond N clients "
	    "(default 1024)" },
	{ "max-message", OPT_MAX_MESSAGE, "BYTES",
	    "largest message accepted (default 16M)" },
	{ "no-page", OPT_NO_PAGE, NULL, "do not serve the test page at "
	    "http://ADDRESS:PORT/" },
	{ "origin", OPT_ORIGIN, "ORIGIN", "accept only this Origin "
	    "(repeatable)" },
	{ "ping-interval", OPT_PING_INTERVAL, "SECONDS", "ping a client "
	    "silent that long (default 0: never)" },
	{ "ping-timeout", OPT_PING_TIMEOUT, "SECONDS", "drop a client that "
	    "does not answer a ping (default 10)" },
	{ "port", 'p', "PORT", "listen on PORT (default 15678; 0: any)" },
	{ "quiet", 'q', NULL, "do not log connects and disconnects" },
	{ "slow-client-timeout", OPT_SLOW_CLIENT_TIMEOUT, "SECONDS",
	    "close (1008) a client that lags that long" },
	{ "subprotocol", OPT_SUBPROTOCOL, "NAME", "accept subprotocol NAME "
	    "(repeatable)" },
	{ "verbose", 'v', NULL, "log handshake details" },
	{ "version", 'V', NULL, "print the version and exit" },
	{ NULL, 0, NULL, NULL }
};

static const char usage_line[] =
    "usage: wsserve [-EhqVv] [-a address] [-p port] [--cert file]\n"
    "               [--client-ca file] [--echo] [--handshake-timeout seconds]\n"
    "               [--key file] [--max-clients n] [--max-message bytes]\n"
    "               [--no-page] [--origin origin] [--ping-interval seconds]\n"
    "               [--ping-timeout seconds] [--slow-client-timeout seconds]\n"
    "               [--subprotocol name]\n";

static const char about[] =
    "A WebSocket server: prints what clients send, one message per line,\n"
    "and sends each stdin line to every client.  A browser opening\n"
    "http://ADDRESS:PORT/ gets a test page that connects back.";

static void __attribute__((noreturn))
usage(int status)
{
	opt_usage(status == 0 ? stdout : stderr, usage_line, status == 0 ?
	    about : NULL, options);
	exit(status);
}

static void
add(const char **list, size_t *n, const char *v, const char *opt)
{
	if (opt_list_add(list, n, MAX_LIST, v) == -1)
		errx(WS_EXIT_USAGE, "%s: at most %d allowed", opt, MAX_LIST);
}

int
main(int argc, char *argv[])
{
	static const char *addresses[MAX_LIST], *origins[MAX_LIST],
	    *protocols[MAX_LIST];
	struct server_config cfg = {
		.addresses = addresses, .port = "15678",
		.handshake_timeout = 10.0, .max_message = 16 << 20,
		.max_clients = 1024, .ping_timeout = 10.0,
		.policy = { .protocols = protocols, .origins = origins },
	};
	enum log_level level = LOG_NORMAL;
	struct option longopts[OPT_MAX];
	char shortopts[3 * OPT_MAX + 1];
	const char *errstr;
	char err[128];
	size_t naddr = 0;
	int ch;

	opterr = 0;
	proc_init();
	opt_build(options, longopts, shortopts);
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			add(addresses, &naddr, optarg, "-a");
			break;
		case 'E':
			cfg.exit_on_eof = true;
			break;
		case 'h':
			usage(0);
		case 'p':
			opt_num(optarg, 0, 65535, &errstr);
			if (errstr != NULL)
				errx(WS_EXIT_USAGE, "-p %s: %s", optarg,
				    errstr);
			cfg.port = optarg;
			break;
		case 'q':
			level = LOG_QUIET;
			break;
		case 'v':
			level = LOG_VERBOSE;
			break;
		case 'V':
			printf("wsserve %s\n", WS_VERSION);
			return 0;
		case OPT_CERT:
			cfg.tls.cert = optarg;
			break;
		case OPT_CLIENT_CA:
			cfg.tls.client_ca = optarg;
			break;
		case OPT_ECHO:
			cfg.echo = true;
			break;
		case OPT_HANDSHAKE_TIMEOUT:
			cfg.handshake_timeout = opt_seconds(optarg, 0.001,
			    86400, &errstr);
			if (errstr != NULL)
				errx(WS_EXIT_USAGE, "--handshake-timeout %s: "
				    "%s", optarg, errstr);
			break;
		case OPT_KEY:
			cfg.tls.key = optarg;
			break;
		case OPT_MAX_CLIENTS:
			cfg.max_clients = opt_num(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				errx(WS_EXIT_USAGE, "--max-clients %s: %s",
				    optarg, errstr);
			break;
		case OPT_MAX_MESSAGE:
			cfg.max_message = opt_bytes(optarg, 1, 1LL << 30,
			    &errstr);
			if (errstr != NULL)
				errx(WS_EXIT_USAGE, "--max-message %s: %s",
				    optarg, errstr);
			break;
		case OPT_NO_PAGE:
			cfg.no_page = true;
			break;
		case OPT_PING_INTERVAL:
			cfg.ping_interval = opt_seconds(optarg, 0, 86400,
			    &errstr);
			if (errstr != NULL)
				errx(WS_EXIT_USAGE, "--ping-interval %s: %s",
				    optarg, errstr);
			break;
		case OPT_PING_TIMEOUT:
			cfg.ping_timeout = opt_seconds(optarg, 0.001, 86400,
			    &errstr);
			if (errstr != NULL)
				errx(WS_EXIT_USAGE, "--ping-timeout %s: %s",
				    optarg, errstr);
			break;
		case OPT_SLOW_CLIENT_TIMEOUT:
			cfg.slow_client_timeout = opt_seconds(optarg, 0.001,
			    86400, &errstr);
			if (errstr != NULL)
				errx(WS_EXIT_USAGE, "--slow-client-timeout %s: "
				    "%s", optarg, errstr);
			break;
		case OPT_ORIGIN:
			add(origins, &cfg.policy.norigins, optarg, "--origin");
			break;
		case OPT_SUBPROTOCOL:
			add(protocols, &cfg.policy.nprotocols, optarg,
			    "--subprotocol");
			break;
		default:
			opt_error(ch, argv, err, sizeof(err));
			warnx("%s", err);
			usage(WS_EXIT_USAGE);
		}
	}
	if (optind < argc) {
		warnx("unexpected argument '%s'", argv[optind]);
		usage(WS_EXIT_USAGE);
	}
	if ((cfg.tls.cert == NULL) != (cfg.tls.key == NULL))
		errx(WS_EXIT_USAGE, "--cert and --key go together");
	if (cfg.tls.client_ca != NULL && cfg.tls.cert == NULL)
		errx(WS_EXIT_USAGE, "--client-ca needs --cert and --key");
	cfg.use_tls = cfg.tls.cert != NULL;
	if (naddr == 0)
		addresses[naddr++] = "127.0.0.1";
	cfg.naddresses = naddr;

	log_init("wsserve", level);
	return server_run(&cfg);
}
