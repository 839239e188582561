// The guest user as Lima fills in `user:`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveGuestUser } from './guest-user.ts';

describe('resolveGuestUser', () => {
  it('defaults to the host user, Lima\'s home and shell', () => {
    assert.deepEqual(resolveGuestUser(undefined, { username: 'alice', uid: 501 }), { name: 'alice', uid: 501, comment: '', home: '/home/alice.linux', shell: '/bin/bash' });
  });

  it('a root host user, or a name Linux refuses, gets Lima\'s fallback user "lima" (uid 1000)', () => {
    for (const host of [{ username: 'root', uid: 0 }, { username: 'Jane Doe', uid: 1001 }, { username: 'admin', uid: 502 }]) {
      const user = resolveGuestUser(undefined, host);
      assert.equal(user.name, 'lima', host.username);
      assert.equal(user.uid, 1000, host.username);
      assert.equal(user.home, '/home/lima.linux');
    }
  });

  it('the template\'s fields win', () => {
    const user = resolveGuestUser({ name: 'dev', uid: 2000, comment: 'Developer', home: '/home/dev', shell: '/bin/sh' }, { username: 'root', uid: 0 });
    assert.deepEqual(user, { name: 'dev', uid: 2000, comment: 'Developer', home: '/home/dev', shell: '/bin/sh' });
  });

  it('bad template values are refused, naming the field', () => {
    const host = { username: 'alice', uid: 501 };
    assert.throws(() => resolveGuestUser({ name: 'root' }, host), /field "user.name": the guest user cannot be root/);
    assert.throws(() => resolveGuestUser({ name: 'Bad Name' }, host), /field "user.name": "Bad Name" is not a valid Linux user name/);
    assert.throws(() => resolveGuestUser({ uid: 0 }, host), /field "user.uid"/);
    assert.throws(() => resolveGuestUser({ home: 'relative' }, host), /field "user.home"/);
  });
});
