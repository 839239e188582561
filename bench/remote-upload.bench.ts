// Uploading a 1 GiB image to a remote libvirt host, as the libvirt driver does it (SHA-256 of
// the file, then `virsh vol-create-as` + `vol-upload` into Corral's pool over qemu+ssh), against
// `scp` of the same file to the same host over the same sshd, in the same run. The host is the
// test harness's second libvirtd behind an sshd on 127.0.0.1 (e2e/fixtures/remote-host/), so
// this measures the transports' overhead, not a network. Ratio: driver time / scp time.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startRemoteHost } from '../e2e/fixtures/remote-host/remote-host.ts';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { report } from './stats.ts';

const exec = promisify(execFile);
const SIZE = Number(process.env.CORRAL_BENCH_UPLOAD_BYTES ?? 1024 ** 3);

/** The driver's steps (src-drivers/libvirt/remote/volumes.ts), run here as the same commands: benches reach drivers only as processes. */
async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function timed(task: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await task();
  return performance.now() - start;
}

/** A file of SIZE pseudo-random bytes (incompressible, fully allocated). */
async function makeImage(file: string): Promise<void> {
  const block = Buffer.alloc(16 * 1024 ** 2);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  const handle = await fs.open(file, 'w');
  try {
    for (let written = 0; written < SIZE; written += block.length) {
      block.writeUInt32LE(written >>> 0, 0); // no two blocks alike
      await handle.write(block, 0, Math.min(block.length, SIZE - written));
    }
  } finally {
    await handle.close();
  }
}

export async function run(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-upload-bench-'));
  const host = await startRemoteHost();
  try {
    const image = path.join(dir, 'image.raw');
    await makeImage(image);
    const virsh = (...args: string[]) => exec('virsh', ['-q', '-c', host.uri, ...args], { maxBuffer: 1024 ** 2 });
    await virsh('pool-define-as', 'corral', 'dir', '--target', '/var/lib/libvirt/corral');
    await virsh('pool-build', 'corral');
    await virsh('pool-start', 'corral');
    const scp = await timed(() => exec('scp', ['-q', '-S', host.sshCommand, '-i', host.keyFile, '-P', String(host.port), image, 'root@127.0.0.1:/var/lib/libvirt/images/scp-copy.raw'], { maxBuffer: 1024 ** 2 }));
    await exec(host.sshCommand, ['-i', host.keyFile, '-p', String(host.port), 'root@127.0.0.1', 'rm -f /var/lib/libvirt/images/scp-copy.raw']);
    const digest = await timed(() => fileDigest(image));
    const upload = await timed(async () => {
      const name = `sha256-${await fileDigest(image)}`;
      await virsh('vol-create-as', 'corral', name, String(SIZE), '--format', 'raw');
      await virsh('vol-upload', '--pool', 'corral', name, image);
    });
    const mib = SIZE / 1024 ** 2;
    const rate = (ms: number) => `${(mib / (ms / 1000)).toFixed(0)} MiB/s`;
    report(
      `upload of ${mib.toFixed(0)} MiB to a remote libvirt (digest + vol-upload over qemu+ssh) vs scp`,
      upload / scp,
      'report only',
      `driver ${(upload / 1000).toFixed(1)} s (${rate(upload)}; of it SHA-256 ${(digest / 1000).toFixed(1)} s), scp ${(scp / 1000).toFixed(1)} s (${rate(scp)}), loopback sshd`,
    );
  } finally {
    await host.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await run();
