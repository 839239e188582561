// A schema built the first time it is asked for, not when its module loads. Building zod schemas
// is the largest CPU item of loading the engine's and a driver's code (tens of milliseconds on the
// start path, competing with the booting guest), and most of them are never used by one command.
// What is handed out is the built schema itself, so a parse on a hot path (a driver's messages
// during a boot) pays nothing for the laziness. A schema built eagerly that nests one of these
// wraps it in z.lazy(getter), which builds it at the parent's first parse.

/** A getter that runs `build()` at its first call and returns that same schema from then on. */
export function lazySchema<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}
