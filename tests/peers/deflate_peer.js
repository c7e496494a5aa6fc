#!/usr/bin/env node
// node `ws` (8.x, tests/node_modules: `npm ci --prefix tests`) peers with
// permessage-deflate for tests/deflate.bats; the modes and output of
// deflate_peer.py:
//
//   deflate_peer.js client URL [OPTIONS] echo     message set to an echo server
//   deflate_peer.js client URL [OPTIONS] recv N FILE
//   deflate_peer.js server [OPTIONS] echo         message set to an echo client
//   deflate_peer.js server [OPTIONS] collect FILE
//
// OPTIONS make ws's perMessageDeflate option (threshold 0: every message
// compressed): --snct, --cnct (server/clientNoContextTakeover: true),
// --cnct-false (clientNoContextTakeover: false, which ws then insists on),
// --smwb N, --cmwb N|true (server/clientMaxWindowBits), --default
// (perMessageDeflate: true, ws's own defaults), --no-deflate (false).
//
// Prints "request EXT" (server), "response EXT" (the 101's
// Sec-WebSocket-Extensions or "none"), "negotiated permessage-deflate
// PARAMS" or "negotiated none"; echo ends with "echoed N messages" (exit
// 0) or "FAIL ..." lines (exit 1); an error is "error MESSAGE" (exit 1).
// The message set is deflate_peer.py's.  Everything ends within 60 s.
'use strict';

const fs = require('fs');
const crypto = require('crypto');
const { WebSocket, WebSocketServer } = require('ws');

const SIZES = [16, 64, 128, 256, 1024, 4096, 16384, 65536, 262144, 1048576];
const KINDS = ['text', 'far', 'near', 'random', 'binary', 'zeros'];

function die(msg) {
  process.stdout.write(`error ${msg}\n`);
  process.exit(1);
}
setTimeout(() => die('timed out after 60 s'), 60000).unref();

function parse(argv) {
  const a = { pmd: { threshold: 0 }, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const o = argv[i];
    const num = () => {
      const v = argv[++i];
      if (!/^[0-9]+$/.test(v || '')) die(`${o} needs a number`);
      return Number(v);
    };
    switch (o) {
      case '--snct': a.pmd.serverNoContextTakeover = true; break;
      case '--cnct': a.pmd.clientNoContextTakeover = true; break;
      case '--cnct-false': a.pmd.clientNoContextTakeover = false; break;
      case '--smwb': a.pmd.serverMaxWindowBits = num(); break;
      case '--cmwb':
        if (argv[i + 1] === 'true') {
          a.pmd.clientMaxWindowBits = true;
          i++;
        } else a.pmd.clientMaxWindowBits = num();
        break;
      case '--default': a.pmd = true; break;
      case '--no-deflate': a.pmd = false; break;
      default:
        if (o.startsWith('-')) die(`unknown option ${o}`);
        a.rest.push(o);
    }
  }
  [a.role] = a.rest;
  if (a.role === 'client') [, a.url, ...a.mode] = a.rest;
  else if (a.role === 'server') [, ...a.mode] = a.rest;
  else die('client or server?');
  const want = { echo: 1, recv: 3, collect: 2 };
  if (!a.mode || want[a.mode[0]] !== a.mode.length) die('bad mode');
  return a;
}

function message(kind, n) {
  if (kind === 'binary') return crypto.randomBytes(n);
  if (kind === 'zeros') return Buffer.alloc(n);
  let b;
  if (kind === 'text') {
    const lines = [];
    for (let i = 0; i <= n / 40; i++) {
      lines.push(`line of text: ünï ✓ "quoted" \\ tab\t and so on, ${i}\n`);
    }
    b = Buffer.from(lines.join(''));
  } else if (kind === 'far' || kind === 'near') {
    const block = crypto.randomBytes(kind === 'far' ? 2250 : 225)
      .toString('base64');
    b = Buffer.from(block.repeat(Math.ceil(n / block.length)));
  } else {
    b = Buffer.from(crypto.randomBytes(n).toString('base64'));
  }
  // Cut at n bytes, then drop a partial UTF-8 sequence at the end.
  return new TextDecoder().decode(b.subarray(0, n)).replace(/\uFFFD$/, '');
}

// Messages as a queue of promises: next() resolves with [data, isBinary].
function inbox(ws) {
  const got = [];
  const waiting = [];
  ws.on('message', (data, isBinary) => {
    const m = [data, isBinary];
    if (waiting.length) waiting.shift()(m);
    else got.push(m);
  });
  return () => (got.length ? Promise.resolve(got.shift())
    : new Promise((resolve) => waiting.push(resolve)));
}

function showNegotiated(ws) {
  // eslint-disable-next-line no-underscore-dangle
  const pmd = ws._extensions['permessage-deflate'];
  console.log(pmd ? `negotiated permessage-deflate ${JSON.stringify(pmd.params)}`
    : 'negotiated none');
}

async function echoCheck(ws) {
  const next = inbox(ws);
  let bad = 0;
  let n = 0;
  for (const size of SIZES) {
    for (const kind of KINDS) {
      const m = message(kind, size);
      ws.send(m);
      const [data, isBinary] = await next();
      n++;
      const same = typeof m === 'string'
        ? !isBinary && data.toString('utf8') === m
        : isBinary && data.equals(m);
      if (!same) {
        bad++;
        console.log(`FAIL ${kind} of ${size} bytes: got ${isBinary ? 'binary' : 'text'} of ${data.length}`);
      }
    }
  }
  if (!bad) console.log(`echoed ${n} messages`);
  process.exitCode = bad ? 1 : 0;
  ws.close(1000);
}

function save(file) {
  const fd = fs.openSync(file, 'a');
  return (data) => fs.writeSync(fd, Buffer.concat([data, Buffer.from('\n')]));
}

const a = parse(process.argv.slice(2));
const opts = { perMessageDeflate: a.pmd, maxPayload: 0 };

if (a.role === 'client') {
  const ws = new WebSocket(a.url, opts);
  ws.on('upgrade', (res) => {
    console.log(`response ${res.headers['sec-websocket-extensions'] ?? 'none'}`);
  });
  ws.on('error', (err) => die(err.message));
  ws.on('open', () => {
    showNegotiated(ws);
    if (a.mode[0] === 'echo') {
      echoCheck(ws);
      return;
    }
    console.log('open');
    const write = save(a.mode[2]);
    let left = Number(a.mode[1]);
    ws.on('message', (data) => {
      write(data);
      if (--left === 0) ws.close(1000);
    });
  });
  ws.on('close', (code) => {
    if (code !== 1000) die(`closed with ${code}`);
  });
} else {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...opts });
  let response = 'none';
  wss.on('headers', (headers) => {
    const h = headers.find((l) => /^sec-websocket-extensions:/i.test(l));
    if (h) response = h.replace(/^[^:]*:\s*/, '');
  });
  wss.on('connection', (ws, req) => {
    console.log(`request ${req.headers['sec-websocket-extensions'] ?? 'none'}`);
    console.log(`response ${response}`);
    showNegotiated(ws);
    ws.on('error', (err) => die(err.message));
    ws.on('close', (code) => {
      if (a.mode[0] === 'collect') console.log(`close ${code}`);
      wss.close();
    });
    if (a.mode[0] === 'echo') echoCheck(ws);
    else {
      const write = save(a.mode[1]);
      ws.on('message', (data) => write(data));
    }
  });
  wss.on('error', (err) => die(err.message));
  wss.on('listening', () => console.log(`PORT ${wss.address().port}`));
}
