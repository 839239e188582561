// Lima's portForwards rules: defaults, validation messages, the order rules are tried in, and
// which forwards a set of guest listeners turns into.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planForwards } from './forward-plan.ts';
import { instancePortForwardRules } from './instance-rules.ts';
import { decide, effectiveRules, portForwardRules, portForwardSchema } from './port-rules.ts';
import type { PortForwardEntry } from './port-rules.ts';

const dir = '/home/u/.corral/instances/deb';
const rules = (entries: PortForwardEntry[], sshPort = 60022) => effectiveRules(portForwardRules(entries, dir), sshPort);
const forwardTo = (entries: PortForwardEntry[], ip: string, port: number): string => {
  const decision = decide(rules(entries), { ip, port });
  return decision.forward ? `${decision.hostIP}:${decision.hostPort} by ${decision.rule.origin}` : `no: ${decision.reason}`;
};

describe('portForwards rules', () => {
  it('fills Lima\'s defaults: guest 127.0.0.1, host 127.0.0.1, the same port, tcp; a relative hostSocket goes in the instance\'s sock folder', () => {
    const [rule, socket] = portForwardRules([{ guestPort: 80, hostPort: 8080 }, { guestSocket: '/run/docker.sock', hostSocket: 'docker.sock' }], dir);
    assert.deepEqual(rule, {
      origin: 'portForwards[0]', guestIP: '127.0.0.1', guestIPMustBeZero: false, guestPortRange: [80, 80], guestSocket: undefined,
      hostIP: '127.0.0.1', hostPortRange: [8080, 8080], hostSocket: undefined, proto: 'tcp', ignore: false,
    });
    assert.equal(socket?.hostSocket, `${dir}/sock/docker.sock`);
    assert.deepEqual(portForwardRules([{ guestPortRange: [4000, 4999] }], dir)[0]?.hostPortRange, [4000, 4999]);
  });

  it('fills Lima\'s template variables for the instance: guest ones from the guest user, host ones from the host', () => {
    const [docker] = instancePortForwardRules({
      user: { name: 'dev', uid: 1234 },
      portForwards: [{ guestSocket: '/run/user/{{.UID}}/docker.sock', hostSocket: '{{.Dir}}/sock/{{ .Name }}-{{.Param.tag}}.sock' }],
    }, dir, { tag: 'x' });
    assert.equal(docker?.guestSocket, '/run/user/1234/docker.sock');
    assert.equal(docker?.hostSocket, `${dir}/sock/deb-x.sock`);
    assert.throws(() => instancePortForwardRules({ portForwards: [{ guestSocket: '/{{.Param.missing}}', hostSocket: 'a.sock' }] }, dir), /field "portForwards\[0\]\.guestSocket": \{\{\.Param\.missing\}\} has no value/);
  });

  it('refuses bad entries with a message naming the field', () => {
    const problem = (entry: unknown): string => {
      const parsed = portForwardSchema.safeParse(entry);
      assert.equal(parsed.success, false, `accepted ${JSON.stringify(entry)}`);
      const issue = parsed.error?.issues[0];
      return `${issue?.path.join('.')}: ${issue?.message}`;
    };
    assert.equal(problem({ guestPort: 80, hostPort: 70000 }), 'hostPort: expected a port from 1 to 65535');
    assert.match(problem({ guestPortRange: [4000, 4999], hostPortRange: [5000, 5009] }), /^hostPortRange: must hold as many ports as guestPortRange \(1000\), not 10$/);
    assert.match(problem({ guestSocket: '/run/x.sock' }), /^guestSocket: needs hostSocket/);
    assert.match(problem({ guestSocket: 'run/x.sock', hostSocket: 'x.sock' }), /^guestSocket: expected an absolute path/);
    assert.match(problem({ guestPortRange: [5000, 4000] }), /^guestPortRange: the first port must not be above the last/);
    assert.match(problem({ guestIP: 'localhost', guestPort: 80 }), /^guestIP: expected an IP address/);
    assert.match(problem({ guestPort: 80, proto: 'sctp' }), /^proto: /);
    assert.match(problem({ guestPort: 80, hostport: 81 }), /hostport/);
    assert.match(problem({ guestSocket: '/run/x.sock', hostSocket: 'x.sock', reverse: true }), /^reverse: reverse forwards .* not supported/);
  });

  it('never forwards SSH: guest port 22 and the host\'s SSH port, on any address, whatever the template says', () => {
    assert.equal(forwardTo([{ guestPort: 22, hostPort: 2222 }], '0.0.0.0', 22), 'no: SSH port');
    assert.equal(forwardTo([], '127.0.0.1', 60022), 'no: SSH port');
  });

  it('forwards other guest ports on loopback or every address to the same port on 127.0.0.1 (the fallback rule)', () => {
    assert.equal(forwardTo([], '127.0.0.1', 8080), '127.0.0.1:8080 by default');
    assert.equal(forwardTo([], '0.0.0.0', 3000), '127.0.0.1:3000 by default');
    assert.equal(forwardTo([], '::', 3000), '127.0.0.1:3000 by default');
    assert.equal(forwardTo([], '::1', 3000), '127.0.0.1:3000 by default');
    assert.equal(forwardTo([], '10.0.2.15', 3000), 'no: no portForwards rule matches');
    assert.equal(forwardTo([], '127.0.0.53', 5353), 'no: no portForwards rule matches');
  });

  it('forwards a port below 1024 only by a rule the user wrote', () => {
    assert.equal(forwardTo([], '0.0.0.0', 80), 'no: ports below 1024 are forwarded only by a portForwards rule');
    assert.equal(forwardTo([{ guestPort: 80, hostPort: 8080 }], '0.0.0.0', 80), '127.0.0.1:8080 by portForwards[0]');
    assert.equal(forwardTo([{ guestPort: 80, hostIP: '0.0.0.0' }], '0.0.0.0', 80), '0.0.0.0:80 by portForwards[0]');
  });

  it('takes the first matching rule: an ignore before a range wins, a range maps by offset', () => {
    const entries: PortForwardEntry[] = [{ guestPort: 4005, ignore: true }, { guestPortRange: [4000, 4999], hostPortRange: [14000, 14999] }];
    assert.equal(forwardTo(entries, '127.0.0.1', 4005), 'no: ignored by portForwards[0]');
    assert.equal(forwardTo(entries, '127.0.0.1', 4010), '127.0.0.1:14010 by portForwards[1]');
    assert.equal(forwardTo([...entries].reverse(), '127.0.0.1', 4005), '127.0.0.1:14005 by portForwards[0]');
  });

  it('matches guest addresses as Lima does: a wildcard bind matches any rule, guestIP 0.0.0.0 matches any address unless it must be zero', () => {
    assert.equal(forwardTo([{ guestIP: '127.0.0.2', guestPort: 7000, hostPort: 17000 }], '0.0.0.0', 7000), '127.0.0.1:17000 by portForwards[0]');
    assert.equal(forwardTo([{ guestIP: '127.0.0.2', guestPort: 7000, hostPort: 17000 }], '127.0.0.1', 7000), '127.0.0.1:7000 by default');
    assert.equal(forwardTo([{ guestIP: '0.0.0.0', guestIPMustBeZero: false, guestPort: 7443, hostIP: '0.0.0.0' }], '10.0.2.15', 7443), '0.0.0.0:7443 by portForwards[0]');
    assert.equal(forwardTo([{ guestIP: '0.0.0.0', guestPort: 7443, hostIP: '0.0.0.0' }], '10.0.2.15', 7443), 'no: no portForwards rule matches');
    // An ignore rule for one address does not ignore a program bound to every address.
    assert.equal(forwardTo([{ guestIP: '127.0.0.1', guestPort: 9000, ignore: true }], '0.0.0.0', 9000), '127.0.0.1:9000 by default');
    // guestIP 0.0.0.0 means "must be zero" unless it says otherwise: it ignores wildcard binds only.
    assert.equal(forwardTo([{ guestIP: '0.0.0.0', proto: 'any', ignore: true }], '0.0.0.0', 9000), 'no: ignored by portForwards[0]');
    assert.equal(forwardTo([{ guestIP: '0.0.0.0', proto: 'any', ignore: true }], '127.0.0.1', 9000), '127.0.0.1:9000 by default');
  });

  it('matches a rule\'s proto: a udp rule takes UDP sockets only, tcp TCP only, any (and Lima\'s fallback) both', () => {
    const udpRule: PortForwardEntry[] = [{ guestPort: 5000, hostPort: 15000, proto: 'udp' }];
    assert.equal(forwardTo(udpRule, '127.0.0.1', 5000), '127.0.0.1:5000 by default');
    const udp = (entries: PortForwardEntry[], port: number): string => {
      const decision = decide(rules(entries), { ip: '127.0.0.1', port, proto: 'udp' });
      return decision.forward ? `${decision.hostIP}:${decision.hostPort} by ${decision.rule.origin}` : `no: ${decision.reason}`;
    };
    assert.equal(udp(udpRule, 5000), '127.0.0.1:15000 by portForwards[0]');
    assert.equal(udp([{ guestPort: 5000, hostPort: 15000 }], 5000), '127.0.0.1:5000 by default');
    assert.equal(udp([{ guestPort: 5000, hostPort: 15000, proto: 'any' }], 5000), '127.0.0.1:15000 by portForwards[0]');
    assert.equal(udp([], 68), 'no: ports below 1024 are forwarded only by a portForwards rule');
  });
});

describe('the forwards planned from rules and listeners', () => {
  it('forwards static rules and sockets at once, without listeners', () => {
    const { planned } = planForwards(rules([{ guestPort: 80, hostPort: 8080 }, { guestSocket: '/run/x.sock', hostSocket: '/tmp/x.sock' }, { guestPortRange: [4000, 4001] }]), []);
    assert.deepEqual(planned.map((p) => [p.spec, p.forward.source]), [['127.0.0.1:8080:127.0.0.1:80', 'static'], ['/tmp/x.sock:/run/x.sock', 'static']]);
  });

  it('forwards a single-port udp rule at once as UDP, an any rule as TCP and UDP, on the same host port', () => {
    const { planned } = planForwards(rules([{ guestPort: 53, hostPort: 5353, proto: 'udp' }, { guestPort: 9000, hostPort: 19000, proto: 'any' }]), []);
    assert.deepEqual(planned.map((p) => [p.key, p.forward.proto, p.forward.guestPort]), [
      ['udp:127.0.0.1:5353', 'udp', 53], ['127.0.0.1:19000', 'tcp', 9000], ['udp:127.0.0.1:19000', 'udp', 9000],
    ]);
  });

  it('forwards a discovered UDP socket beside a TCP listener on the same port', () => {
    const { planned } = planForwards(rules([]), [{ ip: '127.0.0.1', port: 7777 }, { ip: '0.0.0.0', port: 7777, proto: 'udp' }]);
    assert.deepEqual(planned.map((p) => [p.key, p.forward.proto, p.guest]), [
      ['127.0.0.1:7777', 'tcp', { host: '127.0.0.1', port: 7777 }], ['udp:127.0.0.1:7777', 'udp', { host: '127.0.0.1', port: 7777 }],
    ]);
  });

  it('forwards a program bound to both families once, to its IPv4 address; IPv6 loopback is bracketed', () => {
    const { planned } = planForwards(rules([]), [{ ip: '::', port: 3000 }, { ip: '0.0.0.0', port: 3000 }, { ip: '::1', port: 5000 }]);
    assert.deepEqual(planned.map((p) => p.spec), ['127.0.0.1:3000:127.0.0.1:3000', '127.0.0.1:5000:[::1]:5000']);
  });

  it('lets a static rule keep its host port when a discovered port maps onto the same one', () => {
    const { planned, skipped } = planForwards(rules([{ guestPort: 8000, hostPort: 9000 }]), [{ ip: '127.0.0.1', port: 9000 }, { ip: '0.0.0.0', port: 22 }]);
    assert.deepEqual(planned.map((p) => [p.spec, p.forward.source]), [['127.0.0.1:9000:127.0.0.1:8000', 'static']]);
    assert.deepEqual(skipped, [{ listener: { ip: '0.0.0.0', port: 22 }, reason: 'SSH port' }]);
  });
});
