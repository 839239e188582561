// Every file the driver makes for an instance, in one place: the driver keeps no state of its
// own, so these paths ARE its memory across restarts, and delete() removes exactly this list.
import path from 'node:path';
import type { InstanceSpec } from '../sdk/index.ts';

export interface InstancePaths {
  /** The qcow2 overlay (or blank disk) the VM boots from. */
  disk: string;
  /** Written by QEMU (-pidfile) once it runs; removed by QEMU on a clean exit. */
  pidFile: string;
  /** Everything QEMU said since its latest start (its -D log: QEMU truncates it when it starts). */
  log: string;
  /** Everything the guest wrote on its serial port since the latest start (QEMU's chardev logfile). */
  serialLog: string;
  /** The serial log of the boot before, kept for one start so a crash can still be read. */
  previousSerialLog: string;
  /** The accelerator the current run uses, so inspect() after a re-attach can report it. */
  accelFile: string;
  /** The VNC password of the current run (mode 0600): new at every start, set in QEMU over QMP. */
  vncPasswordFile: string;
  /** Unix sockets live in the short runtime folder: sun_path is ~104 bytes. */
  qmpSocket: string;
  serialSocket: string;
  runtimeDir: string;
}

export function instancePaths(spec: InstanceSpec): InstancePaths {
  return {
    disk: path.join(spec.dir, 'disk.qcow2'),
    pidFile: path.join(spec.dir, 'qemu.pid'),
    log: path.join(spec.dir, 'qemu.log'),
    serialLog: path.join(spec.dir, 'serial.log'),
    previousSerialLog: path.join(spec.dir, 'serial.log.1'),
    accelFile: path.join(spec.dir, 'qemu.accel'),
    vncPasswordFile: path.join(spec.dir, 'vnc.password'),
    qmpSocket: path.join(spec.runtimeDir, 'qmp.sock'),
    serialSocket: path.join(spec.runtimeDir, 'serial.sock'),
    runtimeDir: spec.runtimeDir,
  };
}

/** The socket virtiofsd serves one shared folder on (QEMU connects to it). */
export function virtiofsSocket(paths: InstancePaths, tag: string): string {
  return path.join(paths.runtimeDir, `virtiofs-${tag}.sock`);
}

/** The pid file of the virtiofsd serving `tag`, so a new driver process can end it. */
export function virtiofsPidFile(paths: InstancePaths, tag: string): string {
  return path.join(paths.runtimeDir, `virtiofs-${tag}.pid`);
}

/** What the virtiofsd serving `tag` said (beside qemu.log, in the instance folder). */
export function virtiofsLog(paths: InstancePaths, tag: string): string {
  return path.join(path.dirname(paths.log), `virtiofsd-${tag}.log`);
}
