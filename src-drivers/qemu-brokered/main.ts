// An example third-party driver: QEMU driven by a sandboxed bundle through the engine's spawn
// broker, so its VMs outlive the driver process. The walkthrough is in ../sdk/GUIDE.md ("Starting
// your own hypervisor: the broker"); it shares no code with the built-in QEMU driver.
import { answerUnsupported, serveDriver } from '../sdk/index.ts';
import type { DriverDescription } from '../sdk/index.ts';
import { BrokeredVms } from './vm.ts';

const description: DriverDescription = {
  name: 'qemu-brokered',
  version: '0.1.0',
  description: 'QEMU (x86_64, TCG) started through Corral\'s spawn broker: an example bundle',
  platforms: ['linux'],
  capabilities: { pause: true, snapshots: false, display: [], console: ['serial'], imageFormats: ['raw', 'qcow2'], accelerators: ['tcg'] },
  available: { ok: true },
};

serveDriver({
  describe: async () => description,
  async configure(_settings, context) {
    const vms = new BrokeredVms(context);
    return answerUnsupported(description, {
      validate: (spec) => vms.validate(spec),
      create: (spec) => vms.create(spec),
      delete: (spec) => vms.delete(spec),
      clone: (source, target) => vms.clone(source, target),
      resizeDisk: () => vms.resizeDisk(),
      start: (spec) => vms.start(spec),
      stop: (spec, options) => vms.stop(spec, options),
      pause: (spec) => vms.pause(spec),
      resume: (spec) => vms.resume(spec),
      inspect: (spec) => vms.inspect(spec),
      openConsole: (spec, id) => vms.openConsole(spec, id),
      closeConsole: (id) => vms.closeConsole(id),
    });
  },
});
