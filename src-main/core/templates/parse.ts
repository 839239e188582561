// Parses a template document, a large one on a worker thread. A template may be half a megabyte
// of YAML that takes a second or more to parse; on the engine's thread that second would freeze
// the web shell and leave SIGTERM unhandled. Starting the worker costs about 0.3 s, so small
// documents (every template Corral and Lima ship but Lima's 34 KiB default.yaml) parse inline:
// 16 KiB of dense YAML parses in under 0.1 s here. One worker serves every large parse, started
// on first use and unref'd while idle, so it never keeps a CLI process alive.
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as z from 'zod';
import { DriverError, errorCodes, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { SerializedError } from '../../../src-drivers/sdk/errors.ts';
import { limaDocumentSchema, readYamlMapping, validateAgainst } from '../instances/config.ts';
import type { YamlMap } from './values.ts';

export interface ParseRequest { id: number; text: string; source: string }
export type ParseReply = { id: number; document: YamlMap } | { id: number; error: SerializedError };

const replySchema = z.union([
  z.object({ id: z.number(), document: z.record(z.string(), z.unknown()) }),
  z.object({ id: z.number(), error: z.object({ code: z.enum(errorCodes), message: z.string(), details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])) }) }),
]);

// In the Electron bundle (scripts/build-electron.ts) this module lives inside dist/electron/main.js
// and the worker is bundled beside it, unpacked from app.asar (electron-builder.yml asarUnpack)
// so that it is a real file; from the sources, Node runs the .ts file itself.
const workerFile = import.meta.filename.endsWith('.ts')
  ? new URL('./parse-worker.ts', import.meta.url)
  : new URL('./workers/template-parse.js', pathToFileURL(import.meta.filename.replace(/([/\\])app\.asar([/\\])/, '$1app.asar.unpacked$2')));

// Bounds what one parse may hold: a hostile document fails the worker, not the engine.
const resourceLimits = { maxOldGenerationSizeMb: 512 };

interface Pending { resolve(document: YamlMap): void; reject(error: Error): void }

let worker: Worker | undefined;
const pending = new Map<number, Pending>();
let nextId = 1;

function failAll(failed: Worker, error: Error): void {
  if (worker === failed) worker = undefined;
  for (const waiter of pending.values()) waiter.reject(error);
  pending.clear();
}

function startWorker(): Worker {
  const started = new Worker(workerFile, { resourceLimits });
  started.on('message', (message: unknown) => {
    const reply = replySchema.safeParse(message);
    if (!reply.success) return failAll(started, new DriverError('INTERNAL', 'the template parser answered something unreadable'));
    const waiter = pending.get(reply.data.id);
    pending.delete(reply.data.id);
    if (pending.size === 0) started.unref();
    if ('error' in reply.data) waiter?.reject(toDriverError(reply.data.error));
    else waiter?.resolve(reply.data.document);
  });
  started.on('error', (error) => failAll(started, new DriverError('INVALID_CONFIG', `the template could not be parsed: ${error.message}`, { field: null })));
  started.on('exit', (code) => failAll(started, new DriverError('INTERNAL', `the template parser stopped (exit code ${code})`)));
  return started;
}

/** Documents up to this many bytes are parsed on the calling thread. */
export const inlineParseBytes = 16 * 1024;

/** Parses YAML text that must be a lima.yaml mapping (throws with the file, line and field of a fault). */
export function parseDocumentHere(text: string, source: string): YamlMap {
  const file = readYamlMapping(text, source);
  validateAgainst(limaDocumentSchema(), file);
  return file.raw;
}

/** parseDocumentHere, on the worker thread when the text is large. */
export async function parseTemplateDocument(text: string, source: string): Promise<YamlMap> {
  if (text.length <= inlineParseBytes) return parseDocumentHere(text, source);
  worker ??= startWorker();
  const id = nextId++;
  const done = new Promise<YamlMap>((resolve, reject) => pending.set(id, { resolve, reject }));
  worker.ref();
  worker.postMessage({ id, text, source } satisfies ParseRequest);
  return done;
}
