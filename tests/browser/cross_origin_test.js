#!/usr/bin/env node
// A page from another origin tries wsserve's WebSocket, for
// tests/browser_origin.bats: cross-site WebSocket hijacking, as a web page
// open in the user's browser would attempt it.
//
//   node cross_origin_test.js --port PORT WSURL
//
// Serves a page on http://127.0.0.1:PORT/ (an origin that is not
// wsserve's) whose script opens new WebSocket(WSURL), sends "hijacked" if
// it opens, then closes; it loads the page in Debian's /usr/bin/chromium
// with a fresh profile, and writes lines on stdout:
//
//     served URL            the page's URL, once the server listens
//     loaded STATUS         the page was loaded with HTTP status STATUS
//     event open            the WebSocket opened
//     event error           its error event
//     event close CODE      its close event, with the close code
//     console TEXT          a console message (Chromium reports a refused
//                           handshake there)
//     exit STATUS           last: 0 once the close event came, 1 if it
//                           did not within 20 s or something failed
//
// Exits 2 on a usage error.
"use strict";

const fs = require("node:fs");
const http = require("node:http");
const { out, oneLine, launch } = require("./chromium");

function page(wsurl) {
	return "<!doctype html>\n<meta charset=utf-8>\n<title>another origin</title>\n" +
	    "<script>\n" +
	    "const ws = new WebSocket(" + JSON.stringify(wsurl) + ");\n" +
	    "ws.onopen = () => { window.__report('open'); ws.send('hijacked'); ws.close(1000); };\n" +
	    "ws.onerror = () => window.__report('error');\n" +
	    "ws.onclose = (e) => window.__report('close ' + e.code);\n" +
	    "</script>\n";
}

let context = null;
let profile = null;
let server = null;
let ended = false;

async function end(status) {
	if (ended)
		return;
	ended = true;
	if (context !== null)
		await context.close().catch(() => {});
	if (server !== null)
		server.close();
	if (profile !== null)
		fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10,
		    retryDelay: 100 });
	out("exit " + status);
	process.exit(status);
}

async function main() {
	const argv = process.argv.slice(2);
	if (argv.length !== 3 || argv[0] !== "--port" || !/^\d+$/.test(argv[1])) {
		process.stderr.write("usage: node cross_origin_test.js --port PORT WSURL\n");
		process.exit(2);
	}
	const port = Number(argv[1]);
	const wsurl = argv[2];
	process.on("SIGTERM", () => end(143));
	process.on("SIGINT", () => end(130));
	process.on("unhandledRejection", (e) => {
		process.stderr.write((e && e.stack || String(e)) + "\n");
		end(1);
	});

	const html = page(wsurl);
	server = http.createServer((req, res) => {
		res.writeHead(req.url === "/" ? 200 : 404,
		    { "Content-Type": "text/html; charset=utf-8" });
		res.end(req.url === "/" ? html : "");
	});
	await new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, "127.0.0.1", resolve);
	});
	const url = "http://127.0.0.1:" + port + "/";
	out("served " + url);

	try {
		context = await launch("wsserve-xorigin", (p) => { profile = p; }, {});
	} catch (e) {
		process.stderr.write(e.message + "\n");
		return end(1);
	}
	let closed;
	const done = new Promise((resolve) => { closed = resolve; });
	await context.exposeBinding("__report", (source, what) => {
		out("event " + oneLine(what));
		if (String(what).startsWith("close"))
			closed();
	});
	const p = context.pages()[0] || await context.newPage();
	p.on("console", (m) => out("console " + oneLine(m.type() + " " + m.text())));
	const response = await p.goto(url);
	out("loaded " + (response ? response.status() : "none"));
	const timer = setTimeout(() => end(1), 20000);
	await done;
	clearTimeout(timer);
	// Let a console message about the failure arrive.
	await new Promise((resolve) => setTimeout(resolve, 200));
	await end(0);
}

main().catch((e) => {
	process.stderr.write(e.stack + "\n");
	return end(1);
});
