// Plain YAML values as the loader handles them after parsing (yaml's toJS()).
export type YamlMap = Record<string, unknown>;

export function isYamlMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy, so a merged result never shares nodes with the documents it came from. */
export function cloneValue<T>(value: T): T {
  return structuredClone(value);
}

/** Lima reads null as "unset": drops null fields (deep) before the typed schema sees them. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isYamlMap(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, withoutNulls(v)]));
}
