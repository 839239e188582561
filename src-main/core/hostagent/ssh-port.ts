// When the guest's sshd answers, found without starting ssh. A booting guest's SSH port is
// QEMU's forward, which accepts every connection whether or not the guest can answer: until the
// guest's network is up nothing comes back, and each connection held open meanwhile makes the
// QEMU driver run `ss` for its network figures every second, beside the booting VM. Hanging up
// does not end that: QEMU keeps its side of a connection the guest never answered (CLOSE-WAIT)
// until its own connect to the guest gives up, a minute or more later (seen here). So the agent
// first lets the guest boot for a few seconds (no guest answers SSH sooner), then looks at the
// port in-process, no ssh process started, until the server speaks first (an SSH server sends
// its version line on connect), and only then logs in with ssh.
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { SshTarget } from '../ssh/client.ts';

/** What one look found: the server spoke, the guest closed the connection (its network is up, no sshd yet), or silence. */
export type Look = { found: 'answers' } | { found: 'closed' | 'silent'; problem: string };

/** Connects to the port and waits up to `waitMs` for the server's first bytes; always hangs up. */
export function lookAtSshPort(target: Pick<SshTarget, 'host' | 'port'>, waitMs: number, signal: AbortSignal): Promise<Look> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const done = (look: Look): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', aborted);
      socket.destroy();
      resolve(look);
    };
    const silent = (): void => done({ found: 'silent', problem: 'nothing answered' });
    const aborted = (): void => silent();
    const timer = setTimeout(silent, waitMs);
    signal.addEventListener('abort', aborted, { once: true });
    socket.once('data', () => done({ found: 'answers' }));
    socket.once('end', () => done({ found: 'closed', problem: 'the guest closed the connection' }));
    // Refused: nothing listens on the host side (QEMU not forwarding yet), which says nothing of the guest.
    socket.once('error', (error: NodeJS.ErrnoException) => done({ found: error.code === 'ECONNREFUSED' ? 'silent' : 'closed', problem: error.message }));
  });
}

export interface LookSchedule {
  /** How long after the agent's start it first looks. */
  firstLookMs: number;
  /** Pause between looks. */
  pauseMs: number;
  /** The first look's wait; it doubles after each silent one, up to `longestWaitMs`. */
  firstWaitMs: number;
  longestWaitMs: number;
  /** The wait once the guest has closed a connection: its network is up, and sshd, once it listens, may take a while to speak under emulation. */
  upWaitMs: number;
}

// A cloud image reaches sshd after cloud-init's first stages: 30 s to 3 min under emulation here,
// several seconds with KVM; Lima tries every 3 s.
// A silent look grows to the up-wait too: an sshd that listens as soon as the guest's network is
// up may take seconds to send its first line on a guest busy with its first boot.
export const lookSchedule: LookSchedule = { firstLookMs: 3000, pauseMs: 1000, firstWaitMs: 250, longestWaitMs: 10_000, upWaitMs: 10_000 };

/**
 * Resolves true once the guest's sshd answers, false if `signal` ends the wait first. Looks
 * stay short while nothing comes back (a guest whose network is down), growing so that an sshd
 * that listens as soon as the network is up but speaks slowly is still met. Looks are 1 s apart,
 * which bounds how late the guest is seen once its sshd starts listening and speaking.
 */
export async function sshAnswers(target: Pick<SshTarget, 'host' | 'port'>, signal: AbortSignal, onProblem: (problem: string) => void, schedule: LookSchedule = lookSchedule): Promise<boolean> {
  let waitMs = schedule.firstWaitMs;
  while (!signal.aborted) {
    const look = await lookAtSshPort(target, waitMs, signal);
    if (look.found === 'answers') return true;
    if (signal.aborted) break;
    onProblem(look.problem);
    waitMs = look.found === 'closed' ? schedule.upWaitMs : Math.min(waitMs * 2, Math.max(schedule.longestWaitMs, waitMs));
    // Short pauses even after long silent looks: once a look has been made, QEMU holds its side of
    // it for a minute anyway (CLOSE-WAIT), so a shorter hold would spare the driver nothing.
    await delay(schedule.pauseMs, undefined, { signal }).catch(() => undefined);
  }
  return false;
}
