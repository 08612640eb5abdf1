// `dvc-ts exp run`: experiments, each in its own temporary copy of the workspace with its params
// set there (the user's params file and HEAD never change), run through the public `runRepro`
// sharing the repository's cache; its results are saved as `refs/exps/<name>`. A failure is
// kept in the queue as failed, with its error and its log; an interrupted run stays queued.
import { applyToFiles, checkCopyPaths, exists, filesOf, openLog, type LogStream } from '../exp/files.js';
import { randomBytes } from 'node:crypto';
import { UserError, isUserError } from '../errors.js';
import { readConfig } from '../config.js';
import type { StageExecutor } from '../executor/types.js';
import { GitHistory } from '../git/history.js';
import { resultFiles } from '../git/commit.js';
import { changedTrackedFiles } from '../git/refs.js';
import { buildGraph } from '../graph/dag.js';
import { loadPipeline } from '../pipeline/load.js';
import type { RunReporter, StageStatus } from '../run/output.js';
import { toPlainText } from '../run/output.js';
import { addableKeys, describeOverrides, expandGrid, parseSetOption } from '../exp/params-set.js';
import { claim, dequeue, enqueue, fail, killRequested, readQueue, unclaim, type QueueEntry, type QueuedExperiment, type QueuedSnapshot } from '../exp/queue.js';
import { checkExperimentName, experimentRef, listExperiments, saveExperiment } from '../exp/refs.js';
import { nextRunnable, stageSignatures, type StageParams } from '../exp/schedule.js';
import { resetChampionComparisons } from './exp-champion.js';
import { createWorkspace, pruneSnapshots, removeWorkspace, snapshotDir, snapshotWorkspace } from '../exp/workspace.js';
import { sweepDeadExperiments } from '../repo/orphans.js';

export interface ExpRunOptions {
  /** `-S [file:]key=value[,value…]`, one per option; several values (or a sweep) make a grid. */
  set?: string[];
  /** Name of the experiment (a grid's get `NAME-1`, `NAME-2`, …). */
  name?: string;
  /** `-m`: the experiment commit's message. */
  message?: string;
  /** `-C`: paths copied into the experiment's workspace although they are cached outs. */
  copyPaths?: string[];
  /** Only add to the queue. */
  queue?: boolean;
  /** Run every queued experiment (and those given now). */
  runAll?: boolean;
  /** Experiments run at once; with a cluster executor, jobs in flight (more experiments are prepared). */
  jobs?: number;
  /** Pipeline file, root-relative. */
  file?: string;
  /** Where progress lines go (default: nowhere). */
  log?: (line: string) => void;
  /** What runs the stages (`local`, `slurm`); default: `executor:` of the config, else local. */
  executor?: string;
}

export interface ExperimentOutcome {
  name: string;
  /** The experiment's commit, when it succeeded. */
  commit?: string;
  error?: string;
  /** Not run here: another `exp run` had already taken it from the queue. */
  skipped?: boolean;
  /** Stopped by a signal: it stays queued. */
  interrupted?: boolean;
  /** What each stage did, by name. */
  stages: Record<string, StageStatus>;
}

export interface ExpRunResult {
  queued: string[];
  outcomes: ExperimentOutcome[];
  /** True when a signal stopped the run; the experiments not finished stay queued. */
  interrupted: boolean;
}

export async function historyFor(root: string): Promise<GitHistory> {
  return GitHistory.require(root, 'experiments (saved as git refs)');
}

export async function headCommit(history: GitHistory): Promise<string> {
  const head = await history.resolveRef('HEAD');
  if (!head) throw new UserError('experiments start from a commit, and this repository has none yet: commit the pipeline first');
  return head;
}

function generatedName(): string {
  return `exp-${randomBytes(3).toString('hex')}`;
}

/** The experiments `-S` describes (one, or a grid), named and checked, not yet queued. */
async function newExperiments(root: string, history: GitHistory, options: ExpRunOptions): Promise<QueuedExperiment[]> {
  const axes = (options.set ?? []).map((s) => parseSetOption(s));
  const points = expandGrid(axes);
  const taken = new Set([...(await listExperiments(history)).map((e) => e.name), ...(await readQueue(root)).map((e) => e.name)]);
  const copyPaths = (options.copyPaths ?? []).map((p) => p.replace(/\/+$/, ''));
  checkCopyPaths(root, copyPaths);
  const experiments = points.map((overrides, i): QueuedExperiment => {
    const name = options.name === undefined ? generatedName() : points.length === 1 ? options.name : `${options.name}-${i + 1}`;
    checkExperimentName(name);
    if (taken.has(name)) throw new UserError(`experiment '${name}' already exists: choose another name or 'dvc-ts exp remove ${name}'`);
    taken.add(name);
    const extra = { ...(options.message ? { message: options.message } : {}), ...(copyPaths.length ? { copyPaths } : {}) };
    return { name, overrides, addable: [...addableKeys(axes)], queuedAt: new Date().toISOString(), ...extra };
  });
  // A typo in a key fails now, not after the queue has waited for hours.
  for (const e of experiments) await applyToFiles(root, e, false);
  return experiments;
}

/**
 * `exp run`: queue the experiments `-S` describes (one, or a grid), then, unless `queue`, run
 * them (with `runAll`, everything queued and not failed), `jobs` at a time.
 */
export async function expRun(root: string, options: ExpRunOptions = {}): Promise<ExpRunResult> {
  const history = await historyFor(root);
  await headCommit(history);
  const log = options.log ?? (() => undefined);
  const fresh = (options.set ?? []).length > 0 || !options.runAll || options.name !== undefined;
  let added: QueueEntry[] = [];
  if (fresh) {
    const experiments = await newExperiments(root, history, options);
    const snapshot = options.queue ? await queueSnapshot(root, history, options.file, experiments[0]?.copyPaths ?? []) : undefined;
    try {
      added = await enqueue(root, experiments.map((e) => (snapshot ? { ...e, snapshot } : e)));
    } catch (e) {
      if (snapshot) await pruneQueueSnapshots(root, [snapshot.id]);
      throw e;
    }
    const verb = options.queue ? 'Queued' : 'Experiment';
    for (const e of added) log(`${verb} ${e.name}${describeOverrides(e.overrides).length ? `: ${describeOverrides(e.overrides).join(' ')}` : ''}`);
  }
  if (options.queue) return { queued: added.map((e) => e.name), outcomes: [], interrupted: false };
  const entries = options.runAll ? (await readQueue(root)).filter((e) => e.state === 'queued') : added;
  const run = await runQueued(root, history, entries, options);
  return { queued: added.map((e) => e.name), ...run };
}

/** Cached outs of the pipeline in `dir`: a workspace copy skips them (the run restores them from the cache). */
async function cachedOutsOf(dir: string, file: string | undefined, copyPaths: readonly string[]): Promise<Set<string>> {
  const pipeline = await loadPipeline(dir, { file });
  return new Set(pipeline.stages.flatMap((s) => s.outs.filter((o) => o.cache && !copyPaths.includes(o.path)).map((o) => o.path)));
}

/** The workspace as it is now, kept for experiments queued now (DVC's queue does the same). */
async function queueSnapshot(root: string, history: GitHistory, file: string | undefined, copyPaths: readonly string[]): Promise<QueuedSnapshot> {
  const baseline = await headCommit(history);
  const changedTracked = await changedTrackedFiles(history);
  const id = await snapshotWorkspace(root, await cachedOutsOf(root, file, copyPaths));
  return { id, baseline, changedTracked };
}

/** Remove the snapshots among `ids` (and long-abandoned ones) that no queued experiment uses now. */
export async function pruneQueueSnapshots(root: string, ids: Iterable<string>): Promise<void> {
  const inUse = new Set((await readQueue(root)).flatMap((e) => (e.snapshot && e.state !== 'failed' ? [e.snapshot.id] : [])));
  await pruneSnapshots(root, new Set(ids), inUse);
}

/** A reporter that prints each stage's result prefixed with the experiment's name and logs its output. */
function experimentReporter(name: string, log: (line: string) => void, statuses: Record<string, StageStatus>, logFile: LogStream): RunReporter {
  const note = (line: string) => logFile.write(`${line}\n`);
  return {
    begin: () => undefined,
    stageStarted: (stage) => {
      note(`Running stage '${stage}'`);
      log(`[${name}] Running stage '${stage}'`);
    },
    stageOutput: (_stage, _stream, chunk) => logFile.write(toPlainText(chunk.toString('utf8'))),
    stageDone: (stage, status, line) => {
      statuses[stage] = status;
      note(line);
      log(`[${name}] ${line}`);
    },
    info: (line) => {
      note(line);
      log(`[${name}] ${line}`);
    },
    end: () => undefined,
  };
}

/** What every experiment of one `exp run` shares: the baseline, the stages, the copy sources. */
interface RunContext {
  root: string;
  history: GitHistory;
  options: ExpRunOptions;
  log: (line: string) => void;
  baseline: string;
  changedTracked: string[];
  cachedOutsIn: (dir: string, copyPaths: readonly string[]) => Promise<Set<string>>;
  interrupted: () => boolean;
  /** One executor for the batch: a cluster's queue is watched once per poll for every experiment. */
  executor: () => Promise<StageExecutor>;
}

async function runContext(root: string, history: GitHistory, options: ExpRunOptions, interrupted: () => boolean): Promise<{ ctx: RunContext; stages: StageParams[] }> {
  const pipeline = await loadPipeline(root, { file: options.file });
  const graph = buildGraph(pipeline.stages);
  const stages = pipeline.stages.map((s) => ({ name: s.name, params: s.params, upstream: graph.upstream.get(s.name) ?? [] }));
  // Each source (the workspace, or a queued snapshot) is copied without its cached outs.
  const bySource = new Map<string, Promise<Set<string>>>();
  const cachedOutsIn = (dir: string, copyPaths: readonly string[]) => {
    const key = `${dir}\0${copyPaths.join('\0')}`;
    if (!bySource.has(key)) bySource.set(key, cachedOutsOf(dir, options.file, copyPaths));
    return bySource.get(key)!;
  };
  let executor: Promise<StageExecutor> | undefined;
  const shared = () => (executor ??= import('../executor/registry.js').then(async ({ openExecutor }) => openExecutor(root, await readConfig(root), options.executor)));
  const ctx: RunContext = { root, history, options, log: options.log ?? (() => undefined), baseline: await headCommit(history), changedTracked: await changedTrackedFiles(history), cachedOutsIn, interrupted, executor: shared };
  return { ctx, stages };
}

/** Polls for a `queue kill` of `entry`; aborts `controller` when one comes. */
function watchForKill(root: string, entry: QueueEntry, controller: AbortController): () => void {
  const timer = setInterval(() => {
    void killRequested(root, entry).then((yes) => {
      if (yes) controller.abort();
    });
  }, 200);
  timer.unref();
  return () => clearInterval(timer);
}

/** Run one claimed experiment in `workspace` and save it; the outcome, or a UserError thrown. */
async function runInWorkspace(ctx: RunContext, entry: QueueEntry, workspace: string, statuses: Record<string, StageStatus>, logFile: LogStream, stop: AbortSignal): Promise<ExperimentOutcome> {
  const { options } = ctx;
  // Cached outs come from the cache as the lock names them (linked where the config allows),
  // before anything runs: a `previous: true` dep (the champion) must be there for its readers.
  const { runCheckout } = await import('./checkout.js');
  await runCheckout(workspace, { file: options.file });
  await resetChampionComparisons(workspace, options.file);
  await applyToFiles(workspace, entry, true);
  if (ctx.interrupted()) return { name: entry.name, interrupted: true, stages: statuses };
  const { runRepro } = await import('./repro.js');
  // Each experiment interrupts only its own stages (`queue kill`), sharing the batch's watching.
  const executor = (await ctx.executor()).fork();
  const summary = await runRepro(workspace, { file: options.file, executor, reporter: experimentReporter(entry.name, ctx.log, statuses, logFile), stop });
  if (stop.aborted) return { name: entry.name, error: 'killed by `dvc-ts queue kill`', stages: statuses };
  if (summary.interrupted) return { name: entry.name, interrupted: true, stages: statuses };
  if (summary.failed) {
    const failed = summary.results.filter((r) => r.status === 'failed');
    return { name: entry.name, error: failed.map((r) => `stage '${r.name}' failed: ${r.error ?? ''}`).join('\n'), stages: statuses };
  }
  const stageSeconds: Record<string, number> = {};
  for (const r of summary.results) if (r.status === 'ran') stageSeconds[r.name] = Math.round(r.durationMs) / 1000;
  const ran = await loadPipeline(workspace, { file: options.file });
  const files = await filesOf(workspace, [...new Set([...resultFiles(ran), ...(entry.snapshot?.changedTracked ?? ctx.changedTracked)])]);
  const record = { name: entry.name, overrides: describeOverrides(entry.overrides), files: [...files.keys()], stageSeconds, ...(entry.message ? { message: entry.message } : {}) };
  const commit = await saveExperiment(ctx.history, entry.snapshot?.baseline ?? ctx.baseline, record, files);
  await dequeue(ctx.root, entry);
  ctx.log(`[${entry.name}] Saved as ${experimentRef(entry.name)} (${commit.slice(0, 7)})`);
  return { name: entry.name, commit, stages: statuses };
}

/** Claim, copy, run and save one experiment; a failure is recorded in the queue as failed. */
async function runOne(ctx: RunContext, queued: QueueEntry): Promise<ExperimentOutcome> {
  const { root } = ctx;
  const statuses: Record<string, StageStatus> = {};
  // Another `exp run --run-all` may be taking from the same queue.
  const entry = await claim(root, queued);
  if (!entry) return { name: queued.name, skipped: true, stages: statuses };
  const from = entry.snapshot ? snapshotDir(root, entry.snapshot.id) : root;
  let outcome: ExperimentOutcome = { name: entry.name, error: `its snapshot of the workspace (${from}) is gone: queue it again`, stages: statuses };
  const logFile = await openLog(root, entry.name);
  const controller = new AbortController();
  const stopWatching = watchForKill(root, entry, controller);
  let workspace: string | undefined;
  try {
    if (!entry.snapshot || exists(from)) {
      workspace = await createWorkspace(root, await ctx.cachedOutsIn(from, entry.copyPaths ?? []), { from });
      outcome = await runInWorkspace(ctx, entry, workspace, statuses, logFile, controller.signal);
    }
  } catch (e) {
    if (!isUserError(e)) {
      logFile.end();
      await unclaim(root, entry);
      throw e;
    }
    outcome = { name: entry.name, error: e.format(), stages: statuses };
  } finally {
    stopWatching();
    if (workspace) await removeWorkspace(workspace);
  }
  if (outcome.error) logFile.write(`\nFailed: ${outcome.error}\n`);
  await new Promise((resolve) => logFile.end(resolve));
  if (outcome.interrupted) await unclaim(root, entry);
  else if (outcome.error) await fail(root, entry, outcome.error);
  return outcome;
}

/** Run `entries`, `runs` at a time, never two at once that would run the same stage the same way. */
async function runPool(ctx: RunContext, stages: StageParams[], entries: QueueEntry[], runs: number): Promise<ExperimentOutcome[]> {
  const waiting = entries.map((entry) => ({ entry, signatures: stageSignatures(stages, entry.overrides) }));
  const running: { signatures: Map<string, string> }[] = [];
  const outcomes: ExperimentOutcome[] = [];
  await new Promise<void>((resolveAll, rejectAll) => {
    let active = 0;
    const launch = () => {
      while (!ctx.interrupted() && active < runs && waiting.length > 0) {
        const index = nextRunnable(waiting.map((w) => w.signatures), running.map((r) => r.signatures));
        if (index < 0) break; // wait for a running experiment whose stage runs this one would repeat
        const [next] = waiting.splice(index, 1);
        const slot = { signatures: next!.signatures };
        running.push(slot);
        active++;
        runOne(ctx, next!.entry).then((outcome) => {
          outcomes.push(outcome);
          if (outcome.error) ctx.log(`[${outcome.name}] failed: ${outcome.error}`);
          if (outcome.skipped) ctx.log(`[${outcome.name}] skipped: another exp run is running it`);
          running.splice(running.indexOf(slot), 1);
          active--;
          launch();
        }, rejectAll);
      }
      if (active === 0) resolveAll();
    };
    launch();
  });
  return outcomes;
}

async function runQueued(root: string, history: GitHistory, entries: QueueEntry[], options: ExpRunOptions): Promise<Omit<ExpRunResult, 'queued'>> {
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let outcomes: ExperimentOutcome[];
  // Copies left by an `exp run` killed outright go before this one makes its own.
  await sweepDeadExperiments(root);
  let context: RunContext | undefined;
  try {
    const { ctx, stages } = await runContext(root, history, options, () => interrupted);
    context = ctx;
    // `-j` bounds the stages running at once; a cluster executor may have more experiments
    // prepared than that, their jobs waiting for a slot (engine/executor/types.ts limitJobs).
    const runsAtOnce = (await ctx.executor()).limitJobs(Math.max(1, options.jobs ?? 1));
    outcomes = await runPool(ctx, stages, entries, runsAtOnce);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await context?.executor().then((e) => e.close());
    await pruneQueueSnapshots(root, entries.flatMap((e) => (e.snapshot ? [e.snapshot.id] : [])));
  }
  const order = new Map(entries.map((e, i) => [e.name, i]));
  outcomes.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  return { outcomes, interrupted: interrupted || outcomes.some((o) => o.interrupted) };
}

export { filesOf };
