#!/usr/bin/env node
// A node `ws` (8.x, pinned in tests/package.json) client for the interop
// tests.  Needs tests/node_modules: `npm ci --prefix tests`.
//
//   node_client.js URL [options]
//
// Connects to URL, prints "open" and "subprotocol NAME|none", sends the
// -t/-b messages in order, prints -n received messages one per line as
// "text JSON" or "binary HEX", then closes with --close CODE (default
// 1000) and --reason REASON.  With --expect-close CODE it instead prints
// every message until the server closes, and fails unless the code is
// CODE.  The close is printed as "close CODE REASON".  With --headers,
// the handshake response headers are printed first as "header NAME: VALUE".
// With --fragment, each message is sent as one frame per byte (a text
// message split inside its UTF-8 sequences).  With --ping DATA, a ping
// with DATA goes first and its pong is printed as "pong DATA"; the close
// then waits for that pong.
//
// Exits 0 only on a clean close of the kind expected; 1 when the server
// closes first (without --expect-close), the connection is lost, or on an
// error, which is printed on stderr as "error MESSAGE".
//
//   node_client.js URL --conns N --messages M
//
// Opens N connections at once; when all are open, connection i (0-based)
// sends M text messages, message j being "client I message J " followed by
// (I*7 + J*13) % 100 x's, then closes with 1000.  Prints "opened N" and
// "closed N"; exits 0 only if every connection opened, sent everything and
// got the server's 1000 close.
'use strict';

const WebSocket = require('ws');

function usage(msg) {
  process.stderr.write(`node_client.js: ${msg}\n`);
  process.exit(2);
}

function parse(argv) {
  const a = { send: [], protocols: [], n: 0, close: 1000, reason: '' };
  const num = (s, what) => {
    if (!/^-?[0-9]+$/.test(s || '')) usage(`${what} needs a number`);
    return Number(s);
  };
  for (let i = 0; i < argv.length; i++) {
    const o = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${o} needs an argument`);
      return argv[++i];
    };
    switch (o) {
      case '-t': a.send.push(val()); break;
      case '-b': {
        const hex = val();
        if (!/^([0-9a-fA-F]{2})*$/.test(hex)) usage(`bad hex ${hex}`);
        a.send.push(Buffer.from(hex, 'hex'));
        break;
      }
      case '-n': a.n = num(val(), '-n'); break;
      case '-s': a.protocols.push(val()); break;
      case '-o': a.origin = val(); break;
      case '--close': a.close = num(val(), '--close'); break;
      case '--reason': a.reason = val(); break;
      case '--expect-close': a.expectClose = num(val(), '--expect-close'); break;
      case '--headers': a.headers = true; break;
      case '--fragment': a.fragment = true; break;
      case '--ping': a.ping = val(); break;
      case '--conns': a.conns = num(val(), '--conns'); break;
      case '--messages': a.messages = num(val(), '--messages'); break;
      default:
        if (o.startsWith('-') || a.url) usage(`unexpected argument ${o}`);
        a.url = o;
    }
  }
  if (!a.url) usage('no URL');
  return a;
}

function show(data, isBinary) {
  if (isBinary) console.log(`binary ${data.toString('hex')}`);
  else console.log(`text ${JSON.stringify(data.toString('utf8'))}`);
}

function single(a) {
  const opts = { maxPayload: 0 }; // 0: no limit
  if (a.origin !== undefined) opts.origin = a.origin;
  const ws = new WebSocket(a.url, a.protocols, opts);
  let received = 0;
  let closing = false;
  let ponged = a.ping === undefined;
  let failed = false;

  const fail = (msg) => {
    process.stderr.write(`error ${msg}\n`);
    process.exitCode = 1;
    failed = true;
  };
  const startClose = () => {
    if (closing || a.expectClose !== undefined) return;
    if (received < a.n || !ponged) return;
    closing = true;
    ws.close(a.close, a.reason);
  };

  ws.on('upgrade', (res) => {
    if (!a.headers) return;
    const raw = res.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      console.log(`header ${raw[i].toLowerCase()}: ${raw[i + 1]}`);
    }
  });
  ws.on('open', () => {
    console.log('open');
    console.log(`subprotocol ${ws.protocol || 'none'}`);
    if (a.ping !== undefined) ws.ping(a.ping);
    for (const m of a.send) {
      if (!a.fragment) {
        ws.send(m);
        continue;
      }
      const binary = Buffer.isBuffer(m);
      const bytes = binary ? m : Buffer.from(m, 'utf8');
      if (bytes.length === 0) ws.send(bytes, { binary });
      for (let i = 0; i < bytes.length; i++) {
        ws.send(bytes.subarray(i, i + 1),
          { binary, fin: i === bytes.length - 1 });
      }
    }
    startClose();
  });
  ws.on('pong', (data) => {
    console.log(`pong ${data.toString('utf8')}`);
    ponged = true;
    startClose();
  });
  ws.on('message', (data, isBinary) => {
    if (closing) return;
    if (a.expectClose === undefined && received >= a.n) return;
    show(data, isBinary);
    received++;
    startClose();
  });
  ws.on('error', (err) => fail(err.message));
  ws.on('close', (code, reason) => {
    console.log(`close ${code} ${reason.toString('utf8')}`);
    if (a.expectClose !== undefined) {
      if (code !== a.expectClose) fail(`expected close ${a.expectClose}`);
    } else if (failed) {
      // Already said why (an error comes before its close event).
    } else if (!closing) {
      fail('the server closed the connection first');
    } else if (code === 1006) {
      fail('the connection was lost without a close frame');
    }
  });
}

function message(i, j) {
  return `client ${i} message ${j} ${'x'.repeat((i * 7 + j * 13) % 100)}`;
}

function many(a) {
  const n = a.conns;
  const m = a.messages ?? 1;
  const socks = [];
  let opened = 0;
  let done = 0;
  let clean = 0;

  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(a.url, { maxPayload: 0 });
    let wasOpen = false;
    let failed = false;
    const fail = (msg) => {
      process.stderr.write(`error client ${i}: ${msg}\n`);
      failed = true;
      process.exitCode = 1;
    };
    socks.push(ws);
    ws.on('open', () => {
      wasOpen = true;
      if (++opened < n) return;
      console.log(`opened ${opened}`);
      // Everyone is connected: now all send at once.
      socks.forEach((s, k) => {
        for (let j = 0; j < m; j++) s.send(message(k, j));
        s.close(1000);
      });
    });
    ws.on('error', (err) => fail(err.message));
    ws.on('close', (code) => {
      if (!wasOpen) {
        fail('never opened');
        process.exit(1); // the others would wait for it forever
      }
      if (code !== 1000) fail(`closed with ${code}`);
      if (!failed) clean++;
      if (++done === n) console.log(`closed ${clean}`);
    });
  }
}

const a = parse(process.argv.slice(2));
if (a.conns !== undefined) many(a);
else single(a);
