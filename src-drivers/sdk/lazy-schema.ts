// A schema built the first time it is used, not when its module loads. Building zod schemas is
// the largest CPU item of loading the engine's and a driver's code (tens of milliseconds on the
// start path, competing with the booting guest), and most of them are never used by one command.
// The stand-in forwards every property access to the built schema, so it parses, nests inside
// other schemas (z.object, z.array, .extend) and passes zod's instanceof checks as the schema would.

/** `build()` runs once, at the first property access; the result stands in for its schema everywhere. */
export function lazySchema<T extends object>(build: () => T): T {
  let built: T | undefined;
  const schema = (): T => (built ??= build());
  // The target is never read: every trap that could observe it asks the built schema instead.
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(schema(), key),
    set: (_target, key, value) => Reflect.set(schema(), key, value),
    has: (_target, key) => Reflect.has(schema(), key),
    ownKeys: () => Reflect.ownKeys(schema()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(schema(), key);
      // A proxy may not report a property as non-configurable when its own target lacks it.
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
  });
}
