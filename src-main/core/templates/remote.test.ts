// Templates over http from a real server on 127.0.0.1: loaded without any caller-provided
// fetcher, refused in the user's words when missing or too large (and not downloaded whole),
// and created through the engine; and the warning when a template the user did not write hands
// a host file to the guest.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureDriver, tempDir } from '../../../e2e/support/temp.ts';
import { Engine } from '../engine.ts';
import { loadTemplate } from './load.ts';

const options = { defaultsFile: null };
let dir: string;
let server: http.Server;
let origin: string;
const files = new Map<string, string>();
/** Bytes the server managed to send of /huge.yaml before the client hung up. */
let hugeSent: Promise<number>;

before(async () => {
  dir = await tempDir('corral-remote-templates-');
  await fs.writeFile(path.join(dir, 'disk.img'), 'a disk');
  let sent!: (bytes: number) => void;
  hugeSent = new Promise((resolve) => { sent = resolve; });
  server = http.createServer((req, res) => {
    if (req.url === '/huge.yaml') {
      // 8 MiB of env keys, written as the client reads them.
      let written = 0;
      res.on('close', () => sent(written));
      const more = (): void => {
        while (written < 8 * 1024 ** 2) {
          const chunk = Buffer.from(Array.from({ length: 1000 }, (_, i) => `  K${written}_${i}: v\n`).join(''));
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      res.write('images:\n- location: disk.img\nenv:\n');
      more();
      return;
    }
    const body = files.get(req.url ?? '');
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/yaml' }).end(body ?? 'not found');
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  files.set('/t/top.yaml', 'base: inner.yaml\ncpus: 2\n');
  files.set('/t/inner.yaml', 'images:\n- location: disk.img\n  arch: x86_64\n');
  files.set('/t/shadow.yaml', 'images:\n- location: /etc/shadow\n  arch: x86_64\n  kernel:\n    location: file:///root/.ssh/id_ed25519\n');
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await fs.rm(dir, { recursive: true, force: true });
});

describe('templates over http', () => {
  it('loads an http template and its base with no fetcher given, relative locators against the URL', async () => {
    const { config } = await loadTemplate(`${origin}/t/top.yaml`, options);
    assert.equal(config.cpus, 2);
    assert.equal(config.images[0]?.location, `${origin}/t/disk.img`);
    // A local template whose base is remote: the case that said "needs the downloader".
    await fs.writeFile(path.join(dir, 'local.yaml'), `base: ${origin}/t/top.yaml\n`);
    assert.equal((await loadTemplate(path.join(dir, 'local.yaml'), options)).config.cpus, 2);
  });

  it('says which template could not be downloaded, and why', async () => {
    await fs.writeFile(path.join(dir, 'gone.yaml'), `base: ${origin}/t/gone.yaml\n`);
    await assert.rejects(loadTemplate(path.join(dir, 'gone.yaml'), options), {
      code: 'NOT_FOUND',
      message: `template "${origin}/t/gone.yaml" could not be downloaded: ${origin}/t/gone.yaml does not exist (HTTP 404)`,
    });
  });

  it('refuses a template over the size limit without downloading it whole', async () => {
    await assert.rejects(loadTemplate(`${origin}/huge.yaml`, options), {
      code: 'INVALID_CONFIG',
      message: `template "${origin}/huge.yaml": ${origin}/huge.yaml is larger than 512 KiB, the most a template may have; check that it is the template you meant (Lima's largest is 34 KiB)`,
    });
    assert.ok(await hugeSent < 4 * 1024 ** 2, 'the client hung up long before the 8 MiB end');
  });

  it('creates an instance from an http template through the engine', async () => {
    const home = path.join(dir, 'home');
    const engine = new Engine({ home, extraDrivers: [{ name: 'scripted', entry: fixtureDriver('scripted-driver.ts') }], health: { intervalMs: 0, timeoutMs: 5_000 } });
    try {
      files.set('/t/scripted.yaml', `vmType: scripted\ncpus: 1\ncontainerd:\n  system: false\n  user: false\nimages:\n- location: ${JSON.stringify(path.join(dir, 'disk.img'))}\n`);
      const { instance, warnings } = await engine.create('web', { template: `${origin}/t/scripted.yaml` });
      assert.equal(instance.cpus, 1);
      assert.deepEqual(warnings, [{ message: `${origin}/t/scripted.yaml: this template was downloaded from ${origin}/t/scripted.yaml and gives the guest the host file ${path.join(dir, 'disk.img')} as its disk image, which the guest can read; create it only if you trust whoever wrote the template` }]);
    } finally {
      await engine.close();
    }
  });
});

describe('host files named by a template the user did not write', () => {
  const warningAbout = (file: string, role: string) => new RegExp(`gives the guest the host file ${file.replaceAll('.', '\\.')} as its ${role}, which the guest can read; create it only if you trust whoever wrote the template$`);

  it('warns about each host file a downloaded template hands to the guest', async () => {
    const { warnings } = await loadTemplate(`${origin}/t/shadow.yaml`, options);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0] ?? '', warningAbout('/etc/shadow', 'disk image'));
    assert.match(warnings[0] ?? '', new RegExp(`^${origin}/t/shadow\\.yaml: this template was downloaded from ${origin}/t/shadow\\.yaml and`));
    assert.match(warnings[1] ?? '', warningAbout('/root/.ssh/id_ed25519', 'kernel'));
  });

  it('warns for a local template another user owns or can change, and not for the user\'s own', async () => {
    const text = 'images:\n- location: /etc/shadow\n  arch: x86_64\n';
    const own = path.join(dir, 'own.yaml');
    await fs.writeFile(own, text, { mode: 0o644 });
    assert.deepEqual((await loadTemplate(own, options)).warnings, []);

    const theirs = path.join(dir, 'theirs.yaml');
    await fs.writeFile(theirs, text);
    await fs.chown(theirs, 65534, 65534);
    const [owned] = (await loadTemplate(theirs, options)).warnings;
    assert.match(owned ?? '', /theirs\.yaml: this template belongs to another user \(uid 65534\) and gives the guest the host file \/etc\/shadow as its disk image/);

    const shared = path.join(dir, 'shared.yaml');
    await fs.writeFile(shared, text);
    await fs.chmod(shared, 0o666);
    const [writable] = (await loadTemplate(shared, options)).warnings;
    assert.match(writable ?? '', /shared\.yaml: this template can be changed by other users \(mode 0666\) and gives the guest the host file \/etc\/shadow/);

    // The user's own template over a foreign base: the base's host files are named, with the base.
    const top = path.join(dir, 'top-own.yaml');
    await fs.writeFile(top, 'base: theirs.yaml\n');
    const [viaBase] = (await loadTemplate(top, options)).warnings;
    assert.match(viaBase ?? '', /^.*theirs\.yaml: this template belongs to another user/);
  });
});
