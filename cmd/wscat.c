/*
 * wscat: a WebSocket client for the command line, with npm wscat's option
 * spellings.  Parses options into a client_config and hands over to
 * client_run(); nothing else lives here.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "exitcode.h"
#include "handshake.h"
#include "log.h"
#include "opt.h"
#include "proc.h"
#include "version.h"

#define MAX_LIST 64	/* repeats of -H, -s, -x */

enum {
	OPT_AUTH = 256, OPT_CA, OPT_CERT, OPT_CONNECT_TIMEOUT, OPT_COUNT, OPT_ECHO,
	OPT_KEY, OPT_MAX_MESSAGE, OPT_PASSPHRASE, OPT_PING_INTERVAL,
	OPT_PING_TIMEOUT
};

static const struct opt_def options[] = {
	{ NULL, '1', NULL, "exit after one received message (--count 1)" },
	{ "auth", OPT_AUTH, "USER:PASS", "send HTTP Basic authorization" },
	{ "ca", OPT_CA, "FILE", "trust the CAs in this PEM file, not the "
	    "system's" },
	{ "cert", OPT_CERT, "FILE", "client certificate (PEM) for wss://" },
	{ "connect", 'c', "URL", "the server to connect to" },
	{ "connect-timeout", OPT_CONNECT_TIMEOUT, "SECONDS",
	    "bound DNS, TCP and handshake (default 10)" },
	{ "count", OPT_COUNT, "N", "exit after N received messages" },
	{ "echo", OPT_ECHO, NULL, "send each message back; do not read "
	    "stdin" },
	{ "execute", 'x', "MESSAGE", "send MESSAGE instead of reading stdin "
	    "(repeatable)" },
	{ "header", 'H', "NAME:VALUE", "add a request header (repeatable)" },
	{ "help", 'h', NULL, "print this help and exit" },
	{ "insecure", 'k', NULL, "do not verify the server's certificate" },
	{ "key", OPT_KEY, "FILE", "private key (PEM) for --cert" },
	{ "max-message", OPT_MAX_MESSAGE, "BYTES",
	    "largest message accepted (default 16M)" },
	{ "no-check", 'n', NULL, "the same as --insecure" },
	{ "origin", 'o', "ORIGIN", "send an Origin header" },
	{ "ping-interval", OPT_PING_INTERVAL, "SECONDS", "ping a server "
	    "silent that long (default 0: never)" },
	{ "ping-timeout", OPT_PING_TIMEOUT, "SECONDS", "give up on a server "
	    "that does not answer a ping (default 10)" },
	{ "passphrase", OPT_PASSPHRASE, "PASS", "passphrase of an encrypted "
	    "--key" },
	{ "subprotocol", 's', "PROTOCOL", "offer PROTOCOL (repeatable)" },
	{ "verbose", 'v', NULL, "show connection details on stderr" },
	{ "version", 'V', NULL, "print the version and exit" },
	{ "wait", 'w', "SECONDS", "after the input ends, wait SECONDS "
	    "(-1: until closed)" },
	{ NULL, 0, NULL, NULL }
};

static const char usage_line[] =
    "usage: wscat [-1hknVv] [-H name:value] [-o origin] [-s protocol]\n"
    "             [-w seconds] [-x message] [--auth user:pass] [--ca file]\n"
    "             [--cert file] [--connect-timeout seconds] [--count n] [--echo]\n"
    "             [--key file] [--max-message bytes] [--passphrase pass]\n"
    "             [--ping-interval seconds] [--ping-timeout seconds]\n"
    "             -c url | url\n";

static const char about[] =
    "A WebSocket client: sends each stdin line as a message and prints\n"
    "each message received, one per line.";

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
	static const char *headers[MAX_LIST], *protocols[MAX_LIST],
	    *execute[MAX_LIST];
	static struct client_config cfg = {
		.connect_timeout = 10.0, .max_message = 16 << 20,
		.ping_timeout = 10.0,
		.execute = execute,
		.hs = { .protocols = protocols, .headers = headers },
	};
	enum log_level level = LOG_NORMAL;
	struct option longopts[OPT_MAX];
	char shortopts[3 * OPT_MAX + 1], err[256];
	const char *errstr, *url = NULL;
	int ch;

	opterr = 0;
	proc_init();
	opt_build(options, longopts, shortopts);
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case '1':
			cfg.count = 1;
			break;
		case 'c':
			url = optarg;
			break;
		case 'h':
			usage(0);
		case 'H':
			if (!handshake_header_valid(optarg))
				errx(WS_EXIT_USAGE, "-H %s: not a 'Name: "
				    "value' header", optarg);
			add(headers, &cfg.hs.nheaders, optarg, "-H");
			break;
		case 'k':
		case 'n':
			cfg.tls.insecure = true;
			break;
		case 'o':
			cfg.hs.origin = optarg;
			break;
		case 's':
			add(protocols, &cfg.hs.nprotocols, optarg, "-s");
			break;
		case 'v':
			level = LOG_VERBOSE;
			break;
		case 'V':
			printf("wscat %s\n", WS_VERSION);
			return 0;
		case 'w':
			cfg.wait_sec = opt_seconds(optarg, -1, 86400, &errstr);
			if (errstr == NULL && cfg.wait_sec < 0 &&
			    cfg.wait_sec != -1)
				errstr = "negative (only -1 means forever)";
			if (errstr != NULL)
				errx(WS_EXIT_USAGE, "-w %s: %s", optarg,
				    errstr);
			break;
		case 'x':
			add(execute, &cfg.nexecute, optarg, "-x");
			break;
		case OPT_AUTH:
			if (strchr(optarg, ':') == NULL)
				errx(WS_EXIT_USAGE, "--auth %s: expected "
				    "user:pass", optarg);
			cfg.hs.auth = optarg;
			break;
		case OPT_CA:
			cfg.tls.ca = optarg;
			break;
		case OPT_CERT:
			cfg.tls.cert = optarg;
			break;
		case OPT_CONNECT_TIMEOUT:
			cfg.connect_timeout = opt_seconds(optarg, 0.001, 86400,
			    &errstr);
			if (errstr != NULL)
				errx(WS_EXIT_USAGE, "--connect-timeout %s: %s",
				    optarg, errstr);
			break;
		case OPT_COUNT:
			cfg.count = opt_num(optarg, 1, 1LL << 40, &errstr);
			if (errstr != NULL)
				errx(WS_EXIT_USAGE, "--count %s: %s", optarg,
				    errstr);
			break;
		case OPT_ECHO:
			cfg.echo = true;
			break;
		case OPT_KEY:
			cfg.tls.key = optarg;
			break;
		case OPT_MAX_MESSAGE:
			cfg.max_message = opt_bytes(optarg, 1, 1LL << 30,
			    &errstr);
			if (errstr != NULL)
				errx(WS_EXIT_USAGE, "--max-message %s: %s",
				    optarg, errstr);
			break;
		case OPT_PASSPHRASE:
			cfg.tls.passphrase = optarg;
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
		default:
			opt_error(ch, argv, err, sizeof(err));
			warnx("%s", err);
			usage(WS_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (url == NULL && argc > 0) {
		url = argv[0];
		argc--, argv++;
	}
	if (url == NULL) {
		warnx("no URL given");
		usage(WS_EXIT_USAGE);
	}
	if (argc > 0) {
		warnx("unexpected argument '%s'", argv[0]);
		usage(WS_EXIT_USAGE);
	}
	if (url_parse(url, &cfg.url, err, sizeof(err)) == -1)
		errx(WS_EXIT_USAGE, "%s: %s", url, err);
	if (cfg.echo && cfg.nexecute > 0)
		errx(WS_EXIT_USAGE, "--echo and -x do not go together");
	if (cfg.tls.key != NULL && cfg.tls.cert == NULL)
		errx(WS_EXIT_USAGE, "--key needs --cert");
	if (cfg.tls.cert != NULL && cfg.tls.key == NULL)
		cfg.tls.key = cfg.tls.cert;	/* both in one PEM file */
	if (cfg.hs.auth == NULL && cfg.url.userinfo[0] != '\0')
		cfg.hs.auth = cfg.url.userinfo;
	cfg.url_text = url;
	cfg.hs.resource = cfg.url.resource;
	cfg.hs.hostport = cfg.url.hostport;
	cfg.interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO) &&
	    cfg.nexecute == 0 && !cfg.echo;

	log_init("wscat", level);
	return client_run(&cfg);
}
