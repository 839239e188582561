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
