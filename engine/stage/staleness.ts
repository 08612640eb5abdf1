import { isDeepStrictEqual } from 'node:util';
import type { HashInfo, LockEntry, LockPathEntry, ParamValues, StageDef } from '../types.js';

/** Why a stage must run again: DVC's rules, one reason per changed thing. */
export type StaleReason =
  | { kind: 'never-run' }
  | { kind: 'always-changed' }
  | { kind: 'cmd-changed'; old: string[]; new: string[] }
  | { kind: 'dep-added'; path: string }
  | { kind: 'dep-removed'; path: string }
  | { kind: 'dep-missing'; path: string }
  | { kind: 'dep-modified'; path: string }
  | { kind: 'param-added'; file: string; key: string; new: unknown }
  | { kind: 'param-removed'; file: string; key: string; old: unknown }
  | { kind: 'param-modified'; file: string; key: string; old: unknown; new: unknown }
  | { kind: 'params-missing'; file: string }
  | { kind: 'out-added'; path: string }
  | { kind: 'out-removed'; path: string }
  | { kind: 'out-missing'; path: string; restorable: boolean }
  | { kind: 'out-modified'; path: string }
  | { kind: 'out-not-cached'; path: string }
  | { kind: 'gate-was-closed' };

/** What is on disk now for one stage's paths, gathered by the edges (hashing, cache). */
export interface StageObservation {
  /** Current hash of each dep path (undefined: missing). */
  deps: Map<string, HashInfo | undefined>;
  /** Current hash of each out path (undefined: missing). */
  outs: Map<string, HashInfo | undefined>;
  /** Whether the cache holds the object the lock names for each cached out. */
  lockedOutInCache: (entry: LockPathEntry) => boolean;
  /** Param values as read now; the values resolved at load (StageDef.params) when absent. */
  params?: ParamValues;
  /** Declared params files that do not exist now (StageDef.paramsMissing when absent). */
  paramsMissing?: string[];
}

/**
 * Compare a stage's definition and what is on disk with its lock entry. Pure: every fact it
 * needs is passed in, so it is tested without a file system.
 */
export function staleReasons(stage: StageDef, entry: LockEntry | undefined, seen: StageObservation): StaleReason[] {
  if (!entry) {
    const missing = seen.paramsMissing ?? stage.paramsMissing ?? [];
    return [{ kind: 'never-run' }, ...missing.map((file): StaleReason => ({ kind: 'params-missing', file }))];
  }
  const reasons: StaleReason[] = [];
  if (stage.alwaysChanged) reasons.push({ kind: 'always-changed' });
  if (!sameList(stage.cmd, entry.cmd)) reasons.push({ kind: 'cmd-changed', old: entry.cmd, new: stage.cmd });

  const lockedDeps = new Map(entry.deps.map((d) => [d.path, d]));
  for (const dep of stage.deps) {
    const now = seen.deps.get(dep.path);
    const before = lockedDeps.get(dep.path);
    lockedDeps.delete(dep.path);
    // A `previous` dep is an earlier run's output: recorded for lineage, never a reason to rerun.
    if (dep.previous) continue;
    if (!before) reasons.push({ kind: 'dep-added', path: dep.path });
    else if (!now) reasons.push({ kind: 'dep-missing', path: dep.path });
    else if (now.hash !== before.hash) reasons.push({ kind: 'dep-modified', path: dep.path });
  }
  for (const gone of lockedDeps.keys()) reasons.push({ kind: 'dep-removed', path: gone });

  for (const file of seen.paramsMissing ?? stage.paramsMissing ?? []) reasons.push({ kind: 'params-missing', file });
  reasons.push(...paramReasons(seen.params ?? stage.params, entry));

  const lockedOuts = new Map(entry.outs.map((o) => [o.path, o]));
  for (const out of stage.outs) {
    const before = lockedOuts.get(out.path);
    lockedOuts.delete(out.path);
    if (!before) {
      reasons.push({ kind: 'out-added', path: out.path });
      continue;
    }
    const now = seen.outs.get(out.path);
    if (!now) reasons.push({ kind: 'out-missing', path: out.path, restorable: out.cache && seen.lockedOutInCache(before) });
    else if (now.hash !== before.hash) reasons.push({ kind: 'out-modified', path: out.path });
    else if (out.cache && !seen.lockedOutInCache(before)) reasons.push({ kind: 'out-not-cached', path: out.path });
  }
  for (const gone of lockedOuts.keys()) reasons.push({ kind: 'out-removed', path: gone });

  if (entry.skipped) reasons.push({ kind: 'gate-was-closed' });
  return reasons;
}

function paramReasons(params: ParamValues, entry: LockEntry): StaleReason[] {
  const reasons: StaleReason[] = [];
  const files = new Set([...Object.keys(params), ...Object.keys(entry.params)]);
  for (const file of [...files].sort()) {
    const now = params[file] ?? {};
    const before = entry.params[file] ?? {};
    const keys = new Set([...Object.keys(now), ...Object.keys(before)]);
    for (const key of [...keys].sort()) {
      const inNow = Object.hasOwn(now, key);
      const inBefore = Object.hasOwn(before, key);
      if (inNow && !inBefore) reasons.push({ kind: 'param-added', file, key, new: now[key] });
      else if (!inNow && inBefore) reasons.push({ kind: 'param-removed', file, key, old: before[key] });
      else if (!isDeepStrictEqual(now[key], before[key])) reasons.push({ kind: 'param-modified', file, key, old: before[key], new: now[key] });
    }
  }
  return reasons;
}

/** A stage whose only problem is cached outs gone from the workspace is restored, not run. */
export function onlyRestorable(reasons: StaleReason[]): boolean {
  return reasons.length > 0 && reasons.every((r) => r.kind === 'out-missing' && r.restorable);
}

export function describeReason(r: StaleReason): string {
  switch (r.kind) {
    case 'never-run':
      return 'never run';
    case 'always-changed':
      return 'always_changed';
    case 'cmd-changed':
      return `cmd changed: ${JSON.stringify(r.old.join(' && '))} -> ${JSON.stringify(r.new.join(' && '))}`;
    case 'dep-added':
      return `new dep: ${r.path}`;
    case 'dep-removed':
      return `dep removed: ${r.path}`;
    case 'dep-missing':
      return `dep missing: ${r.path}`;
    case 'dep-modified':
      return `dep modified: ${r.path}`;
    case 'param-added':
      return `param new: ${r.file}:${r.key} = ${show(r.new)}`;
    case 'param-removed':
      return `param deleted: ${r.file}:${r.key} (was ${show(r.old)})`;
    case 'param-modified':
      return `param modified: ${r.file}:${r.key} ${show(r.old)} -> ${show(r.new)}`;
    case 'params-missing':
      return `params file missing: ${r.file}`;
    case 'out-added':
      return `new out: ${r.path}`;
    case 'out-removed':
      return `out removed: ${r.path}`;
    case 'out-missing':
      return `out missing: ${r.path}${r.restorable ? ' (in cache)' : ''}`;
    case 'out-modified':
      return `out modified: ${r.path}`;
    case 'out-not-cached':
      return `out not in cache: ${r.path}`;
    case 'gate-was-closed':
      return 'gate was closed last time';
  }
}

export function show(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
