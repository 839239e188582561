// Where a click on Start in the web shell spends its time (issue 14): one or more click-to-marker
// boots in start-ui.bench's setting, each followed by a bare boot of the same argv, printing
// - a timeline: the click, the start call reaching the engine, the engine's status events, the
//   VM's process appearing (its fork, from /proc, 10 ms ticks), the start call's end, the marker;
// - the CPU each process took from the click to the marker (utime+stime from /proc, children
//   that exited and were waited for included), Chromium's own processes by their --type and the
//   renderer's threads, and the same during the bare boot;
// - how often a watch on the instance folder wakes (the driver, engine and agent each hold one);
// - the page's traffic during the boot (HTTP calls, WebSocket frames) and its main-thread work
//   (CDP Performance.getMetrics: task, script, layout and style time, frames).
// Not a pass/fail bench: a tool for finding what is ours to cut.
//   CORRAL_TRACE_ROUNDS=2 node bench/start-ui-trace.ts
// Options: CORRAL_TRACE_TAB=terminal (click from another tab), CORRAL_TRACE_PROFILE=1 (the page's
// busiest functions), CORRAL_TRACE_CHROME=file (a Chromium trace of the first round),
// CORRAL_TMARK=file (lines 'MS PID TEXT' that temporary marks in the engine or driver appended).
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startServer } from '../src-main/server/server.ts';
import type { RunningServer } from '../src-main/server/server.ts';
import { launchChromium } from '../e2e/ui/browser.ts';
import { bareBoot, killVm, markerIn } from './boot-marker.ts';
import { warmGuestForClicks } from './start-ui-guest.ts';

const rounds = Number(process.env.CORRAL_TRACE_ROUNDS ?? 1);
/** The instance page's tab the click is made on (overview, logs, ...). */
const tab = process.env.CORRAL_TRACE_TAB ?? '';
const profiling = Boolean(process.env.CORRAL_TRACE_PROFILE);
const tickMs = 10; // USER_HZ is 100 on Linux

interface ProcFacts { pid: number; ppid: number; name: string; cpuMs: number; childCpuMs: number; startMs: number }

/** Wall-clock ms at which the machine booted (from /proc/uptime, so within 10 ms). */
async function bootWallMs(): Promise<number> {
  const uptime = Number((await fs.readFile('/proc/uptime', 'utf8')).split(' ')[0]);
  return Date.now() - uptime * 1000;
}

async function procFacts(pid: number, bootMs: number): Promise<ProcFacts | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(fields[i - 3]); // fields counted from 1, the first two before ')'
    // Chromium rewrites its children's argv as one space-separated string.
    const argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split(/[\0 ]/);
    return { pid, ppid: n(4), name: label(argv), cpuMs: (n(14) + n(15)) * tickMs, childCpuMs: (n(16) + n(17)) * tickMs, startMs: bootMs + n(22) * tickMs };
  } catch {
    return undefined; // gone
  }
}

/** A short, stable name for a process of ours. */
function label(argv: string[]): string {
  const [exe = '?', ...rest] = argv;
  const type = rest.find((a) => a.startsWith('--type='))?.slice('--type='.length);
  if (/chrom/.test(exe)) return `chromium ${type ?? 'browser'}${rest.includes('--utility-sub-type=network.mojom.NetworkService') ? ' (network)' : ''}`;
  if (/qemu-system/.test(exe)) return 'qemu (VM)';
  const script = rest.find((a) => /\.(ts|js)$/.test(a));
  if (script) return `node ${path.basename(path.dirname(script))}/${path.basename(script)}`;
  return path.basename(exe);
}

/** This process and every process descended from it, plus `extra` pids (a daemonized VM). */
async function ourProcesses(extra: number[], bootMs: number): Promise<Map<number, ProcFacts>> {
  const all = new Map<number, ProcFacts>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const facts = await procFacts(Number(entry), bootMs);
    if (facts) all.set(facts.pid, facts);
  }
  const ours = new Map<number, ProcFacts>();
  const isOurs = (facts: ProcFacts | undefined, depth = 0): boolean => {
    if (!facts || depth > 20) return false;
    if (facts.pid === process.pid || extra.includes(facts.pid)) return true;
    return isOurs(all.get(facts.ppid), depth + 1);
  };
  for (const facts of all.values()) if (isOurs(facts)) ours.set(facts.pid, facts);
  return ours;
}

/** CPU ms of each thread of `pid`, by thread name (Chromium names its threads). */
async function threadCpu(pid: number): Promise<Map<string, number>> {
  const byName = new Map<string, number>();
  for (const tid of await fs.readdir(`/proc/${pid}/task`).catch(() => [])) {
    const stat = await fs.readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) * tickMs);
  }
  return byName;
}

async function vmPid(dir: string): Promise<number | undefined> {
  const pid = Number((await fs.readFile(path.join(dir, 'qemu.pid'), 'utf8').catch(() => '')).trim());
  return pid > 0 ? pid : undefined;
}

function cpuTable(before: Map<number, ProcFacts>, after: Map<number, ProcFacts>): string[] {
  const byName = new Map<string, number>();
  for (const facts of after.values()) {
    const was = before.get(facts.pid);
    const spent = facts.cpuMs + facts.childCpuMs - (was ? was.cpuMs + was.childCpuMs : 0);
    byName.set(facts.name, (byName.get(facts.name) ?? 0) + spent);
  }
  const ours = [...byName].filter(([name]) => name !== 'qemu (VM)').reduce((sum, [, ms]) => sum + ms, 0);
  return [...[...byName].sort((a, b) => b[1] - a[1]).map(([name, ms]) => `  ${String(ms).padStart(6)} ms  ${name}`), `  ${String(ours).padStart(6)} ms  all of ours but the VM`];
}

interface CpuProfile { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples?: number[]; timeDeltas?: number[] }

/** The page's busiest functions by self time, from a CDP CPU profile. */
function selfTimes(profile: CpuProfile): string[] {
  const byNode = new Map<number, number>();
  (profile.samples ?? []).forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0)));
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url ? `${path.basename(url)}:${lineNumber}` : ''}`;
    byName.set(key, (byName.get(key) ?? 0) + us);
  }
  return [...byName].filter(([name]) => !name.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 15).map(([name, us]) => `  ${(us / 1000).toFixed(1).padStart(7)} ms  ${name}`);
}

export async function run(): Promise<void> {
  const { staticDir, guest, argv } = await warmGuestForClicks('starttrace');
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {

    // Timestamps of the engine's side, in this process.
    const marks: { at: number; what: string }[] = [];
    const mark = (what: string) => marks.push({ at: Date.now(), what });
    const engine = guest.engine;
    const start = engine.start.bind(engine);
    engine.start = async (name) => {
      mark('engine.start() called (API request arrived)');
      try { return await start(name); } finally { mark('engine.start() returned'); }
    };
    engine.events.on((event) => { if (event.type === 'instance-status') mark(`status event ${event.state}`); });

    server = await startServer({ engine, port: 0, staticDir });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const traffic: string[] = [];
    page.on('request', (request) => traffic.push(`${Date.now()} http ${request.method()} ${new URL(request.url()).pathname}`));
    page.on('websocket', (ws) => {
      ws.on('framesent', (frame) => traffic.push(`${Date.now()} ws-> ${String(frame.payload).slice(0, 80)}`));
      ws.on('framereceived', (frame) => traffic.push(`${Date.now()} ws<- ${String(frame.payload).slice(0, 80)}`));
    });
    await page.goto(server.url);
    await page.goto(`http://127.0.0.1:${server.port}/#/instances/${encodeURIComponent(guest.name)}${tab ? `/${tab}` : ''}`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const startButton = page.getByRole('button', { name: `Start ${guest.name}`, exact: true });
    await page.evaluate(() => {
      const page = globalThis as unknown as { corralClickAt?: number; document: { addEventListener(type: string, listener: () => void, capture: boolean): void } };
      page.document.addEventListener('click', () => { page.corralClickAt = performance.timeOrigin + performance.now(); }, true);
    });

    // Playwright's first action on a page injects and compiles its own scripts there (300 to 400 ms
    // of renderer CPU in start-ui-trace, beside the booting VM, which no user's click costs): a
    // trial click (its checks, no click) does that before the first round.
    await startButton.click({ trial: true });
    for (let round = 0; round < rounds; round++) {
      await page.waitForFunction((name) => {
        const button = (globalThis as unknown as { document: { querySelector(s: string): { disabled: boolean } | null } }).document
          .querySelector(`button[aria-label="Start ${name}"]`);
        return button !== null && !button.disabled;
      }, guest.name, { timeout: 30_000 });
      await fs.rm(guest.serialLog, { force: true });
      marks.length = 0;
      traffic.length = 0;
      const marker = markerIn(guest.serialLog);
      // How often a watch on the instance folder wakes during the boot (the driver, the engine and the host agent each hold one).
      let folderEvents = 0;
      const folderWatch = fsSync.watch(guest.dir, () => { folderEvents++; });
      const bootMs = await bootWallMs();
      const metricsBefore = await cdp.send('Performance.getMetrics');
      const before = await ourProcesses([], bootMs);
      const rendererPid = [...before.values()].find((f) => f.name === 'chromium renderer')?.pid;
      const threadsBefore = rendererPid ? await threadCpu(rendererPid) : new Map<string, number>();
      if (profiling) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.start'); }
      // CORRAL_TRACE_CHROME=file: a Chromium trace of the first round (chrome://tracing, Perfetto).
      if (process.env.CORRAL_TRACE_CHROME && round === 0) await browser.startTracing(page, { path: process.env.CORRAL_TRACE_CHROME, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'v8', 'blink', 'cc', 'gpu'] });
      await startButton.click();
      const seen = await marker.seen;
      const markerAt = performance.timeOrigin + seen;
      folderWatch.close();
      const vm = await vmPid(guest.dir);
      const after = await ourProcesses(vm ? [vm] : [], bootMs);
      const threadsAfter = rendererPid ? await threadCpu(rendererPid) : new Map<string, number>();
      const metricsAfter = await cdp.send('Performance.getMetrics');
      if (process.env.CORRAL_TRACE_CHROME && round === 0) await browser.stopTracing();
      const profile = profiling ? (await cdp.send('Profiler.stop')).profile : undefined;
      const clickAt = await page.evaluate(() => (globalThis as unknown as { corralClickAt?: number }).corralClickAt ?? Number.NaN);
      const vmFacts = vm ? after.get(vm) : undefined;
      const agent = [...after.values()].find((f) => f.name.includes('hostagent'));
      if (vmFacts) marks.push({ at: vmFacts.startMs, what: 'VM process forked (QEMU daemonized: set up)' });
      if (agent) marks.push({ at: agent.startMs, what: 'host agent process started' });
      // Finer marks, if the engine and driver were given temporary ones: lines 'MS PID TEXT' appended to CORRAL_TMARK.
      if (process.env.CORRAL_TMARK) {
        for (const line of (await fs.readFile(process.env.CORRAL_TMARK, 'utf8').catch(() => '')).split('\n')) {
          const [at, pid, ...what] = line.split(' ');
          if (Number(at) >= clickAt) marks.push({ at: Number(at), what: `[${pid}] ${what.join(' ')}` });
        }
        await fs.rm(process.env.CORRAL_TMARK, { force: true });
      }
      marks.push({ at: clickAt, what: 'click' }, { at: markerAt, what: 'ready marker in serial.log' });
      marks.sort((a, b) => a.at - b.at);
      const out: string[] = [`round ${round}: click to marker ${(markerAt - clickAt).toFixed(0)} ms`, ' timeline (ms after the click):'];
      for (const m of marks) out.push(`  ${(m.at - clickAt).toFixed(0).padStart(6)}  ${m.what}`);
      out.push(` a watch on the instance folder woke ${folderEvents} times (serial.log is ${(await fs.stat(guest.serialLog)).size} bytes)`);
      out.push(' CPU from the click to the marker:', ...cpuTable(before, after));
      const metric = (list: { metrics: { name: string; value: number }[] }, name: string) => list.metrics.find((m) => m.name === name)?.value ?? 0;
      out.push(' Chromium renderer by thread:', ...[...threadsAfter].map(([name, ms]) => [name, ms - (threadsBefore.get(name) ?? 0)] as const)
        .filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]).map(([name, ms]) => `  ${String(ms).padStart(6)} ms  ${name}`));
      out.push(' page main thread during the boot:');
      for (const name of ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration', 'LayoutCount', 'RecalcStyleCount', 'Frames']) {
        const delta = metric(metricsAfter, name) - metric(metricsBefore, name);
        out.push(`  ${name}: ${name.endsWith('Duration') ? `${(delta * 1000).toFixed(0)} ms` : delta.toFixed(0)}`);
      }
      if (profile) out.push(' page self time by function (CORRAL_TRACE_PROFILE):', ...selfTimes(profile));
      const during = traffic.filter((line) => Number(line.split(' ')[0]) <= markerAt);
      out.push(` page traffic during the boot (${during.length}):`, ...during.map((line) => {
        const [at, ...rest] = line.split(' ');
        return `  ${(Number(at) - clickAt).toFixed(0).padStart(6)} ${rest.join(' ')}`;
      }));
      await guest.engine.stop(guest.name, { force: true }).catch(() => undefined);
      await killVm(guest);
      marker.cancel();
      // The same processes during a bare boot (the page idle on a stopped instance): what a boot costs them anyway.
      const bareBefore = await ourProcesses([], bootMs);
      const bare = await bareBoot(guest, argv);
      const bareAfter = await ourProcesses([], bootMs);
      out.push(` bare boot of the same argv: ${bare.markerMs.toFixed(0)} ms to the marker (set up after ${bare.setUpMs.toFixed(0)} ms); our processes meanwhile (the VM, killed, not counted):`, ...cpuTable(bareBefore, bareAfter));
      process.stdout.write(`${out.join('\n')}\n`);
    }
  } finally {
    await browser?.close();
    await server?.close();
    await guest.dispose();
  }
}

if (import.meta.main) await run();
