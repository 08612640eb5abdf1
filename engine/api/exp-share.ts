// `dvc-ts exp push / pull / list`: experiments shared with a team as git refs (`refs/exps/NAME`)
// on a git remote, their cached outs through the data remote (dvc-ts push/fetch, driven by each
// experiment's own lock). The git side goes through engine/git/transfer.ts.
import { UserError, isUserError } from '../errors.js';
import type { GitHistory } from '../git/history.js';
import { resolveRevision } from '../git/revision.js';
import { copyObjects, deleteRefIn, listRefsIn, localGitDir, readCommitIn, resolveGitRemote, setRefIn, type GitDir } from '../git/transfer.js';
import { lockPathFor, parseLock } from '../lock/lockfile.js';
import { loadPipeline } from '../pipeline/load.js';
import { EXP_REF_PREFIX, experimentRef, listExperiments, storedExperiment, type StoredExperiment } from '../exp/refs.js';
import { headCommit, historyFor } from './exp-run.js';

export interface ExpShareOptions {
  /** `-A`: experiments of every baseline. */
  allCommits?: boolean;
  /** `--rev`: experiments of these baselines (default HEAD's) when no names are given. */
  revs?: string[];
  /** `-n`: also of this many first-parent commits from each revision. */
  num?: number;
  /** Replace an experiment of the same name that points elsewhere. */
  force?: boolean;
  /** Move the git refs only, not the cached outs. */
  noCache?: boolean;
  /** Data remote (default: the configured default). */
  remote?: string;
  jobs?: number;
  /** Also the run-cache entries. */
  runCache?: boolean;
  file?: string;
}

export interface ExpShareResult {
  /** Experiments whose ref was written on the other side. */
  moved: string[];
  /** Already there, pointing at the same commit. */
  upToDate: string[];
  /** Git objects copied. */
  objects: number;
  /** Cached objects moved through the data remote. */
  dataFiles: number;
  notes: string[];
}

/** The baselines whose experiments are meant when no names are given. */
async function baselineSet(history: GitHistory, options: ExpShareOptions): Promise<Set<string> | 'all'> {
  if (options.allCommits) return 'all';
  const tips = options.revs?.length ? await Promise.all(options.revs.map((r) => resolveRevision(history, r))) : [await headCommit(history)];
  const set = new Set<string>();
  for (const tip of tips) {
    let commit: string | undefined = tip;
    for (let i = 0; commit !== undefined && i < Math.max(1, options.num ?? 1); i++) {
      set.add(commit);
      commit = (await history.commit(commit)).parents[0];
    }
  }
  return set;
}

/** The experiments named, or those of the selected baselines; unknown names are an error. */
async function select(history: GitHistory, all: StoredExperiment[], names: readonly string[], options: ExpShareOptions, where: string): Promise<StoredExperiment[]> {
  if (names.length > 0) {
    const unknown = names.filter((n) => !all.some((e) => e.name === n));
    if (unknown.length) throw new UserError(`no experiment named ${unknown.map((n) => `'${n}'`).join(', ')} ${where}`, { details: all.length ? [`there: ${all.map((e) => e.name).join(', ')}`] : [] });
    return all.filter((e) => names.includes(e.name));
  }
  const baselines = await baselineSet(history, options);
  return all.filter((e) => baselines === 'all' || baselines.has(e.baseline));
}

/** The experiments of the baselines `options` selects (HEAD's by default). */
export async function experimentsOf(history: GitHistory, all: StoredExperiment[], options: Pick<ExpShareOptions, 'allCommits' | 'revs' | 'num'>): Promise<StoredExperiment[]> {
  return select(history, all, [], options, '');
}

/** `exp remove -g GIT_REMOTE NAME…`: the experiments' refs deleted on the git remote; their names. */
export async function expRemoveRemote(root: string, gitRemote: string, names: string[], options: Pick<ExpShareOptions, 'allCommits' | 'revs' | 'num'>): Promise<string[]> {
  const history = await historyFor(root);
  const remote = await resolveGitRemote(history, gitRemote);
  if (names.length === 0 && !options.allCommits && !options.revs?.length) throw new UserError('exp remove -g needs experiment names, -A or --rev');
  const chosen = await select(history, await experimentsIn(remote), names, options, `in ${gitRemote}`);
  for (const e of chosen) await deleteRefIn(remote, e.ref);
  return chosen.map((e) => e.name);
}

/** Experiments as refs of a git directory (a remote's), read from there. */
async function experimentsIn(dir: GitDir): Promise<StoredExperiment[]> {
  const found: StoredExperiment[] = [];
  for (const [ref, commit] of await listRefsIn(dir, EXP_REF_PREFIX)) {
    const info = await readCommitIn(dir, commit);
    found.push(storedExperiment(ref.slice(EXP_REF_PREFIX.length), commit, info.message, info.parent, info.time));
  }
  return found.sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
}

/** Copy the experiments' commits and refs from one git directory to another. */
async function transfer(from: GitDir, to: GitDir, experiments: StoredExperiment[], force: boolean): Promise<Pick<ExpShareResult, 'moved' | 'upToDate' | 'objects'>> {
  const there = await listRefsIn(to, EXP_REF_PREFIX);
  const conflicts = experiments.filter((e) => there.has(e.ref) && there.get(e.ref) !== e.commit);
  if (conflicts.length && !force) {
    throw new UserError(`${conflicts.map((e) => `'${e.name}'`).join(', ')} already ${conflicts.length === 1 ? 'exists' : 'exist'} in ${to.label} as another experiment`, {
      details: ['pass --force to replace it, or rename one of them (dvc-ts exp rename)'],
    });
  }
  const moving = experiments.filter((e) => there.get(e.ref) !== e.commit);
  const objects = await copyObjects(from, to, moving.map((e) => e.commit));
  // Refs last: a ref never points at a commit whose objects are not all there.
  for (const e of moving) await setRefIn(to, experimentRef(e.name), e.commit);
  return { moved: moving.map((e) => e.name), upToDate: experiments.filter((e) => there.get(e.ref) === e.commit).map((e) => e.name), objects };
}

/** Push (or fetch) each experiment's cached outs, as its own lock names them, through the data remote. */
async function moveData(root: string, history: GitHistory, experiments: StoredExperiment[], options: ExpShareOptions, direction: 'push' | 'fetch'): Promise<{ files: number; notes: string[] }> {
  if (options.noCache || experiments.length === 0) return { files: 0, notes: [] };
  const pipeline = await loadPipeline(root, { file: options.file, missingParams: 'omit' });
  const lockFile = lockPathFor(pipeline.file);
  const sync = direction === 'push' ? (await import('./push.js')).runPush : (await import('./fetch.js')).runFetch;
  let files = 0;
  const notes: string[] = [];
  for (const e of experiments) {
    const text = await history.readText(e.commit, lockFile);
    if (text === undefined) continue;
    try {
      const report = await sync(root, { file: options.file, remote: options.remote, jobs: options.jobs, runCache: options.runCache, forPush: direction === 'push', lock: parseLock(text, lockFile) });
      files += report.files;
      if (report.failures.length) notes.push(`${e.name}: ${report.failures.length} object(s) could not be ${direction === 'push' ? 'pushed' : 'fetched'}: ${report.failures.map((f) => f.label).join(', ')}`);
    } catch (err) {
      // Without a data remote the refs are still worth sharing: say what did not move.
      if (!isUserError(err) || options.remote !== undefined) throw err;
      notes.push(`the experiments' data was not ${direction === 'push' ? 'pushed' : 'fetched'}: ${err.message} (--no-cache moves the git refs only)`);
      break;
    }
  }
  return { files, notes };
}

/** `exp push GIT_REMOTE [NAME…]`: the experiments' refs and commits, then their data. */
export async function expPush(root: string, gitRemote: string, names: string[], options: ExpShareOptions = {}): Promise<ExpShareResult> {
  const history = await historyFor(root);
  const remote = await resolveGitRemote(history, gitRemote);
  const chosen = await select(history, await listExperiments(history), names, options, 'here');
  const moved = await transfer(localGitDir(history), remote, chosen, Boolean(options.force));
  const data = await moveData(root, history, chosen, options, 'push');
  return { ...moved, dataFiles: data.files, notes: data.notes };
}

/** `exp pull GIT_REMOTE [NAME…]`: the experiments' refs and commits from the remote, then their data into the cache. */
export async function expPull(root: string, gitRemote: string, names: string[], options: ExpShareOptions = {}): Promise<ExpShareResult> {
  const history = await historyFor(root);
  const remote = await resolveGitRemote(history, gitRemote);
  const chosen = await select(history, await experimentsIn(remote), names, options, `in ${gitRemote}`);
  const moved = await transfer(remote, localGitDir(history), chosen, Boolean(options.force));
  const data = await moveData(root, history, chosen, options, 'fetch');
  return { ...moved, dataFiles: data.files, notes: data.notes };
}

export interface ExpListGroup {
  baseline: string;
  experiments: string[];
}

/** `exp list [GIT_REMOTE]`: experiments here (or on a git remote), by baseline. */
export async function expList(root: string, gitRemote: string | undefined, options: Pick<ExpShareOptions, 'allCommits' | 'revs' | 'num'> = {}): Promise<ExpListGroup[]> {
  const history = await historyFor(root);
  const all = gitRemote === undefined ? await listExperiments(history) : await experimentsIn(await resolveGitRemote(history, gitRemote));
  const chosen = await select(history, all, [], options, '');
  const groups = new Map<string, string[]>();
  for (const e of chosen) groups.set(e.baseline, [...(groups.get(e.baseline) ?? []), e.name]);
  return [...groups].map(([baseline, experiments]) => ({ baseline, experiments }));
}
