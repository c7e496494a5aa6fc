/*
 * wsserve: a WebSocket server for the command line.  The option table
 * fills a server_config (src/opt.c does the parsing), one block rejects
 * bad combinations, and server_run() does the rest.
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display.h"
#include "exitcode.h"
#include "log.h"
#include "net.h"
#include "opt.h"
#include "policy.h"
#include "proc.h"
#include "record.h"
#include "server.h"
#include "version.h"

#define MAX_LIST 16  /* repeats of -a, --allow-host, --origin, --subprotocol */
#define MAX_USERS 64 /* --auth and the lines of --auth-file */
#define MAX_PASSENV 64 /* names given with --passenv */

/* What the options fill: the config, and what it points to. */
struct wsserve_args {
	struct server_config srv;
	int log_level; /* -q, -v: an enum log_level */
	const char *addresses[MAX_LIST];
	const char *allow_hosts[MAX_LIST];
	const char *trust_proxies[MAX_LIST];
	const char *origins[MAX_LIST];
	const char *protocols[MAX_LIST];
	const char *auth;      /* --auth */
	const char *auth_file; /* --auth-file */
	char *auth_text;       /* the --auth-file, read whole */
	const char *color;     /* --color WHEN */
	bool no_color, no_history;
	bool no_deflate;	      /* --no-deflate */
	struct record_flags rec;      /* -0, -b, --whole, --jsonl, --ids... */
	const char *users[MAX_USERS]; /* both: "user:pass", pointing into
				       * argv and auth_text */
	const char *passenv_lists[MAX_LIST]; /* --passenv A,B */
	size_t npassenv_lists;
	const char *const *passenv_given;
	char passenv_text[MAX_LIST][256]; /* the lists, cut at commas */
	const char *passenv[MAX_PASSENV]; /* the names, into passenv_text */
	const char *unix_paths[MAX_LIST]; /* -U */
	const char *unix_mode;		  /* --unix-mode, octal */
	bool tcp_given;			  /* -a or -p: TCP with -U too */
};

#define AT(m) offsetof(struct wsserve_args, m)

/* An invalid list is a usage error, found before anything listens. */
static const char *
ciphers_valid(void *args, const char *arg)
{
	(void)args;
	return tls_ciphers_check(arg);
}

static const char *
host_valid(void *args, const char *arg)
{
	(void)args;
	return *arg != '\0' && handshake_value_valid(arg) &&
		strpbrk(arg, " \t/@") == NULL ?
	    NULL :
	    "not a host name";
}

static const char *
origin_valid(void *args, const char *arg)
{
	(void)args;
	return policy_origin_valid(arg) ?
	    NULL :
	    "not an origin (scheme://host[:port], null or *)";
}

/* --passenv NAME[,NAME...]: each an environment variable's name. */
static const char *
passenv_valid(void *args, const char *arg)
{
	(void)args;
	if (strlen(arg) >= 256)
		return "too long";
	for (const char *p = arg; *p != '\0'; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' ||
			(*p == ',' && p != arg && p[1] != '\0' &&
			    p[1] != ',')) ||
		    (isdigit((unsigned char)*p) && (p == arg || p[-1] == ',')))
			return "expected NAME[,NAME...]";
	return NULL;
}

/* The names of every --passenv list, cut at their commas. */
static void
split_passenv(struct wsserve_args *a)
{
	struct server_config *cfg = &a->srv;
	char *p, *name;

	for (size_t i = 0; i < a->npassenv_lists; i++) {
		snprintf(a->passenv_text[i], sizeof(a->passenv_text[i]), "%s",
		    a->passenv_given[i]);
		for (p = a->passenv_text[i];
		     (name = strsep(&p, ",")) != NULL;) {
			if (cfg->npassenv == MAX_PASSENV)
				errx(WS_EXIT_USAGE,
				    "--passenv: more than %d "
				    "names",
				    MAX_PASSENV);
			a->passenv[cfg->npassenv++] = name;
		}
	}
	cfg->passenv = a->passenv;
}

/* -a and -p: TCP is asked for, also with -U. */
static const char *
tcp_given(void *args, const char *arg)
{
	(void)arg;
	((struct wsserve_args *)args)->tcp_given = true;
	return NULL;
}

static const char *
unix_mode_valid(void *args, const char *arg)
{
	struct wsserve_args *a = args;
	char *end;
	unsigned long m = strtoul(arg, &end, 8);

	if (*arg < '0' || *arg > '7' || *end != '\0' || m > 0777)
		return "expected an octal mode, 0000 to 0777";
	a->srv.unix_mode = (unsigned)m;
	return NULL;
}

/* A password is never shown, not even in a usage error. */
static bool
user_valid(const char *s)
{
	return handshake_auth_valid(s) && strlen(s) <= HANDSHAKE_MAX_AUTH;
}

/* --auth-file: "user:pass" lines; blank lines and # comments are skipped.
 * The file is read whole into a->auth_text, and the entries point into
 * it.  Any problem is a usage error naming the file and the line. */
static void
load_users(struct wsserve_args *a)
{
	struct handshake_policy *pol = &a->srv.policy;
	char quoted[OPT_ERRLEN], *p, *line, *cr;
	size_t cap = 0, lineno = 0, added = 0;
	FILE *fp;
	int error = 0;

	opt_quote(a->auth_file, quoted, sizeof(quoted));
	if ((fp = fopen(a->auth_file, "r")) == NULL)
		errx(WS_EXIT_USAGE, "--auth-file %s: %s", quoted,
		    strerror(errno));
	/* Up to a NUL byte, which no line may hold: more after it fails. */
	if (getdelim(&a->auth_text, &cap, '\0', fp) == -1 && ferror(fp))
		error = errno;
	else if (getc(fp) != EOF)
		error = EINVAL;
	fclose(fp);
	if (error != 0)
		errx(WS_EXIT_USAGE, "--auth-file %s: %s", quoted,
		    error == EINVAL ? "NUL byte in the file" : strerror(error));
	for (p = a->auth_text; p != NULL && *p != '\0';) {
		line = strsep(&p, "\n");
		lineno++;
		if ((cr = strchr(line, '\r')) != NULL && cr[1] == '\0')
			*cr = '\0';
		if (line[strspn(line, " \t")] == '\0' ||
		    line[strspn(line, " \t")] == '#')
			continue;
		if (!user_valid(line))
			errx(WS_EXIT_USAGE,
			    "--auth-file %s:%zu: expected "
			    "user:pass",
			    quoted, lineno);
		if (pol->ncredentials == MAX_USERS)
			errx(WS_EXIT_USAGE,
			    "--auth-file %s:%zu: more than %d "
			    "users",
			    quoted, lineno, MAX_USERS);
		a->users[pol->ncredentials++] = line;
		added++;
	}
	if (added == 0)
		errx(WS_EXIT_USAGE, "--auth-file %s: no user:pass line",
		    quoted);
}

/* The table is laid out by hand: one option, one block of lines. */
/* clang-format off */
/* --trust-proxy: an address, a block of them, or "unix". */
static const char *
trust_valid(void *args, const char *arg)
{
	struct net_cidr c;

	(void)args;
	if (strcmp(arg, "unix") == 0 || net_cidr_text(arg, &c) == 0)
		return NULL;
	return "expected an address, ADDRESS/BITS or unix";
}

static const struct opt_def options[] = {
	{ "address", 'a', "ADDRESS", "listen on ADDRESS",
	    .kind = OPT_LIST, .off = AT(srv.addresses),
	    .store_off = AT(addresses), .count_off = AT(srv.naddresses),
	    .max = MAX_LIST, .def_str = "127.0.0.1", .hook = tcp_given },
	{ "allow-host", 0, "NAME", "also answer requests for Host NAME; *: "
	    "any", .kind = OPT_LIST, .off = AT(srv.allow_hosts),
	    .store_off = AT(allow_hosts), .count_off = AT(srv.nallow_hosts),
	    .max = MAX_LIST, .hook = host_valid },
	{ "auth", 0, "USER:PASS", "require HTTP Basic authorization",
	    .kind = OPT_STRING, .off = AT(auth) },
	{ "auth-file", 0, "FILE", "require it for the user:pass lines of FILE",
	    .kind = OPT_STRING, .off = AT(auth_file) },
	{ "binary", 'b', NULL, "send stdin records as binary messages",
	    .kind = OPT_FLAG, .off = AT(rec.binary) },
	{ "cert", 0, "FILE", "serve wss:// with this PEM certificate chain",
	    .kind = OPT_STRING, .off = AT(srv.tls.cert) },
	{ "ciphers", 0, "LIST", "TLS 1.2 cipher suites (OpenSSL syntax)",
	    .kind = OPT_STRING, .off = AT(srv.tls.ciphers),
	    .hook = ciphers_valid },
	{ "client-ca", 0, "FILE", "require client certificates signed by "
	    "this CA", .kind = OPT_STRING, .off = AT(srv.tls.client_ca) },
	{ "exit-on-eof", 'E', NULL, "at stdin EOF close all clients (1000) "
	    "and exit", .kind = OPT_FLAG, .off = AT(srv.exit_on_eof) },
	OPT_ROW_CLOSE_GRACE(AT(srv.close_grace)),
	OPT_ROW_COLOR(AT(color), display_color_valid),
	{ "echo", 0, NULL, "send each message back to its sender",
	    .kind = OPT_FLAG, .off = AT(srv.echo) },
	{ "events", 0, NULL, "client opens and closes as records on stdout",
	    .kind = OPT_FLAG, .off = AT(rec.events) },
	{ "exec", 0, "CMD", "run CMD [ARG...] (the rest of the line) for each "
	    "client, bridged to it", .kind = OPT_REST, .off = AT(srv.exec),
	    .count_off = AT(srv.nexec) },
	{ "handshake-timeout", 0, "SECONDS", "drop handshakes not done in "
	    "SECONDS", .kind = OPT_SECONDS, .off = AT(srv.handshake_timeout),
	    .min = 0.001, .max = OPT_DAY, .def = 10 },
	{ "ids", 0, NULL, "ID<TAB>payload records both ways: who said "
	    "what, to whom", .kind = OPT_FLAG, .off = AT(rec.ids) },
	{ "jsonl", 0, NULL, "one JSON object per message or event, both ways",
	    .kind = OPT_FLAG, .off = AT(rec.jsonl) },
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
	OPT_ROW_NO_COLOR(AT(no_color)),
	{ "no-deflate", 0, NULL, "do not accept permessage-deflate (compression)",
	    .kind = OPT_FLAG, .off = AT(no_deflate) },
	{ "no-events", 0, NULL, "no event records (with --jsonl)",
	    .kind = OPT_FLAG, .off = AT(rec.no_events) },
	OPT_ROW_NO_HISTORY(AT(no_history)),
	{ "no-page", 0, NULL, "do not serve the test page at "
	    "http://ADDRESS:PORT/", .kind = OPT_FLAG, .off = AT(srv.no_page) },
	{ "null", '0', NULL, "records end with NUL, not newline, both ways",
	    .kind = OPT_FLAG, .off = AT(rec.null) },
	{ "origin", 0, "ORIGIN", "also accept browsers from ORIGIN; *: any",
	    .kind = OPT_LIST, .off = AT(srv.policy.origins),
	    .store_off = AT(origins), .count_off = AT(srv.policy.norigins),
	    .max = MAX_LIST, .hook = origin_valid },
	{ "passenv", 0, "NAME,...", "--exec: pass these variables of ours",
	    .kind = OPT_LIST, .off = AT(passenv_given),
	    .store_off = AT(passenv_lists), .count_off = AT(npassenv_lists),
	    .max = MAX_LIST, .hook = passenv_valid },
	OPT_ROW_PING_INTERVAL(AT(srv.ping_interval),
	    "ping a client silent that long; 0: never"),
	OPT_ROW_PING_TIMEOUT(AT(srv.ping_timeout),
	    "drop a client that does not answer a ping"),
	{ "port", 'p', "PORT", "listen on PORT; 0: any",
	    .kind = OPT_PORT, .off = AT(srv.port), .def_str = "15678",
	    .hook = tcp_given },
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
	{ "trust-proxy", 0, "ADDRESS", "take the client's address from "
	    "X-Forwarded-For or Forwarded when the peer is ADDRESS[/BITS] or "
	    "unix", .kind = OPT_LIST, .off = AT(srv.trust_proxies),
	    .store_off = AT(trust_proxies), .count_off = AT(srv.ntrust_proxies),
	    .max = MAX_LIST, .hook = trust_valid },
	{ "unix", 'U', "PATH", "listen on a Unix socket at PATH (without "
	    "-a or -p: only there)", .kind = OPT_LIST,
	    .off = AT(srv.unix_paths), .store_off = AT(unix_paths),
	    .count_off = AT(srv.nunix), .max = MAX_LIST },
	{ "unix-mode", 0, "MODE", "the -U sockets' permissions, octal",
	    .kind = OPT_STRING, .off = AT(unix_mode), .def_str = "0600",
	    .hook = unix_mode_valid },
	OPT_ROW_VERBOSE(AT(log_level), "log handshake details"),
	{ "whole", 0, NULL, "stdin up to EOF is one message; nothing "
	    "between messages out", .kind = OPT_FLAG, .off = AT(rec.whole) },
	OPT_ROW_VERSION,
	{ 0 }
};
/* clang-format on */

static const char usage[] =
    "usage: wsserve [-0bEhqVv] [-a address] [-p port] [-U path]\n"
    "               [--allow-host name] [--auth user:pass] [--auth-file file]\n"
    "               [--cert file] [--ciphers list] [--client-ca file]\n"
    "               [--close-grace seconds] [--color when] [--echo] [--events]\n"
    "               [--handshake-timeout seconds] [--ids] [--jsonl] [--key file]\n"
    "               [--max-clients n] [--max-memory bytes] [--max-message bytes]\n"
    "               [--max-pending n] [--no-color] [--no-deflate] [--no-events]\n"
    "               [--no-history] [--no-page] [--origin origin]\n"
    "               [--passenv name,...] [--ping-interval seconds]\n"
    "               [--ping-timeout seconds] [--slow-client-timeout seconds]\n"
    "               [--subprotocol name] [--trust-proxy address]\n"
    "               [--unix-mode mode] [--whole]\n"
    "               [--exec cmd [arg ...]]";

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
	const char *why;
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
	/* -U alone listens on its sockets only. */
	if (cfg->nunix > 0 && !a.tcp_given)
		cfg->naddresses = 0;
	if (cfg->nunix == 0 && strcmp(a.unix_mode, "0600") != 0)
		errx(WS_EXIT_USAGE, "--unix-mode needs -U");
	(void)unix_mode_valid(&a, a.unix_mode); /* the default's too */
	if (a.auth != NULL && !user_valid(a.auth))
		errx(WS_EXIT_USAGE,
		    "--auth: expected user:pass, without "
		    "control characters");
	if (a.auth != NULL)
		a.users[cfg->policy.ncredentials++] = a.auth;
	if (a.auth_file != NULL)
		load_users(&a);
	cfg->policy.credentials = a.users;
	cfg->policy.deflate = !a.no_deflate;

	a.rec.server = true;
	if ((why = record_opts_set(&cfg->rec, &a.rec)) != NULL)
		errx(WS_EXIT_USAGE, "%s", why);
	if (cfg->nexec > 0 &&
	    (cfg->echo || cfg->exit_on_eof || cfg->rec.framing != RECORD_LINES))
		errx(WS_EXIT_USAGE,
		    "--exec gives each client to its program: "
		    "not with --echo, -E, --jsonl or --ids");
	if (cfg->nexec == 0 && a.npassenv_lists > 0)
		errx(WS_EXIT_USAGE, "--passenv needs --exec");
	split_passenv(&a);

	log_init(cli.name, (enum log_level)a.log_level);
	display_opts_init(&cfg->term, cli.name, a.color, a.no_color,
	    a.no_history, cfg->rec.framing != RECORD_JSONL && cfg->nexec == 0);
	/* JSON lines are safe on a terminal, and what was asked for; with
	 * --exec stdin and stdout are not used. */
	if (cfg->rec.framing == RECORD_JSONL || cfg->nexec > 0)
		cfg->term.show = false;
	rc = server_run(cfg);
	free(a.auth_text);
	return rc;
}
