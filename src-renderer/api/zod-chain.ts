// The page's `zod`: the shared API schemas (src-main/api, the driver protocol) are written with
// zod's chained methods (`z.string().min(1).optional()`), and zod's classic build carries every
// method of every type (about 25 KiB gzip) whether a schema uses it or not. The renderer build
// (vite.config.ts) resolves `zod` to this module instead: the same constructors and the chained
// methods those schemas use, each mapped onto zod/mini, whose parts are kept only when used. The
// schemas built here are zod's own (same core, same parse), so the page checks exactly what the
// engine checks; e2e/page-schemas.test.ts proves every API schema comes out the same.
// A method the shared schemas start to use that is missing here fails that test by name.
import * as m from 'zod/mini';
import { en } from 'zod/locales';

// Classic zod loads its English messages; the page shows them ("expected string, received number").
m.config(en());

type Schema = m.ZodMiniType;
type Shape = Record<string, Schema>;
type Params = Parameters<typeof m.refine>[1];

/** What the classic chain offers on top of a zod/mini schema, as far as the shared schemas use it. */
interface Chained {
  optional(): Schema;
  nullable(): Schema;
  array(): Schema;
  default(value: unknown): Schema;
  refine(check: (value: never) => unknown, params?: Params): Schema;
  transform(map: (value: never) => unknown): Schema;
  min(value: number, params?: string): Schema;
  max(value: number, params?: string): Schema;
  int(): Schema;
  positive(): Schema;
  nonnegative(): Schema;
  regex(pattern: RegExp, params?: string): Schema;
  startsWith(prefix: string, params?: string): Schema;
  endsWith(suffix: string, params?: string): Schema;
  extend(shape: Shape): Schema;
  unwrap(): Schema;
}

/** `.min()`/`.max()` mean a length for strings and arrays and a bound for numbers. */
function isSized(schema: Schema): boolean {
  const type = schema._zod.def.type;
  return type === 'string' || type === 'array';
}

function check(schema: Schema, ...checks: m.core.$ZodCheck<never>[]): Schema {
  return chain(schema.check(...(checks as m.core.$ZodCheck<unknown>[])));
}

/** Gives a zod/mini schema the chained methods (a zod/mini clone drops them, so each returns a chained one). */
function chain<S extends Schema>(chained: S): S {
  const schema: Schema = chained;
  const methods: Chained = {
    optional: () => chain(m.optional(schema)),
    nullable: () => chain(m.nullable(schema)),
    array: () => chain(m.array(schema)),
    default: (value) => chain(m._default(schema, value as never)),
    refine: (test, params) => check(schema, m.refine(test as (value: unknown) => unknown, params)),
    transform: (map) => chain(m.pipe(schema, m.transform(map as (value: unknown) => unknown))),
    min: (value, params) => check(schema, isSized(schema) ? m.minLength(value, params) : m.gte(value, params)),
    max: (value, params) => check(schema, isSized(schema) ? m.maxLength(value, params) : m.lte(value, params)),
    int: () => check(schema, m.int()),
    positive: () => check(schema, m.positive()),
    nonnegative: () => check(schema, m.nonnegative()),
    regex: (pattern, params) => check(schema, m.regex(pattern, params)),
    startsWith: (prefix, params) => check(schema, m.startsWith(prefix, params)),
    endsWith: (suffix, params) => check(schema, m.endsWith(suffix, params)),
    extend: (shape) => chain(m.extend(schema as unknown as m.ZodMiniObject, shape)),
    unwrap: () => {
      const inner = (schema._zod.def as { innerType?: Schema }).innerType;
      if (!inner) throw new TypeError(`zod-chain: .unwrap() on a ${schema._zod.def.type} schema`);
      return chain(inner);
    },
  };
  return Object.assign(chained, methods);
}

export const config = m.config;
export const string = (params?: string) => chain(m.string(params));
export const base64 = (params?: string) => chain(m.base64(params));
export const number = (params?: string) => chain(m.number(params));
export const boolean = (params?: string) => chain(m.boolean(params));
export const unknown = () => chain(m.unknown());
const nullSchema = () => chain(m.null());
export { nullSchema as null };
export const literal = (value: m.core.util.Literal) => chain(m.literal(value));
const enumSchema = (values: readonly string[]) => chain(m.enum(values));
export { enumSchema as enum };
export const array = (element: Schema) => chain(m.array(element));
export const object = (shape: Shape) => chain(m.object(shape));
export const strictObject = (shape: Shape) => chain(m.strictObject(shape));
export const record = (key: m.core.$ZodRecordKey, value: Schema) => chain(m.record(key, value));
export const union = (options: readonly Schema[]) => chain(m.union(options));
export const discriminatedUnion = (key: string, options: readonly m.core.$ZodTypeDiscriminable[]) =>
  chain(m.discriminatedUnion(key, options as [m.core.$ZodTypeDiscriminable, ...m.core.$ZodTypeDiscriminable[]]));
/** Classic zod's preprocess is this pipe. */
export const preprocess = (map: (value: unknown) => unknown, schema: Schema) => chain(m.pipe(m.transform(map), schema));
export const toJSONSchema = m.toJSONSchema;
