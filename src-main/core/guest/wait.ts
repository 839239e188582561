// Waiting for a boot to end (ready, failed, timeout), told of every change on the way: the
// instance folder is watched for the host agent's writes of guest-status.json. Should the agent
// die without a last word, a slow check of its pid ends the wait instead of leaving it hanging.
import fs from 'node:fs';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { runningAgent, agentLogFileName } from '../hostagent/spawn.ts';
import { guestStatusFileName, readGuestStatus } from './status.ts';
import type { GuestStatus } from './status.ts';

const finalPhases: ReadonlySet<GuestStatus['phase']> = new Set(['ready', 'failed', 'timeout']);

export function waitForGuest(dir: string, onChange: (status: GuestStatus) => void): Promise<GuestStatus> {
  return new Promise((resolve, reject) => {
    let last = '';
    let settled = false;
    let chain = Promise.resolve();
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      watcher.close();
      clearInterval(agentCheck);
      fn();
    };
    const check = (): void => {
      chain = chain.then(async () => {
        const status = await readGuestStatus(dir);
        if (!status || settled) return;
        const key = JSON.stringify([status.phase, status.step]);
        if (key !== last) {
          last = key;
          onChange(status);
        }
        if (finalPhases.has(status.phase)) finish(() => resolve(status));
      }).catch((error: unknown) => finish(() => reject(error as Error)));
    };
    const watcher = fs.watch(dir, (_event, file) => { if (file?.toString() === guestStatusFileName) check(); });
    watcher.on('error', (error) => finish(() => reject(error)));
    const agentCheck = setInterval(() => {
      chain = chain.then(async () => {
        if (settled || (await runningAgent(dir))) return;
        const status = await readGuestStatus(dir);
        if (status && finalPhases.has(status.phase)) return check();
        finish(() => reject(new DriverError('INVALID_STATE', `the host agent following the guest's boot has ended without a result; see ${dir}/${agentLogFileName}`, { dir })));
      });
    }, 5000);
    check();
  });
}
