// The host agent's work for one boot of one instance (Lima's hostagent, in part): wait until the
// guest's sshd answers (ssh-port.ts), follow the guest's boot over one SSH connection, keep
// guest-status.json current, and once the guest is ready hand over to what needs a ready guest
// (port forwarding, riding on that same connection: ssh/shared-connection.ts) until the VM
// stops. It ends when the VM stops, when a new start supersedes this boot (boot-id changes),
// when the boot fails, or at the timeout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { SshTarget } from '../ssh/client.ts';
import { MasterState, controlMasterOptions, muxClientOptions } from '../ssh/shared-connection.ts';
import type { SharedConnection } from '../ssh/shared-connection.ts';
import { writeFileAtomic } from '../instances/atomic.ts';
import { applyStatusLine, bootIdFileName, describeStep, guestLogFileName, initialProgress, readBootId, writeGuestStatus } from '../guest/status.ts';
import type { GuestProgress, GuestStatus } from '../guest/status.ts';
import { guestBootLog, guestRunDir, guestStatusFile } from '../cidata/boot-script.ts';
import { sshFailed, sshFollow, sshRun } from './ssh-exec.ts';
import { lookSchedule, sshAnswers } from './ssh-port.ts';
import type { LookSchedule } from './ssh-port.ts';

/** Lima's limit for a guest to become ready. */
export const defaultBootTimeoutMs = 10 * 60_000;

export interface HostAgentOptions {
  dir: string;
  bootId: string;
  /** The VM's process, when its driver reported one: the agent lives no longer than it (else until the boot-id changes or the timeout). */
  vmPid?: number | undefined;
  target: SshTarget;
  timeoutMs: number;
  /** The template's `message`, shown once ready. */
  message?: string | undefined;
  /** The probes' hints, by index, for a probe that never passes. */
  hints?: readonly (string | null | undefined)[] | undefined;
  log(line: string): void;
  /**
   * Called once, when the guest is ready, with a signal aborted when the VM stops or the agent
   * ends, and the agent's SSH connection to ride on; the agent waits for it before it exits.
   * The entry (main.ts) forwards ports here.
   */
  afterReady?: ((signal: AbortSignal, connection: SharedConnection) => Promise<void>) | undefined;
  /** A short private folder for the SSH ControlMaster's socket; without it, one under the temp folder, removed at the end. */
  runtimeDir?: string | undefined;
  /** Aborted to end the agent early, as when the VM stops (the entry ties it to SIGTERM). */
  stop?: AbortSignal | undefined;
  /** Pause between SSH attempts while the guest boots. */
  retryDelayMs?: number | undefined;
  /** How the SSH port is looked at before the first login (ssh-port.ts). */
  lookSchedule?: LookSchedule | undefined;
}

export type AgentOutcome = 'stopped' | 'superseded' | 'failed' | 'timeout';

/** Written first thing at each connection, so the agent knows SSH let it in even before the status file exists. */
const connectedMark = 'corral-connected';
const followCommand = `echo ${connectedMark}; exec tail -n +1 -F ${guestStatusFile} 2>/dev/null`;
const lastLineCount = 20;

/** The options, and the follow connection's master state, which the others ride on. */
interface Agent extends HostAgentOptions {
  master: MasterState;
}

export async function runHostAgent(given: HostAgentOptions): Promise<AgentOutcome> {
  // The after-ready work (port forwarding) is awaited at the end, so it can close what it opened.
  const { afterReady } = given;
  let afterReadyWork: Promise<void> | undefined;
  const controlDir = given.runtimeDir ?? await fs.promises.mkdtemp(path.join(os.tmpdir(), 'corral-ssh-'));
  const options: Agent = {
    ...given,
    master: new MasterState(path.join(controlDir, 'ssh-mux')),
    ...(afterReady ? { afterReady: (signal, connection) => (afterReadyWork = afterReady(signal, connection)) } : {}),
  };
  const life = new AbortController();
  const stopWatching = watchLife(options, life);
  options.stop?.addEventListener('abort', () => life.abort(), { once: true });
  const bootTimer = new AbortController();
  const timer = setTimeout(() => bootTimer.abort(), options.timeoutMs);
  const writer = statusWriter(options, life);
  try {
    return await follow(options, life.signal, bootTimer.signal, writer);
  } finally {
    clearTimeout(timer);
    stopWatching();
    life.abort();
    await afterReadyWork?.catch(() => undefined);
    // A master that was killed leaves its socket file behind.
    if (given.runtimeDir) await fs.promises.rm(options.master.controlPath, { force: true });
    else await fs.promises.rm(controlDir, { recursive: true, force: true });
  }
}

/** What the agent's steps publish; the writer adds the boot, the time and whether SSH has answered. */
type AgentStatus = Omit<GuestStatus, 'bootId' | 'updatedAt' | 'sshSince'>;
type Publish = (status: AgentStatus) => Promise<void>;

interface StatusWriter {
  publish: Publish;
  /** Records, once per boot, that SSH let the agent in: the Terminal tab opens shells from then on. */
  sshAnswered(): Promise<void>;
}

/** Writes a status when it differs from the last one, and only while this boot is the instance's current one. */
function statusWriter(options: HostAgentOptions, life: AbortController): StatusWriter {
  let current: AgentStatus = { phase: 'booting' }; // the engine wrote that before starting the agent
  let sshSince: string | undefined;
  let last = JSON.stringify(current);
  const write = async (): Promise<void> => {
    const status = sshSince === undefined ? current : { ...current, sshSince };
    const key = JSON.stringify(status);
    if (key === last) return;
    if ((await readBootId(options.dir)) !== options.bootId) {
      life.abort();
      return;
    }
    last = key;
    await writeGuestStatus(options.dir, { bootId: options.bootId, ...status, updatedAt: new Date().toISOString() });
    options.log(`status: ${key}`);
  };
  return {
    async publish(status) {
      current = status;
      await write();
    },
    async sshAnswered() {
      if (sshSince !== undefined) return;
      sshSince = new Date().toISOString();
      await write();
    },
  };
}

async function follow(options: Agent, life: AbortSignal, bootTimeout: AbortSignal, { publish, sshAnswered }: StatusWriter): Promise<AgentOutcome> {
  let ready = false;
  let loggedIn = false;
  let lastProblem = '';
  const schedule = options.lookSchedule ?? lookSchedule;
  const waiting = AbortSignal.any([life, bootTimeout]);
  await delay(schedule.firstLookMs, undefined, { signal: waiting }).catch(() => undefined);
  while (!life.aborted) {
    if (!ready && bootTimeout.aborted) return timedOut(options, life, publish, { loggedIn, lastProblem, progress: undefined });
    // Until ssh has let it in once, the agent logs in only when the guest's sshd answers.
    if (!loggedIn && !(await sshAnswers(options.target, waiting, (problem) => (lastProblem = problem), schedule))) continue;
    let progress: GuestProgress = initialProgress;
    let ended: AgentOutcome | undefined;
    const connection = new AbortController();
    // The boot's time limit ends a connection only while the guest is not ready: once it is,
    // this connection carries the forwards.
    const onBootTimeout = (): void => { if (!ready) connection.abort(); };
    bootTimeout.addEventListener('abort', onBootTimeout, { once: true });
    if (bootTimeout.aborted) onBootTimeout();
    let work = Promise.resolve();
    let masterEnded: (() => void) | undefined;
    // A master that was killed leaves its socket; a new one finding it would run without one.
    await fs.promises.rm(options.master.controlPath, { force: true });
    const master = controlMasterOptions(options.master.controlPath);
    const exited = await sshFollow(options.target, followCommand, AbortSignal.any([life, connection.signal]), (line) => {
      if (line === connectedMark) {
        loggedIn = true;
        // ssh listens on its control socket before it opens the session that printed this.
        masterEnded ??= options.master.up();
        work = work.then(sshAnswered); // in line with the status writes, so none overwrites it
        return;
      }
      const next = applyStatusLine(progress, line);
      if (next === progress) return;
      progress = next;
      // One line at a time, in order: a status written late must not overwrite a newer one.
      work = work.then(async () => {
        if (next.phase === 'failed') {
          await publish(await failedStatus(options, life, next));
          ended = 'failed';
          connection.abort();
        } else if (next.phase === 'done') {
          await publish({ phase: 'ready', ...(options.message ? { message: options.message } : {}) });
          if (!ready) startAfterReady(options, life);
          ready = true;
          void copyGuestLog(options, life);
        } else if (!ready) {
          await publish({ phase: next.phase, ...(next.step ? { step: next.step } : {}) });
        }
      });
    }, master);
    masterEnded?.();
    bootTimeout.removeEventListener('abort', onBootTimeout);
    await work;
    if (ended) return ended;
    if (!ready && bootTimeout.aborted && !life.aborted) return timedOut(options, life, publish, { loggedIn, lastProblem, progress });
    if (exited.code === sshFailed) lastProblem = exited.stderr.trim().split('\n').pop() ?? '';
    await delay(options.retryDelayMs ?? 2000, undefined, { signal: life }).catch(() => undefined);
  }
  if ((await readBootId(options.dir)) !== options.bootId) return 'superseded';
  // Whoever waits for this boot learns that it ended (the VM's state says the rest).
  if (!ready) await publish({ phase: 'failed', message: 'the VM stopped before the guest was ready' });
  return 'stopped';
}

function startAfterReady(options: Agent, life: AbortSignal): void {
  if (!options.afterReady) return;
  options.afterReady(life, options.master).catch((error: unknown) => options.log(`after ready: ${(error as Error).message}`));
}

async function failedStatus(options: Agent, life: AbortSignal, progress: GuestProgress): Promise<AgentStatus> {
  const script = progress.failure?.script ?? 'corral-boot.sh';
  const exitStatus = progress.failure?.exitStatus ?? 1;
  // The name came from the guest: only a name the boot script makes reaches a command line.
  const output = /^[a-z0-9-]+$/.test(script) ? await sshRun(options.target, `tail -n ${lastLineCount} ${guestRunDir}/${script}.log`, life, onTheMaster(options)) : undefined;
  await copyGuestLog(options, life);
  const lastLines = output?.code === 0 ? output.stdout.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1) : [];
  return { phase: 'failed', failure: { script: describeStep(script), exitStatus, lastLines } };
}

async function timedOut(options: Agent, life: AbortSignal, publish: Publish, seen: { loggedIn: boolean; lastProblem: string; progress: GuestProgress | undefined }): Promise<AgentOutcome> {
  const minutes = Math.round(options.timeoutMs / 6000) / 10;
  const { target } = options;
  let message: string;
  if (!seen.loggedIn) {
    message = `no SSH login to ${target.user}@${target.host}:${target.port} within ${minutes} min (${seen.lastProblem || 'no answer'}): the guest may have no sshd or no network; its console output is in serial.log`;
  } else if (!seen.progress || seen.progress.phase === 'booting') {
    message = `SSH answers, but Corral's boot script did not report within ${minutes} min: the guest may lack cloud-init, or it is still booting; see serial.log`;
  } else {
    const step = seen.progress.step;
    const where = step ? `${describeStep(step.name)}, step ${step.index}/${step.total}` : seen.progress.phase;
    const probe = step && /^probe-(\d+)$/.exec(step.name);
    const hint = probe ? options.hints?.[Number(probe[1])] : undefined;
    message = `not ready within ${minutes} min: still at ${where}${seen.progress.phase === 'probing' ? ' (the probe has not passed)' : ''}${hint ? `; hint: ${hint}` : ''}`;
    await copyGuestLog(options, life);
  }
  await publish({ phase: 'timeout', ...(seen.progress?.step ? { step: seen.progress.step } : {}), message });
  return 'timeout';
}

/** The guest's whole boot log, into the instance folder (owner-only: scripts may print secrets). */
async function copyGuestLog(options: Agent, life: AbortSignal): Promise<void> {
  const result = await sshRun(options.target, `sudo -n cat ${guestBootLog}`, life, onTheMaster(options));
  if (result.code === 0) await writeFileAtomic(path.join(options.dir, guestLogFileName), result.stdout, 0o600).catch(() => undefined);
  else options.log(`could not copy ${guestBootLog}: ${result.stderr.trim()}`);
}

/** A short command rides on the follow's connection when it is up, else logs in by itself. */
function onTheMaster(options: Agent): string[] {
  return muxClientOptions(options.master.controlPath, { masterOnly: false });
}

/**
 * Aborts `life` when the VM's process is gone or a new start wrote another boot-id. The VM is
 * not our child, and Node has no event for a stranger's exit: its pid is checked every second.
 */
function watchLife(options: HostAgentOptions, life: AbortController): () => void {
  const vmGone = (): boolean => {
    if (options.vmPid === undefined) return false;
    try {
      process.kill(options.vmPid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };
  const timer = setInterval(() => { if (vmGone()) life.abort(); }, 1000);
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(options.dir, (_event, file) => {
      if (file?.toString() !== bootIdFileName) return;
      void readBootId(options.dir).then((id) => { if (id !== options.bootId) life.abort(); });
    });
    watcher.on('error', () => life.abort()); // the folder went: the instance was deleted
  } catch {
    life.abort();
  }
  if (vmGone()) life.abort();
  return () => {
    clearInterval(timer);
    watcher?.close();
  };
}
