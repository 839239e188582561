// The host agent's process entry: one detached Node process per running instance (spawn.ts
// starts it right after the driver's start returns). Its one argument is the JSON of
// agentArgsSchema; its output is appended to hostagent.log in the instance folder.
import { runHostAgent } from './agent.ts';
import { agentArgsSchema } from './args.ts';

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
log(`following boot ${args.bootId} of ${args.dir} (VM pid ${args.vmPid}, ssh ${args.target.user}@${args.target.host}:${args.target.port})`);
const outcome = await runHostAgent({
  ...args,
  log,
  // MERGE(PORTS): afterReady: (signal) => forwardPorts({ target: args.target, dir: args.dir, rules, signal, log }),
  // with `rules` the instance's portForwards read from its lima.yaml.
});
log(`ended: ${outcome}`);
