// A module hook for CLI tests (node --import): when the CLI's and the engine's modules are about
// to load, it names on stderr the QEMU driver processes this process has already forked, or "none". It
// shows that the CLI forks its driver before loading the engine (src-main/cli/prefork.ts).
import fs from 'node:fs';
import { registerHooks } from 'node:module';

function qemuDriverChildren(): number[] {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return parent === process.pid && /src-drivers\/qemu\/main\.ts|drivers\/qemu\.js/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false; // it ended while we looked
    }
  });
}

registerHooks({
  load(url, context, next) {
    if (/src-main\/cli\/main\.ts$/.test(url)) process.stderr.write(`cli loading; drivers already running: ${qemuDriverChildren().join(',') || 'none'}\n`);
    if (/src-main\/core\/engine\.ts$/.test(url)) process.stderr.write(`engine loading; drivers already running: ${qemuDriverChildren().join(',') || 'none'}\n`);
    return next(url, context);
  },
});
