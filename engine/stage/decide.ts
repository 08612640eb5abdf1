// The one decision about a stage: what `repro` does with it, what `repro --dry` says it would do,
// and what `status` reports. Pure apart from two readers passed in (the gate's files, the
// run-cache), so the three commands cannot disagree and the rules are tested without disk.
import { isUserError } from '../errors.js';
import { onlyRestorable, staleReasons, type StageObservation, type StaleReason } from './staleness.js';
import { runKeyOf } from './run-key.js';
import type { GateDecision, LockEntry, LockPathEntry, ParamValues, StageDef } from '../types.js';
import { isSameOrInside } from '../util/paths.js';

/** What was found on disk for one stage, gathered by the edges (Repo.observe). */
export interface Observation extends StageObservation {
  /** Param values as read now (declared params re-read, so a produced params file counts). */
  params: ParamValues;
  /** Declared params files that do not exist. */
  paramsMissing: string[];
  /** `file:key` of declared params not found in a file that exists. */
  paramKeysMissing: string[];
}

/**
 * How an upstream stage stands when this one is decided. In a real run every upstream has
 * finished ('done', or 'gated' when it produced nothing); in a dry run or status an upstream may
 * be about to run ('pending': what it writes is unknown) or about to put known outs back
 * ('done' with `projected`: restored from the cache or the run-cache).
 */
export interface UpstreamView {
  name: string;
  /** 'failed': it failed (or would, dry); 'not-run': it was not run because of a failure above it. */
  state: 'done' | 'pending' | 'gated' | 'failed' | 'not-run';
  projected?: LockPathEntry[];
}

export interface DecideInput {
  stage: StageDef;
  entry: LockEntry | undefined;
  observed: Observation;
  /** The selected upstream stages, in declaration order. */
  upstream: UpstreamView[];
  /** Upstream stages that write the files the stage's gate reads. */
  gateFeeders: string[];
  force?: boolean;
  /** `--force` reaches a frozen stage only when it is named as a target. */
  forceFrozen?: boolean;
  ignoreGates?: boolean;
  /** Whether the run-cache may stand in for running (default true). */
  runCache?: boolean;
}

export interface DecideReaders {
  /** Decide the stage's gate from its files as they are now; throws UserError. */
  readGate(stage: StageDef): Promise<GateDecision>;
  /** Outs of an earlier run with this run key, when the run-cache holds every object. */
  findRun(runKey: string): Promise<LockPathEntry[] | undefined>;
}

/** The outcome for one stage; every kind but up-to-date and frozen carries the stale reasons. */
export type Outcome =
  | { kind: 'up-to-date'; reasons: StaleReason[] }
  | { kind: 'frozen'; reasons: StaleReason[] }
  | { kind: 'restore'; reasons: StaleReason[] }
  | { kind: 'run-cache'; reasons: StaleReason[]; outs: LockPathEntry[]; runKey: string; gate?: GateDecision }
  | { kind: 'blocked'; reasons: StaleReason[]; upstream: string; missing: string[] }
  | { kind: 'gated'; reasons: StaleReason[]; gate: GateDecision }
  | { kind: 'run'; reasons: StaleReason[]; gate?: GateDecision; runKey?: string }
  | { kind: 'pending'; reasons: StaleReason[]; upstream: string[]; gateOnly: boolean }
  | { kind: 'fail'; reasons: StaleReason[]; why: string }
  | { kind: 'not-run'; reasons: StaleReason[]; upstream: string; upstreamFailed: boolean };

export type OutcomeKind = Outcome['kind'];

/** Decide what happens to one stage. */
export async function decide(input: DecideInput, readers: DecideReaders): Promise<Outcome> {
  const { stage, upstream } = input;
  const broken = brokenUpstream(upstream);
  if (broken) return { kind: 'not-run', reasons: [], upstream: broken.name, upstreamFailed: broken.state === 'failed' };
  if (stage.frozen && !(input.force && input.forceFrozen)) return { kind: 'frozen', reasons: [] };
  const observed = project(input.observed, stage, upstream);
  let reasons = staleReasons(stage, input.entry, observed);
  const pending = pendingUpstream(input, upstream);
  // Forced and ungated, it runs whatever its upstream writes (--force skips the run-cache).
  if (pending.length > 0 && input.force && !stage.when) return { kind: 'run', reasons: reasons.length > 0 ? reasons : [{ kind: 'always-changed' }] };
  if (pending.length > 0) {
    // What the stage will see depends on what those stages write: say so, with what is known.
    const gateOnly = pending.every((p) => input.gateFeeders.includes(p)) && reasons.length > 0;
    return { kind: 'pending', reasons, upstream: pending, gateOnly };
  }
  if (input.force && reasons.length === 0) reasons = [{ kind: 'always-changed' }];
  if (reasons.length === 0) return { kind: 'up-to-date', reasons };
  if (!input.force && onlyRestorable(reasons)) return { kind: 'restore', reasons };

  const missing = missingInputs(stage, observed);
  if (missing.length > 0) {
    const gatedUp = upstream.find((u) => u.state === 'gated');
    if (gatedUp) return { kind: 'blocked', reasons, upstream: gatedUp.name, missing };
  }
  if (observed.paramKeysMissing.length > 0) {
    return { kind: 'fail', reasons, why: `params not found: ${observed.paramKeysMissing.join(', ')}` };
  }
  if (missing.length > 0) return { kind: 'fail', reasons, why: `missing dependencies: ${missing.join(', ')}` };

  const gate = await gateOf(input, readers);
  if (gate && 'why' in gate) return { kind: 'fail', reasons, why: gate.why };
  if (gate && !gate.open) return { kind: 'gated', reasons, gate };

  const runKey = runKeyOf(input, observed);
  if (runKey && !input.force) {
    const outs = await readers.findRun(runKey);
    if (outs) return withGate({ kind: 'run-cache', reasons, outs, runKey }, gate);
  }
  const run: Outcome = { kind: 'run', reasons };
  if (runKey) run.runKey = runKey;
  return withGate(run, gate);
}

/** The first upstream stage that failed or was not run: nothing below it runs, and nothing of it needs observing. */
export function brokenUpstream(upstream: readonly UpstreamView[]): UpstreamView | undefined {
  return upstream.find((u) => u.state === 'failed' || u.state === 'not-run');
}

function withGate(o: Outcome & { gate?: GateDecision }, gate: GateDecision | undefined): Outcome {
  if (gate) o.gate = gate;
  return o;
}

/** Upstream stages whose coming writes decide this stage (pending ones, and projected feeders of a gate or params file). */
function pendingUpstream(input: DecideInput, upstream: UpstreamView[]): string[] {
  const paramFiles = (input.stage.paramSources ?? []).map((p) => p.file);
  return upstream
    .filter((u) => {
      if (u.state === 'pending') return true;
      if (!u.projected) return false;
      // A projected out read other than as a whole dep (a gate file, a params file, a file
      // inside a projected directory) is not known until it is really there.
      const gateFiles = Object.values(input.stage.when?.files ?? {});
      return u.projected.some((o) =>
        gateFiles.some((f) => isSameOrInside(f, o.path)) ||
        paramFiles.some((f) => isSameOrInside(f, o.path)) ||
        input.stage.deps.some((d) => d.path !== o.path && (isSameOrInside(d.path, o.path) || isSameOrInside(o.path, d.path))));
    })
    .map((u) => u.name);
}

/** The observation with the outs projected upstream stages will put back, for deps at those paths. */
function project(observed: Observation, stage: StageDef, upstream: UpstreamView[]): Observation {
  const projected = upstream.flatMap((u) => u.projected ?? []);
  if (projected.length === 0) return observed;
  const deps = new Map(observed.deps);
  for (const d of stage.deps) {
    const out = projected.find((o) => o.path === d.path);
    if (out) deps.set(d.path, { hash: out.hash, size: out.size, ...(out.nfiles === undefined ? {} : { nfiles: out.nfiles }) });
  }
  return { ...observed, deps };
}

/** Deps and params files the stage needs that are not there. */
function missingInputs(stage: StageDef, observed: Observation): string[] {
  const deps = stage.deps.filter((d) => !d.previous && observed.deps.get(d.path) === undefined).map((d) => d.path);
  return [...deps, ...observed.paramsMissing];
}

async function gateOf(input: DecideInput, readers: DecideReaders): Promise<GateDecision | { why: string } | undefined> {
  const { stage } = input;
  if (!stage.when) return undefined;
  // A gate whose file comes from a stage its own gate skipped would decide on an earlier run's
  // verdict: the closed gate propagates instead.
  const closed = input.upstream.find((u) => u.state === 'gated' && input.gateFeeders.includes(u.name));
  if (closed && !input.ignoreGates) return { open: false, expr: stage.when.expr, values: {}, upstream: closed.name };
  let gate: GateDecision;
  try {
    gate = await readers.readGate(stage);
  } catch (e) {
    if (!isUserError(e)) throw e;
    if (!input.ignoreGates) return { why: e.format() };
    gate = { open: true, expr: stage.when.expr, values: {} };
  }
  return input.ignoreGates ? { ...gate, open: true, ignored: true } : gate;
}
