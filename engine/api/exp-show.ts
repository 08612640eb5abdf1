// `dvc-ts exp show`: baselines (HEAD, or the revisions asked for) each followed by its
// experiments, with params, metrics, deltas against the baseline, dependency hashes and the
// queue (queued, running and failed experiments).
import type { GitHistory } from '../git/history.js';
import { currentBranch } from '../git/refs.js';
import { resolveRevision } from '../git/revision.js';
import { Snapshot } from '../git/snapshot.js';
import { lockPathFor, parseLock } from '../lock/lockfile.js';
import { loadPipeline } from '../pipeline/load.js';
import { ObjectStore } from '../cache/store.js';
import { readMetrics } from '../report/metrics.js';
import { readParams } from '../report/params.js';
import { flattenData } from '../report/flatten.js';
import type { ValuesByFile } from '../report/compare.js';
import { describeOverrides } from '../exp/params-set.js';
import { readQueue, type QueueState } from '../exp/queue.js';
import { listExperiments, type StoredExperiment } from '../exp/refs.js';
import { findMetricColumn, metricDeltas, sortByMetric, type ExperimentRow, type ShowRow } from '../exp/table.js';
import { headCommit, historyFor } from './exp-run.js';

export interface ExpShowOptions {
  /** Experiments of every baseline they have, not only of the baselines shown. */
  all?: boolean;
  /** `-A`: every commit as a baseline. */
  allCommits?: boolean;
  /** `-a`: every branch tip as a baseline. */
  allBranches?: boolean;
  /** `--rev`: these revisions as baselines instead of HEAD. */
  revs?: string[];
  /** `-n`: this many commits from each revision (first parents), each a baseline. */
  num?: number;
  sortBy?: string;
  sortOrder?: 'asc' | 'desc';
  hideFailed?: boolean;
  hideQueued?: boolean;
  file?: string;
}

export interface ExperimentReport extends ExperimentRow {
  /** Change of each metric against the baseline. */
  deltas: ValuesByFile;
  /** `-S` values it was run with. */
  overrides: string[];
  /** Seconds in each stage that ran. */
  stageSeconds: Record<string, number>;
  /** Dependency path → hash, from its lock. */
  deps: Record<string, string>;
  message?: string;
}

export interface QueuedReport {
  name: string;
  overrides: string[];
  running: boolean;
  state: QueueState;
  /** Failed: why, and where its log is. */
  error?: string;
  queuedAt: string;
  /** The values it sets, by params file. */
  params: ValuesByFile;
}

export interface ExpShowReport {
  /** HEAD's row (the first baseline). */
  baseline: (ExperimentRow & { deps: Record<string, string> }) | undefined;
  /** Every baseline shown, in order. */
  baselines: (ExperimentRow & { deps: Record<string, string> })[];
  experiments: ExperimentReport[];
  /** Queued experiments, those a live `exp run` is running now, and those that failed. */
  queued: QueuedReport[];
}

interface ShowContext {
  root: string;
  history: GitHistory;
  store: ObjectStore;
  file: string | undefined;
  lockFile: string;
}

/** Dependency path → hash recorded by the lock at `commit` (the first stage naming it wins). */
async function depsAt(ctx: ShowContext, commit: string): Promise<Record<string, string>> {
  const text = await ctx.history.readText(commit, ctx.lockFile);
  if (text === undefined) return {};
  const deps: Record<string, string> = {};
  try {
    for (const entry of Object.values(parseLock(text, ctx.lockFile).stages)) for (const d of entry.deps) deps[d.path] ??= d.hash;
  } catch {
    return {}; // a lock from another version: no dependency columns rather than no table
  }
  return deps;
}

async function rowAt(ctx: ShowContext, name: string, commit: string): Promise<ExperimentRow & { deps: Record<string, string> }> {
  const snapshot = Snapshot.of(ctx.root, ctx.history, { label: name, commit }, ctx.file);
  const [params, metrics, deps, info] = await Promise.all([readParams(snapshot), readMetrics(snapshot, ctx.store), depsAt(ctx, commit), ctx.history.commit(commit)]);
  return { name, commit, baseline: commit, created: new Date(info.time * 1000).toISOString(), params, metrics: metrics.values, deps };
}

/** The baseline commits shown, in order, with their labels. */
async function baselinesOf(history: GitHistory, options: ExpShowOptions, stored: readonly StoredExperiment[]): Promise<{ label: string; commit: string }[]> {
  const head = await headCommit(history);
  const picked: { label: string; commit: string }[] = [];
  const tips = options.revs?.length ? await Promise.all(options.revs.map(async (r) => ({ label: r, commit: await resolveRevision(history, r) }))) : [{ label: (await currentBranch(history)) ?? head.slice(0, 7), commit: head }];
  for (const tip of tips) {
    let commit: string | undefined = tip.commit;
    for (let i = 0; commit !== undefined && i < Math.max(1, options.num ?? 1); i++) {
      picked.push({ label: i === 0 ? tip.label : commit.slice(0, 7), commit });
      commit = (await history.commit(commit)).parents[0];
    }
  }
  if (options.allBranches) for (const b of await history.branches()) picked.push({ label: b.name, commit: b.commit });
  if (options.allCommits) for (const c of await history.allCommits()) picked.push({ label: c.oid.slice(0, 7), commit: c.oid });
  if (options.all) for (const e of stored) picked.push({ label: e.baseline.slice(0, 7), commit: e.baseline });
  const seen = new Set<string>();
  return picked.filter((p) => !seen.has(p.commit) && seen.add(p.commit));
}

/** The queue as rows: what each sets, its state and, when it failed, why. */
async function queuedReports(root: string, options: ExpShowOptions): Promise<QueuedReport[]> {
  const entries = await readQueue(root);
  return entries
    .filter((q) => !(options.hideFailed && q.state === 'failed') && !(options.hideQueued && q.state !== 'failed'))
    .map((q) => {
      const params: ValuesByFile = {};
      for (const [file, kv] of Object.entries(q.overrides)) params[file] = flattenData(kv);
      const error = q.error === undefined ? {} : { error: `${q.error}\n(log: dvc-ts queue logs ${q.name})` };
      return { name: q.name, overrides: describeOverrides(q.overrides), running: q.running, state: q.state, queuedAt: q.queuedAt, params, ...error };
    });
}

/** `exp show`: the baselines and their experiments, with deltas, and the queue. */
export async function expShow(root: string, options: ExpShowOptions = {}): Promise<ExpShowReport> {
  const history = await historyFor(root);
  const pipeline = await loadPipeline(root, { file: options.file, missingParams: 'omit' }).catch(() => undefined);
  const ctx: ShowContext = { root, history, store: new ObjectStore(root), file: options.file, lockFile: lockPathFor(pipeline?.file ?? 'pipeline.yaml') };
  const stored = await listExperiments(history);
  const baselines = await Promise.all((await baselinesOf(history, options, stored)).map((b) => rowAt(ctx, b.label, b.commit)));
  const byCommit = new Map(baselines.map((b) => [b.commit!, b]));
  let rows: ExperimentReport[] = [];
  for (const e of stored.filter((s) => byCommit.has(s.baseline))) {
    const row = await rowAt(ctx, e.name, e.commit);
    const full = { ...row, baseline: e.baseline, created: e.created };
    const message = e.message === undefined ? {} : { message: e.message };
    rows.push({ ...full, deltas: metricDeltas(full, byCommit.get(e.baseline)), overrides: e.overrides, stageSeconds: e.stageSeconds, ...message });
  }
  if (options.sortBy) {
    const column = findMetricColumn([...baselines, ...rows], options.sortBy);
    rows = sortByMetric(rows, column, options.sortOrder) as ExperimentReport[];
  }
  return { baseline: baselines[0], baselines, experiments: rows, queued: await queuedReports(root, options) };
}

/** The report as table rows: each baseline followed by its experiments, then the queue. */
export function showRows(report: ExpShowReport): ShowRow[] {
  const rows: ShowRow[] = [];
  for (const b of report.baselines) {
    rows.push({ ...b, state: 'baseline' });
    for (const e of report.experiments.filter((x) => x.baseline === b.commit)) rows.push({ ...e, state: 'success' });
  }
  // A queued experiment's params are HEAD's with its own values set.
  const base = report.baseline?.params ?? {};
  for (const q of report.queued) {
    const params: ValuesByFile = {};
    for (const file of new Set([...Object.keys(base), ...Object.keys(q.params)])) params[file] = { ...base[file], ...q.params[file] };
    rows.push({ name: q.name, commit: null, baseline: null, created: q.queuedAt, params, metrics: {}, state: q.state });
  }
  return rows;
}
