import { environmentError, isUserError, UserError } from '../errors.js';
import { decideGate } from '../gate/index.js';
import { resolveTarget, selectStages } from '../graph/select.js';
import { describeReason, type StaleReason } from '../stage/staleness.js';
import type { GateDecision, LockEntry, StageDef } from '../types.js';
import { ignoreOuts } from '../git/gitignore.js';
import type { Repo } from '../repo/repo.js';
import type { RunReporter, StageStatus } from './output.js';
import { LockWriter, SplitLockWriter, type StageLockWriter } from './lock-writer.js';
import { brokenUpstream, decide, type Observation, type Outcome, type UpstreamView } from '../stage/decide.js';
import { depEntries } from '../stage/run-key.js';
import { actedLine, outcomeError, outcomeLine } from '../stage/outcome.js';
import type { StageExecutor } from '../executor/types.js';
import { LocalExecutor } from '../executor/local/executor.js';
import { handEditedFiles, handEditError, markCompleted, markRunning, rememberProducedOuts } from './hand-edits.js';
import { schedule } from './schedule.js';
import { formatMs } from '../util/format-ms.js';

export interface ReproOptions {
  /**
   * When the command began, as a `performance.now()` reading: the summary's "in N ms" counts
   * from there. The CLI passes 0, the process's start (load and checks included); default: now.
   */
  startedAt?: number;
  targets?: string[];
  /** Run the selected stages even when they are up to date. */
  force?: boolean;
  /** Say what would run and why; run nothing, write nothing. */
  dry?: boolean;
  downstream?: boolean;
  /** Only the targets, not what they depend on. */
  single?: boolean;
  /** After a failure, go on with every stage that does not depend on the failed one. */
  keepGoing?: boolean;
  /** Stages run at once (commands, not hashing). */
  jobs?: number;
  /** Run gated stages as if every gate were open. */
  ignoreGates?: boolean;
  /** Use the run-cache to restore outs of a (cmd, deps, params) seen before. Default true. */
  runCache?: boolean;
  reporter: RunReporter;
  /** Aborting stops new stages and kills the running ones' process groups. */
  signal?: AbortSignal;
  /** What runs the stages' commands (engine/executor/); default: child processes here. */
  executor?: StageExecutor;
}

export interface StageResult {
  name: string;
  status: StageStatus;
  reasons: StaleReason[];
  gate?: GateDecision;
  /** Milliseconds spent in the stage's own commands (ran), or in restoring it. */
  durationMs: number;
  /** For failures: what went wrong, with the tail of stderr. */
  error?: string;
  /** The decision taken for the stage (engine/stage/decide.ts); absent when it was not looked at. */
  outcome?: Outcome;
}

export interface ReproSummary {
  results: StageResult[];
  failed: boolean;
  interrupted: boolean;
  durationMs: number;
}

/** One reproduce call: the repository, the options, and what changes as stages finish. */
interface Run {
  repo: Repo;
  options: ReproOptions;
  /** Named targets themselves (not their upstream): `--force` reaches into a frozen stage only then. */
  explicit: Set<string>;
  lockWriter: StageLockWriter;
  executor: StageExecutor;
  stopLaunching: boolean;
}

/**
 * Reproduce the pipeline: every selected stage in topological order, each decided (decide.ts)
 * when its upstream has finished (so a stage whose upstream rebuilt identical outs stays up to
 * date: early cutoff), independent stages in parallel up to `jobs`. A dry run takes the same
 * decisions and acts on none of them.
 */
export async function reproduce(repo: Repo, options: ReproOptions): Promise<ReproSummary> {
  const started = options.startedAt ?? performance.now();
  const { graph } = repo;
  const selected = selectStages(graph, { targets: options.targets ?? [], downstream: options.downstream, single: options.single });
  const run: Run = {
    repo,
    options,
    explicit: new Set((options.targets ?? []).flatMap((t) => resolveTarget(graph, t))),
    lockWriter: repo.pipeline.parts
      ? new SplitLockWriter(repo.root, repo.lock, graph.order, repo.pipeline.parts)
      : new LockWriter(repo.root, repo.lock, graph.order, repo.lockFile),
    executor: options.executor ?? new LocalExecutor(),
    stopLaunching: false,
  };
  // Stages taken over from dvc.lock (lock/dvc-lock.ts) go into pipeline.lock on the first run.
  if (!options.dry) for (const name of repo.adoptedFromDvcLock) run.lockWriter.set(name, repo.lock.stages[name]!);
  const onAbort = () => {
    run.stopLaunching = true;
    run.executor.interrupt();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  options.reporter.begin(selected.length, () => repo.hasher.filesHashed);
  let results: Map<string, StageResult>;
  try {
    const jobs = options.jobs ?? 1;
    const slots = (name: string) => run.executor.slots(graph.byName.get(name)!, jobs);
    results = await schedule(graph, selected, jobs, (name, upstream) => processStage(run, name, upstream), slots);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await run.lockWriter.close();
    options.reporter.end();
  }
  const list = selected.map((n) => results.get(n)!);
  return {
    results: list,
    failed: list.some((r) => r.status === 'failed'),
    interrupted: run.executor.interrupted,
    durationMs: performance.now() - started,
  };
}

async function processStage(run: Run, name: string, upResults: StageResult[]): Promise<StageResult> {
  if (run.stopLaunching && !upResults.some((r) => r.status === 'failed' || r.status === 'not-run')) {
    const why = run.executor.interrupted ? 'interrupted' : 'stopped after a failure';
    run.options.reporter.stageDone(name, 'not-run', actedLine.stopped(name, why));
    return { name, status: 'not-run', reasons: [], durationMs: 0, error: why };
  }
  const stage = run.repo.graph.byName.get(name)!;
  try {
    return await (run.options.dry ? dryStage(run, stage, upResults) : realStage(run, stage, upResults));
  } catch (e) {
    return failStage(run, name, [], e);
  }
}

/** Observe the stage and decide what happens to it, given how its upstream stands. */
export async function decideStage(run: Pick<Run, 'repo' | 'options' | 'explicit'>, stage: StageDef, upResults: StageResult[]): Promise<{ outcome: Outcome; observed: Observation }> {
  const { repo, options } = run;
  const entry = repo.lock.stages[stage.name];
  const upstream = upResults.map((r) => upstreamView(r, repo.graph.byName.get(r.name)!, repo.lock.stages[r.name]));
  // Below a failed stage the decision is made before looking at anything: hash nothing.
  const observed = brokenUpstream(upstream) ? NOT_OBSERVED : await repo.observe(stage, entry);
  const outcome = await decide(
    {
      stage,
      entry,
      observed,
      upstream,
      gateFeeders: repo.graph.gateUpstream.get(stage.name) ?? [],
      force: options.force,
      forceFrozen: run.explicit.has(stage.name),
      ignoreGates: options.ignoreGates,
      runCache: options.runCache,
    },
    { readGate: (s) => decideGate(repo.root, s.name, s.when!), findRun: (key) => repo.runCache.findRun(key) },
  );
  return { outcome, observed };
}

const NOT_OBSERVED: Observation = { deps: new Map(), outs: new Map(), lockedOutInCache: () => false, params: {}, paramsMissing: [], paramKeysMissing: [] };

/** How a finished (or, in a dry run, decided) upstream stage looks to the stages below it. */
function upstreamView(r: StageResult, stage: StageDef, lockEntry: LockEntry | undefined): UpstreamView {
  if (r.status === 'gated' || r.status === 'blocked') return { name: r.name, state: 'gated' };
  if (r.status === 'failed' || r.status === 'not-run') return { name: r.name, state: r.status };
  if (r.status !== 'would-run' && r.status !== 'pending') return { name: r.name, state: 'done' };
  const o = r.outcome;
  if (o?.kind === 'restore' && lockEntry) {
    // A restore puts back the cached outs only; the others are already as the lock says.
    const cached = new Set(stage.outs.filter((out) => out.cache).map((out) => out.path));
    return { name: r.name, state: 'done', projected: lockEntry.outs.filter((out) => cached.has(out.path)) };
  }
  if (o?.kind === 'run-cache') return { name: r.name, state: 'done', projected: o.outs };
  return { name: r.name, state: 'pending' };
}

/** A dry run: say what the decision is, change nothing. */
async function dryStage(run: Run, stage: StageDef, upResults: StageResult[]): Promise<StageResult> {
  const decided = (await decideStage(run, stage, upResults)).outcome;
  // What a real run would refuse (hand edits it would overwrite), `status` and `--dry` say too.
  const edited = await editsInTheWay(run, stage, decided);
  const outcome: Outcome = edited.length === 0 ? decided : { kind: 'fail', reasons: decided.reasons, why: handEditError(stage.name, edited).message };
  const [status, line] = outcomeLine(stage.name, outcome, true);
  if (outcome.kind === 'fail') run.stopLaunching ||= !run.options.keepGoing;
  run.options.reporter.stageDone(stage.name, status, line);
  return resultOf(stage.name, status, outcome, { error: outcomeError(outcome, true) });
}

/** Hand-edited files acting on `outcome` would overwrite (none with --force): the run refuses them. */
async function editsInTheWay(run: Run, stage: StageDef, outcome: Outcome): Promise<string[]> {
  if (run.options.force || !(outcome.kind === 'restore' || outcome.kind === 'run-cache' || outcome.kind === 'run')) return [];
  return handEditedFiles(run.repo, stage, outcome.reasons);
}

function resultOf(name: string, status: StageStatus, outcome: Outcome, extra: { durationMs?: number; error?: string } = {}): StageResult {
  const result: StageResult = { name, status, reasons: outcome.reasons, durationMs: extra.durationMs ?? 0, outcome };
  const gate = 'gate' in outcome ? outcome.gate : undefined;
  if (gate) result.gate = gate;
  if (extra.error !== undefined) result.error = extra.error;
  return result;
}

/**
 * A real run: decide, then act. A restore that meets a damaged cache object removes it, tells
 * the user, and decides again (the out is no longer restorable, so the stage runs).
 */
async function realStage(run: Run, stage: StageDef, upResults: StageResult[]): Promise<StageResult> {
  const { reporter } = run.options;
  const name = stage.name;
  for (let attempt = 0; ; attempt++) {
    const { outcome, observed } = await decideStage(run, stage, upResults);
    const edited = await editsInTheWay(run, stage, outcome);
    if (edited.length > 0) return failStage(run, name, outcome.reasons, handEditError(name, edited));
    switch (outcome.kind) {
      case 'restore':
      case 'run-cache': {
        const t = performance.now();
        const outs = outcome.kind === 'restore' ? run.repo.lock.stages[name]!.outs : outcome.outs;
        const damaged = await run.repo.restoreOuts(stage, outs, { uncached: outcome.kind === 'run-cache', dropDamaged: true });
        if (damaged.length > 0 && attempt < 2) {
          reporter.info(`Stage '${name}': removed damaged cache object(s) ${damaged.join(', ')}; running the stage again instead`);
          continue;
        }
        if (damaged.length > 0) return failStage(run, name, outcome.reasons, new UserError(`damaged cache objects: ${damaged.join(', ')}`));
        return restored(run, stage, outcome, observed, performance.now() - t);
      }
      case 'run':
        return runStage(run, stage, outcome, observed);
      case 'fail':
        run.stopLaunching ||= !run.options.keepGoing;
        break;
      case 'gated':
        run.lockWriter.set(name, skippedEntry(stage, run.repo.lock.stages[name], outcome.gate));
        break;
      case 'pending':
        throw new Error(`stage '${name}' pending in a real run: its upstream has not finished`);
    }
    const [status, line] = outcomeLine(name, outcome, false);
    reporter.stageDone(name, status, line);
    return resultOf(name, status, outcome, { error: outcomeError(outcome, false) });
  }
}

async function restored(run: Run, stage: StageDef, outcome: Outcome, observed: Observation, durationMs: number): Promise<StageResult> {
  const name = stage.name;
  await markCompleted(run.repo, stage);
  if (outcome.kind === 'run-cache') {
    const entry: LockEntry = { cmd: stage.cmd, deps: depEntries(stage, observed), params: observed.params, outs: outcome.outs };
    if (outcome.gate) entry.gate = outcome.gate;
    run.lockWriter.set(name, entry);
    run.options.reporter.stageDone(name, 'run-cache', actedLine.runCache(name, outcome));
    return resultOf(name, 'run-cache', outcome, { durationMs });
  }
  run.options.reporter.stageDone(name, 'restored', actedLine.restored(name));
  return resultOf(name, 'restored', outcome, { durationMs });
}

async function runStage(run: Run, stage: StageDef, outcome: Extract<Outcome, { kind: 'run' }>, observed: Observation): Promise<StageResult> {
  const { repo, options } = run;
  const name = stage.name;
  const note = outcome.reasons.map(describeReason).join('; ');
  options.reporter.stageStarted(name, note);
  const t = performance.now();
  await markRunning(repo, stage);
  const failure = await run.executor.execute(repo, stage, options.reporter);
  const durationMs = performance.now() - t;
  if (failure !== undefined) {
    await rememberProducedOuts(repo, stage);
    options.reporter.stageDone(name, 'failed', actedLine.failed(name, failure));
    run.stopLaunching ||= !options.keepGoing;
    return resultOf(name, 'failed', outcome, { durationMs, error: failure });
  }
  try {
    const outs = await repo.commitOuts(stage);
    const fresh: LockEntry = { cmd: stage.cmd, deps: depEntries(stage, observed), params: observed.params, outs };
    if (outcome.gate) fresh.gate = outcome.gate;
    await ignoreOuts(repo.root, stage.outs.filter((o) => o.cache).map((o) => o.path));
    run.lockWriter.set(name, fresh);
    if (outcome.runKey) await repo.saveRun(stage, outcome.runKey, outs);
    await markCompleted(repo, stage);
  } catch (e) {
    await rememberProducedOuts(repo, stage);
    return failStage(run, name, outcome.reasons, e);
  }
  options.reporter.stageDone(name, 'ran', actedLine.ran(name, formatMs(durationMs)));
  return resultOf(name, 'ran', outcome, { durationMs });
}

function failStage(run: Run, name: string, reasons: StaleReason[], e: unknown): StageResult {
  // A full disk or a read-only mount fails the stage, naming the path and the cause.
  const user = isUserError(e) ? e : environmentError(e);
  if (!user) throw e;
  const error = user.format();
  run.options.reporter.stageDone(name, 'failed', actedLine.failed(name, error));
  run.stopLaunching ||= !run.options.keepGoing;
  return { name, status: 'failed', reasons, durationMs: 0, error };
}

/** What the lock keeps for a stale stage its gate skipped: the old record, the decision, a flag. */
function skippedEntry(stage: StageDef, previous: LockEntry | undefined, gate: GateDecision): LockEntry {
  const base = previous ?? { cmd: stage.cmd, deps: [], params: {}, outs: [] };
  return { ...base, gate, skipped: true };
}

export function summarize(summary: ReproSummary): string {
  return `${summaryCounts(summary)} in ${formatMs(summary.durationMs)}`;
}

/** The summary line without its duration: `0 ran, 0 restored, 3 up to date, 0 failed`. */
export function summaryCounts(summary: Pick<ReproSummary, 'results'>): string {
  const count = (...s: StageStatus[]) => summary.results.filter((r) => s.includes(r.status)).length;
  const parts = [
    `${count('ran')} ran`,
    `${count('restored', 'run-cache')} restored`,
    `${count('up-to-date', 'frozen')} up to date`,
  ];
  const gated = count('gated', 'blocked');
  if (gated) parts.push(`${gated} skipped by gates`);
  const wouldRun = count('would-run');
  if (wouldRun) parts.push(`${wouldRun} would run`);
  const pending = count('pending');
  if (pending) parts.push(`${pending} may run`);
  parts.push(`${count('failed')} failed`);
  const notRun = count('not-run');
  if (notRun) parts.push(`${notRun} not run`);
  return parts.join(', ');
}
