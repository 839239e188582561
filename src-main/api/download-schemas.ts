// The wire shapes of downloads and the download cache: a download's phases and why it failed
// (the engine's downloads/plain-words.ts says it), and what the Downloads page's cache view
// lists and prunes. Types and schemas only, like the rest of this folder.
import * as z from 'zod';

/** 'upload': a driver sends the file on to where its VMs run (a remote host), after any download. */
export const downloadPhaseSchema = z.enum(['queued', 'download', 'verify', 'decompress', 'upload', 'done', 'failed', 'cancelled']);

export const downloadFailureSchema = z.object({
  reason: z.enum(['host-not-found', 'connection-refused', 'not-found', 'http-error', 'digest-mismatch', 'disk-full', 'timeout', 'network', 'other']),
  /** One line in plain words: what happened and what to do. */
  text: z.string(),
});

/** A download as the download-progress events name it (their `id`). */
export const downloadIdRequestSchema = z.object({ id: z.string().min(1).max(512) });

/** Moving the download cache: the new folder (absolute), and what moved. */
export const moveCacheRequestSchema = z.object({ target: z.string().min(1).max(4096) });
export const moveCacheResultSchema = z.object({ from: z.string(), to: z.string(), bytes: z.number().nonnegative() });

/** One file in the download cache (or a template uploaded in the web shell) and the instances whose config names it. */
export const cacheEntrySchema = z.object({
  url: z.string(),
  kind: z.enum(['download', 'template-upload']),
  size: z.number().nonnegative(),
  /** When it was downloaded or uploaded (ISO 8601). */
  downloadedAt: z.string(),
  digest: z.string().nullable(),
  usedBy: z.array(z.string()),
  /** An unused template upload newer than an hour or held by a create dialog: prune keeps it until then (ISO 8601). */
  keptUntil: z.string().optional(),
  /** Why prune keeps it: just uploaded, or held by an open create dialog. */
  keptBecause: z.enum(['new', 'held']).optional(),
});

export const pruneResultSchema = z.object({
  /** The URLs whose files were removed. */
  removed: z.array(z.string()),
  freedBytes: z.number().nonnegative(),
  /** Entries kept because an instance uses them. */
  inUse: z.number().int().nonnegative(),
  /** Entries kept because they are being downloaded right now. */
  skipped: z.number().int().nonnegative(),
  /** Unused template uploads kept because they came less than an hour ago. */
  recent: z.number().int().nonnegative(),
});
