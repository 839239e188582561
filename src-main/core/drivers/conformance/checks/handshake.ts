// The handshake group: what the driver itself sends on a bare process (hello, its protocol
// version, the schema, identity, platform, availability, configure once), then whether the
// engine's own DriverHost accepts it (handshake checks, sandbox check, configure).
import type { DriverError } from '../../../../../src-drivers/sdk/errors.ts';
import { PROTOCOL_VERSION, handshakeSchema } from '../../../../../src-drivers/sdk/protocol.ts';
import { describe } from '../calls.ts';
import type { ConformanceCheck } from '../check.ts';
import { CheckFailure } from '../runner.ts';
import { isolationOf } from '../state.ts';
import type { ConformanceState } from '../state.ts';

const instant = () => 1_000;

export const hello: ConformanceCheck = {
  group: 'handshake', name: 'hello', title: 'hello() answers with a handshake', timeoutMs: (t) => t.handshake,
  async run(state, { step }) {
    step('starting the driver process');
    state.startProbe();
    step('hello()');
    const answer: unknown = await state.viaProbe(state.rpc().hello(), 'hello()');
    if (typeof answer !== 'object' || answer === null) throw new CheckFailure(`hello() answered ${JSON.stringify(answer)}, not a handshake object`);
    state.rawHello = answer as Record<string, unknown>;
  },
};

export const protocol: ConformanceCheck = {
  group: 'handshake', name: 'protocol', title: `protocol version is ${PROTOCOL_VERSION}`, timeoutMs: instant, needs: ['handshake/hello'],
  async run(state) {
    const version = state.hello().protocol;
    if (version !== PROTOCOL_VERSION) {
      throw new CheckFailure(`hello() says protocol ${typeof version === 'number' ? `v${version}` : JSON.stringify(version)}, but this Corral speaks v${PROTOCOL_VERSION}, `
        + `so the engine refuses the driver (PROTOCOL_MISMATCH); build it with the SDK for protocol v${PROTOCOL_VERSION} (serveDriver() fills the version in)`);
    }
    return `v${PROTOCOL_VERSION}`;
  },
};

export const schema: ConformanceCheck = {
  group: 'handshake', name: 'schema', title: 'the handshake matches the protocol\'s schema', timeoutMs: instant, needs: ['handshake/hello'],
  async run(state) {
    const parsed = handshakeSchema().safeParse(state.rawHello);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new CheckFailure(`the handshake does not match handshakeSchema (src-drivers/sdk/protocol.ts): ${issues}`);
    }
    state.handshake = parsed.data;
  },
};

export const identity: ConformanceCheck = {
  group: 'handshake', name: 'identity', title: 'name and version are given', timeoutMs: instant, needs: ['handshake/hello'],
  async run(state) {
    const { name: driverName, version } = state.hello();
    const missing = [typeof driverName === 'string' && driverName !== '' ? '' : 'name', typeof version === 'string' && version !== '' ? '' : 'version'].filter(Boolean);
    if (missing.length > 0) throw new CheckFailure(`the handshake has no ${missing.join(' and no ')} (got name ${JSON.stringify(driverName)}, version ${JSON.stringify(version)}); the driver picker and the logs show both`);
    return `${String(driverName)} ${String(version)}${driverName === state.entry.name ? '' : ` (registered as ${state.entry.name})`}`;
  },
};

export const platform: ConformanceCheck = {
  group: 'handshake', name: 'platform', title: `platforms include ${process.platform}`, timeoutMs: instant, needs: ['handshake/hello'],
  async run(state) {
    const platforms = state.hello().platforms;
    if (!Array.isArray(platforms) || !platforms.includes(process.platform)) {
      throw new CheckFailure(`platforms is ${JSON.stringify(platforms)}, which does not list "${process.platform}", the platform the driver is running on; list every platform it supports (a bundle is refused at install on the others)`);
    }
    return platforms.join(', ');
  },
};

export const available: ConformanceCheck = {
  group: 'handshake', name: 'available', title: 'available is ok, or says why not', timeoutMs: instant, needs: ['handshake/hello'],
  async run(state) {
    const answer = state.hello().available as { ok?: unknown; reason?: unknown } | undefined;
    if (answer?.ok === true) return 'available';
    if (answer?.ok === false && typeof answer.reason === 'string' && answer.reason.trim() !== '') {
      return `says it cannot run here: ${answer.reason} (the checks that boot a VM are not run)`;
    }
    throw new CheckFailure(`available is ${JSON.stringify(answer)}; it must be { ok: true }, or { ok: false, reason } with a reason the driver picker can show`);
  },
};

const cacheDirOf = (state: ConformanceState) => ({ cacheDir: state.paths.driverCache(state.entry.name) });

export const configure: ConformanceCheck = {
  group: 'handshake', name: 'configure', title: 'configure(settings) succeeds once', timeoutMs: (t) => t.handshake + t.call,
  needs: ['handshake/hello', 'handshake/protocol', 'handshake/schema'],
  async run(state, { step }) {
    if (state.probe?.verify) {
      step('the sandbox check');
      await state.viaProbe(state.probe.verify(), 'the sandbox check');
    }
    step('configure()');
    try {
      await state.viaProbe(state.rpc().configure(cacheDirOf(state)), 'configure()');
    } catch (error) {
      if (error instanceof CheckFailure) throw error;
      throw new CheckFailure(`configure({ cacheDir }) failed: ${describe(state.calls.remember('configure()', error))}`);
    }
  },
};

export const configureTwice: ConformanceCheck = {
  group: 'handshake', name: 'configure-twice', title: 'a second configure() is refused with INVALID_STATE', timeoutMs: (t) => t.call, needs: ['handshake/configure'],
  async run(state, { step }) {
    step('a second configure()');
    let refused: DriverError | undefined;
    try {
      await state.viaProbe(state.rpc().configure(cacheDirOf(state)), 'a second configure()');
    } catch (error) {
      if (error instanceof CheckFailure) throw error;
      refused = state.calls.remember('a second configure()', error);
    }
    if (!refused) throw new CheckFailure('a second configure() succeeded; configure() is called once per process, and a second call must be refused with INVALID_STATE rather than reconfigure a driver in use (serveDriver() does this)');
    if (refused.code !== 'INVALID_STATE') {
      throw new CheckFailure(`a second configure() was refused with ${describe(refused)}; expected INVALID_STATE`);
    }
  },
};

/** From here on the engine's DriverHost runs the driver: its handshake checks, the sandbox check, configure. */
export const engine: ConformanceCheck = {
  group: 'handshake', name: 'engine', title: 'the engine accepts the driver (DriverHost handshake, configure)', timeoutMs: (t) => t.handshake + t.call,
  needs: ['handshake/protocol', 'handshake/schema'],
  async run(state, { step }) {
    step('the engine\'s handshake');
    try {
      state.handshake = await state.host.handshake();
    } catch (error) {
      throw new CheckFailure(`the engine refused the driver: ${describe(state.calls.remember('the engine\'s handshake', error))}`);
    }
    return `pid ${await state.host.pid()}, ${isolationOf(state.entry)}`;
  },
};
