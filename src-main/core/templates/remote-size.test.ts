// A remote image's size from its server (HEAD, Content-Length), against real HTTP servers on
// 127.0.0.1: asked once and remembered; "unknown" when the server does not say or answers an
// error; a server that cannot be reached is asked again a minute later, not never.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RemoteSizes } from './remote-size.ts';

describe('remote image sizes', () => {
  let server: http.Server;
  let base: string;
  const heads: string[] = [];

  before(async () => {
    server = http.createServer((request, response) => {
      heads.push(`${request.method} ${request.url}`);
      if (request.url === '/sized.img') response.writeHead(200, { 'Content-Length': '12345' });
      else if (request.url === '/moved.img') response.writeHead(302, { Location: '/sized.img' });
      else if (request.url === '/unsized.img') response.writeHead(200, { 'Transfer-Encoding': 'chunked' });
      else response.writeHead(404);
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads Content-Length from a HEAD, follows a redirect, and asks each URL once', async () => {
    const sizes = new RemoteSizes();
    assert.equal(await sizes.size(`${base}/sized.img`), 12345);
    assert.equal(await sizes.size(`${base}/sized.img`), 12345);
    assert.equal(await sizes.size(`${base}/moved.img`), 12345);
    // The second ask is remembered; the redirect's target is asked anew, under its own URL.
    assert.deepEqual(heads.splice(0), ['HEAD /sized.img', 'HEAD /moved.img', 'HEAD /sized.img']);
    await sizes.close();
  });

  it('is unknown when the server does not say, or answers an error', async () => {
    const sizes = new RemoteSizes();
    assert.equal(await sizes.size(`${base}/unsized.img`), null);
    assert.equal(await sizes.size(`${base}/missing.img`), null);
    await sizes.close();
  });

  it('asks an unreachable server again after a minute, not before', async () => {
    let now = 1_000_000;
    const sizes = new RemoteSizes(() => now);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
    const url = `http://127.0.0.1:${port}/sized.img`;
    assert.equal(await sizes.size(url), null);
    // The same port now serves the image: within the minute the failure is remembered...
    const back = http.createServer((_request, response) => {
      response.writeHead(200, { 'Content-Length': '777' });
      response.end();
    });
    await new Promise<void>((resolve) => back.listen(port, '127.0.0.1', resolve));
    try {
      now += 30_000;
      assert.equal(await sizes.size(url), null);
      // ...and after it, asked again.
      now += 31_000;
      assert.equal(await sizes.size(url), 777);
    } finally {
      back.closeAllConnections();
      await new Promise((resolve) => back.close(resolve));
      await sizes.close();
    }
  });
});
