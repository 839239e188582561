// Where one instance's files live. Everything a fresh driver process needs to find a running
// VM is here: the pid file QEMU writes, its QMP sockets and its serial socket and log.
import path from 'node:path';
import type { InstanceSpec } from '../sdk/index.ts';

export const qemuBinary = '/usr/bin/qemu-system-x86_64';

export interface InstanceFiles {
  /** What create() makes: the instance's record that this driver owns it. */
  marker: string;
  pidFile: string;
  serialLog: string;
  /** QEMU's own stdout and stderr (the broker writes them there). */
  qemuLog: string;
  /** QMP for commands, one short connection each. */
  qmpSocket: string;
  /** A second QMP monitor the driver holds open: it closes when QEMU exits. */
  watchSocket: string;
  serialSocket: string;
}

export function instanceFiles(spec: InstanceSpec): InstanceFiles {
  return {
    marker: path.join(spec.dir, 'brokered-vm.json'),
    pidFile: path.join(spec.dir, 'qemu.pid'),
    serialLog: path.join(spec.dir, 'serial.log'),
    qemuLog: path.join(spec.dir, 'qemu.log'),
    qmpSocket: path.join(spec.runtimeDir, 'qmp.sock'),
    watchSocket: path.join(spec.runtimeDir, 'watch.sock'),
    serialSocket: path.join(spec.runtimeDir, 'serial.sock'),
  };
}

/** The files a run leaves behind (not the marker, which delete() removes). */
export const runFiles = (f: InstanceFiles) => [f.pidFile, f.qmpSocket, f.watchSocket, f.serialSocket];
