// The page checks the engine's answers with the shared API schemas built on zod/mini
// (src-renderer/api/zod-chain.ts, swapped in for `zod` by vite.config.ts). This proves that swap
// builds every schema the page uses exactly as zod does: each one's JSON Schema is identical, and
// the checks JSON Schema cannot show (refine, preprocess, defaults) behave the same.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import * as z from 'zod';
import { apiMethods } from '../src-main/api/methods.ts';
import { bundleSourceSchema, callResponseSchema } from '../src-main/api/schemas.ts';
import { templateUploadSchema } from '../src-main/api/frame-schemas.ts';
import { startResultSchema } from '../src-drivers/sdk/protocol.ts';
import { tempDir, repoRoot } from './support/temp.ts';

type Schemas = {
  apiMethods: typeof apiMethods;
  callResponseSchema: z.ZodType;
  bundleSourceSchema: z.ZodType;
  templateUploadSchema: z.ZodType;
  /** The driver protocol's (built at first call). */
  startResultSchema: () => z.ZodType;
  toJSONSchema: typeof z.toJSONSchema;
};

/** The same schema modules bundled as the page gets them: `zod` resolved to zod-chain. */
async function pageSchemas(dir: string): Promise<Schemas> {
  const entry = path.join(dir, 'entry.ts');
  await fs.writeFile(entry, [
    `export { apiMethods } from ${JSON.stringify(path.join(repoRoot, 'src-main/api/methods.ts'))};`,
    `export { bundleSourceSchema, callResponseSchema } from ${JSON.stringify(path.join(repoRoot, 'src-main/api/schemas.ts'))};`,
    `export { templateUploadSchema } from ${JSON.stringify(path.join(repoRoot, 'src-main/api/frame-schemas.ts'))};`,
    `export { startResultSchema } from ${JSON.stringify(path.join(repoRoot, 'src-drivers/sdk/protocol.ts'))};`,
    `export { toJSONSchema } from 'zod/mini';`,
  ].join('\n'));
  const out = path.join(dir, 'page-schemas.mjs');
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', outfile: out, plugins: [pageZodPlugin], nodePaths: [path.join(repoRoot, 'node_modules')], logLevel: 'error' });
  return await import(pathToFileURL(out).href) as Schemas;
}

/** As vite.config.ts does: exactly `zod` (not `zod/mini`) is the page's zod. */
const pageZodPlugin: Plugin = { name: 'page-zod', setup: (b) => b.onResolve({ filter: /^zod$/ }, () => ({ path: pageZod })) };

/** What vite.config.ts resolves `zod` to in the renderer build. */
const pageZod = path.join(repoRoot, 'src-renderer/api/zod-chain.ts');

type SampleSchema = 'bundleSource' | 'startResult' | 'callResponse' | 'stopRequest';
type Outcome = { data?: unknown; issues?: [PropertyKey[], string][] };

function outcome(parsed: { success: boolean; data?: unknown; error?: { issues: { path: PropertyKey[]; message: string }[] } }): Outcome {
  return parsed.success ? { data: parsed.data } : { issues: parsed.error?.issues.map((i) => [i.path, i.message]) ?? [] };
}

/** Parses the samples with the page's schemas in a thread of their own, as a page would. */
async function parseInWorker(bundle: string, samples: [SampleSchema, unknown][]): Promise<Outcome[]> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.bundle).then((page) => {
      const schemas = { bundleSource: page.bundleSourceSchema, startResult: page.startResultSchema(), callResponse: page.callResponseSchema, stopRequest: page.apiMethods.stop.request };
      parentPort.postMessage(workerData.samples.map(([schema, value]) => {
        const parsed = schemas[schema].safeParse(value);
        return parsed.success ? { data: parsed.data } : { issues: parsed.error.issues.map((i) => [i.path, i.message]) };
      }));
    });`;
  const worker = new Worker(code, { eval: true, workerData: { bundle: pathToFileURL(bundle).href, samples } });
  try {
    const [result] = await once(worker, 'message') as [Outcome[]];
    return result;
  } finally {
    await worker.terminate();
  }
}

const jsonOf = (toJSON: typeof z.toJSONSchema, schema: z.ZodType, io: 'input' | 'output') =>
  toJSON(schema, { io, unrepresentable: 'any', cycles: 'ref', reused: 'inline' });

describe('the page\'s API schemas on zod/mini', () => {
  let dir = '';
  let page: Schemas;
  before(async () => {
    dir = await tempDir('page-schemas-');
    page = await pageSchemas(dir);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('builds every method\'s request and result schema as zod does', () => {
    const names = Object.keys(apiMethods) as (keyof typeof apiMethods)[];
    assert.ok(names.length > 20, `only ${names.length} methods found`);
    for (const name of names) {
      const ours = page.apiMethods[name] as { request?: z.ZodType; result: z.ZodType };
      const zods = apiMethods[name] as { request?: z.ZodType; result: z.ZodType };
      for (const part of ['request', 'result'] as const) {
        const theirs = zods[part];
        if (!theirs) continue;
        const mine = ours[part];
        assert.ok(mine, `${name}.${part} missing in the page's copy`);
        for (const io of ['input', 'output'] as const) {
          assert.deepEqual(jsonOf(page.toJSONSchema, mine, io), jsonOf(z.toJSONSchema, theirs, io), `${name}.${part} (${io}) differs`);
        }
      }
    }
  });

  it('builds the envelope and upload schemas as zod does', () => {
    for (const [what, mine, theirs] of [
      ['envelope', page.callResponseSchema, callResponseSchema],
      ['bundle upload', page.bundleSourceSchema, bundleSourceSchema],
      ['template upload', page.templateUploadSchema, templateUploadSchema],
    ] as const) {
      assert.deepEqual(jsonOf(page.toJSONSchema, mine, 'output'), jsonOf(z.toJSONSchema, theirs, 'output'), `${what} differs`);
    }
  });

  it('parses as zod does where JSON Schema cannot tell: defaults, messages, preprocess', async () => {
    const samples: [SampleSchema, unknown][] = [
      ['bundleSource', { path: 'relative/file' }],
      ['bundleSource', { upload: 'not-hex' }],
      ['bundleSource', { upload: '0123456789abcdef0123456789abcdef' }],
      ['startResult', { pid: 0, accelerator: 'tcg' }],
      ['callResponse', { ok: false, error: { code: 'NOPE', message: 'x', details: {} } }],
      ['stopRequest', { name: 5 }],
      ['stopRequest', { name: 'vm1' }],
    ];
    const zods: Record<SampleSchema, z.ZodType> = {
      bundleSource: bundleSourceSchema, startResult: startResultSchema(), callResponse: callResponseSchema, stopRequest: apiMethods.stop.request,
    };
    const theirs = samples.map(([schema, value]) => outcome(zods[schema].safeParse(value)));
    // zod keeps its settings (the messages' locale) on globalThis: the page's copy runs in its own thread.
    const mine = await parseInWorker(path.join(dir, 'page-schemas.mjs'), samples);
    for (const [i, [schema, value]] of samples.entries()) assert.deepEqual(mine[i], theirs[i], `${schema} of ${JSON.stringify(value)}`);
  });
});
