// `dvc-ts exp …`: experiments. Each runs in its own temporary copy of the workspace with its
// params set there (the user's params file and HEAD never change), through the public
// `runRepro`, sharing the repository's cache; its results are saved as `refs/exps/<name>`.
import fs, { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import git from 'isomorphic-git';
import { UserError, isUserError } from '../errors.js';
import { GitHistory } from '../git/history.js';
import { resultFiles } from '../git/commit.js';
import { Snapshot } from '../git/snapshot.js';
import { buildGraph } from '../graph/dag.js';
import { lockPathFor } from '../lock/lockfile.js';
import { loadPipeline } from '../pipeline/load.js';
import { ObjectStore } from '../cache/store.js';
import { diffMetrics, readMetrics } from '../report/metrics.js';
import { diffParams, readParams } from '../report/params.js';
import type { DiffRow, ValuesByFile } from '../report/compare.js';
import { Repo } from '../run/repo.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { RunReporter, StageStatus } from '../run/output.js';
import { addableKeys, applyOverrides, describeOverrides, expandGrid, parseSetOption } from '../exp/params-set.js';
import { claim, dequeue, enqueue, readQueue, unclaim, type QueueEntry, type QueuedExperiment, type QueuedSnapshot } from '../exp/queue.js';
import {
  branchFromExperiment,
  checkExperimentName,
  deleteExperiment,
  experimentRef,
  findExperiment,
  listExperiments,
  saveExperiment,
} from '../exp/refs.js';
import { nextRunnable, stageSignatures } from '../exp/schedule.js';
import { findMetricColumn, metricDeltas, sortByMetric, type ExperimentRow } from '../exp/table.js';
import { sweepDeadExperiments } from '../run/orphans.js';
import { createWorkspace, pruneSnapshots, removeWorkspace, snapshotDir, snapshotWorkspace } from '../exp/workspace.js';

export interface ExpRunOptions {
  /** `-S [file:]key=value[,value…]`, one per option; several values make a grid. */
  set?: string[];
  /** Name of the experiment (a grid's get `NAME-1`, `NAME-2`, …). */
  name?: string;
  /** Only add to the queue. */
  queue?: boolean;
  /** Run every queued experiment (and those given now). */
  runAll?: boolean;
  /** Experiments run at once. */
  jobs?: number;
  /** Pipeline file, root-relative. */
  file?: string;
  /** Where progress lines go (default: nowhere). */
  log?: (line: string) => void;
}

export interface ExperimentOutcome {
  name: string;
  /** The experiment's commit, when it succeeded. */
  commit?: string;
  error?: string;
  /** Not run here: another `exp run` had already taken it from the queue. */
  skipped?: boolean;
  /** What each stage did, by name. */
  stages: Record<string, StageStatus>;
}

export interface ExpRunResult {
  queued: string[];
  outcomes: ExperimentOutcome[];
  /** True when a signal stopped the run; the experiments not finished stay queued. */
  interrupted: boolean;
}

async function historyFor(root: string): Promise<GitHistory> {
  return GitHistory.require(root, 'experiments (saved as git refs)');
}

async function headCommit(history: GitHistory): Promise<string> {
  const head = await history.resolveRef('HEAD');
  if (!head) throw new UserError('experiments start from a commit, and this repository has none yet: commit the pipeline first');
  return head;
}

/** The overrides of a queued experiment applied to the params files of `dir` (or checked only). */
async function applyToFiles(dir: string, entry: QueuedExperiment, write: boolean): Promise<void> {
  const addable = new Set(entry.addable);
  for (const [file, values] of Object.entries(entry.overrides)) {
    const text = await readFile(join(dir, file), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' && Object.keys(values).every((k) => addable.has(`${file}:${k}`))) return '';
      throw new UserError(`-S: cannot read params file ${file}: ${e.code === 'ENOENT' ? 'it does not exist' : e.message}`);
    });
    const updated = applyOverrides(file, text, values, addable);
    if (write) await writeFileAtomic(join(dir, file), updated);
  }
}

function generatedName(): string {
  return `exp-${randomBytes(3).toString('hex')}`;
}

/**
 * `exp run`: queue the experiments `-S` describes (one, or a grid), then, unless `queue`, run
 * them (with `runAll`, everything queued), `jobs` at a time.
 */
export async function expRun(root: string, options: ExpRunOptions = {}): Promise<ExpRunResult> {
  const history = await historyFor(root);
  await headCommit(history);
  const log = options.log ?? (() => undefined);
  const axes = (options.set ?? []).map((s) => parseSetOption(s));
  const fresh = axes.length > 0 || !options.runAll || options.name !== undefined;
  let added: QueueEntry[] = [];
  if (fresh) {
    const points = expandGrid(axes);
    const taken = new Set([...(await listExperiments(history)).map((e) => e.name), ...(await readQueue(root)).map((e) => e.name)]);
    const experiments: QueuedExperiment[] = points.map((overrides, i) => {
      const name = options.name === undefined ? generatedName() : points.length === 1 ? options.name : `${options.name}-${i + 1}`;
      checkExperimentName(name);
      if (taken.has(name)) throw new UserError(`experiment '${name}' already exists: choose another name or 'dvc-ts exp remove ${name}'`);
      taken.add(name);
      return { name, overrides, addable: [...addableKeys(axes)], queuedAt: new Date().toISOString() };
    });
    // A typo in a key fails now, not after the queue has waited for hours.
    for (const e of experiments) await applyToFiles(root, e, false);
    const snapshot = options.queue ? await queueSnapshot(root, history, options.file) : undefined;
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
  const swept = await sweepDeadExperiments(root);
  if (swept.workspaces > 0) log(`Removed ${swept.workspaces} experiment workspace(s) left by a killed dvc-ts exp run${swept.temps > 0 ? ` and ${swept.temps} temp file(s) in the cache` : ''}`);
  const entries = options.runAll ? (await readQueue(root)).filter((e) => !e.running) : added;
  const run = await runQueued(root, history, entries, options);
  return { queued: added.map((e) => e.name), ...run };
}

/** Cached outs of the pipeline in `dir`: a workspace copy skips them (the run restores them from the cache). */
async function cachedOutsOf(dir: string, file: string | undefined): Promise<Set<string>> {
  const pipeline = await loadPipeline(dir, { file });
  return new Set(pipeline.stages.flatMap((s) => s.outs.filter((o) => o.cache).map((o) => o.path)));
}

/** The workspace as it is now, kept for experiments queued now (DVC's queue does the same). */
async function queueSnapshot(root: string, history: GitHistory, file: string | undefined): Promise<QueuedSnapshot> {
  const baseline = await headCommit(history);
  const changedTracked = await changedTrackedFiles(history);
  const id = await snapshotWorkspace(root, await cachedOutsOf(root, file));
  return { id, baseline, changedTracked };
}

/** Remove the snapshots among `ids` (and long-abandoned ones) that no queued experiment uses now. */
async function pruneQueueSnapshots(root: string, ids: Iterable<string>): Promise<void> {
  const inUse = new Set((await readQueue(root)).flatMap((e) => (e.snapshot ? [e.snapshot.id] : [])));
  await pruneSnapshots(root, new Set(ids), inUse);
}

/** A reporter that prints each stage's result as one line prefixed with the experiment's name. */
function experimentReporter(name: string, log: (line: string) => void, statuses: Record<string, StageStatus>): RunReporter {
  return {
    begin: () => undefined,
    stageStarted: (stage) => log(`[${name}] Running stage '${stage}'`),
    stageOutput: () => undefined,
    stageDone: (stage, status, line) => {
      statuses[stage] = status;
      log(`[${name}] ${line}`);
    },
    info: (line) => log(`[${name}] ${line}`),
    end: () => undefined,
  };
}

async function runQueued(root: string, history: GitHistory, entries: QueueEntry[], options: ExpRunOptions): Promise<Omit<ExpRunResult, 'queued'>> {
  const log = options.log ?? (() => undefined);
  const jobs = Math.max(1, options.jobs ?? 1);
  const baseline = await headCommit(history);
  const pipeline = await loadPipeline(root, { file: options.file });
  const graph = buildGraph(pipeline.stages);
  const stages = pipeline.stages.map((s) => ({ name: s.name, params: s.params, upstream: graph.upstream.get(s.name) ?? [] }));
  const changedTracked = await changedTrackedFiles(history);
  // Each source (the workspace, or a queued snapshot) is copied without its cached outs.
  const cachedOutsBySource = new Map<string, Promise<Set<string>>>();
  const cachedOutsIn = (dir: string) => {
    if (!cachedOutsBySource.has(dir)) cachedOutsBySource.set(dir, cachedOutsOf(dir, options.file));
    return cachedOutsBySource.get(dir)!;
  };

  const waiting = entries.map((entry) => ({ entry, signatures: stageSignatures(stages, entry.overrides) }));
  const running: { signatures: Map<string, string> }[] = [];
  const outcomes: ExperimentOutcome[] = [];
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runOne = async (queued: QueueEntry): Promise<ExperimentOutcome> => {
    const statuses: Record<string, StageStatus> = {};
    // Another `exp run --run-all` may be taking from the same queue.
    const entry = await claim(root, queued);
    if (!entry) return { name: queued.name, skipped: true, stages: statuses };
    let saved = false;
    const from = entry.snapshot ? snapshotDir(root, entry.snapshot.id) : root;
    if (entry.snapshot && !existsSync(from)) {
      await unclaim(root, entry);
      return { name: entry.name, error: `its snapshot of the workspace (${from}) is gone: 'dvc-ts exp remove ${entry.name}' and queue it again`, stages: statuses };
    }
    const workspace = await cachedOutsIn(from)
      .then((skip) => createWorkspace(root, skip, { from }))
      .catch(async (e: unknown) => {
        await unclaim(root, entry);
        throw e;
      });
    try {
      // Cached outs come from the cache as the lock names them (linked where the config allows),
      // before anything runs: a `previous: true` dep (the champion) must be there for its readers.
      const { runCheckout } = await import('./checkout.js');
      await runCheckout(workspace, { file: options.file });
      await applyToFiles(workspace, entry, true);
      if (interrupted) return { name: entry.name, error: 'interrupted', stages: statuses };
      const { runRepro } = await import('./repro.js');
      const summary = await runRepro(workspace, { file: options.file, reporter: experimentReporter(entry.name, log, statuses) });
      if (summary.interrupted) return { name: entry.name, error: 'interrupted', stages: statuses };
      if (summary.failed) {
        const failed = summary.results.filter((r) => r.status === 'failed');
        return { name: entry.name, error: failed.map((r) => `stage '${r.name}' failed: ${r.error ?? ''}`).join('\n'), stages: statuses };
      }
      const stageSeconds: Record<string, number> = {};
      for (const r of summary.results) if (r.status === 'ran') stageSeconds[r.name] = Math.round(r.durationMs) / 1000;
      const ran = await loadPipeline(workspace, { file: options.file });
      const files = await filesOf(workspace, [...new Set([...resultFiles(ran), ...(entry.snapshot?.changedTracked ?? changedTracked)])]);
      const record = { name: entry.name, overrides: describeOverrides(entry.overrides), files: [...files.keys()], stageSeconds };
      const commit = await saveExperiment(history, entry.snapshot?.baseline ?? baseline, record, files);
      await dequeue(root, entry);
      saved = true;
      log(`[${entry.name}] Saved as ${experimentRef(entry.name)} (${commit.slice(0, 7)})`);
      return { name: entry.name, commit, stages: statuses };
    } catch (e) {
      if (!isUserError(e)) throw e;
      return { name: entry.name, error: e.format(), stages: statuses };
    } finally {
      await removeWorkspace(workspace);
      if (!saved) await unclaim(root, entry);
    }
  };

  try {
    await new Promise<void>((resolveAll, rejectAll) => {
      let active = 0;
      const launch = () => {
        while (!interrupted && active < jobs && waiting.length > 0) {
          const index = nextRunnable(waiting.map((w) => w.signatures), running.map((r) => r.signatures));
          if (index < 0) break; // wait for a running experiment whose stage runs this one would repeat
          const [next] = waiting.splice(index, 1);
          const slot = { signatures: next!.signatures };
          running.push(slot);
          active++;
          runOne(next!.entry).then((outcome) => {
            outcomes.push(outcome);
            if (outcome.error) log(`[${outcome.name}] failed (it stays queued): ${outcome.error}`);
            if (outcome.skipped) log(`[${outcome.name}] skipped: another exp run is running it`);
            running.splice(running.indexOf(slot), 1);
            active--;
            launch();
          }, rejectAll);
        }
        if (active === 0) resolveAll();
      };
      launch();
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await pruneQueueSnapshots(root, entries.flatMap((e) => (e.snapshot ? [e.snapshot.id] : [])));
  }
  const order = new Map(entries.map((e, i) => [e.name, i]));
  outcomes.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  return { outcomes, interrupted };
}

/** Tracked files the workspace changed or deleted since HEAD: the experiment's code changes. */
async function changedTrackedFiles(history: GitHistory): Promise<string[]> {
  const prefix = history.prefix ? `${history.prefix}/` : '';
  const matrix = await git.statusMatrix({ fs, dir: history.gitRoot, filepaths: history.prefix ? [history.prefix] : undefined });
  return matrix
    .filter(([file, head, workdir]) => head === 1 && workdir !== 1 && file.startsWith(prefix))
    .map(([file]) => file.slice(prefix.length));
}

/** The bytes of each file in `dir` (null when absent there). */
async function filesOf(dir: string, paths: string[]): Promise<Map<string, Uint8Array | null>> {
  const files = new Map<string, Uint8Array | null>();
  for (const path of paths.sort()) {
    files.set(path, await readFile(join(dir, path)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EISDIR') return null;
      throw e;
    }));
  }
  return files;
}

// ---------------------------------------------------------------------------------------------

export interface ExpShowOptions {
  /** Experiments of every baseline, not only of HEAD. */
  all?: boolean;
  sortBy?: string;
  sortOrder?: 'asc' | 'desc';
  file?: string;
}

export interface ExperimentReport extends ExperimentRow {
  /** Change of each metric against the baseline. */
  deltas: ValuesByFile;
  /** `-S` values it was run with. */
  overrides: string[];
  /** Seconds in each stage that ran. */
  stageSeconds: Record<string, number>;
}

export interface ExpShowReport {
  baseline: ExperimentRow | undefined;
  experiments: ExperimentReport[];
  /** Queued experiments, and those a live `exp run` is running now. */
  queued: { name: string; overrides: string[]; running: boolean }[];
}

async function rowAt(root: string, history: GitHistory, name: string, commit: string, file: string | undefined, store: ObjectStore): Promise<ExperimentRow> {
  const snapshot = Snapshot.of(root, history, { label: name, commit }, file);
  const [params, metrics] = await Promise.all([readParams(snapshot), readMetrics(snapshot, store)]);
  return { name, commit, baseline: commit, created: null, params, metrics: metrics.values };
}

/** `exp show`: the baseline (HEAD) and its experiments (every one with `all`), with deltas. */
export async function expShow(root: string, options: ExpShowOptions = {}): Promise<ExpShowReport> {
  const history = await historyFor(root);
  const head = await headCommit(history);
  const store = new ObjectStore(root);
  const branch = await git.currentBranch({ fs, dir: history.gitRoot, fullname: false }).catch(() => undefined);
  const baseline = await rowAt(root, history, branch ?? head.slice(0, 7), head, options.file, store);
  const stored = (await listExperiments(history)).filter((e) => options.all || e.baseline === head);
  let rows: ExperimentReport[] = [];
  for (const e of stored) {
    const row = await rowAt(root, history, e.name, e.commit, options.file, store);
    const full = { ...row, baseline: e.baseline, created: e.created };
    rows.push({ ...full, deltas: metricDeltas(full, baseline), overrides: e.overrides, stageSeconds: e.stageSeconds });
  }
  if (options.sortBy) {
    const column = findMetricColumn([baseline, ...rows], options.sortBy);
    rows = sortByMetric(rows, column, options.sortOrder) as ExperimentReport[];
  }
  const queued = (await readQueue(root)).map((q) => ({ name: q.name, overrides: describeOverrides(q.overrides), running: q.running }));
  return { baseline, experiments: rows, queued };
}

// ---------------------------------------------------------------------------------------------

/** A side of `exp diff`: an experiment's name, else a git revision. */
async function sideOf(root: string, history: GitHistory, name: string, file: string | undefined): Promise<Snapshot> {
  const experiments = await listExperiments(history);
  const found = experiments.find((e) => e.name === name);
  return Snapshot.forRevision(root, history, found ? found.ref : name, file);
}

export interface ExpDiffReport {
  old: string;
  new: string;
  params: DiffRow[];
  metrics: DiffRow[];
}

/** `exp diff A B`: params and metrics that differ between A and B; `exp diff A`: between A's baseline and A. */
export async function expDiff(root: string, a: string, b: string | undefined, options: { all?: boolean; file?: string } = {}): Promise<ExpDiffReport> {
  const history = await historyFor(root);
  let oldSide: Snapshot;
  let newSide: Snapshot;
  if (b === undefined) {
    const exp = await findExperiment(history, a);
    oldSide = Snapshot.of(root, history, { label: exp.baseline.slice(0, 7), commit: exp.baseline }, options.file);
    newSide = await sideOf(root, history, a, options.file);
  } else {
    [oldSide, newSide] = await Promise.all([sideOf(root, history, a, options.file), sideOf(root, history, b, options.file)]);
  }
  const store = new ObjectStore(root);
  const [params, metrics] = await Promise.all([diffParams(oldSide, newSide, options), diffMetrics(oldSide, newSide, store, options)]);
  return { old: b === undefined ? oldSide.label : a, new: b ?? a, params, metrics };
}

// ---------------------------------------------------------------------------------------------

export interface ExpApplyResult {
  written: string[];
  restored: string[];
}

/**
 * `exp apply NAME`: the experiment's files (params, lock, metrics, changed code) into the
 * workspace, then its cached outs from the cache. Refuses, naming them, when that would
 * overwrite bytes that exist nowhere else (a params file edited by hand, an out not in the
 * cache), unless `force`.
 */
export async function expApply(root: string, name: string, options: { force?: boolean; file?: string } = {}): Promise<ExpApplyResult> {
  const history = await historyFor(root);
  const exp = await findExperiment(history, name);
  const head = await history.resolveRef('HEAD');
  const lockFile = lockPathFor((await loadPipeline(root, { file: options.file })).file);
  const conflicts: string[] = [];
  const writes: { path: string; bytes: Uint8Array | undefined }[] = [];
  const repo = await Repo.open(root, { file: options.file });
  try {
    const lockedOuts = new Map(Object.values(repo.lock.stages).flatMap((s) => s.outs.map((o) => [o.path, o.hash] as const)));
    for (const path of exp.files) {
      // The record names the files; a ref from elsewhere must not write outside the repository.
      if (path.startsWith('/') || path.split('/').includes('..')) throw new UserError(`experiment '${name}' names a file outside the repository: ${path}`);
      const theirs = await history.readBytes(exp.commit, path);
      const ours = await readFile(join(root, path)).catch(() => undefined);
      if (theirs !== undefined && ours !== undefined && Buffer.from(theirs).equals(ours)) continue;
      writes.push({ path, bytes: theirs });
      if (ours === undefined || path === lockFile) continue;
      const atHead = head ? await history.readBytes(head, path) : undefined;
      if (atHead !== undefined && Buffer.from(atHead).equals(ours)) continue;
      // An out the last repro made is reproducible: its bytes are what the lock records.
      const locked = lockedOuts.get(path);
      if (locked !== undefined && (await repo.hasher.hashPath(path))?.hash === locked) continue;
      conflicts.push(path);
    }
    for (const stage of repo.pipeline.stages) {
      for (const out of stage.outs.filter((o) => o.cache)) {
        const now = await repo.hasher.hashPath(out.path);
        if (now && !(await repo.store.has(now.hash))) conflicts.push(out.path);
      }
    }
  } finally {
    await repo.close();
  }
  if (conflicts.length > 0 && !options.force) {
    throw new UserError(`exp apply ${name} would overwrite changes that are neither committed nor in the cache: ${conflicts.join(', ')}`, {
      exitCode: 1,
      details: ['commit them (or `dvc-ts commit`), or pass --force to overwrite them'],
    });
  }
  const written: string[] = [];
  for (const { path, bytes } of writes) {
    if (bytes === undefined) continue;
    await writeFileAtomic(join(root, path), bytes);
    written.push(path);
  }
  const { runCheckout } = await import('./checkout.js');
  const checkout = await runCheckout(root, { file: options.file, force: options.force });
  if (checkout.failed > 0 || checkout.kept.length > 0) {
    throw new UserError(`exp apply ${name}: ${checkout.failed + checkout.kept.length} out(s) could not be restored from the cache`, { exitCode: 1, details: checkout.lines });
  }
  return { written, restored: checkout.restored };
}

export async function expBranch(root: string, name: string, branch: string): Promise<string> {
  const history = await historyFor(root);
  const exp = await findExperiment(history, name);
  await branchFromExperiment(history, exp.commit, branch);
  return exp.commit;
}

export interface ExpRemoveOptions {
  all?: boolean;
  /** Also (or, with no names, only) clear the queue. */
  queue?: boolean;
}

/** `exp remove NAME…`: delete experiment refs or queued experiments; returns what went. */
export async function expRemove(root: string, names: string[], options: ExpRemoveOptions = {}): Promise<string[]> {
  const history = await historyFor(root);
  const stored = await listExperiments(history);
  const queued = await readQueue(root);
  if (names.length === 0 && !options.all && !options.queue) throw new UserError('exp remove needs experiment names, --all or --queue');
  const removed: string[] = [];
  const unknown = names.filter((n) => !stored.some((e) => e.name === n) && !queued.some((q) => q.name === n));
  if (unknown.length) throw new UserError(`no experiment named ${unknown.map((n) => `'${n}'`).join(', ')}`);
  for (const e of stored) {
    if (options.all || names.includes(e.name)) {
      await deleteExperiment(history, e.name);
      removed.push(e.name);
    }
  }
  const busy = queued.filter((q) => q.running && names.includes(q.name));
  if (busy.length) throw new UserError(`${busy.map((q) => `'${q.name}'`).join(', ')} ${busy.length === 1 ? 'is' : 'are'} running now: remove ${busy.length === 1 ? 'it' : 'them'} when the run ends`);
  const dropped: string[] = [];
  for (const q of queued.filter((e) => !e.running)) {
    if (options.queue || options.all || names.includes(q.name)) {
      await dequeue(root, q);
      removed.push(q.name);
      if (q.snapshot) dropped.push(q.snapshot.id);
    }
  }
  await pruneQueueSnapshots(root, dropped);
  return removed;
}
