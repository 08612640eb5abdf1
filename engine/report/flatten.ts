// Nested metrics and params values flattened to dotted keys (`train.lr`, `layers.0.size`), the
// shape every report compares and prints.

/** A value a report shows: the leaves of a metrics or params file. */
export type ReportValue = number | string | boolean;

/** Dotted key → leaf value, in the file's order. */
export type FlatValues = Record<string, ReportValue>;

/** Set an own property even for keys like `__proto__`, which plain assignment would not. */
export function setKey<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function leaf(value: unknown): ReportValue | undefined {
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (value instanceof Date) return value.toISOString();
  return undefined;
}

/**
 * Flatten parsed data (pure). Mappings join keys with `.`, lists use the index (`a.0`); nulls and
 * empty containers give nothing. A bare scalar at the top is one value under `prefix` (or '').
 */
export function flattenData(data: unknown, prefix = '', into: FlatValues = {}): FlatValues {
  const scalar = leaf(data);
  if (scalar !== undefined) {
    setKey(into, prefix, scalar);
    return into;
  }
  const join = (key: string) => (prefix === '' ? key : `${prefix}.${key}`);
  if (Array.isArray(data)) {
    data.forEach((item, i) => flattenData(item, join(String(i)), into));
  } else if (typeof data === 'object' && data !== null && !(data instanceof Date)) {
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) flattenData(value, join(key), into);
  }
  return into;
}
