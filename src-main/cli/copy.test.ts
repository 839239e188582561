// How `corral copy` reads its operands and what it hands scp (the real copies are checked on
// the Debian guest in e2e/real-guest.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import { copyInstance, parseCopyPath, scpArgs } from './copy.ts';

const target = { host: '127.0.0.1' as const, port: 2222, user: 'lima', identityFile: '/home/u/.corral/ssh/id_ed25519' };

describe('corral copy operands', () => {
  it('reads NAME:PATH as a guest path only when the colon comes before any slash', () => {
    assert.deepEqual(parseCopyPath('deb:/tmp/x'), { kind: 'guest', instance: 'deb', path: '/tmp/x' });
    assert.deepEqual(parseCopyPath('deb:'), { kind: 'guest', instance: 'deb', path: '' });
    assert.deepEqual(parseCopyPath('/tmp/a:b'), { kind: 'host', path: '/tmp/a:b' });
    assert.deepEqual(parseCopyPath('./a:b'), { kind: 'host', path: './a:b' });
    assert.deepEqual(parseCopyPath('notes.txt'), { kind: 'host', path: 'notes.txt' });
  });

  it('needs two operands and exactly one instance, saying what to do otherwise', () => {
    const refused = (operands: string[], pattern: RegExp) => assert.throws(() => copyInstance(operands.map(parseCopyPath)), (error: unknown) => error instanceof DriverError && pattern.test(error.message));
    refused(['deb:/x'], /needs a source and a destination/);
    refused(['a', 'b'], /no path is in a guest; write the guest side as NAME:PATH/);
    refused(['deb:/x', 'other:/y'], /between two instances \(deb, other\) is not supported/);
    assert.equal(copyInstance(['a', 'b', 'deb:/tmp/'].map(parseCopyPath)), 'deb');
  });

  it('gives scp corral shell\'s ssh options and -r; guest paths on the forwarded loopback port', () => {
    const args = scpArgs(target, ['./a:b', '/tmp/z', 'deb:/tmp/'].map(parseCopyPath), true);
    for (const option of ['Port=2222', 'User=lima', `IdentityFile=${target.identityFile}`, 'IdentitiesOnly=yes', 'BatchMode=yes']) assert.ok(args.includes(option), option);
    assert.deepEqual(args.slice(-5), ['-r', '--', './a:b', '/tmp/z', '127.0.0.1:/tmp/']);
    assert.ok(!scpArgs(target, ['a', 'deb:'].map(parseCopyPath), false).includes('-r'));
  });
});
