#!/usr/bin/env node
// A node `ws` (8.x, tests/node_modules) peer for tests/framing.bats, with
// the interface of tests/framing_peer.py's asyncio modes:
//
//   framing_peer.js server [--recv DIR [--count K]] [--send DIR] [--echo]
//                          [--until-close] [--bad-utf8]
//   framing_peer.js client URL [--send DIR] [--recv DIR] [--count K]
//                          [--until-close] [--bad-utf8]
//
// Messages are files in a directory, in name order: NNN.text (a text
// message of the file's bytes) or NNN.binary; received ones are written
// the same way, numbered from 000.  The server serves one connection:
// receives K messages, sends the --send ones, closes with 1000 (or echoes
// or receives until the client closes, or sends "ok" and then a text frame
// that is not UTF-8 and waits).  The client prints "open", sends, receives K messages
// and closes with 1000 (or receives until the server closes, or sends "ok"
// and a text frame that is not UTF-8 and waits).  Both print
// "close CODE REASON" at the end: what the other side sent.  Everything
// is bounded by FRAMING_TIMEOUT seconds (30).
'use strict';

const fs = require('fs');
const path = require('path');
const WebSocket = require('ws');

const TIMEOUT = Number(process.env.FRAMING_TIMEOUT || 30) * 1000;
const BAD_UTF8 = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "caf\xe9"

function usage(msg) {
  process.stderr.write(`framing_peer.js: ${msg}\n`);
  process.exit(2);
}

function parse(argv) {
  const flags = ['--echo', '--bad-utf8', '--until-close'];
  const values = ['--recv', '--send', '--count'];
  const a = { pos: [] };
  for (let i = 0; i < argv.length; i++) {
    const o = argv[i];
    if (flags.includes(o)) a[o] = true;
    else if (values.includes(o)) {
      if (i + 1 >= argv.length) usage(`${o} needs a value`);
      a[o] = argv[++i];
    } else if (o.startsWith('--')) usage(`unknown option ${o}`);
    else a.pos.push(o);
  }
  a.count = Number(a['--count'] || 0);
  return a;
}

function load(dir) {
  return fs.readdirSync(dir).sort().map((name) => {
    const data = fs.readFileSync(path.join(dir, name));
    if (name.endsWith('.text')) return { data, binary: false };
    if (name.endsWith('.binary')) return { data, binary: true };
    return usage(`${name}: neither .text nor .binary`);
  });
}

function store(dir, i, data, isBinary) {
  const name = `${String(i).padStart(3, '0')}.${isBinary ? 'binary' : 'text'}`;
  fs.writeFileSync(path.join(dir, name), data);
}

// Sends every message of dir in order; resolves once all are written.
function sendAll(ws, dir) {
  const msgs = dir ? load(dir) : [];
  return Promise.all(msgs.map((m) => new Promise((resolve, reject) => {
    ws.send(m.data, { binary: m.binary }, (err) => (err ? reject(err) : resolve()));
  })));
}

const timer = setTimeout(() => {
  process.stderr.write('framing_peer.js: timed out\n');
  process.exit(1);
}, TIMEOUT);

function finish(code, reason) {
  console.log(`close ${code} ${reason.toString('utf8')}`);
  clearTimeout(timer);
}

// The messages received so far go to a.recv; after the K-th, then().
function receiver(ws, a, then) {
  let n = 0;
  ws.on('message', (data, isBinary) => {
    if (a['--echo']) {
      ws.send(data, { binary: isBinary });
      return;
    }
    if (!a['--until-close'] && n >= a.count) return;
    store(a['--recv'], n++, data, isBinary);
    if (!a['--until-close'] && n === a.count) then();
  });
}

function server(a) {
  const wss = new WebSocket.WebSocketServer({
    host: '127.0.0.1', port: 0, maxPayload: 0,
    handleProtocols: () => false,
  });
  wss.on('listening', () => console.log(`PORT ${wss.address().port}`));
  wss.on('error', (err) => usage(err.message));
  wss.once('connection', (ws) => {
    ws.on('error', (err) => process.stderr.write(`framing_peer.js: ${err.message}\n`));
    ws.on('close', (code, reason) => {
      finish(code, reason);
      wss.close();
    });
    const sendThenClose = () => sendAll(ws, a['--send']).then(() => ws.close(1000));
    if (a['--bad-utf8']) {
      ws.send('ok');
      ws.send(BAD_UTF8, { binary: false });
    } else if (a['--echo'] || a['--until-close']) {
      receiver(ws, a, () => {});
    } else if (a.count > 0) {
      receiver(ws, a, sendThenClose);
    } else {
      sendThenClose();
    }
  });
}

function client(a) {
  if (a.pos.length !== 1) usage('client needs one URL');
  const ws = new WebSocket(a.pos[0], { maxPayload: 0 });
  ws.on('error', (err) => process.stderr.write(`framing_peer.js: ${err.message}\n`));
  ws.on('close', (code, reason) => finish(code, reason));
  ws.on('open', () => {
    console.log('open');
    if (a['--bad-utf8']) {
      ws.send('ok');
      ws.send(BAD_UTF8, { binary: false });
      return;
    }
    receiver(ws, a, () => ws.close(1000));
    sendAll(ws, a['--send']).then(() => {
      if (!a['--until-close'] && a.count === 0) ws.close(1000);
    });
  });
}

const [mode, ...rest] = process.argv.slice(2);
const args = parse(rest);
if (mode === 'server') server(args);
else if (mode === 'client') client(args);
else usage(`unknown mode ${mode}`);
