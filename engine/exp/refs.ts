// Experiments as git refs (`refs/exps/<name>`), written through engine/git/refs.ts: each points at
// a commit whose parent is the baseline and whose tree is the baseline's with the experiment's
// results (params files, lock, metrics, small outs) in place. Neither HEAD, the index, the work
// tree nor any branch is touched; cached outs stay in the shared cache, named by the lock.
import { UserError } from '../errors.js';
import type { GitHistory } from '../git/history.js';
import { commitOnTop, createBranch, deleteRef, readRefCommit, refsUnder, writeRef } from '../git/refs.js';
import type { SelectedRevision } from '../git/scope.js';

export const EXP_REF_PREFIX = 'refs/exps/';
/** The line of an experiment commit's message that carries its record as JSON. */
const RECORD_TRAILER = 'dvc-ts-exp: ';

/** What an experiment commit records about itself beside its files. */
export interface ExperimentRecord {
  name: string;
  /** `-S` values as `file:key=value` strings, for people. */
  overrides: string[];
  /** Files (dvc-ts root relative) the commit holds from the experiment's workspace. */
  files: string[];
  /** Seconds each stage spent running (only stages that ran). */
  stageSeconds: Record<string, number>;
  /** `exp run -m` / `exp save -m`: the commit's subject instead of the default one. */
  message?: string;
}

export interface StoredExperiment extends ExperimentRecord {
  ref: string;
  commit: string;
  baseline: string;
  /** Commit time, ISO. */
  created: string;
}

/** A valid experiment name: usable as a git ref component and a file name. */
export function checkExperimentName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name) || name.endsWith('.lock') || name.includes('..')) {
    throw new UserError(`'${name}' is not a valid experiment name: use letters, digits, '.', '_' and '-', starting with a letter or digit`);
  }
}

export function experimentRef(name: string): string {
  return `${EXP_REF_PREFIX}${name}`;
}

/** Commit message: a readable subject and body, and the record as one JSON line for us. */
export function experimentMessage(record: ExperimentRecord): string {
  const lines = [record.message?.trim() || `dvc-ts experiment ${record.name}`, ''];
  if (record.overrides.length) lines.push(`Params set: ${record.overrides.join(' ')}`, '');
  lines.push(RECORD_TRAILER + JSON.stringify(record));
  return lines.join('\n') + '\n';
}

export function parseExperimentMessage(message: string): ExperimentRecord | undefined {
  const line = message.split('\n').find((l) => l.startsWith(RECORD_TRAILER));
  if (!line) return undefined;
  try {
    const record = JSON.parse(line.slice(RECORD_TRAILER.length)) as Partial<ExperimentRecord>;
    if (typeof record.name !== 'string' || !Array.isArray(record.files)) return undefined;
    return { name: record.name, overrides: record.overrides ?? [], files: record.files, stageSeconds: record.stageSeconds ?? {}, ...(typeof record.message === 'string' ? { message: record.message } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Save an experiment: a commit on top of `baseline` holding `files` (dvc-ts root relative →
 * bytes, null for a file the experiment does not have), and `refs/exps/<name>` pointing at it.
 */
export async function saveExperiment(history: GitHistory, baseline: string, record: ExperimentRecord, files: Map<string, Uint8Array | null>): Promise<string> {
  const changes = new Map([...files].map(([path, bytes]) => [history.gitPath(path), bytes]));
  const oid = await commitOnTop(history, baseline, changes, experimentMessage(record));
  if (!(await writeRef(history, experimentRef(record.name), oid))) {
    throw new UserError(`experiment '${record.name}' already exists: choose another name or 'dvc-ts exp remove ${record.name}'`);
  }
  return oid;
}

/** An experiment as its commit describes it. */
export function storedExperiment(name: string, commit: string, message: string, parent: string | undefined, time: number): StoredExperiment {
  const record = parseExperimentMessage(message) ?? { name, overrides: [], files: [], stageSeconds: {} };
  return { ...record, name, ref: experimentRef(name), commit, baseline: parent ?? commit, created: new Date(time * 1000).toISOString() };
}

/** Every experiment ref with its record, oldest first. */
export async function listExperiments(history: GitHistory): Promise<StoredExperiment[]> {
  const found: StoredExperiment[] = [];
  for (const name of await refsUnder(history, EXP_REF_PREFIX)) {
    const info = await readRefCommit(history, experimentRef(name));
    if (info) found.push(storedExperiment(name, info.commit, info.message, info.parent, info.time));
  }
  return found.sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
}

/** One experiment by name; a UserError naming the experiments there are when it is not one. */
export async function findExperiment(history: GitHistory, name: string): Promise<StoredExperiment> {
  const all = await listExperiments(history);
  const found = all.find((e) => e.name === name);
  if (found) return found;
  throw new UserError(`no experiment named '${name}'`, { details: all.length ? [`experiments: ${all.map((e) => e.name).join(', ')}`] : ['run one with `dvc-ts exp run`'] });
}

export async function deleteExperiment(history: GitHistory, name: string): Promise<void> {
  await deleteRef(history, experimentRef(name));
}

/** `exp rename OLD NEW`: the same commit under a new ref; refuses a name taken. */
export async function renameExperiment(history: GitHistory, from: StoredExperiment, to: string): Promise<void> {
  checkExperimentName(to);
  if (!(await writeRef(history, experimentRef(to), from.commit))) throw new UserError(`experiment '${to}' already exists`);
  await deleteRef(history, from.ref);
}

/** `git branch BRANCH <experiment commit>`: refuses to move a branch that exists. */
export async function branchFromExperiment(history: GitHistory, commit: string, branch: string): Promise<void> {
  const made = await createBranch(history, branch, commit);
  if (made === 'exists') throw new UserError(`branch '${branch}' already exists`);
  if (made === 'invalid') throw new UserError(`'${branch}' is not a valid branch name`);
}

/** Experiments as revisions, so gc keeps what their locks use (see engine/api/gc.ts). */
export async function experimentRevisions(history: GitHistory | undefined): Promise<SelectedRevision[]> {
  if (!history) return [];
  return (await listExperiments(history)).map((e) => ({ label: e.ref, commit: e.commit }));
}
