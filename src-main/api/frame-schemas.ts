// Wire schemas of the create dialog's template facts and the Settings page (the method rows
// are in methods.ts).
import * as z from 'zod';

const arch = z.string().min(1);

/** What a template would make: the create dialog's prefilled values and the gallery's facts. */
export const templateFactsSchema = z.object({
  os: z.string(),
  arch,
  vmType: z.string(),
  cpus: z.number().int().positive(),
  memoryBytes: z.number().nonnegative(),
  diskBytes: z.number().nonnegative(),
  display: z.enum(['vnc', 'none']),
  /** null when neither the file, the download cache nor the image's server says. */
  imageBytes: z.number().nonnegative().nullable(),
  imageSizeFrom: z.enum(['file', 'cache', 'server', 'unknown']),
  imageLocal: z.boolean(),
  warnings: z.array(z.string()),
});

/** A catalog entry with its facts, or why they could not be read. */
export const catalogEntrySchema = z.object({
  name: z.string(),
  description: z.string(),
  facts: templateFactsSchema.optional(),
  problem: z.string().optional(),
});

export const describeTemplateRequestSchema = z.object({
  /** A catalog name, a lima.yaml path on the engine's machine, or an http(s) URL. */
  template: z.string().min(1),
});

/** Where the engine keeps a template the web shell uploaded (POST /upload/template). */
export const templateUploadSchema = z.object({ path: z.string().min(1) });

/** An upload's path, as uploading answered it, that an open create dialog holds from prune. */
export const holdUploadRequestSchema = z.object({ path: z.string().startsWith('/', 'is not an absolute path').max(4096) });
/** Until when (ISO time) the upload is held unless the dialog renews it. */
export const holdUploadResultSchema = z.object({ heldUntil: z.string() });

export const hostInfoSchema = z.object({ cpus: z.number().int().positive(), memoryBytes: z.number().positive() });

const placedFolderSchema = z.object({ path: z.string(), source: z.string() });

export const settingsSchema = z.object({
  home: placedFolderSchema,
  /** `fixedBy`: what set the folder at start (CORRAL_CACHE, an option), so Move… cannot change it. */
  cache: placedFolderSchema.extend({ fixedBy: z.string().optional() }),
  /** Where instances live: CORRAL_HOME/instances, or where a move put them. */
  instances: placedFolderSchema,
  driverFolders: z.array(placedFolderSchema),
  trustedKeys: z.object({
    file: z.string(),
    keys: z.array(z.object({ name: z.string(), fingerprint: z.string() })),
    problem: z.string().optional(),
  }),
});
