// Every file the libvirt driver makes for an instance, in one place. libvirt holds the rest
// (the domain definition, its snapshots' metadata); the files here tie the instance folder to
// its domain, so a fresh driver process finds the VM an earlier one started.
import path from 'node:path';
import type { InstanceSpec } from '../sdk/index.ts';

export interface InstancePaths {
  dir: string;
  /** The qcow2 overlay (or blank disk) the VM boots from, made through a libvirt storage pool. */
  disk: string;
  /** The domain's UUID: which libvirt domain is this instance's, whatever the instance is called now. */
  domainFile: string;
  /** Everything the guest wrote on its serial port since the latest start (libvirt's chardev <log>, written by virtlogd). */
  serialLog: string;
  /** The serial log of the boot before, kept for one start so a crash can still be read. */
  previousSerialLog: string;
  runtimeDir: string;
  /** The serial port's unix socket (QEMU listens; the driver connects to type). Short folder: sun_path is ~104 bytes. */
  serialSocket: string;
}

export function instancePaths(spec: InstanceSpec): InstancePaths {
  return {
    dir: spec.dir,
    disk: path.join(spec.dir, 'disk.qcow2'),
    domainFile: path.join(spec.dir, 'libvirt-domain.json'),
    serialLog: path.join(spec.dir, 'serial.log'),
    previousSerialLog: path.join(spec.dir, 'serial.log.1'),
    runtimeDir: spec.runtimeDir,
    serialSocket: path.join(spec.runtimeDir, 'serial.sock'),
  };
}
