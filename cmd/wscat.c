/*
 * wscat: a WebSocket client for the command line, with npm wscat's option
 * spellings.  The option table fills a client_config (src/opt.c does the
 * parsing), one block checks combinations and derives what follows from
 * the URL, and client_run() does the rest.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "client.h"
#include "display.h"
#include "exitcode.h"
#include "handshake.h"
#include "log.h"
#include "opt.h"
#include "proc.h"
#include "proxy.h"
#include "record.h"
#include "version.h"

#define MAX_LIST 64	    /* repeats of -H, -s, -x */
#define WAIT_UNSET -2.0	    /* -w not given: decided by -x */
#define EXECUTE_WAIT_SEC 2  /* -x without -w waits this long, as npm's */
#define PASSPHRASE_MAX 1024 /* what OpenSSL takes (PEM_BUFSIZE) */

/* What the options fill: the config, and what it points to. */
struct wscat_args {
	struct client_config cl;
	int log_level; /* -v: an enum log_level */
	const char *headers[MAX_LIST];
	const char *protocols[MAX_LIST];
	const char *execute[MAX_LIST];
	const char *host;	 /* --host, or NULL */
	const char *host_header; /* the last -H 'Host: ...' value, or NULL */
	const char *version;	 /* -p: checked, not used */
	const char *color;	 /* --color WHEN */
	bool no_color, no_history;
	bool no_deflate;	     /* --no-deflate */
	const char *reconnect_delay; /* --reconnect-delay MIN:MAX */
	struct record_flags rec;     /* -0, -b, --whole, --jsonl, --events */
};

/* What --passphrase stores when it ends the command line without its
 * value: ask on the terminal.  Compared by address. */
static const char ask_passphrase[] = "";

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

/* A Host header value, from --host or -H: sent as it is, so it must be
 * one word. */
static const char *
host_check(const char *host)
{
	if (*host == '\0')
		return "empty host";
	if (!handshake_value_valid(host))
		return "control character not allowed";
	if (host[strcspn(host, " \t")] != '\0')
		return "white space not allowed";
	return NULL;
}

static const char *
host_valid(void *args, const char *arg)
{
	(void)args;
	return host_check(arg);
}

/* -H 'Host: x' replaces the Host header, as --host does, rather than add
 * a second one, which a server refuses. */
static const char *
header_valid(void *args, const char *arg)
{
	struct wscat_args *a = args;

	if (!handshake_header_valid(arg))
		return "not a 'Name: value' header";
	if (strncasecmp(arg, "Host:", 5) != 0)
		return NULL;
	a->cl.hs.nheaders--; /* stored already: taken back */
	a->host_header = arg + 5 + strspn(arg + 5, " \t");
	return host_check(a->host_header);
}

/* --reconnect-delay MIN:MAX: seconds, 0.001 <= MIN <= MAX <= a day. */
static const char *
delay_valid(void *args, const char *arg)
{
	struct wscat_args *a = args;
	char *end;

	a->cl.reconnect_min = strtod(arg, &end);
	if (end == arg || *end != ':')
		return "expected MIN:MAX in seconds";
	a->cl.reconnect_cap = strtod(end + 1, &end);
	if (*end != '\0' || !(a->cl.reconnect_min >= 0.001) ||
	    !(a->cl.reconnect_cap >= a->cl.reconnect_min) ||
	    a->cl.reconnect_cap > OPT_DAY)
		return "expected MIN:MAX in seconds, 0.001 <= MIN <= MAX <= 86400";
	return NULL;
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

/* -p: npm wscat's protocol version, of which RFC 6455's is the one left. */
static const char *
version_valid(void *args, const char *arg)
{
	(void)args;
	return strcmp(arg, "13") == 0 ?
	    NULL :
	    "only protocol version 13 is supported";
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
	{ "binary", 'b', NULL, "send stdin records as binary messages",
	    .kind = OPT_FLAG, .off = AT(rec.binary) },
	{ "ca", 0, "FILE", "trust the CAs in this PEM file, not the system's",
	    .kind = OPT_STRING, .off = AT(cl.tls.ca) },
	{ "cert", 0, "FILE", "client certificate (PEM) for wss://",
	    .kind = OPT_STRING, .off = AT(cl.tls.cert) },
	{ "ciphers", 0, "LIST", "TLS 1.2 cipher suites (OpenSSL syntax)",
	    .kind = OPT_STRING, .off = AT(cl.tls.ciphers),
	    .hook = ciphers_valid },
	OPT_ROW_CLOSE_GRACE(AT(cl.close_grace)),
	OPT_ROW_COLOR(AT(color), display_color_valid),
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
	{ "events", 0, NULL, "the open and the close as records (--jsonl)",
	    .kind = OPT_FLAG, .off = AT(rec.events) },
	{ "exec", 0, "CMD", "bridge the connection to CMD [ARG...]: "
	    "the rest of the line", .kind = OPT_REST, .off = AT(cl.exec),
	    .count_off = AT(cl.nexec), .operand_last = true },
	{ "execute", 'x', "MESSAGE", "send MESSAGE instead of reading stdin",
	    .kind = OPT_LIST, .off = AT(cl.execute), .store_off = AT(execute),
	    .count_off = AT(cl.nexecute), .max = MAX_LIST },
	{ "header", 'H', "NAME:VALUE", "add a request header",
	    .kind = OPT_LIST, .off = AT(cl.hs.headers),
	    .store_off = AT(headers), .count_off = AT(cl.hs.nheaders),
	    .max = MAX_LIST, .hook = header_valid },
	OPT_ROW_HELP,
	{ "host", 0, "HOST", "send HOST as the Host header",
	    .kind = OPT_STRING, .off = AT(host), .hook = host_valid },
	{ "insecure", 'k', NULL, "do not verify the server's certificate",
	    .kind = OPT_FLAG, .off = AT(cl.tls.insecure) },
	{ "insecure-redirect", 0, NULL, "-L: follow a redirect from wss:// "
	    "to ws:// too", .kind = OPT_FLAG, .off = AT(cl.insecure_redirect) },
	{ "jsonl", 0, NULL, "one JSON object per message or event, both ways",
	    .kind = OPT_FLAG, .off = AT(rec.jsonl) },
	{ "key", 0, "FILE", "private key (PEM) for --cert",
	    .kind = OPT_STRING, .off = AT(cl.tls.key) },
	{ "location", 'L', NULL, "follow redirects (301, 302, 303, 307, 308)",
	    .kind = OPT_FLAG, .off = AT(cl.location) },
	OPT_ROW_MAX_MESSAGE(AT(cl.max_message)),
	{ "max-redirects", 0, "N", "-L: follow at most N redirects",
	    .kind = OPT_COUNT, .off = AT(cl.max_redirects),
	    .min = 0, .max = 1000, .def = 10 },
	{ "no-check", 'n', NULL, "the same as --insecure",
	    .kind = OPT_FLAG, .off = AT(cl.tls.insecure) },
	OPT_ROW_NO_COLOR(AT(no_color)),
	{ "no-deflate", 0, NULL, "do not offer permessage-deflate (compression)",
	    .kind = OPT_FLAG, .off = AT(no_deflate) },
	OPT_ROW_NO_HISTORY(AT(no_history)),
	{ "null", '0', NULL, "records end with NUL, not newline, both ways",
	    .kind = OPT_FLAG, .off = AT(rec.null) },
	{ "origin", 'o', "ORIGIN", "send an Origin header",
	    .kind = OPT_STRING, .off = AT(cl.hs.origin),
	    .hook = origin_valid },
	OPT_ROW_PING_INTERVAL(AT(cl.ping_interval),
	    "ping a server silent that long; 0: never"),
	OPT_ROW_PING_TIMEOUT(AT(cl.ping_timeout),
	    "give up on a server that does not answer a ping"),
	/* Last and without PASS: asked for on the terminal. */
	{ "passphrase", 0, "PASS", "passphrase of an encrypted --key; "
	    "last, without PASS: ask", .kind = OPT_STRING,
	    .off = AT(cl.tls.passphrase), .bare = ask_passphrase },
	{ "proxy", 0, "URL", "through the HTTP CONNECT or socks5h:// proxy "
	    "at URL; \"\": none", .kind = OPT_STRING, .off = AT(cl.proxy) },
	{ "protocol", 'p', "VERSION", "WebSocket protocol version; only 13",
	    .kind = OPT_STRING, .off = AT(version), .def_str = "13",
	    .hook = version_valid },
	{ "reconnect", 0, NULL, "come back after a lost connection or a "
	    "close other than 1000", .kind = OPT_FLAG, .off = AT(cl.reconnect) },
	{ "reconnect-delay", 0, "MIN:MAX", "--reconnect: the backoff's bounds "
	    "in seconds", .kind = OPT_STRING, .off = AT(reconnect_delay),
	    .def_str = "0.5:30", .hook = delay_valid },
	{ "reconnect-max", 0, "N", "--reconnect: give up after N attempts in "
	    "a row; 0: never", .kind = OPT_COUNT, .off = AT(cl.reconnect_max),
	    .min = 0, .max = 1000000, .def = 0 },
	{ "show-ping-pong", 'P', NULL, "show pings and pongs",
	    .kind = OPT_FLAG, .off = AT(cl.show_pings) },
	{ "slash", 0, NULL, "slash commands in a pipe too (always at a "
	    "terminal)", .kind = OPT_FLAG, .off = AT(cl.slash) },
	{ "subprotocol", 's', "PROTOCOL", "offer PROTOCOL",
	    .kind = OPT_LIST, .off = AT(cl.hs.protocols),
	    .store_off = AT(protocols), .count_off = AT(cl.hs.nprotocols),
	    .max = MAX_LIST, .hook = protocol_valid },
	{ "unix", 0, "PATH", "connect to the Unix socket at PATH (the URL "
	    "gives Host and path)", .kind = OPT_STRING, .off = AT(cl.unix_path) },
	OPT_ROW_VERBOSE(AT(log_level), "show connection details on stderr"),
	OPT_ROW_VERSION,
	{ "whole", 0, NULL, "stdin up to EOF is one message; nothing "
	    "between messages out", .kind = OPT_FLAG, .off = AT(rec.whole) },
	/* Not given: 0, or 2 after -x (resolved in main). */
	{ "wait", 'w', "SECONDS", "after the input ends, wait SECONDS "
	    "(-x: 2, else 0); -1: until closed", .kind = OPT_SECONDS,
	    .off = AT(cl.wait_sec), .min = -1, .max = OPT_DAY,
	    .def = WAIT_UNSET, .hook = wait_valid },
	{ 0 }
};
/* clang-format on */

static const char usage[] =
    "usage: wscat [-01bhkLnPVv] [-H name:value] [-o origin] [-p version]\n"
    "             [-s protocol] [-w seconds] [-x message] [--auth user:pass]\n"
    "             [--ca file] [--cert file] [--ciphers list]\n"
    "             [--close-grace seconds] [--color when]\n"
    "             [--connect-timeout seconds] [--count n] [--echo] [--events]\n"
    "             [--host host] [--insecure-redirect] [--jsonl] [--key file]\n"
    "             [--max-message bytes] [--max-redirects n] [--no-color]\n"
    "             [--no-deflate] [--no-history] [--passphrase [pass]]\n"
    "             [--ping-interval seconds] [--ping-timeout seconds]\n"
    "             [--proxy url] [--reconnect] [--reconnect-delay min:max]\n"
    "             [--reconnect-max n] [--slash] [--unix path] [--whole]\n"
    "             -c url | url [--exec cmd [arg ...]]";

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

static volatile sig_atomic_t prompt_signo;

static void
prompt_signal_cb(int signo)
{
	prompt_signo = signo;
}

/* Reads a line from fd into pass (len bytes), keeping what fits, with
 * the prompt's signals blocked but while waiting (ppoll: a signal cannot
 * slip in between a check and the wait).  1, 0 at EOF, -1 on an error or
 * a signal; *cut when the line did not fit. */
static int
read_line(int fd, char *pass, size_t len, bool *cut, const sigset_t *waiting)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t r = -1;
	char ch;

	*cut = false;
	for (;;) {
		if (ppoll(&pfd, 1, NULL, waiting) == -1) {
			if (errno == EINTR && prompt_signo == 0)
				continue;
			r = -1;
			break;
		}
		if ((r = read(fd, &ch, 1)) != 1 || ch == '\n')
			break;
		if (n + 1 < len)
			pass[n++] = ch;
		else
			*cut = true;
	}
	pass[n] = '\0';
	ch = '\0';
	return r == 1 ? 1 : r == 0 ? 0 : -1;
}

/*
 * --passphrase without its value: asks on the controlling terminal with
 * echo off, never on stdin, which carries the messages.  The terminal
 * settings come back whatever happens, and a signal that came meanwhile
 * is raised again once they have.  0, or -1 with the reason in err.
 */
static int
ask_passphrase_tty(const char *key, char *pass, size_t len, char *err,
    size_t errlen)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa, old[sizeof(sigs) / sizeof(sigs[0])];
	sigset_t block, orig, waiting;
	struct termios saved, quiet;
	char quoted[OPT_ERRLEN];
	int fd, r, error;
	bool cut = false;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    tcgetattr(fd, &saved) == -1) {
		snprintf(err, errlen,
		    "--passphrase: no terminal to ask on (%s); "
		    "give it as --passphrase PASS",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = prompt_signal_cb; /* no SA_RESTART: read returns */
	sigemptyset(&sa.sa_mask);
	prompt_signo = 0;
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], &sa, &old[i]);
		sigaddset(&block, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &orig);
	waiting = orig;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigdelset(&waiting, sigs[i]);
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	quiet.c_iflag |= ICRNL;
	opt_quote(key, quoted, sizeof(quoted));
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0 &&
	    dprintf(fd, "Passphrase for %s: ", quoted) > 0)
		r = read_line(fd, pass, len, &cut, &waiting);
	else
		r = -1;
	error = errno;
	(void)!write(fd, "\n", 1);
	tcsetattr(fd, TCSAFLUSH, &saved);
	close(fd);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old[i], NULL);
	/* A signal typed at the prompt ends the run as it would any
	 * program's, even one started with it ignored. */
	if (prompt_signo != 0) {
		signal(prompt_signo, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &block, NULL);
		raise(prompt_signo);
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	if (r != 1 || cut)
		explicit_bzero(pass, len);
	if (prompt_signo != 0 || r == -1)
		snprintf(err, errlen, "--passphrase: %s",
		    prompt_signo != 0 ? "interrupted" : strerror(error));
	else if (r == 0)
		snprintf(err, errlen, "--passphrase: no passphrase typed");
	else if (cut)
		snprintf(err, errlen, "--passphrase: longer than %zu bytes",
		    len - 1);
	else
		return 0;
	return -1;
}

int
main(int argc, char *argv[])
{
	static struct wscat_args a; /* struct url is large */
	static char shown[URL_MAX_RESOURCE + URL_MAX_HOST + 64];
	static char passphrase[PASSPHRASE_MAX];
	struct client_config *cfg = &a.cl;
	char err[OPT_ERRLEN], quoted[OPT_ERRLEN];
	const char *why;
	int rc;

	proc_init();
	if ((rc = opt_parse(&cli, &a, argc, argv, err, sizeof(err))) < 0)
		warnx("%s", err);
	if (rc != OPT_OK)
		return opt_print(rc < 0 ? stderr : stdout, &cli, rc);

	if (cfg->url_text[0] == '\0') {
		warnx("empty URL");
		return opt_print(stderr, &cli, OPT_USAGE);
	}
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
	if (cfg->wait_sec == WAIT_UNSET)
		cfg->wait_sec = cfg->nexecute > 0 ? EXECUTE_WAIT_SEC : 0;
	/* Asked only when a key is used: wss:// with --cert. */
	if (cfg->tls.passphrase == ask_passphrase) {
		cfg->tls.passphrase = NULL;
		if (cfg->url.tls && cfg->tls.cert != NULL) {
			if (ask_passphrase_tty(cfg->tls.key, passphrase,
				sizeof(passphrase), err, sizeof(err)) == -1)
				errx(WS_EXIT_USAGE, "%s", err);
			cfg->tls.passphrase = passphrase;
		}
	}
	if (cfg->hs.auth == NULL && cfg->url.userinfo[0] != '\0')
		cfg->hs.auth = cfg->url.userinfo;
	cfg->hs.deflate = !a.no_deflate;
	(void)delay_valid(&a, a.reconnect_delay); /* the default's too */
	if (cfg->proxy != NULL && cfg->proxy[0] != '\0') {
		struct proxy p;

		/* Said without the proxy's password. */
		url_redact(cfg->proxy, quoted, sizeof(quoted));
		if (proxy_parse(cfg->proxy, &p, err, sizeof(err)) == -1)
			errx(WS_EXIT_USAGE, "--proxy %s: %s", quoted, err);
		if (cfg->unix_path != NULL || cfg->url.unix_path[0] != '\0')
			errx(WS_EXIT_USAGE, "--proxy: not with a Unix socket");
	}
	if (cfg->reconnect && cfg->nexec > 0)
		errx(WS_EXIT_USAGE, "--reconnect does not go with --exec");
	cfg->hs.resource = cfg->url.resource;
	/* --host, else the last -H Host, else the URL's. */
	cfg->hs.hostport = cfg->url.hostport;
	if (a.host != NULL || a.host_header != NULL)
		cfg->hs.hostport = a.host != NULL ? a.host : a.host_header;

	if ((why = record_opts_set(&cfg->rec, &a.rec)) != NULL)
		errx(WS_EXIT_USAGE, "%s", why);
	if (cfg->nexec > 0 &&
	    (cfg->echo || cfg->nexecute > 0 || cfg->slash || cfg->count > 0 ||
		cfg->rec.framing == RECORD_JSONL))
		errx(WS_EXIT_USAGE,
		    "--exec takes the place of stdin and stdout: not with "
		    "--echo, -x, -1, --count, --slash or --jsonl");

	log_init(cli.name, (enum log_level)a.log_level);
	display_opts_init(&cfg->term, cli.name, a.color, a.no_color,
	    a.no_history,
	    cfg->nexecute == 0 && !cfg->echo &&
		cfg->rec.framing != RECORD_JSONL && cfg->nexec == 0);
	/* JSON lines are safe on a terminal, and what was asked for; a
	 * child's pipes are no terminal. */
	if (cfg->rec.framing == RECORD_JSONL || cfg->nexec > 0)
		cfg->term.show = false;
	rc = client_run(cfg);
	explicit_bzero(passphrase, sizeof(passphrase));
	return rc;
}
