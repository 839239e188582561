// `corral ports NAME [--json]`: the instance's port forwards, from its ports.json read against
// live facts (stale ones say why), and the ports that could not be forwarded.
import type { Engine } from '../core/engine.ts';
import type { InstancePorts } from '../core/guest/instance-ports.ts';
import { table } from './format.ts';

export function formatPorts(ports: InstancePorts): string {
  const lines: string[] = [];
  if (ports.forwards.length) {
    lines.push(table(['HOST', 'GUEST', 'PROTO', 'SOURCE'], ports.forwards.map((forward) => [
      forward.hostSocket ?? `${forward.hostIP}:${forward.hostPort}`,
      forward.guestSocket ?? String(forward.guestPort),
      forward.proto,
      forward.source,
    ])));
  } else if (!ports.note) {
    lines.push('No ports forwarded.');
  }
  if (ports.note) lines.push(ports.note);
  for (const problem of ports.problems) lines.push(`problem: ${problem.message}`);
  return lines.join('\n');
}

export async function portsCommand(engine: Engine, name: string, json: boolean): Promise<string> {
  const ports = await engine.ports(name);
  return json ? JSON.stringify(ports, null, 2) : formatPorts(ports);
}
