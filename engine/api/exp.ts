// `dvc-ts exp …` beyond running and showing: diff, apply, branch, remove, rename, save, clean.
// Running is engine/api/exp-run.ts, showing exp-show.ts, sharing exp-share.ts, the queue
// exp-queue.ts; everything is re-exported here, the API's one door to experiments.
import { readWorkspaceFile, removeLog, removeLogsExcept } from '../exp/files.js';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { GitHistory } from '../git/history.js';
import { resultFiles } from '../git/commit.js';
import { changedTrackedFiles, untrackedFiles } from '../git/refs.js';
import { Snapshot } from '../git/snapshot.js';
import { lockPathFor } from '../lock/lockfile.js';
import { loadPipeline } from '../pipeline/load.js';
import { ObjectStore } from '../cache/store.js';
import { diffMetrics } from '../report/metrics.js';
import { diffParams } from '../report/params.js';
import type { DiffRow } from '../report/compare.js';
import { Repo } from '../repo/repo.js';
import { writeFileAtomic } from '../util/atomic.js';
import { dequeue, readQueue } from '../exp/queue.js';
import {
  branchFromExperiment,
  checkExperimentName,
  deleteExperiment,
  findExperiment,
  listExperiments,
  renameExperiment,
  saveExperiment,
} from '../exp/refs.js';
import { listSnapshots } from '../exp/workspace.js';
import { sweepDeadExperiments } from '../repo/orphans.js';
import { filesOf, headCommit, historyFor, pruneQueueSnapshots } from './exp-run.js';
import { experimentsOf, expRemoveRemote } from './exp-share.js';

export { expRun, type ExpRunOptions, type ExpRunResult, type ExperimentOutcome } from './exp-run.js';
export { expShow, showRows, type ExpShowOptions, type ExpShowReport, type ExperimentReport, type QueuedReport } from './exp-show.js';
export { expPush, expPull, expList, expRemoveRemote, type ExpShareOptions, type ExpShareResult, type ExpListGroup } from './exp-share.js';
export { queueStatus, queueLogs, queueKill, queueRemove, type QueueRemoveOptions } from './exp-queue.js';

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
      const ours = await readWorkspaceFile(root, path);
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
  /** Every experiment (and every queued one); DVC's `-A/--all-commits`. */
  all?: boolean;
  /** Also (or, with no names, only) clear the queue. */
  queue?: boolean;
  /** `--rev`/`-n`: the experiments of these baselines. */
  revs?: string[];
  num?: number;
  /** `-g`: remove the named experiments (or those of `revs`) from this git remote instead. */
  gitRemote?: string;
}

/** `exp remove NAME…`: delete experiment refs or queued experiments; returns what went. */
export async function expRemove(root: string, names: string[], options: ExpRemoveOptions = {}): Promise<string[]> {
  const history = await historyFor(root);
  if (options.gitRemote !== undefined) return expRemoveRemote(root, options.gitRemote, names, { allCommits: options.all, revs: options.revs, num: options.num });
  const stored = await listExperiments(history);
  const queued = await readQueue(root);
  const byRev = options.revs?.length ? await experimentsOf(history, stored, { revs: options.revs, num: options.num }) : [];
  names = [...new Set([...names, ...byRev.map((e) => e.name)])];
  if (names.length === 0 && !options.all && !options.queue && !options.revs?.length) throw new UserError('exp remove needs experiment names, -A, --rev or --queue');
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
      await removeLog(root, q.name);
      removed.push(q.name);
      if (q.snapshot) dropped.push(q.snapshot.id);
    }
  }
  await pruneQueueSnapshots(root, dropped);
  return removed;
}

/** `exp rename OLD NEW`. */
export async function expRename(root: string, from: string, to: string): Promise<void> {
  const history = await historyFor(root);
  const exp = await findExperiment(history, from);
  if ((await readQueue(root)).some((q) => q.name === to)) throw new UserError(`experiment '${to}' already exists (in the queue)`);
  await renameExperiment(history, exp, to);
}

export interface ExpSaveOptions {
  name?: string;
  message?: string;
  /** `-I`: untracked files to save too (git ignores none of them here; they are named). */
  include?: string[];
  /** Replace an experiment of that name. */
  force?: boolean;
  file?: string;
}

/**
 * `exp save`: the workspace as it is, saved as an experiment of HEAD without running anything:
 * params, lock, metrics and small outs, the tracked files changed since HEAD and the untracked
 * files named with `include`. Its cached outs must be in the cache (a repro or commit put them).
 */
export async function expSave(root: string, options: ExpSaveOptions = {}): Promise<{ name: string; commit: string }> {
  const history = await historyFor(root);
  const baseline = await headCommit(history);
  const name = options.name ?? `exp-${Date.now().toString(36).slice(-6)}`;
  checkExperimentName(name);
  const existing = (await listExperiments(history)).find((e) => e.name === name);
  if (existing && !options.force) throw new UserError(`experiment '${name}' already exists: choose another name or pass --force to replace it`);
  const untracked = new Set(await untrackedFiles(history));
  for (const path of options.include ?? []) {
    if (path.startsWith('/') || path.split('/').includes('..')) throw new UserError(`-I ${path}: the path must be inside the repository`);
    if (!untracked.has(path)) throw new UserError(`-I ${path}: not an untracked file of this repository`);
  }
  const pipeline = await loadPipeline(root, { file: options.file });
  const files = await filesOf(root, [...new Set([...resultFiles(pipeline), ...(await changedTrackedFiles(history)), ...(options.include ?? [])])]);
  if (existing) await deleteExperiment(history, name);
  const record = { name, overrides: [], files: [...files.keys()], stageSeconds: {}, ...(options.message ? { message: options.message } : {}) };
  return { name, commit: await saveExperiment(history, baseline, record, files) };
}

/**
 * `exp clean`: what runs left behind: temporary workspaces of `exp run`s that are gone, queue
 * snapshots no queued experiment uses, logs of experiments that no longer exist. Returns what
 * went, as paths.
 */
export async function expClean(root: string): Promise<string[]> {
  const removed: string[] = [];
  removed.push(...(await sweepDeadExperiments(root)).workspaces);
  const before = new Set(await listSnapshots(root));
  await pruneQueueSnapshots(root, before);
  const after = new Set(await listSnapshots(root));
  removed.push(...[...before].filter((id) => !after.has(id)).map((id) => `snapshot ${id}`));
  const history = await historyFor(root);
  const known = new Set([...(await listExperiments(history)).map((e) => e.name), ...(await readQueue(root)).map((q) => q.name)]);
  removed.push(...(await removeLogsExcept(root, known)));
  return removed;
}
