// The errors group: refusals the contract names (INVALID_CONFIG naming the field, UNSUPPORTED
// for a capability the driver lacks), and, last, that every refusal seen during the run was a
// DriverError with a code rather than a plain Error.
import path from 'node:path';
import { hostArch } from '../../../../../src-drivers/sdk/host-arch.ts';
import type { InstanceSpec } from '../../../../../src-drivers/sdk/protocol.ts';
import { plainErrorHint } from '../calls.ts';
import type { ConformanceCheck } from '../check.ts';
import { CheckFailure } from '../runner.ts';
import { defaultCmdline } from '../state.ts';

export const validateMissingFile: ConformanceCheck = {
  group: 'errors', name: 'validate-missing-file', title: 'validate() of a missing kernel file: INVALID_CONFIG naming the field', timeoutMs: (t) => t.call,
  needs: ['handshake/engine'], blocked: (state) => state.unavailable(),
  async run(state) {
    const missing = path.join(state.paths.downloads, 'no-such-kernel');
    const spec: InstanceSpec = { ...state.full, config: { ...state.full.config, kernel: { path: missing, cmdline: defaultCmdline(state.arch) } } };
    const error = await state.calls.refuse('INVALID_CONFIG', `the kernel ${missing} does not exist, and validate() must say so before anything is made`, 'validate', 'validate() of a spec whose kernel file does not exist', spec);
    const field = error.details.field;
    if (typeof field !== 'string' || !/kernel/i.test(field)) {
      throw new CheckFailure(`validate() refused the missing kernel with INVALID_CONFIG, but details.field is ${JSON.stringify(field)}; name the field at fault (e.g. "kernel" or "images[0].kernel.location") so the UI can point at it`);
    }
    return `field ${field}`;
  },
};

const foreign: InstanceSpec['config']['arch'] = hostArch() === 's390x' ? 'ppc64le' : 's390x';

export const validateArch: ConformanceCheck = {
  group: 'errors', name: 'validate-arch', title: `validate() of an ${foreign} guest: INVALID_CONFIG naming "arch"`, timeoutMs: (t) => t.call, needs: ['lifecycle/validate'],
  async run(state) {
    const spec: InstanceSpec = { ...state.full, config: { ...state.full.config, arch: foreign } };
    const error = await state.calls.refuse('INVALID_CONFIG', `the spec asks for an ${foreign} guest on an ${state.arch} host (its files are the ${state.arch} guest's)`, 'validate', `validate() of an ${foreign} spec`, spec);
    const field = error.details.field;
    if (typeof field !== 'string' || !/arch/i.test(field)) {
      throw new CheckFailure(`validate() refused the ${foreign} spec with INVALID_CONFIG, but details.field is ${JSON.stringify(field)}; expected it to name "arch"`);
    }
    return `field ${field}`;
  },
};

export const unsupported: ConformanceCheck = {
  group: 'errors', name: 'unsupported', title: 'a capability the driver lacks: UNSUPPORTED', timeoutMs: (t) => t.call * 2, needs: ['lifecycle/start'],
  skipIf: ({ handshake }) => (handshake?.capabilities.pause && handshake.capabilities.snapshots ? 'the driver offers pause and snapshots (capabilities): nothing to refuse' : undefined),
  async run(state) {
    const refused: string[] = [];
    if (!state.handshake?.capabilities.pause) {
      await state.calls.refuse('UNSUPPORTED', 'capabilities.pause is false', 'pause', 'pause() without the pause capability', state.bare);
      refused.push('pause');
    }
    if (!state.handshake?.capabilities.snapshots) {
      await state.calls.refuse('UNSUPPORTED', 'capabilities.snapshots is false', 'listSnapshots', 'listSnapshots() without the snapshots capability', state.bare);
      refused.push('listSnapshots');
    }
    return `${refused.join(', ')} refused`;
  },
};

export const typed: ConformanceCheck = {
  group: 'errors', name: 'typed', title: 'every refusal is a DriverError with a code, not a plain Error', timeoutMs: () => 1_000, needs: ['handshake/engine'],
  async run(state) {
    const fromDriver = state.calls.seen.filter((s) => !s.byEngine);
    const untyped = fromDriver.filter((s) => s.code === 'INTERNAL');
    if (untyped.length > 0) {
      throw new CheckFailure(`${untyped.length} of ${fromDriver.length} refusals came as INTERNAL: ${untyped.map((s) => `${s.call} ("${s.message}")`).join('; ')}. ${plainErrorHint}`);
    }
    const codes = new Map<string, number>();
    for (const s of fromDriver) codes.set(s.code, (codes.get(s.code) ?? 0) + 1);
    return fromDriver.length === 0 ? 'no refusals seen' : [...codes].map(([code, n]) => `${code} x${n}`).join(', ');
  },
};
