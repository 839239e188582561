// corral-app://app/ serves dist/renderer and nothing outside it, with the CSP on every answer.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serveAppRequest } from './app-files.ts';
import { contentSecurityPolicy } from './security.ts';

describe('app scheme files', () => {
  let base: string;
  let root: string;

  before(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-app-files-'));
    root = path.join(base, 'renderer');
    await fs.mkdir(path.join(root, 'assets'), { recursive: true });
    await fs.writeFile(path.join(root, 'index.html'), '<!doctype html><title>Corral</title>');
    await fs.writeFile(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    await fs.writeFile(path.join(base, 'secret.txt'), 'outside');
    await fs.symlink(path.join(base, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
  });
  after(() => fs.rm(base, { recursive: true, force: true }));

  const get = (url: string, method = 'GET') => serveAppRequest(root, new Request(url, { method }));

  it('serves the page and its assets with the security headers', async () => {
    for (const url of ['corral-app://app/', 'corral-app://app/index.html']) {
      const response = await get(url);
      assert.equal(response.status, 200, url);
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(response.headers.get('content-security-policy'), contentSecurityPolicy);
      assert.match(await response.text(), /<title>Corral/);
    }
    const script = await get('corral-app://app/assets/app.js');
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(script.headers.get('x-content-type-options'), 'nosniff');
  });

  it('never leaves the folder: dot segments, encoded slashes, NUL, symlinks', async () => {
    for (const url of [
      'corral-app://app/../secret.txt', 'corral-app://app/%2e%2e/secret.txt', 'corral-app://app/assets/..%2f..%2fsecret.txt',
      'corral-app://app/assets%2f..%2f..%2fsecret.txt', 'corral-app://app/..%5csecret.txt', 'corral-app://app/index.html%00.js',
      'corral-app://app/assets/link.txt',
    ]) {
      const response = await get(url);
      assert.ok(response.status === 400 || response.status === 404, `${url} answered ${response.status}`);
      assert.doesNotMatch(await response.text(), /outside/, url);
      assert.equal(response.headers.get('content-security-policy'), contentSecurityPolicy, 'refusals carry the CSP too');
    }
  });

  it('answers only its own host and only GET/HEAD', async () => {
    assert.equal((await get('corral-app://other/index.html')).status, 404);
    assert.equal((await get('corral-app://app/index.html', 'POST')).status, 405);
    const head = await get('corral-app://app/index.html', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('says how to build the renderer when it is missing', async () => {
    const response = await serveAppRequest(path.join(base, 'missing'), new Request('corral-app://app/'));
    assert.equal(response.status, 404);
    assert.match(await response.text(), /npm run build:renderer/);
  });
});
