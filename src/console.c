/*
 * The console on libedit's readline interface, driven by libev: one key per
 * readiness through rl_callback_read_char(), which libedit reads with one
 * read(2) of one byte, so the rest stays in the tty for the next round.
 *
 * Printing above the prompt: the prompt and the input are erased (the
 * cursor goes up to the prompt's first row), the lines are queued on the
 * stdout writer, and once the writer is empty an ev_prepare redraws them
 * with rl_forced_update_display(), which starts from the cursor's column
 * 0, where the last line left it.  No key is read while the prompt is off
 * the screen, since libedit would echo it at the wrong place.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <editline/readline.h>

#include "attr.h"
#include "console.h"

struct console {
	struct ev_loop *loop;
	ev_io keys;		   /* stdin */
	ev_prepare redraw;	   /* brings the prompt back */
	ev_signal winch;	   /* the terminal was resized */
	struct lineio_writer *out; /* borrowed */
	const struct console_cbs *cb;
	void *arg;
	char *prompt;  /* owned */
	char *history; /* owned; NULL: none */
	bool wanted;   /* the owner wants keys */
	bool shown;    /* the prompt is on the screen */
};

static struct console *the_console; /* libedit's line callback has no arg */

static void
line_cb(char *line)
{
	struct console *con = the_console;

	/* libedit has ended the line on the screen and left the terminal in
	 * its own modes: installing the handler again starts a fresh line
	 * (raw modes, empty buffer, a new prompt).  keys_cb takes that
	 * prompt off again if lines are waiting to be printed. */
	rl_callback_handler_install(con->prompt, line_cb);
	con->shown = false;
	if (line == NULL) {
		con->cb->on_eof(con->arg);
		return;
	}
	if (line[0] != '\0')
		add_history(line);
	con->cb->on_line(line, strlen(line), con->arg);
	free(line);
}

static void
update_keys(struct console *con)
{
	if (con->wanted && con->shown)
		ev_io_start(con->loop, &con->keys);
	else
		ev_io_stop(con->loop, &con->keys);
}

/* Columns a string takes, as libedit counts them: one per character. */
static size_t
columns(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Erases the prompt and the input from the screen: up to the prompt's
 * row, then to the end of the screen. */
static void
hide(struct console *con)
{
	struct winsize ws;
	size_t width = 80, at;

	if (!con->shown)
		return;
	if (ioctl(fileno(rl_outstream), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		width = ws.ws_col;
	at = columns(con->prompt, strlen(con->prompt)) +
	    columns(rl_line_buffer, rl_point);
	if (at / width > 0)
		fprintf(rl_outstream, "\033[%zuA", at / width);
	fputs("\r\033[J", rl_outstream);
	fflush(rl_outstream);
	con->shown = false;
	update_keys(con);
}

static void
keys_cb(UNUSED struct ev_loop *loop, ev_io *w, UNUSED int revents)
{
	struct console *con = w->data;

	rl_callback_read_char();
	if (con->shown)
		return;
	/* A line ended, and libedit drew a fresh prompt. */
	con->shown = true;
	if (ev_is_active(&con->redraw))
		hide(con);
	else
		update_keys(con);
}

static void
redraw_cb(struct ev_loop *loop, ev_prepare *w, UNUSED int revents)
{
	struct console *con = w->data;

	if (lineio_writer_pending(con->out) > 0)
		return; /* on the next round */
	ev_prepare_stop(loop, w);
	rl_forced_update_display();
	con->shown = true;
	update_keys(con);
}

static void
winch_cb(UNUSED struct ev_loop *loop, UNUSED ev_signal *w, UNUSED int revents)
{
	rl_resize_terminal();
}

struct console *
console_new(struct ev_loop *loop, const char *prompt, const char *history,
    struct lineio_writer *out, const struct console_cbs *cbs, void *arg)
{
	struct console *con;

	if (the_console != NULL || (con = calloc(1, sizeof(*con))) == NULL)
		return NULL;
	con->prompt = strdup(prompt);
	con->history = history != NULL ? strdup(history) : NULL;
	if (con->prompt == NULL || (history != NULL && con->history == NULL)) {
		free(con->prompt);
		free(con->history);
		free(con);
		return NULL;
	}
	con->loop = loop;
	con->out = out;
	con->cb = cbs;
	con->arg = arg;
	ev_io_init(&con->keys, keys_cb, STDIN_FILENO, EV_READ);
	con->keys.data = con;
	ev_prepare_init(&con->redraw, redraw_cb);
	con->redraw.data = con;
	ev_signal_init(&con->winch, winch_cb, SIGWINCH);
	ev_signal_start(loop, &con->winch);
	the_console = con;

	setlocale(LC_CTYPE, ""); /* libedit edits characters, not bytes */
	rl_catch_signals = 0;	 /* the owner's ev_signal watchers have them */
	rl_catch_sigwinch = 0;
	rl_instream = stdin;
	rl_outstream = stdout;
	using_history();
	stifle_history(CONSOLE_HISTORY_MAX);
	if (con->history != NULL)
		(void)read_history(con->history); /* none yet is fine */
	rl_callback_handler_install(con->prompt, line_cb);
	con->shown = true;
	return con;
}

void
console_free(struct console *con)
{
	if (con == NULL)
		return;
	hide(con);
	ev_io_stop(con->loop, &con->keys);
	ev_prepare_stop(con->loop, &con->redraw);
	ev_signal_stop(con->loop, &con->winch);
	rl_callback_handler_remove(); /* the terminal's modes back */
	if (con->history != NULL)
		(void)write_history(con->history);
	clear_history();
	the_console = NULL;
	free(con->prompt);
	free(con->history);
	free(con);
}

void
console_start(struct console *con)
{
	con->wanted = true;
	update_keys(con);
}

void
console_stop(struct console *con)
{
	con->wanted = false;
	update_keys(con);
}

int
console_print(struct console *con, const char *line, size_t n)
{
	hide(con);
	if (!ev_is_active(&con->redraw))
		ev_prepare_start(con->loop, &con->redraw);
	return lineio_writer_message(con->out, line, n);
}

/* mkdir -p for the directories above a file, mode 0700. */
static int
make_parents(char *path)
{
	for (char *s = strchr(path + 1, '/'); s != NULL;
	     s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return 0;
}

int
console_history_path(const char *prog, char *out, size_t outlen, char *err,
    size_t errlen)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	if (state != NULL && state[0] == '/')
		n = snprintf(out, outlen, "%s/%s/history", state, prog);
	else if (home != NULL && home[0] == '/')
		n = snprintf(out, outlen, "%s/.local/state/%s/history", home,
		    prog);
	else {
		snprintf(err, errlen,
		    "no history: neither XDG_STATE_HOME nor "
		    "HOME is set");
		return -1;
	}
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "no history: the path is too long");
		return -1;
	}
	if (make_parents(out) == -1) {
		snprintf(err, errlen, "no history: %s: %s", out,
		    strerror(errno));
		return -1;
	}
	return 0;
}
