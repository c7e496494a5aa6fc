#!/usr/bin/env node
// Drives wsserve's built-in page in headless Chromium for tests/browser.bats.
//
//   node page_test.js [--allow TEXT]... [--insecure] URL
//
// Opens URL in Debian's /usr/bin/chromium with a fresh profile, then reads
// commands on stdin, one per line, and writes lines on stdout:
//
//   events, as they happen:
//     loaded STATUS       the page was loaded; STATUS is its HTTP status
//     state TEXT          the text of #state, each time it changes
//     log KIND TEXT       an entry added to #log: KIND is its class (sent,
//                         received, status), TEXT its message with \, LF
//                         and CR escaped as \\, \n and \r
//     problem WHAT TEXT   something that fails the run: a console message,
//                         an uncaught exception, a CSP violation, a dialog
//                         (alert), a browser log entry, a failed request or
//                         an error status, a log entry that holds elements
//                         or whose time is not HH:MM:SS
//   replies, one per command (N counts the commands from 1):
//     done N [RESULT]     or    error N MESSAGE (and the run ends)
//
//   A problem whose text holds the TEXT of an --allow is printed as
//   "allowed WHAT TEXT" instead, and does not count.  --insecure accepts
//   any TLS certificate (for a throwaway self-signed one).
//
//   commands:
//     click ID            clicks #ID with the mouse
//     type TEXT           clicks #text, types TEXT on the keyboard, then Enter
//     keys TEXT           types TEXT on the keyboard wherever the focus is
//     press KEY           presses KEY (e.g. Tab); RESULT: "focus ID", the
//                         id of the element that has the focus then
//     value ID            RESULT: "value TEXT", the value of the field #ID
//     count SELECTOR      RESULT: "count K", how many elements match
//     overflow [SELECTOR] RESULT: "overflow SCROLLWIDTH CLIENTWIDTH" of the
//                         first match, or of the document (wider content
//                         scrolls sideways)
//     viewport W H        resizes the viewport to W x H CSS pixels
//     scheme light|dark   emulates prefers-color-scheme
//     screenshot PATH     saves a PNG screenshot of the viewport
//     quit                closes the browser and exits: 0 when no problem
//                         was seen, else 1 (also at the end of stdin);
//                         the last line is "exit STATUS" whenever it can be
//
// Exits 2 on a usage error and 1 when Chromium cannot be started.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");
const { out, oneLine: escape, launch } = require("./chromium");
let problems = 0;
const allowed = [];
function problem(what, text) {
	if (allowed.some((a) => String(text).includes(a))) {
		out("allowed " + what + " " + escape(text));
		return;
	}
	problems++;
	out("problem " + what + " " + escape(text));
}

// Runs in the page before its own script: reports CSP violations, #state
// and #log to the binding.  Only reads the page.
function watchPage() {
	const report = (kind, text) => window.__pageTest(kind, text);
	document.addEventListener("securitypolicyviolation", (e) =>
		report("csp", e.violatedDirective + " blocked " +
		    (e.blockedURI || "inline") + (e.sample ? ": " + e.sample : "")));
	function entry(li) {
		const msg = li.querySelector(".msg");
		const time = li.querySelector("time");
		if (msg === null || time === null) {
			report("entry", "log entry without .msg or time: " + li.outerHTML);
			return;
		}
		if (msg.childElementCount !== 0)
			report("entry", "log message holds elements: " + msg.innerHTML);
		if (!/^\d\d:\d\d:\d\d$/.test(time.textContent))
			report("entry", "log time is not HH:MM:SS: " + time.textContent);
		report("log", li.className + " " + msg.textContent);
	}
	let started = false;
	function start() {
		if (started)
			return;
		started = true;
		const state = document.getElementById("state");
		const log = document.getElementById("log");
		if (state === null || log === null) {
			report("entry", "the page has no #state or #log");
			return;
		}
		let last = null;
		const sendState = () => {
			if (state.textContent !== last)
				report("state", last = state.textContent);
		};
		sendState();
		new MutationObserver(sendState).observe(state,
		    { childList: true, characterData: true, subtree: true });
		for (const li of log.children)
			entry(li);
		new MutationObserver((records) => {
			for (const r of records)
				for (const n of r.addedNodes)
					if (n.nodeType === Node.ELEMENT_NODE)
						entry(n);
		}).observe(log, { childList: true });
	}
	// Start as soon as the parser has made #log (after #state), before the
	// page's script runs, so that no state goes unseen.
	const early = new MutationObserver(() => {
		if (document.getElementById("log") !== null) {
			early.disconnect();
			start();
		}
	});
	early.observe(document, { childList: true, subtree: true });
	document.addEventListener("DOMContentLoaded", () => {
		early.disconnect();
		start();
	});
}

async function run(page, cmd, arg) {
	const words = arg.split(" ");
	switch (cmd) {
	case "click":
		await page.locator("#" + arg).click();
		return "";
	case "type":
		await page.locator("#text").click();
		await page.keyboard.type(arg);
		await page.keyboard.press("Enter");
		return "";
	case "keys":
		await page.keyboard.type(arg);
		return "";
	case "value":
		return "value " + escape(await page.locator("#" + arg).inputValue());
	case "press":
		await page.keyboard.press(arg);
		return "focus " + await page.evaluate(() =>
		    document.activeElement ? document.activeElement.id || "(no id)" : "(none)");
	case "count":
		return "count " + await page.locator(arg).count();
	case "overflow":
		return "overflow " + await page.evaluate((sel) => {
			const e = sel ? document.querySelector(sel) : document.documentElement;
			return e.scrollWidth + " " + e.clientWidth;
		}, arg);
	case "viewport":
		await page.setViewportSize({ width: +words[0], height: +words[1] });
		return "";
	case "scheme":
		await page.emulateMedia({ colorScheme: arg });
		return "";
	case "screenshot":
		fs.mkdirSync(path.dirname(arg), { recursive: true });
		await page.screenshot({ path: arg });
		return "";
	default:
		throw new Error("unknown command: " + cmd);
	}
}

// Sets up the recording of events and problems, then loads url.
async function open(context, url) {
	context.setDefaultTimeout(5000);
	await context.exposeBinding("__pageTest", (source, kind, text) => {
		if (kind === "state" || kind === "log")
			out(kind + " " + escape(text));
		else
			problem(kind, text);
	});
	await context.addInitScript(watchPage);
	const page = context.pages()[0] || await context.newPage();
	page.on("console", (m) => problem("console", m.type() + " " + m.text()));
	page.on("pageerror", (e) => problem("pageerror", e.message));
	page.on("dialog", (d) => {
		problem("dialog", d.type() + " " + d.message());
		d.dismiss().catch(() => {});
	});
	page.on("requestfailed", (r) =>
		problem("requestfailed", r.url() + " " + r.failure().errorText));
	page.on("response", (r) => {
		if (r.status() >= 400)
			problem("response", r.status() + " " + r.url());
	});
	// What the DevTools console shows beyond console.*: network errors,
	// CSP reports, deprecations.
	const cdp = await context.newCDPSession(page);
	cdp.on("Log.entryAdded", ({ entry }) =>
		problem("browserlog", entry.level + " " + entry.source + " " + entry.text));
	await cdp.send("Log.enable");
	const response = await page.goto(url);
	out("loaded " + (response ? response.status() : "none"));
	return page;
}

let context = null;
let profile = null;
let ended = false;

// Closes the browser, removes the profile and exits with status.
async function end(status) {
	if (ended)
		return;
	ended = true;
	if (context !== null)
		await context.close().catch(() => {});
	if (profile !== null) {
		try {
			fs.rmSync(profile, { recursive: true, force: true,
			    maxRetries: 10, retryDelay: 100 });
		} catch (e) {
			process.stderr.write("cannot remove " + profile + ": " + e.message + "\n");
		}
	}
	out("exit " + status);
	process.exit(status);
}

async function main() {
	const argv = process.argv.slice(2);
	let insecure = false;
	for (;;) {
		if (argv.length > 2 && argv[0] === "--allow")
			allowed.push(argv.splice(0, 2)[1]);
		else if (argv.length > 1 && argv[0] === "--insecure")
			insecure = Boolean(argv.shift());
		else
			break;
	}
	if (argv.length !== 1 || argv[0].startsWith("-")) {
		process.stderr.write("usage: node page_test.js [--allow TEXT]... " +
		    "[--insecure] URL\n");
		process.exit(2);
	}
	process.on("SIGTERM", () => end(143));
	process.on("SIGINT", () => end(130));
	process.on("unhandledRejection", (e) => {
		process.stderr.write((e && e.stack || String(e)) + "\n");
		end(1);
	});
	try {
		// end() closes the browser on a signal, then the profile.
		context = await launch("wsserve-page", (p) => { profile = p; }, {
			viewport: { width: 1024, height: 700 },
			ignoreHTTPSErrors: insecure,
		});
	} catch (e) {
		process.stderr.write(e.message + "\n");
		return end(1);
	}
	const page = await open(context, argv[0]);

	let n = 0;
	let chain = Promise.resolve();
	const quit = async (seq) => {
		if (ended)
			return;
		// Let events already under way arrive before judging.
		await new Promise((resolve) => setTimeout(resolve, 200));
		if (ended)
			return;
		out("done " + seq + " problems " + problems);
		await end(problems === 0 ? 0 : 1);
	};
	const rl = readline.createInterface({ input: process.stdin });
	rl.on("line", (line) => {
		const seq = ++n;
		const sp = line.indexOf(" ");
		const cmd = sp === -1 ? line : line.slice(0, sp);
		const arg = sp === -1 ? "" : line.slice(sp + 1);
		chain = chain.then(async () => {
			if (ended)
				return;
			if (cmd === "quit")
				return quit(seq);
			try {
				const result = await run(page, cmd, arg);
				out("done " + seq + (result ? " " + result : ""));
			} catch (e) {
				out("error " + seq + " " + escape(e.message.split("\n")[0]));
				await end(1);
			}
		});
	});
	rl.on("close", () => { chain = chain.then(() => quit(n + 1)); });
}

main().catch((e) => {
	process.stderr.write(e.stack + "\n");
	return end(1);
});
