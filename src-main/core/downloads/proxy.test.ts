import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { Downloader } from './index.ts';
import { TestProxy } from './test-support/proxy.ts';
import { TestServer } from './test-support/server.ts';
import { randomBody, sha256, tempDir } from './test-support/temp.ts';

let server: TestServer;
let proxy: TestProxy;
before(async () => { server = await TestServer.start(); proxy = await TestProxy.start(); });
after(async () => { await proxy.close(); await server.close(); });

test('HTTP_PROXY is honoured (and NO_PROXY bypasses it)', async () => {
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
  const body = randomBody((9 << 20) + 7); // more than two slots of the ring, through undici
  const url = server.route('/proxied.img', { body });
  try {
    delete process.env.http_proxy;
    delete process.env.no_proxy;
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = '';
    const d = new Downloader({ cacheDir: await tempDir() });
    const result = await d.fetch({ url, digest: sha256(body) });
    assert.ok((await fs.readFile(result.path)).equals(body));
    assert.deepEqual(proxy.relayed, [url]);
    await d.close();

    process.env.NO_PROXY = '127.0.0.1';
    const direct = new Downloader({ cacheDir: await tempDir() });
    await direct.fetch({ url });
    assert.equal(proxy.relayed.length, 1);
    assert.equal(server.count('/proxied.img'), 2);
    await direct.close();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  }
});
