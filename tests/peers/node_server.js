#!/usr/bin/env node
// A node `ws` (8.x, pinned in tests/package.json) server for the interop
// tests.  Needs tests/node_modules: `npm ci --prefix tests`.
//
// Listens on 127.0.0.1, a free port, and prints "PORT n" when ready,
// then "connected" and "close CODE REASON" for each client.
//
//   node_server.js echo                        echo each message, same type
//   node_server.js send-then-close CODE REASON MSG...
//                                              send MSGs, then close with CODE
//                                              (CODE "-": a close frame
//                                              without a status code)
//   node_server.js send-then-drop MSG...       send MSGs, then drop the TCP
//                                              connection without a close
//   node_server.js check-headers               select "chat" if offered, send
//                                              a JSON text of the request
//                                              headers, then echo
//   node_server.js subprotocol NAME            select NAME if offered (else
//                                              none), then echo
//   node_server.js binary                      send Buffer [0, 1, 255] as
//                                              binary, then echo
//   node_server.js delay-reply SECONDS         echo each message after SECONDS
'use strict';

const { WebSocketServer } = require('ws');

const MODES = ['echo', 'send-then-close', 'send-then-drop', 'check-headers',
  'subprotocol', 'binary', 'delay-reply'];

function die(msg) {
  process.stderr.write(`node_server.js: ${msg}\n`);
  process.exit(2);
}

const [mode, ...args] = process.argv.slice(2);
if (!MODES.includes(mode)) die(`unknown mode ${mode}`);
if (mode === 'send-then-close' && args.length < 2) {
  die('send-then-close needs CODE REASON [MSG...]');
}
if (mode === 'send-then-drop' && args.length < 1) die('send-then-drop needs MSG...');
if ((mode === 'subprotocol' || mode === 'delay-reply') && args.length !== 1) {
  die(`${mode} needs one argument`);
}

function echo(ws) {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
}

const opts = {
  host: '127.0.0.1',
  port: 0,
  maxPayload: 64 * 1024 * 1024,
};
// Without handleProtocols, ws selects the first protocol the client offers;
// return false to select none.
if (mode === 'subprotocol') {
  opts.handleProtocols = (protocols) => (protocols.has(args[0]) ? args[0] : false);
} else if (mode === 'check-headers') {
  opts.handleProtocols = (protocols) => (protocols.has('chat') ? 'chat' : false);
} else {
  opts.handleProtocols = () => false;
}

const wss = new WebSocketServer(opts);

wss.on('connection', (ws, req) => {
  console.log('connected');
  ws.on('error', (err) => process.stderr.write(`node_server.js: ${err.message}\n`));
  ws.on('close', (code, reason) => console.log(`close ${code} ${reason.toString('utf8')}`));
  switch (mode) {
    case 'send-then-close': {
      const [code, reason, ...msgs] = args;
      for (const m of msgs) ws.send(m);
      if (code === '-') ws.close();
      else ws.close(Number(code), reason);
      break;
    }
    case 'send-then-drop':
      // Terminate once the last send has been written to the socket.
      args.forEach((m, i) => ws.send(m, i === args.length - 1
        ? () => ws.terminate() : undefined));
      break;
    case 'check-headers': {
      const h = req.headers; // lower-case names
      // Keys in sorted order, missing headers as null.
      ws.send(JSON.stringify({
        authorization: h.authorization ?? null,
        origin: h.origin ?? null,
        subprotocol: ws.protocol || null,
        'x-test': h['x-test'] ?? null,
      }));
      echo(ws);
      break;
    }
    case 'binary':
      ws.send(Buffer.from([0x00, 0x01, 0xff]));
      echo(ws);
      break;
    case 'delay-reply': {
      // One reply after another, each SECONDS after the previous one.
      const ms = Number(args[0]) * 1000;
      let chain = Promise.resolve();
      ws.on('message', (data, isBinary) => {
        chain = chain
          .then(() => new Promise((resolve) => setTimeout(resolve, ms)))
          .then(() => ws.send(data, { binary: isBinary }));
      });
      break;
    }
    default:
      echo(ws);
  }
});

wss.on('error', (err) => die(err.message));

wss.on('listening', () => {
  process.stdout.write(`PORT ${wss.address().port}\n`);
});
