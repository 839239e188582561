// The CLI's failure lines: one line whatever the message holds, naming the log when there is one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import { errorLine, errorReport, usageLine } from './errors.ts';

describe('CLI error lines', () => {
  it('keeps the first line of a message carrying a log tail, and names the log', () => {
    const log = '/home/u/.local/share/corral/instances/vm/qemu.log';
    const error = new DriverError('VM_FAILED', `QEMU failed to start (exit code 1): qemu-system-x86_64: cannot set up guest memory 'pc.ram'\nwarning: host has 1 GiB\nsecond detail (log: ${log})`, { log });
    assert.equal(errorLine(error), `corral: QEMU failed to start (exit code 1): qemu-system-x86_64: cannot set up guest memory 'pc.ram' (see ${log})`);
    assert.equal(errorReport(error).split('\n').length, 4, '--verbose keeps every line, and the details');
  });

  it('does not name the log twice, and says where the rest is without a log', () => {
    const log = '/x/qemu.log';
    assert.equal(errorLine(new DriverError('VM_FAILED', `it broke (log: ${log})`, { log })), `corral: it broke (log: ${log})`);
    assert.equal(errorLine(new DriverError('INTERNAL', 'first\nsecond')), 'corral: first (--verbose shows the rest)');
    assert.equal(errorLine(new DriverError('NOT_FOUND', 'no instance named "x"')), 'corral: no instance named "x"');
  });

  it('turns a usage mistake into a hint', () => {
    assert.equal(usageLine('unknown command "x"'), 'corral: unknown command "x"; run corral --help');
  });
});
