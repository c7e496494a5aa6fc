/*
 * wscat at a terminal, npm wscat's look: with stdout a terminal, messages
 * as blue "< text" lines, escaped; with stdin a terminal too, a console
 * with "Connected" and "Disconnected" notices and the slash commands.
 * --slash gives a pipe the commands too, and -P shows pings and pongs;
 * without a terminal their notices go to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client_int.h"
#include "command.h"
#include "log.h"
#include "utf8.h"

/* clang-format off */
static const struct command_def commands[] = {
	{ "ping", COMMAND_PING, COMMAND_DATA, "[DATA]",
	    "send a ping; its pong shows the round-trip time" },
	{ "pong", COMMAND_PONG, COMMAND_DATA, "[DATA]", "send a pong" },
	{ "close", COMMAND_CLOSE, COMMAND_CODE, "[CODE [REASON]]",
	    "close (code 1000 by default) and exit" },
	{ "binary", COMMAND_BINARY, COMMAND_BYTES, "HEX...|@FILE",
	    "send a binary message: hex bytes, or a file's bytes" },
	{ "quit", COMMAND_QUIT, 0, "", "close (1000) and exit" },
	{ "help", COMMAND_HELP, 0, "", "this list; //TEXT sends /TEXT" },
	{ NULL, 0, 0, NULL, NULL }
};
/* clang-format on */

/* A notice: above the prompt, on the terminal, or else on stderr. */
static void notice(struct client *cl, enum display_color c, const char *fmt,
    ...) LOG_PRINTF(3, 4);

static void
notice(struct client *cl, enum display_color c, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (cl->cfg->term.show)
		display_notice(&cl->display, c, "%s", text);
	else
		log_msg("%s", text);
}

static void
help(struct client *cl)
{
	char line[128];

	for (size_t i = 0; command_help(commands, i, line, sizeof(line)); i++)
		notice(cl, DISPLAY_PLAIN, "%s", line);
}

static void
run_command(struct client *cl, const struct command *cmd)
{
	switch (cmd->kind) {
	case COMMAND_PING:
	case COMMAND_PONG:
		if (wsconn_control(cl->c,
			cmd->kind == COMMAND_PING ? WSLAY_PING : WSLAY_PONG,
			cmd->text, cmd->len) == -1) {
			notice(cl, DISPLAY_RED, "not sent: not open");
			break;
		}
		if (cmd->kind == COMMAND_PING)
			cl->ping_sent = ev_time();
		wsconn_flush(cl->c);
		break;
	case COMMAND_CLOSE:
		lineio_reader_stop(cl->in);
		if (cl->con != NULL)
			console_stop(cl->con);
		cl->close_code = cmd->code != 0 ? cmd->code : 1000;
		client_close(cl, cl->close_code, cmd->text);
		break;
	case COMMAND_BINARY:
		client_send(cl, buf_head(&cl->bytes), buf_used(&cl->bytes),
		    false);
		wsconn_flush(cl->c);
		break;
	case COMMAND_QUIT:
		client_input_done(cl);
		break;
	default:
		help(cl);
		break;
	}
}

void
client_console_line(struct client *cl, const char *line, size_t len)
{
	struct command cmd;
	char err[LOG_ERR_MAX], shown[4 * LOG_ERR_MAX];
	int r;

	if ((r = command_parse(commands, line, len, &cmd, &cl->bytes, err,
		 sizeof(err))) != 0) {
		display_quote(shown, sizeof(shown), err, strlen(err));
		notice(cl, DISPLAY_RED, "%s", shown);
		if (r == COMMAND_UNKNOWN)
			help(cl);
		return;
	}
	if (cmd.kind == COMMAND_NONE)
		client_send(cl, cmd.text, cmd.len,
		    utf8_valid(cmd.text, cmd.len));
	else
		run_command(cl, &cmd);
}

static void
on_console_line(const char *line, size_t len, void *arg)
{
	struct client *cl = arg;

	client_console_line(cl, line, len);
	client_after_input(cl);
}

static void
on_console_eof(void *arg)
{
	client_input_done(arg);
}

static const struct console_cbs console_cbs = { on_console_line,
	on_console_eof };

void
client_console_init(struct client *cl)
{
	const struct client_config *cfg = cl->cfg;

	buf_init(&cl->bytes, cfg->max_message);
	buf_init(&cl->cmdline, cfg->max_message + 1);
	display_init(&cl->display, cl->out, NULL, cfg->term.color,
	    cfg->max_message);
}

int
client_console_start(struct client *cl)
{
	const struct client_config *cfg = cl->cfg;

	if (!cfg->term.console || cl->con != NULL) /* a reconnect */
		return 0;
	cl->con = console_new(cl->loop, "> ", cfg->term.history, cl->out,
	    &console_cbs, cl);
	if (cl->con == NULL)
		return -1;
	cl->display.con = cl->con;
	display_take_log(&cl->display, DISPLAY_RED);
	return 0;
}

void
client_console_close(struct client *cl)
{
	display_deinit(&cl->display); /* log lines back to stderr first */
	console_free(cl->con);
	cl->con = NULL;
	buf_deinit(&cl->bytes);
	buf_deinit(&cl->cmdline);
}

void
client_show_open(struct client *cl)
{
	const char *proto = wsconn_protocol(cl->c);
	char shown[4 * HANDSHAKE_MAX_PROTOCOL];

	display_quote(shown, sizeof(shown), proto, strlen(proto));
	display_notice(&cl->display, DISPLAY_GREEN,
	    "Connected (press CTRL+D to quit)%s%s%s",
	    proto[0] ? " (subprotocol: " : "", shown, proto[0] ? ")" : "");
}

void
client_show_end(struct client *cl)
{
	const char *reason = wsconn_reason_received(cl->c);
	char how[LOG_ERR_MAX], shown[4 * LOG_ERR_MAX];

	if (wsconn_end(cl->c) == WSCONN_END_CLOSED) {
		display_quote(shown, sizeof(shown), reason, strlen(reason));
		display_notice(&cl->display, DISPLAY_GREEN,
		    "Disconnected (code: %u, reason: \"%s\")",
		    wsconn_code_received(cl->c), shown);
		return;
	}
	wsconn_describe_end(cl->c, how, sizeof(how));
	display_quote(shown, sizeof(shown), how, strlen(how));
	display_notice(&cl->display, DISPLAY_GREEN, "Disconnected (%s)", shown);
}

int
client_show_message(struct client *cl, int opcode, const uint8_t *p, size_t n)
{
	return display_message(&cl->display, "<", opcode == WSLAY_TEXT_FRAME, p,
	    n);
}

void
client_show_control(struct client *cl, int opcode, const uint8_t *p, size_t n)
{
	char data[4 * SESSION_CONTROL_MAX + 1], rtt[64] = "";
	bool pong = opcode == WSLAY_PONG;

	if (pong && cl->ping_sent > 0) {
		snprintf(rtt, sizeof(rtt), ", round trip %.3f ms",
		    (ev_time() - cl->ping_sent) * 1000);
		cl->ping_sent = 0;
	} else if (!cl->cfg->show_pings)
		return;
	display_quote(data, sizeof(data), p, n);
	notice(cl, DISPLAY_BLUE, "< %s (data: \"%s\")%s",
	    pong ? "pong" : "ping", data, rtt);
	if (!pong)
		notice(cl, DISPLAY_DIM, "> pong (data: \"%s\")", data);
}
