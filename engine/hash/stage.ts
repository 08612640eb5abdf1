import type { LockPathEntry, ParamValues } from '../types.js';
import { blake3Hex } from './digest.js';

/**
 * JSON with object keys sorted at every depth and no whitespace, so equal values always give
 * equal text (and equal hashes). Array order is kept. Object members whose value is undefined are
 * dropped, as JSON.stringify does. Values JSON cannot represent faithfully are refused instead of
 * silently changing: non-finite numbers, bigint, functions, symbols, undefined at the top level.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, 'value');
}

function encode(v: unknown, where: string): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError(`canonicalJson: ${where} is ${v}, which JSON cannot hold`);
      // -0 and 0 are the same parameter value.
      return JSON.stringify(Object.is(v, -0) ? 0 : v);
    case 'object': {
      if (Array.isArray(v)) {
        return `[${v.map((item, i) => (item === undefined ? 'null' : encode(item, `${where}[${i}]`))).join(',')}]`;
      }
      if (v instanceof Date) return JSON.stringify(v.toISOString());
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(obj[k], `${where}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${where} is a ${typeof v}, which JSON cannot hold`);
  }
}

export interface RunKeyInput {
  cmd: string[];
  deps: LockPathEntry[];
  params: ParamValues;
  outs: string[];
}

/** Bumped whenever the key's ingredients change, so old run-cache entries stop matching. */
const RUN_KEY_VERSION = 1;

/**
 * The run-cache key of a stage: BLAKE3 over the canonical JSON of what determines its result
 * (commands in order, each dep's path and content hash, param values, out paths). Deps and outs
 * are sorted by path: declaration order does not change what a run produces.
 */
export function computeRunKey(input: RunKeyInput): string {
  const deps = [...input.deps]
    .map((d) => ({ path: d.path, hash: d.hash }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const outs = [...input.outs].sort();
  return blake3Hex(canonicalJson({ v: RUN_KEY_VERSION, cmd: input.cmd, deps, params: input.params, outs }));
}
