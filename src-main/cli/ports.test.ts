// `corral ports` output: a table of forwards, the note when nothing (live) is listed, problems.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPorts } from './ports.ts';

const forward = { guestPort: 8080, hostIP: '127.0.0.1', hostPort: 8080, proto: 'tcp' as const, source: 'discovered' as const };
const socket = { guestPort: 0, hostIP: '127.0.0.1', hostPort: 0, proto: 'tcp' as const, source: 'static' as const, guestSocket: '/run/docker.sock', hostSocket: '/h/sock/docker.sock' };

describe('corral ports output', () => {
  it('lists forwards, host side first, sockets by path, then problems', () => {
    assert.equal(formatPorts({ live: true, forwards: [forward, socket], problems: [{ guestPort: 3000, message: 'host port 3000 is in use' }] }), [
      'HOST                 GUEST             PROTO  SOURCE',
      '127.0.0.1:8080       8080              tcp    discovered',
      '/h/sock/docker.sock  /run/docker.sock  tcp    static',
      'problem: host port 3000 is in use',
    ].join('\n'));
  });

  it('says so when nothing is forwarded, and prints the note of a stale or stopped list', () => {
    assert.equal(formatPorts({ live: true, forwards: [], problems: [] }), 'No ports forwarded.');
    assert.equal(formatPorts({ live: false, note: 'Instance "vm" is Stopped: nothing is forwarded.', forwards: [], problems: [] }), 'Instance "vm" is Stopped: nothing is forwarded.');
    assert.match(formatPorts({ live: false, note: 'Stale: gone.', forwards: [forward], problems: [] }), /^HOST .*\n127\.0\.0\.1:8080 .*\nStale: gone\.$/);
  });
});
