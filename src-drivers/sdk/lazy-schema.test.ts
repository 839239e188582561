import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { types } from 'node:util';
import * as z from 'zod';
import { lazySchema } from './lazy-schema.ts';
import { driverEventSchema, driverMethods, handshakeSchema, instanceSpecSchema } from './protocol.ts';

describe('lazySchema', () => {
  it('builds the schema at its first call, once, and hands out that schema itself', () => {
    let builds = 0;
    const point = lazySchema(() => { builds++; return z.object({ x: z.number() }); });
    assert.equal(builds, 0, 'defining it builds nothing');
    const first = point();
    assert.equal(point(), first, 'every call returns the same schema');
    assert.equal(builds, 1);
    // The real schema, not a stand-in: a parse on a hot path pays no proxy hop per property read.
    assert.equal(types.isProxy(first), false);
    assert.ok(first instanceof z.ZodObject);
    assert.deepEqual(Object.keys(first.shape), ['x']);
  });

  it('nests in an eagerly built schema through z.lazy, built at the first parse', () => {
    let builds = 0;
    const point = lazySchema(() => { builds++; return z.object({ x: z.number() }); });
    const line = z.object({ from: z.lazy(point), to: z.lazy(point) });
    assert.equal(builds, 0, 'nesting it builds nothing yet');
    assert.deepEqual(line.parse({ from: { x: 1 }, to: { x: 2 } }), { from: { x: 1 }, to: { x: 2 } });
    assert.deepEqual(line.safeParse({ from: { x: 'no' }, to: { x: 2 } }).error?.issues.map((i) => i.path), [['from', 'x']]);
    assert.equal(builds, 1);
  });

  it('keeps the protocol schemas checking what they checked, as real schemas', () => {
    assert.throws(() => handshakeSchema().parse({ protocol: 1 }), z.ZodError);
    assert.equal(instanceSpecSchema().safeParse({ name: 'a' }).success, false);
    for (const schema of [handshakeSchema(), instanceSpecSchema(), driverEventSchema(), driverMethods.start.result(), driverMethods.start.args[0].schema()]) {
      assert.equal(types.isProxy(schema), false);
      assert.ok(schema instanceof z.ZodType);
    }
    // The event union nests the progress event, itself an extension of the transfer subject.
    const progress = { type: 'progress', instance: 'a', file: 'image', path: '/i', to: 'host', phase: 'upload', bytes: 1, total: 2 };
    assert.deepEqual(driverEventSchema().parse(progress), progress);
    assert.equal(driverEventSchema().safeParse({ ...progress, path: 'relative' }).success, false);
  });
});
