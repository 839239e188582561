// The broker request that starts one VM: QEMU's arguments, and every file it may reach (the
// broker checks each against the manifest's grants and binds only these into its sandbox).
import type { InstanceSpec, SpawnRequest } from '../sdk/index.ts';
import { qemuBinary } from './files.ts';
import type { InstanceFiles } from './files.ts';

/** QEMU reads ',' as its option separator: a path carries it doubled. */
const escaped = (p: string) => p.replaceAll(',', ',,');

function qemuArgs(spec: InstanceSpec, files: InstanceFiles): string[] {
  const { config } = spec;
  const args = [
    '-machine', 'q35', '-accel', 'tcg', '-smp', String(config.cpus), '-m', `${Math.floor(config.memoryBytes / 1024 ** 2)}M`,
    '-nodefaults', '-display', 'none', '-nic', 'none',
    '-chardev', `socket,id=serial0,path=${escaped(files.serialSocket)},server=on,wait=off,logfile=${escaped(files.serialLog)}`,
    '-serial', 'chardev:serial0',
    '-chardev', `socket,id=qmp0,path=${escaped(files.qmpSocket)},server=on,wait=off`, '-mon', 'chardev=qmp0,mode=control',
    '-chardev', `socket,id=watch0,path=${escaped(files.watchSocket)},server=on,wait=off`, '-mon', 'chardev=watch0,mode=control',
    '-pidfile', files.pidFile,
  ];
  if (config.kernel) args.push('-kernel', config.kernel.path, '-append', config.kernel.cmdline);
  if (config.initrd) args.push('-initrd', config.initrd.path);
  // The image is only read: QEMU keeps the guest's writes in a temporary overlay (snapshot=on).
  if (config.image) args.push('-drive', `if=virtio,file=${escaped(config.image.path)},format=${config.image.format ?? 'raw'},snapshot=on`);
  if (config.cidata) args.push('-drive', `if=virtio,file=${escaped(config.cidata.path)},format=raw,readonly=on`);
  return args;
}

export function startRequest(spec: InstanceSpec, files: InstanceFiles): SpawnRequest {
  const { config } = spec;
  const inputs = [config.kernel?.path, config.initrd?.path, config.image?.path, config.cidata?.path].filter((p): p is string => p !== undefined);
  return {
    executable: qemuBinary,
    args: qemuArgs(spec, files),
    files: [...inputs.map((path) => ({ path, write: false })), { path: spec.dir, write: true }, { path: spec.runtimeDir, write: true }],
    sockets: [files.qmpSocket, files.watchSocket, files.serialSocket],
    log: files.qemuLog,
  };
}
