// Which queued experiments may run at the same time. Experiments share one cache and its
// run-cache, so a stage whose inputs are the same in two experiments runs once and is restored
// in the other, provided the two are not run side by side. Pure.
import type { ParamOverrides } from './params-set.js';

/** What the scheduler needs of a stage: its params (file → key → value) and direct upstream. */
export interface StageParams {
  name: string;
  params: Record<string, Record<string, unknown>>;
  upstream: readonly string[];
}

/** True when a changed key and a key a stage declares overlap (`train` covers `train.lr`). */
function keysOverlap(changed: string, declared: string): boolean {
  return changed === declared || changed.startsWith(`${declared}.`) || declared.startsWith(`${changed}.`);
}

/**
 * For each stage the experiment's overrides make it rerun (its own params or an upstream
 * stage's changed), a signature of the overrides that reach it; stages left out run as in the
 * baseline. Two experiments with the same signature for a stage run it with the same inputs.
 */
export function stageSignatures(stages: readonly StageParams[], overrides: ParamOverrides): Map<string, string> {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const reaching = new Map<string, Set<string>>();
  const visit = (name: string): Set<string> => {
    const known = reaching.get(name);
    if (known) return known;
    const set = new Set<string>();
    reaching.set(name, set); // a cycle cannot reach here (the graph is checked), but never loop
    const stage = byName.get(name);
    if (!stage) return set;
    for (const [file, kv] of Object.entries(overrides)) {
      const declared = Object.keys(stage.params[file] ?? {});
      for (const [key, value] of Object.entries(kv)) {
        if (declared.some((d) => keysOverlap(key, d))) set.add(`${file}:${key}=${JSON.stringify(value)}`);
      }
    }
    for (const up of stage.upstream) for (const item of visit(up)) set.add(item);
    return set;
  };
  const signatures = new Map<string, string>();
  for (const stage of stages) {
    const set = visit(stage.name);
    if (set.size > 0) signatures.set(stage.name, [...set].sort().join('\n'));
  }
  return signatures;
}

/** True when two experiments would run some stage with the same inputs. */
export function sameStageRun(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  for (const [stage, signature] of a) if (b.get(stage) === signature) return true;
  return false;
}

/**
 * Index of the first waiting experiment that shares no stage run with a running one, or -1
 * when every waiting one must wait (one of them will be free when a running one ends).
 */
export function nextRunnable(waiting: readonly ReadonlyMap<string, string>[], running: readonly ReadonlyMap<string, string>[]): number {
  return waiting.findIndex((w) => running.every((r) => !sameStageRun(w, r)));
}
