// A minimal Corral driver: "VMs" are a JSON file in the instance folder, so it shows the
// contract without a hypervisor. Copy it to start a real driver: keep the shape (describe,
// configure, the methods), replace the bodies. See ../sdk/GUIDE.md.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError, answerUnsupported, serveDriver } from '../sdk/index.ts';
import type { DriverDescription, InstanceSpec, VmState } from '../sdk/index.ts';

const stateFile = (spec: InstanceSpec) => path.join(spec.dir, 'example-vm.json');

async function readState(spec: InstanceSpec): Promise<VmState> {
  try {
    return (JSON.parse(await fs.readFile(stateFile(spec), 'utf8')) as { state: VmState }).state;
  } catch {
    return 'Stopped'; // no state file: never started, or deleted
  }
}

async function writeState(spec: InstanceSpec, state: VmState): Promise<void> {
  // Atomic (temp + rename), so a driver killed mid-write leaves the old state, not half a file.
  const temp = `${stateFile(spec)}.tmp`;
  await fs.writeFile(temp, JSON.stringify({ state }));
  await fs.rename(temp, stateFile(spec));
}

const description: DriverDescription = {
  name: 'example',
  version: '0.1.0',
  description: 'A minimal example driver (no real VMs)',
  platforms: ['linux', 'darwin'],
  // No console, display or snapshots: answerUnsupported() refuses those methods with UNSUPPORTED.
  capabilities: { pause: true, snapshots: false, display: [], console: [], imageFormats: ['raw', 'qcow2'], accelerators: ['none'] },
  available: { ok: true },
};

serveDriver({
  describe: async () => description,
  async configure() {
    return answerUnsupported(description, {
      async validate(spec) {
        if (spec.config.arch !== 'x86_64') throw new DriverError('INVALID_CONFIG', `the example driver runs x86_64 only, not ${spec.config.arch}`, { field: 'arch' });
      },
      async create(spec) {
        await fs.writeFile(path.join(spec.dir, 'example-disk'), '', { flag: 'a' }); // idempotent
      },
      async delete(spec) {
        if ((await readState(spec)) !== 'Stopped') throw new DriverError('INVALID_STATE', `instance ${spec.name} is running; stop it first`);
        await fs.rm(path.join(spec.dir, 'example-disk'), { force: true });
        await fs.rm(stateFile(spec), { force: true });
      },
      clone: async (source, target) => {
        await fs.copyFile(path.join(source.dir, 'example-disk'), path.join(target.dir, 'example-disk'));
      },
      resizeDisk: async () => undefined,
      async start(spec) {
        if ((await readState(spec)) !== 'Stopped') throw new DriverError('INVALID_STATE', `instance ${spec.name} is running already`);
        await writeState(spec, 'Running');
        return { pid: process.pid, accelerator: 'none' };
      },
      async stop(spec) {
        await writeState(spec, 'Stopped');
      },
      async pause(spec) {
        await writeState(spec, 'Paused');
      },
      async resume(spec) {
        await writeState(spec, 'Running');
      },
      inspect: async (spec) => ({ state: await readState(spec) }),
    });
  },
});
