// The engine's side of the contract, called by the driver: the spawn broker. A sandboxed
// driver cannot start a process that outlives it (bubblewrap's PID namespace and
// --die-with-parent end everything it starts), so a driver that runs its own hypervisor asks
// the engine to start it: only an executable its manifest declares (`permissions.spawn`),
// reaching only the files it names, each inside the bundle's grants. The engine starts it
// detached, outside the driver's sandbox but under the same file-system limits, and answers
// with its pid. Carried over Comlink on the link's "host" channel (serve.ts wires it).
import * as z from 'zod';
import { lazySchema } from './lazy-schema.ts';

const absolutePath = z.string().startsWith('/', 'must be an absolute path').max(4096)
  .refine((p) => !p.includes('\u0000'), 'must not contain NUL')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ..');

export const spawnRequestSchema = lazySchema(() => z.strictObject({
  /** The executable, exactly as the manifest's `permissions.spawn` lists it (an absolute path). */
  executable: absolutePath,
  /** Its arguments, passed as they are (no shell). */
  args: z.array(z.string().max(8192).refine((a) => !a.includes('\u0000'), 'must not contain NUL')).max(512),
  /**
   * Every file or folder the process may reach besides its executable and the manifest's `read`
   * paths: nothing else exists inside its sandbox. Each must lie inside the bundle's grants.
   */
  files: z.array(z.strictObject({ path: absolutePath, write: z.boolean() })).max(64),
  /** Unix sockets the process will listen on: the answer comes once each exists (inside a writable file above). */
  sockets: z.array(absolutePath).max(16),
  /** Where its stdout and stderr go (inside a writable file above); the tail is quoted if it fails to start. */
  log: absolutePath,
  /** How long to wait for the sockets; default 30 s. */
  timeoutMs: z.number().int().positive().max(600_000).optional(),
}));
export type SpawnRequest = z.infer<ReturnType<typeof spawnRequestSchema>>;

export const spawnedSchema = lazySchema(() => z.strictObject({
  /** The process's pid in the host's PID namespace (the driver's sandbox has its own: use the sockets to watch it). */
  pid: z.number().int().positive(),
  /** The sockets of the request, each listening now. */
  sockets: z.array(z.string()),
}));
export type Spawned = z.infer<ReturnType<typeof spawnedSchema>>;

/** What the engine serves to a driver (DriverContext.engine). Every method may throw a DriverError. */
export interface EngineServices {
  /**
   * Starts `request.executable` detached, outside the driver's sandbox, reaching only
   * `request.files`. PERMISSION_DENIED (logged in the driver's log) for an executable the
   * manifest does not declare or a path outside the grants; VM_FAILED, with its log's tail,
   * when it exits before its sockets exist. UNSUPPORTED for a driver that is not an installed bundle.
   */
  spawn(request: SpawnRequest): Promise<Spawned>;
}
