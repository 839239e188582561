// The least any browser terminal pays here: a plain page with xterm.js (the app's version and
// options, no React, no app) and a bare WebSocket relay of the guest's serial socket (no engine,
// no driver, no JSON: raw bytes both ways). console-ui.bench.ts times the same keystrokes in it
// as in the app's console page, in the same browser, so the frame the echo waits for counts in both.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';

const require = createRequire(import.meta.url);
const xtermScript = require.resolve('@xterm/xterm/lib/xterm.js');
const xtermStyle = require.resolve('@xterm/xterm/css/xterm.css');

/** The page: one terminal, `cols` x `rows` (as the app's console was), wired to /relay. */
function pageHtml(cols: number, rows: number): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>xterm baseline</title>
<link rel="stylesheet" href="/xterm.css"><script src="/xterm.js"></script></head>
<body style="margin:0"><div data-testid="terminal" role="region" aria-label="baseline terminal"></div>
<script>
  const terminal = new Terminal({ cols: ${cols}, rows: ${rows}, cursorBlink: true, fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace', fontSize: 14, convertEol: false });
  terminal.open(document.querySelector('[data-testid="terminal"]'));
  const socket = new WebSocket('ws://' + location.host + '/relay');
  socket.binaryType = 'arraybuffer';
  socket.onmessage = (event) => terminal.write(new Uint8Array(event.data));
  const encoder = new TextEncoder();
  terminal.onData((text) => socket.send(encoder.encode(text)));
  socket.onopen = () => { document.body.dataset.relay = 'open'; terminal.focus(); };
</script></body></html>`;
}

export interface BaselinePage {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the baseline page on 127.0.0.1 and relays each of its WebSockets to `serialSocket`
 * (one at a time: QEMU serves one client). close() ends the relay and its serial connection.
 */
export async function serveBaselinePage(serialSocket: string, size: { cols: number; rows: number }): Promise<BaselinePage> {
  const files: Record<string, { type: string; body: string }> = {
    '/': { type: 'text/html', body: pageHtml(size.cols, size.rows) },
    '/xterm.js': { type: 'text/javascript', body: fs.readFileSync(xtermScript, 'utf8') },
    '/xterm.css': { type: 'text/css', body: fs.readFileSync(xtermStyle, 'utf8') },
  };
  const server = http.createServer((request, response) => {
    const file = files[request.url ?? ''];
    if (!file) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  const relays = new WebSocketServer({ server, path: '/relay' });
  const serials = new Set<net.Socket>();
  relays.on('connection', (page) => {
    const serial = net.createConnection(serialSocket);
    serials.add(serial);
    serial.setNoDelay?.(true);
    serial.on('data', (bytes) => page.send(bytes, { binary: true }));
    serial.on('error', () => page.close());
    serial.on('close', () => serials.delete(serial));
    page.on('message', (bytes: Buffer) => serial.write(bytes));
    page.on('close', () => serial.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      for (const client of relays.clients) client.terminate();
      for (const serial of serials) serial.destroy();
      await new Promise<void>((resolve) => relays.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
