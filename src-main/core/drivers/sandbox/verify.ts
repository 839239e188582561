// Checks from outside that a driver really runs sandboxed, without taking its word for it:
// the Node process under bwrap has no_new_privs set, lives in its own mount namespace (and
// its own network namespace when it may not use the network), and was started with
// --permission. Read from /proc, which the driver cannot write.
import fs from 'node:fs/promises';

async function children(pid: number): Promise<number[]> {
  const tasks = await fs.readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const found: number[] = [];
  for (const task of tasks) {
    const text = await fs.readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    found.push(...text.split(/\s+/).filter(Boolean).map(Number));
  }
  return found;
}

async function descendants(pid: number): Promise<number[]> {
  const all: number[] = [];
  for (let queue = await children(pid); queue.length > 0;) {
    const next = queue.shift() as number;
    all.push(next);
    queue = queue.concat(await children(next));
  }
  return all;
}

const namespace = (pid: number | 'self', kind: 'mnt' | 'net') => fs.readlink(`/proc/${pid}/ns/${kind}`);

export interface VerifyExpectations {
  node: string;
  network: boolean;
}

/** Resolves with the sandboxed Node's pid, or rejects naming the check that failed. */
export async function verifySandbox(bwrapPid: number, expect: VerifyExpectations): Promise<number> {
  const candidates: number[] = [];
  for (const pid of await descendants(bwrapPid)) {
    const exe = await fs.readlink(`/proc/${pid}/exe`).catch(() => '');
    if (exe === expect.node) candidates.push(pid);
  }
  if (candidates.length !== 1) throw new Error(`expected one Node process under bwrap (pid ${bwrapPid}), found ${candidates.length}`);
  const pid = candidates[0] as number;
  await checkConfined(pid, expect.network);
  return pid;
}

/** The checks on one process; exported so a test can show them failing on a plain one. */
export async function checkConfined(pid: number, network: boolean): Promise<void> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  if (!/^NoNewPrivs:\s*1$/m.test(status)) throw new Error(`driver process ${pid} may gain privileges (NoNewPrivs is not set)`);
  if (!/^CapEff:\s*0+$/m.test(status)) throw new Error(`driver process ${pid} holds capabilities (${/^CapEff:.*$/m.exec(status)?.[0]})`);
  if (await namespace(pid, 'mnt') === await namespace('self', 'mnt')) throw new Error(`driver process ${pid} shares the engine's mount namespace`);
  if (!network && await namespace(pid, 'net') === await namespace('self', 'net')) throw new Error(`driver process ${pid} shares the engine's network`);
  const argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  if (!argv.includes('--permission')) throw new Error(`driver process ${pid} runs without Node's --permission`);
}
