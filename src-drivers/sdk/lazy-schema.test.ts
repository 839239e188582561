import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { lazySchema } from './lazy-schema.ts';
import { handshakeSchema, instanceSpecSchema } from './protocol.ts';

describe('lazySchema', () => {
  it('builds the schema at its first use, once', () => {
    let builds = 0;
    const point = lazySchema(() => { builds++; return z.object({ x: z.number() }); });
    const line = z.object({ from: point, to: point });
    assert.equal(builds, 0, 'nesting it builds nothing yet');
    assert.deepEqual(line.parse({ from: { x: 1 }, to: { x: 2 } }), { from: { x: 1 }, to: { x: 2 } });
    assert.deepEqual(point.parse({ x: 3 }), { x: 3 });
    assert.equal(builds, 1);
  });

  it('rejects what the schema rejects, with the same issues, and works as the schema anywhere', () => {
    const eager = z.object({ x: z.number() });
    const lazy = lazySchema(() => z.object({ x: z.number() }));
    assert.deepEqual(lazy.safeParse({ x: 'no' }).error?.issues, eager.safeParse({ x: 'no' }).error?.issues);
    assert.ok(lazy instanceof z.ZodObject);
    assert.deepEqual(Object.keys(lazy.shape), ['x']);
    assert.deepEqual(lazy.extend({ y: z.string() }).parse({ x: 1, y: 'a' }), { x: 1, y: 'a' });
    assert.equal(z.array(lazy).nullable().parse(null), null);
  });

  it('keeps the protocol schemas checking what they checked', () => {
    assert.throws(() => handshakeSchema.parse({ protocol: 1 }), z.ZodError);
    const bad = instanceSpecSchema.safeParse({ name: 'a' });
    assert.equal(bad.success, false);
  });
});
