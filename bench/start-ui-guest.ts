// The setting start-ui.bench and start-ui-trace share: the tiny guest started once through the
// engine (which warms the accelerator choice and the driver process, as in a running app) and
// stopped, giving the VM's own argv for the bare boots it is compared with. Each boot starts a
// host agent, which `corral serve` runs from the CLI bundle (bin/corral.js): so does this setting,
// built first as `npm run build:cli` does; from the sources it would strip TypeScript at every
// boot, about 200 ms of CPU beside the booting guest that no user's boot spends.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRendererBuilt } from '../e2e/ui/renderer-build.ts';
import { cmdline } from './boot-marker.ts';
import { createGuest, waitForExit } from './guest-vm.ts';
import type { BenchGuest } from './guest-vm.ts';
import { startedPid } from '../src-drivers/sdk/test-support/started.ts';

export async function warmGuestForClicks(name: string): Promise<{ staticDir: string; guest: BenchGuest; argv: string[] }> {
  // As `corral serve` runs (bin/corral.js): the driver process and host agent it starts inherit
  // Node's compile cache, so their start costs the booting VM what it costs a user's.
  process.env.NODE_COMPILE_CACHE ??= path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'corral', 'node-compile-cache');
  const staticDir = await ensureRendererBuilt();
  const repoRoot = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-cli.ts')], { stdio: 'inherit' });
  const hostAgent = { execPath: process.execPath, entry: path.join(repoRoot, 'dist', 'cli', 'workers', 'hostagent.js') };
  const guest = await createGuest(name, { hostAgent });
  try {
    const pid = startedPid(await guest.engine.start(guest.name));
    guest.pids.add(pid);
    const argv = await cmdline(pid);
    await guest.engine.stop(guest.name, { force: true });
    await waitForExit(pid);
    return { staticDir, guest, argv };
  } catch (error) {
    await guest.dispose();
    throw error;
  }
}
