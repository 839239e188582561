// The Debian test guest for specs that boot it (e2e/fixtures/debian-guest/build.sh, a variant of
// it, cached) and the `corral` CLI driving it in a CORRAL_HOME of the spec's own: templates for
// the built guest, commands in the guest through `corral shell`, and the wait until it is ready.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { runToEnd } from './processes.ts';
import type { RunResult } from './processes.ts';
import { repoRoot } from './temp.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
/** Lima's own limit for a guest to become reachable is 10 minutes. */
const readyDeadlineMs = 10 * 60_000;

export type Result = RunResult;

/** Builds (or finds cached) the guest; `variant` 'ifupdown' is the generic-kernel, ifupdown one. Resolves to its folder. */
export async function debianGuest(variant: 'cloud' | 'ifupdown' = 'cloud'): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [path.join(repoRoot, 'e2e/fixtures/debian-guest/build.sh')], { env: { ...process.env, VARIANT: variant }, maxBuffer: 16 * 1024 ** 2 });
  return stdout.trim();
}

/** Writes a template at `file` that boots the guest in `guestDir`, plus `fields` (mounts, mountType...). */
export async function writeDebianTemplate(file: string, guestDir: string, fields: Record<string, unknown>): Promise<string> {
  await fs.writeFile(file, stringify({
    vmType: 'qemu', cpus: 1, memory: '1GiB', disk: '4GiB',
    images: [{
      location: path.join(guestDir, 'disk.qcow2'), arch: 'x86_64',
      kernel: { location: path.join(guestDir, 'vmlinuz'), cmdline: 'root=LABEL=corral-root ro console=ttyS0' },
      initrd: { location: path.join(guestDir, 'initrd.img') },
    }],
    containerd: { system: false, user: false },
    ...fields,
  }));
  return file;
}

/** The `corral` command in one CORRAL_HOME and cache, for one instance. */
export class GuestCli {
  readonly home: string;
  readonly #cache: string;
  readonly #name: string;

  constructor(root: string, name: string) {
    this.home = path.join(root, 'home');
    this.#cache = path.join(root, 'cache');
    this.#name = name;
  }

  run(args: string[]): Promise<Result> {
    return runToEnd(process.execPath, [bin, '--home', this.home, ...args], { env: { ...process.env, CORRAL_CACHE: this.#cache } });
  }

  async ok(args: string[]): Promise<string> {
    const result = await this.run(args);
    assert.equal(result.code, 0, `corral ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  }

  /** `sh -c script` in the guest, as its user. */
  inGuest(script: string): Promise<Result> {
    return this.run(['shell', this.#name, '--', 'sh', '-c', script]);
  }

  async okInGuest(script: string): Promise<string> {
    const result = await this.inGuest(script);
    assert.equal(result.code, 0, `in the guest: ${script}: exit ${result.code}: ${result.stderr}`);
    return result.stdout;
  }

  /**
   * Waits until SSH answers and cloud-init is done (`cloud-init status --wait` over `corral
   * shell`), which must then say done. ssh's own failures exit 255: the guest is still booting.
   */
  async waitReady(): Promise<void> {
    const deadline = Date.now() + readyDeadlineMs;
    for (;;) {
      const last = await this.run(['shell', this.#name, '--', 'cloud-init', 'status', '--wait']);
      if (last.code !== 255) {
        assert.equal(last.code, 0, `cloud-init status: ${last.stdout}${last.stderr}`);
        return;
      }
      assert.ok(Date.now() < deadline, `no SSH login within ${readyDeadlineMs / 60_000} minutes; last: ${last.stderr}`);
      // Each attempt costs a Node start and an ssh handshake; spacing them keeps the CPU for booting.
      await delay(2000);
    }
  }
}
