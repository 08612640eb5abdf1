// The run key: what identifies a run for the run-cache (command, deps as observed, params, out
// paths), and which stages the run-cache may stand in for.
import { computeRunKey } from '../hash/stage.js';
import type { LockPathEntry, StageDef } from '../types.js';
import type { DecideInput, Observation } from './decide.js';
import type { StageObservation } from './staleness.js';

/** The run-cache stands in for a stage whose outs are all rebuilt whole on every run. */
export function runCacheable(stage: StageDef): boolean {
  return stage.outs.length > 0 && stage.outs.every((o) => !o.persist) && !stage.alwaysChanged;
}

/** The key a run of the stage is remembered under in the run-cache; undefined when the run-cache does not apply. */
export function runKeyOf(input: Pick<DecideInput, 'stage' | 'runCache'>, observed: Observation): string | undefined {
  if (input.runCache === false || !runCacheable(input.stage)) return undefined;
  return computeRunKey({ cmd: input.stage.cmd, deps: depEntries(input.stage, observed), params: observed.params, outs: input.stage.outs.map((o) => o.path) });
}

/** Lock entries for the deps as observed; a missing dep is never recorded. */
export function depEntries(stage: StageDef, observed: StageObservation): LockPathEntry[] {
  const entries: LockPathEntry[] = [];
  for (const dep of stage.deps) {
    const info = observed.deps.get(dep.path);
    if (info) entries.push(info.nfiles === undefined ? { path: dep.path, hash: info.hash, size: info.size } : { path: dep.path, ...info });
  }
  return entries;
}
