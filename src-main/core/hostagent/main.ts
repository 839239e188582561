// The host agent's process entry: one detached Node process per running instance (spawn.ts
// starts it right after the driver's start returns). Its one argument is the JSON of
// agentArgsSchema; its output is appended to hostagent.log in the instance folder.
import fs from 'node:fs/promises';
import path from 'node:path';
import { runHostAgent } from './agent.ts';
import { agentArgsSchema } from './args.ts';
import type { AgentArgs } from './args.ts';
import { takeFullCpuShare } from './cpu-share.ts';
import type { SharedConnection } from '../ssh/shared-connection.ts';

const parsed = agentArgsSchema.safeParse((() => {
  try {
    return JSON.parse(process.argv[2] ?? '') as unknown;
  } catch {
    return undefined;
  }
})());
if (!parsed.success) {
  process.stderr.write(`hostagent: bad arguments: ${parsed.error.issues[0]?.message ?? 'not JSON'}\n`);
  process.exit(2);
}
const args = parsed.data;
const log = (line: string): void => { process.stdout.write(`${new Date().toISOString()} ${line}\n`); };
// The engine ends the agent with SIGTERM at stop: it closes its forwards and writes its last status first.
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
log(`following boot ${args.bootId} of ${args.dir} (VM pid ${args.vmPid ?? 'not reported'}, ssh ${args.target.user}@${args.target.host}:${args.target.port})`);
const outcome = await runHostAgent({
  ...args,
  log,
  stop: stop.signal,
  // Once the guest is ready: a full CPU share (cpu-share.ts), then its ports, by the rules in the
  // instance's lima.yaml, until the VM stops.
  afterReady: async (signal, connection) => {
    await takeFullCpuShare();
    await forwardInstancePorts(args, signal, connection);
  },
});
log(`ended: ${outcome}`);

/**
 * Its modules (port forwarding, and the YAML parser and the config's schemas only when the
 * store's record of lima.yaml does not match its text) load only now: the agent starts while the
 * guest boots, and every millisecond of CPU it spends then is taken from the VM.
 */
async function forwardInstancePorts(agent: AgentArgs, signal: AbortSignal, connection: SharedConnection): Promise<void> {
  const [{ forwardPorts }, { instancePortForwardRules }, { readRecordedConfig }, { configFileName }] = await Promise.all([
    import('../guest/port-forwarding.ts'), import('../guest/instance-rules.ts'), import('../instances/config-facts.ts'), import('../instances/folders.ts'),
  ]);
  const file = path.join(agent.dir, configFileName);
  const [text, recorded] = await Promise.all([fs.readFile(file, 'utf8'), readRecordedConfig(agent.dir)]);
  // As the store reads it: the record while it was taken from this very text, else the YAML.
  const config = recorded.configFor(text) ?? (await import('../instances/config.ts')).parseLimaConfig(text, file).config;
  const param = Object.fromEntries(Object.entries(config.param ?? {}).map(([key, value]) => [key, String(value)]));
  const rules = instancePortForwardRules(config, agent.dir, param);
  log(`port forwarding: ${rules.length} rules read; using the agent's SSH connection`);
  await forwardPorts({ target: agent.target, dir: agent.dir, bootId: agent.bootId, rules, signal, log, connection });
}
