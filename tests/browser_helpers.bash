# Shared by the Chromium suites (browser.bats, browser_origin.bats).
# shellcheck shell=bash

# shellcheck disable=SC2034 # read by the suites
PAGE_MODULES=$ROOT/tests/browser/node_modules
CHROMIUM=/usr/bin/chromium

# A missing browser or module fails every test, with the command that fixes
# it: it is never a reason to skip.
setup() {
	command -v node >/dev/null ||
		fail 'node is not on PATH: the browser tests need node 20'
	[ -x "$CHROMIUM" ] ||
		fail "$CHROMIUM is missing: run \`apt-get install -y chromium\`"
	[ -f "$PAGE_MODULES/playwright-core/package.json" ] ||
		fail "$PAGE_MODULES/playwright-core is missing: run \`npm ci --prefix tests/browser\` from the repository root"
}
