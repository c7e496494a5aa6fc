// What the browser drivers (page_test.js, cross_origin_test.js) share:
// Debian's Chromium started headless on a fresh profile, and their line
// output on stdout.
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
	"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
	"--disable-background-networking", "--disable-component-update",
	"--disable-sync", "--disable-quic",
];

// One line on stdout.
const out = (line) => process.stdout.write(line + "\n");

// Text kept on one line: backslash, LF and CR escaped.
const oneLine = (s) => String(s).replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r");

// Makes a profile directory named PREFIX-XXXXXX (stored with setProfile
// before Chromium starts, so that the caller can remove it whatever
// happens) and launches Chromium on it with options added; the caller's
// end() closes the browser on a signal, so playwright must not.  Throws
// "cannot start /usr/bin/chromium: ..." when it cannot.
async function launch(prefix, setProfile, options) {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), prefix + "-"));

	setProfile(profile);
	try {
		return await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM, headless: true, args: ARGS,
			handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
			...options,
		});
	} catch (e) {
		throw new Error("cannot start " + CHROMIUM + ": " + e.message);
	}
}

module.exports = { out, oneLine, launch };
