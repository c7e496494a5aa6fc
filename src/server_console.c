/*
 * wsserve at a terminal.  With stdout a terminal, each message is shown as
 * "<ID text" (blue, escaped), and clients coming and going as green
 * "+ID address connected" and "-ID address disconnected (...)" lines in
 * the same stream.  With stdin a terminal too, a console reads the lines:
 * a plain line goes to every client, or is reported as sent to none, and
 * slash commands act on one client.
 */
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "log.h"
#include "server_int.h"

/* clang-format off */
static const struct command_def commands[] = {
	{ "list", COMMAND_LIST, 0, "",
	    "list the clients: id, address, time connected, subprotocol" },
	{ "to", COMMAND_TO, COMMAND_ID | COMMAND_TEXT, "ID TEXT",
	    "send TEXT to client ID only" },
	{ "close", COMMAND_CLOSE, COMMAND_ID | COMMAND_CODE,
	    "ID [CODE [REASON]]", "close client ID (code 1000 by default)" },
	{ "kick", COMMAND_KICK, COMMAND_ID, "ID",
	    "drop client ID now (1008), with what it was not sent yet" },
	{ "quit", COMMAND_QUIT, 0, "", "close every client (1001) and exit" },
	{ "help", COMMAND_HELP, 0, "", "this list; //TEXT sends /TEXT" },
	{ NULL, 0, 0, NULL, NULL }
};
/* clang-format on */

static struct peer *
find_client(struct server *s, unsigned long id)
{
	struct peer *p = server_find(s, id);

	if (p == NULL)
		display_notice(&s->display, DISPLAY_RED, "no open client %lu",
		    id);
	return p;
}

static void
list_clients(struct server *s)
{
	ev_tstamp now = ev_now(s->loop);
	struct peer *p;
	char proto[4 * HANDSHAKE_MAX_PROTOCOL];

	if (s->nopen == 0) {
		display_notice(&s->display, DISPLAY_PLAIN, "(no clients)");
		return;
	}
	TAILQ_FOREACH(p, &s->clients, link) {
		if (!wsconn_is_open(p->conn))
			continue;
		display_quote(proto, sizeof(proto), wsconn_protocol(p->conn),
		    strlen(wsconn_protocol(p->conn)));
		display_notice(&s->display, DISPLAY_PLAIN,
		    "%-4lu %-24s %6.0fs %s", p->id, wsconn_peer(p->conn),
		    now - p->since, proto);
	}
}

static void
help(struct server *s)
{
	char line[128];

	for (size_t i = 0; command_help(commands, i, line, sizeof(line)); i++)
		display_notice(&s->display, DISPLAY_PLAIN, "%s", line);
}

static void
run_command(struct server *s, const struct command *cmd)
{
	struct peer *p;

	switch (cmd->kind) {
	case COMMAND_LIST:
		list_clients(s);
		break;
	case COMMAND_TO:
		if ((p = find_client(s, cmd->id)) == NULL)
			break;
		if (wsconn_send(p->conn, WSLAY_TEXT_FRAME, cmd->text,
			cmd->len) == -1)
			p->unsent++;
		wsconn_flush(p->conn);
		server_update_stdin(s);
		break;
	case COMMAND_CLOSE:
		if ((p = find_client(s, cmd->id)) != NULL)
			wsconn_close_reason(p->conn,
			    cmd->code != 0 ? cmd->code : 1000, cmd->text);
		break;
	case COMMAND_KICK:
		if ((p = find_client(s, cmd->id)) != NULL)
			wsconn_abort(p->conn, 1008, "kicked");
		break;
	case COMMAND_QUIT:
		server_shut_down(s, 1001, true);
		break;
	default:
		help(s);
		break;
	}
}

static void
on_console_line(const char *line, size_t len, void *arg)
{
	struct server *s = arg;
	struct command cmd;
	char err[LOG_ERR_MAX], shown[4 * LOG_ERR_MAX];
	int r;

	if ((r = command_parse(commands, line, len, &cmd, &s->bytes, err,
		 sizeof(err))) != 0) {
		display_quote(shown, sizeof(shown), err, strlen(err));
		display_notice(&s->display, DISPLAY_RED, "%s", shown);
		if (r == COMMAND_UNKNOWN)
			help(s);
		return;
	}
	if (cmd.kind != COMMAND_NONE) {
		run_command(s, &cmd);
		return;
	}
	/* At a terminal, a line for nobody is said to be so, not held. */
	if (server_broadcast(s, cmd.text, cmd.len, true) == 0)
		display_notice(&s->display, DISPLAY_DIM,
		    "(no clients; not sent)");
}

static void
on_console_eof(void *arg)
{
	server_shut_down(arg, 1001, true);
}

static const struct console_cbs console_cbs = { on_console_line,
	on_console_eof };

int
server_console_open(struct server *s)
{
	const struct server_config *cfg = s->cfg;

	buf_init(&s->bytes, cfg->max_message);
	if (cfg->term.console) {
		s->con = console_new(s->loop, "> ", cfg->term.history, s->out,
		    &console_cbs, s);
		if (s->con == NULL) {
			log_msg("out of memory");
			return -1;
		}
	}
	display_init(&s->display, s->out, s->con, cfg->term.color,
	    cfg->max_message);
	if (s->con != NULL)
		display_take_log(&s->display, DISPLAY_PLAIN);
	server_update_stdin(s);
	return 0;
}

void
server_console_close(struct server *s)
{
	display_deinit(&s->display); /* log lines back to stderr first */
	console_free(s->con);
	s->con = NULL;
	buf_deinit(&s->bytes);
}

void
server_show_open(struct server *s, const struct peer *p)
{
	const char *proto = wsconn_protocol(p->conn);
	char shown[4 * HANDSHAKE_MAX_PROTOCOL];

	display_quote(shown, sizeof(shown), proto, strlen(proto));
	display_notice(&s->display, DISPLAY_GREEN, "+%lu %s connected%s%s%s",
	    p->id, wsconn_peer(p->conn), proto[0] ? " (subprotocol: " : "",
	    shown, proto[0] ? ")" : "");
}

void
server_show_end(struct server *s, const struct peer *p, const char *how)
{
	const char *reason = wsconn_reason_received(p->conn);
	char shown[4 * LOG_ERR_MAX];

	if (wsconn_end(p->conn) == WSCONN_END_CLOSED) {
		display_quote(shown, sizeof(shown), reason, strlen(reason));
		display_notice(&s->display, DISPLAY_GREEN,
		    "-%lu %s disconnected (code: %u, reason: \"%s\")", p->id,
		    wsconn_peer(p->conn), wsconn_code_received(p->conn), shown);
		return;
	}
	display_quote(shown, sizeof(shown), how, strlen(how));
	display_notice(&s->display, DISPLAY_GREEN, "-%lu %s disconnected (%s)",
	    p->id, wsconn_peer(p->conn), shown);
}

int
server_show_message(struct server *s, const struct peer *p, int opcode,
    const uint8_t *data, size_t n)
{
	char mark[32];

	snprintf(mark, sizeof(mark), "<%lu", p->id);
	return display_message(&s->display, mark, opcode == WSLAY_TEXT_FRAME,
	    data, n);
}
