// Port forwarding on the real Debian cloud guest: booted ONCE with the CLI from a template with
// portForwards; once the guest is ready its host agent forwards over the guest's SSH, and every
// check runs against that one boot, in order: a static rule, a port a guest program opens later
// and closes again, a host port already taken, a guest socket, UDP (a static udp rule and a UDP
// port opened later), everything back after the SSH connection is killed, and all of it gone at stop.
// Waits are for ports.json to change or for the guest to report, never timed sleeps.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { portsFileName, readPortsFile } from '../src-main/core/guest/ports-file.ts';
import type { PortsFile } from '../src-main/core/guest/ports-file.ts';
import { freeLoopbackPort } from '../src-main/core/ssh/guest-endpoint.ts';
import { readyToFirstForwardMs } from './support/agent-log.ts';
import { childrenOf, runToEnd } from './support/processes.ts';
import type { RunResult } from './support/processes.ts';
import { startServe } from './support/serve.ts';
import type { ServeProcess } from './support/serve.ts';
import { repoRoot, tempDir } from './support/temp.ts';
import { launchChromium } from './ui/browser.ts';
import { ensureRendererBuilt } from './ui/renderer-build.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
const resultsDir = path.join(repoRoot, 'test-results');
const run = promisify(execFile);
const name = 'ports';
/** Lima's rule, run as root here: the fixed default user. */
const guestUser = process.getuid?.() === 0 ? 'lima' : String(process.env.USER);
/** How long a change in the guest may take to reach ports.json (the loop polls each second; TCG is slow). */
const changeDeadlineMs = 90_000;

type Result = RunResult;
const exec = (file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Result> => runToEnd(file, args, { env });

/** Resolves once ports.json satisfies `test`, re-read at each change of the instance folder. */
async function waitForPorts(dir: string, what: string, test: (ports: PortsFile) => boolean): Promise<PortsFile> {
  const changes = fsp.watch(dir, { signal: AbortSignal.timeout(changeDeadlineMs) });
  let last: PortsFile | undefined;
  try {
    const check = async (): Promise<boolean> => {
      last = await readPortsFile(dir).catch(() => undefined);
      return last !== undefined && test(last);
    };
    if (await check()) return last as PortsFile;
    for await (const change of changes) {
      if (change.filename === portsFileName && await check()) return last as PortsFile;
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  }
  assert.fail(`ports.json never showed ${what} within ${changeDeadlineMs / 1000} s; last: ${JSON.stringify(last)}`);
}

async function httpGet(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(30_000) });
  assert.equal(response.status, 200);
  return response.text();
}

/** Sends `text` to UDP 127.0.0.1:port from a fresh socket and resolves with the answer. */
async function udpAsk(port: number, text: string): Promise<string> {
  const client = dgram.createSocket('udp4');
  try {
    const answer = once(client, 'message', { signal: AbortSignal.timeout(60_000) });
    client.send(text, port, '127.0.0.1');
    const [payload] = await answer as [Buffer];
    return payload.toString();
  } finally {
    client.close();
  }
}

/** A UDP echo server in the guest, as a guest program: answers `echo:` and what it got. */
const udpEchoScript = (port: number): string => `(nohup python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", ${port}))
while True:
    data, peer = s.recvfrom(65535); s.sendto(b"echo:" + data, peer)' >/dev/null 2>&1 &)`;

function argsOf(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** The host agent's ssh ControlMaster process (its child with ControlMaster=yes): the connection that followed the boot. */
function sshMasterOf(agentPid: number): number | undefined {
  return childrenOf(agentPid).find((pid) => argsOf(pid).includes('ControlMaster=yes'));
}

/** The host agent's ssh processes that hold a connection of their own (not sessions on the master). */
function sshLoginsOf(agentPid: number): number[] {
  return childrenOf(agentPid).filter((pid) => {
    const args = argsOf(pid);
    return args[0] === 'ssh' && !args.includes('ControlMaster=no');
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port of the host. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

describe('port forwarding on a real Debian cloud guest', () => {
  let root: string;
  let home: string;
  let dir: string;
  let staticHostPort: number;
  let laterPort: number;
  let takenPort: number;
  let udpHostPort: number;
  let udpLaterPort: number;
  let taken: net.Server | undefined;
  let serve: ServeProcess | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, CORRAL_CACHE: path.join(root, 'cache') });
  const corral = (args: string[]): Promise<Result> => exec(process.execPath, [bin, '--home', home, ...args], env());
  async function ok(args: string[]): Promise<string> {
    const result = await corral(args);
    assert.equal(result.code, 0, `corral ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  }
  const inGuest = (script: string): Promise<string> => ok(['shell', name, '--', 'sh', '-c', script]);
  /** An HTTP server in the guest answering `hello-PORT`, started in the background; resolves once it listens. */
  async function guestServer(port: number, options: { bind: string; sudo?: boolean }): Promise<void> {
    const sudo = options.sudo ? 'sudo -n ' : '';
    const www = `/tmp/www-${port}`;
    await inGuest([
      `mkdir -p ${www} && echo hello-${port} > ${www}/index.html`,
      `(${sudo}nohup python3 -m http.server ${port} --bind ${options.bind} --directory ${www} >/dev/null 2>&1 &)`,
      // Bounded wait, inside the guest, for the socket to listen.
      `timeout 60 sh -c 'until ss -Hltn "sport = :${port}" | grep -q .; do sleep 0.2; done'`,
    ].join('; '));
  }

  before(async () => {
    const { stdout } = await run('bash', [path.join(repoRoot, 'e2e/fixtures/debian-guest/build.sh')], { maxBuffer: 16 * 1024 ** 2 });
    root = await tempDir('corral-ports-');
    home = path.join(root, 'home');
    dir = path.join(home, 'instances', name);
    staticHostPort = await freeLoopbackPort();
    laterPort = await freeLoopbackPort();
    takenPort = await freeLoopbackPort();
    udpHostPort = await freeLoopbackPort();
    udpLaterPort = await freeLoopbackPort();
    const template = path.join(root, 'ports.yaml');
    await fsp.writeFile(template, [
      `base: ${JSON.stringify(path.join(stdout.trim(), 'guest.yaml'))}`,
      'portForwards:',
      `- guestPort: 80`,
      `  hostPort: ${staticHostPort}`,
      '- guestSocket: "/tmp/corral-{{.User}}.sock"',
      '  hostSocket: guest.sock',
      '- guestPort: 5353',
      `  hostPort: ${udpHostPort}`,
      '  proto: udp',
      '',
    ].join('\n'));
    assert.match(await ok(['create', name, '--template', template]), /Created ports/);
  });

  after(async () => {
    await browser?.close();
    if (serve) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await new Promise((resolve) => (taken ? taken.close(resolve) : resolve(undefined)));
    if (home) await corral(['delete', '--force', name]);
    if (root) await fsp.rm(root, { recursive: true, force: true });
  });

  it('refuses a bad rule at create, naming the field, and creates nothing', async () => {
    const bad = path.join(root, 'bad.yaml');
    await fsp.writeFile(bad, `base: ${JSON.stringify(path.join(root, 'ports.yaml'))}\nportForwards:\n- guestPortRange: [4000, 4009]\n  hostPortRange: [5000, 5001]\n`);
    const refused = await corral(['create', 'bad', '--template', bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /field "portForwards\[0\]\.hostPortRange": must hold as many ports as guestPortRange \(10\), not 2/);
    assert.deepEqual((JSON.parse(await ok(['list', '--json'])) as { name: string }[]).map((i) => i.name), [name]);
  });

  it('boots and is ready (`corral start` waits for it)', async () => {
    await ok(['start', name]);
  });

  it('forwards the static rules once the guest is ready: guest port 80 reaches a server started afterwards', async (t) => {
    const ports = await waitForPorts(dir, 'the static forwards', (p) => p.forwards.filter((f) => f.source === 'static').length === 3);
    const waited = readyToFirstForwardMs(await fsp.readFile(path.join(dir, 'hostagent.log'), 'utf8'));
    t.diagnostic(`ready -> first forward: ${waited === undefined ? 'not in hostagent.log' : `${(waited / 1000).toFixed(2)} s`} (load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
    const agent = JSON.parse(await fsp.readFile(path.join(dir, 'hostagent.pid'), 'utf8')) as { pid: number };
    assert.equal(ports.pid, agent.pid, 'the instance\'s host agent forwards');
    assert.deepEqual(ports.forwards.find((f) => f.guestPort === 80), { guestPort: 80, hostIP: '127.0.0.1', hostPort: staticHostPort, proto: 'tcp', source: 'static' });
    assert.deepEqual(ports.problems, []);
    await guestServer(80, { bind: '0.0.0.0', sudo: true });
    assert.equal(await httpGet(staticHostPort), 'hello-80\n');
  });

  it('forwards a port a guest program opens later to the same port on 127.0.0.1, listed by `corral ports`', async () => {
    assert.equal(await answers(laterPort), false);
    await guestServer(laterPort, { bind: '127.0.0.1' });
    await waitForPorts(dir, `guest port ${laterPort}`, (p) => p.forwards.some((f) => f.guestPort === laterPort));
    assert.equal(await httpGet(laterPort), `hello-${laterPort}\n`);
    const listed = JSON.parse(await ok(['ports', name, '--json'])) as { live: boolean; forwards: { guestPort: number; hostPort: number; source: string }[] };
    assert.equal(listed.live, true);
    assert.deepEqual(listed.forwards.find((f) => f.guestPort === laterPort), { guestPort: laterPort, hostIP: '127.0.0.1', hostPort: laterPort, proto: 'tcp', source: 'discovered' });
    assert.match(await ok(['ports', name]), new RegExp(`^127\\.0\\.0\\.1:${laterPort} +${laterPort} +tcp +discovered$`, 'm'));
  });

  it('the instance page lists the forwards, each TCP one as an http link that opens the guest\'s page', async () => {
    await ensureRendererBuilt();
    serve = await startServe({ ...env(), CORRAL_HOME: home });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(serve.url.href);
    await page.getByRole('link', { name, exact: true }).click();
    const table = page.getByTestId('ports');
    const link = table.getByTestId(`port-link-${laterPort}`);
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `http://127.0.0.1:${laterPort}/`);
    assert.match(await table.innerText(), new RegExp(`http://127\\.0\\.0\\.1:${staticHostPort}/\\s+port 80\\s+template rule`));
    assert.match(await table.innerText(), /sock\/guest\.sock\s+\/tmp\/corral-.*\.sock\s+template rule/);
    const [opened] = await Promise.all([page.waitForEvent('popup'), link.click()]);
    await opened.waitForLoadState();
    assert.equal((await opened.textContent('body'))?.trim(), `hello-${laterPort}`);
    await opened.close();
    await fsp.mkdir(resultsDir, { recursive: true });
    await page.getByRole('heading', { name: 'Ports', exact: true }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir, 'ports-light.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 900 });
    await page.screenshot({ path: path.join(resultsDir, 'ports-dark-390.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('removes that forward when the guest program closes the port', async () => {
    // [h]: the pattern does not match this shell's own command line.
    await inGuest(`pkill -f "[h]ttp.server ${laterPort}"`);
    await waitForPorts(dir, `guest port ${laterPort} gone`, (p) => !p.forwards.some((f) => f.guestPort === laterPort));
    assert.equal(await answers(laterPort), false, 'nothing listens on the host port any more');
    assert.doesNotMatch(await ok(['ports', name]), new RegExp(`:${laterPort} `));
    // The engine pushes the changed list to the page: the link goes.
    await page?.getByTestId(`port-link-${laterPort}`).waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('reports a host port already taken, while the VM and the other forwards keep working', async () => {
    taken = net.createServer();
    await new Promise<void>((resolve) => taken?.listen({ host: '127.0.0.1', port: takenPort, exclusive: true }, resolve));
    await guestServer(takenPort, { bind: '0.0.0.0' });
    const ports = await waitForPorts(dir, `a problem for guest port ${takenPort}`, (p) => p.problems.some((problem) => problem.guestPort === takenPort));
    assert.match(ports.problems.find((p) => p.guestPort === takenPort)?.message ?? '', new RegExp(`host port ${takenPort} on 127\\.0\\.0\\.1 is in use by another program; free it, or add a portForwards rule with guestPort: ${takenPort} and another hostPort`));
    assert.ok(!ports.forwards.some((f) => f.guestPort === takenPort));
    await page?.getByRole('list', { name: 'Ports not forwarded' }).getByText(`host port ${takenPort} on 127.0.0.1 is in use`, { exact: false }).waitFor({ timeout: 30_000 });
    await page?.screenshot({ path: path.join(resultsDir, 'ports-problem-390.png'), fullPage: true });
    assert.match(await ok(['ports', name]), new RegExp(`^problem: 127\\.0\\.0\\.1:${takenPort} -> guest port ${takenPort} not forwarded: host port ${takenPort} on 127\\.0\\.0\\.1 is in use`, 'm'));
    assert.equal(await httpGet(staticHostPort), 'hello-80\n');
    const [instance] = JSON.parse(await ok(['list', '--json'])) as { state: string }[];
    assert.equal(instance?.state, 'Running');
  });

  it('forwards a guest unix socket to a host socket in the instance folder', async () => {
    const guestSocket = `/tmp/corral-${guestUser}.sock`;
    await inGuest([
      `(nohup python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("${guestSocket}"); s.listen()
while True:
    c, _ = s.accept(); c.sendall(b"hello over a socket\\n"); c.close()' >/dev/null 2>&1 &)`,
      `timeout 60 sh -c 'until [ -S ${guestSocket} ]; do sleep 0.2; done'`,
    ].join('; '));
    const hostSocket = path.join(dir, 'sock', 'guest.sock');
    const forward = (await readPortsFile(dir))?.forwards.find((f) => f.guestSocket);
    assert.deepEqual(forward, { guestPort: 0, hostIP: '127.0.0.1', hostPort: 0, proto: 'tcp', source: 'static', guestSocket, hostSocket });
    const text = await new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = net.connect(hostSocket);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.once('end', () => resolve(received));
      socket.once('error', reject);
    });
    assert.equal(text, 'hello over a socket\n');
  });

  it('forwards UDP: a static udp rule, and a UDP port a guest program opens later, through the guest\'s relay', async () => {
    const ports = await readPortsFile(dir);
    assert.deepEqual(ports?.forwards.find((f) => f.proto === 'udp'), { guestPort: 5353, hostIP: '127.0.0.1', hostPort: udpHostPort, proto: 'udp', source: 'static' });
    await inGuest([
      udpEchoScript(5353), udpEchoScript(udpLaterPort),
      `timeout 60 sh -c 'until ss -Hlun "sport = :${udpLaterPort}" | grep -q . && ss -Hlun "sport = :5353" | grep -q .; do sleep 0.2; done'`,
    ].join('; '));
    assert.equal(await udpAsk(udpHostPort, 'to the static rule'), 'echo:to the static rule');
    await waitForPorts(dir, `UDP guest port ${udpLaterPort}`, (p) => p.forwards.some((f) => f.proto === 'udp' && f.guestPort === udpLaterPort));
    assert.equal(await udpAsk(udpLaterPort, 'to a port opened later'), 'echo:to a port opened later');
    const answers = await Promise.all(['one', 'two', 'three'].map((text) => udpAsk(udpHostPort, text)));
    assert.deepEqual(answers, ['echo:one', 'echo:two', 'echo:three'], 'each client gets its own answer');
    assert.match(await ok(['ports', name]), new RegExp(`^127\\.0\\.0\\.1:${udpLaterPort} +${udpLaterPort} +udp +discovered$`, 'm'));
    await page?.getByTestId('ports').getByText(`UDP port ${udpLaterPort}`).waitFor({ timeout: 30_000 });
  });

  it('comes back by itself after its SSH connection is killed: TCP, UDP and socket forwards answer again', async () => {
    const agent = JSON.parse(await fsp.readFile(path.join(dir, 'hostagent.pid'), 'utf8')) as { pid: number };
    const master = sshMasterOf(agent.pid);
    assert.ok(master, 'the host agent holds an ssh ControlMaster');
    const before = (await readPortsFile(dir))?.forwards.length ?? 0;
    const killedAt = Date.now();
    process.kill(master, 'SIGKILL');
    // Anything written after the kill with every forward listed is the new connection's work:
    // the end of the old one is recorded with none.
    await waitForPorts(dir, 'the forwards back after the SSH connection was killed', (p) => Date.parse(p.updatedAt) > killedAt && p.forwards.length === before);
    const again = sshMasterOf(agent.pid);
    assert.ok(again !== undefined && again !== master, 'a new ControlMaster');
    assert.deepEqual(sshLoginsOf(agent.pid), [again], 'one SSH connection: the forwards and the discovery loop ride on the agent\'s');
    assert.equal(await httpGet(staticHostPort), 'hello-80\n');
    assert.equal(await udpAsk(udpHostPort, 'after the reconnect'), 'echo:after the reconnect');
    assert.equal(await udpAsk(udpLaterPort, 'later port, reconnected'), 'echo:later port, reconnected');
    assert.match(await fsp.readFile(path.join(dir, 'hostagent.log'), 'utf8'), /port forwarding: the SSH connection ended .*; the forwards return when the host agent has reconnected/);
  });

  it('stops: every forward closed, its socket file removed, ports.json empty; then deletes', async () => {
    await ok(['stop', name]);
    assert.equal(await ok(['ports', name]), `Instance "${name}" is Stopped: nothing is forwarded.\n`);
    // The stop ends the agent, which closes what it forwarded first: all done when stop returns.
    assert.deepEqual((await readPortsFile(dir))?.forwards, []);
    assert.equal(await answers(staticHostPort), false);
    await new Promise<void>((resolve, reject) => { // the UDP host port is free again
      const probe = dgram.createSocket('udp4');
      probe.once('error', reject);
      probe.bind({ address: '127.0.0.1', port: udpHostPort, exclusive: true }, () => probe.close(() => resolve()));
    });
    await assert.rejects(fsp.lstat(path.join(dir, 'sock', 'guest.sock')), { code: 'ENOENT' }, 'no dead socket file is left');
    await ok(['delete', name]);
  });
});
