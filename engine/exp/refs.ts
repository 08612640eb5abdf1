// Experiments as git refs (`refs/exps/<name>`), written through isomorphic-git: each points at
// a commit whose parent is the baseline and whose tree is the baseline's with the experiment's
// results (params files, lock, metrics, small outs) in place. Neither HEAD, the index, the work
// tree nor any branch is touched; cached outs stay in the shared cache, named by the lock.
import fs from 'node:fs';
import git from 'isomorphic-git';
import { UserError } from '../errors.js';
import { gitErrorCode, type GitHistory } from '../git/history.js';
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
  const lines = [`dvc-ts experiment ${record.name}`, ''];
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
    return { name: record.name, overrides: record.overrides ?? [], files: record.files, stageSeconds: record.stageSeconds ?? {} };
  } catch {
    return undefined;
  }
}

type TreeEntry = { mode: string; path: string; oid: string; type: 'blob' | 'tree' | 'commit' };

/**
 * A tree that is `base` with `changes` applied (git path → bytes, or null to delete), written
 * object by object; unchanged subtrees are reused as they are.
 */
async function treeWith(dir: string, base: string | undefined, changes: Map<string, Uint8Array | null>): Promise<string | undefined> {
  const entries = new Map<string, TreeEntry>();
  if (base) for (const e of (await git.readTree({ fs, dir, oid: base })).tree) entries.set(e.path, e as TreeEntry);
  const below = new Map<string, Map<string, Uint8Array | null>>();
  for (const [path, bytes] of changes) {
    const slash = path.indexOf('/');
    if (slash < 0) {
      if (bytes === null) entries.delete(path);
      else entries.set(path, { mode: '100644', path, oid: await git.writeBlob({ fs, dir, blob: bytes }), type: 'blob' });
    } else {
      const head = path.slice(0, slash);
      if (!below.has(head)) below.set(head, new Map());
      below.get(head)!.set(path.slice(slash + 1), bytes);
    }
  }
  for (const [head, sub] of below) {
    const current = entries.get(head);
    const oid = await treeWith(dir, current?.type === 'tree' ? current.oid : undefined, sub);
    if (oid === undefined) entries.delete(head);
    else entries.set(head, { mode: '040000', path: head, oid, type: 'tree' });
  }
  if (entries.size === 0) return undefined;
  return git.writeTree({ fs, dir, tree: [...entries.values()] });
}

async function author(dir: string): Promise<{ name: string; email: string }> {
  const name = process.env.GIT_AUTHOR_NAME ?? ((await git.getConfig({ fs, dir, path: 'user.name' })) as string | undefined);
  const email = process.env.GIT_AUTHOR_EMAIL ?? ((await git.getConfig({ fs, dir, path: 'user.email' })) as string | undefined);
  // Experiment refs are local bookkeeping: without an identity they are still worth keeping.
  return { name: name ?? 'dvc-ts', email: email ?? 'dvc-ts@localhost' };
}

/**
 * Save an experiment: a commit on top of `baseline` holding `files` (dvc-ts root relative →
 * bytes, null for a file the experiment does not have), and `refs/exps/<name>` pointing at it.
 */
export async function saveExperiment(history: GitHistory, baseline: string, record: ExperimentRecord, files: Map<string, Uint8Array | null>): Promise<string> {
  const dir = history.gitRoot;
  const changes = new Map([...files].map(([path, bytes]) => [history.gitPath(path), bytes]));
  const { commit: parent } = await git.readCommit({ fs, dir, oid: baseline });
  const tree = (await treeWith(dir, parent.tree, changes)) ?? (await git.writeTree({ fs, dir, tree: [] }));
  const who = await author(dir);
  const now = { ...who, timestamp: Math.floor(Date.now() / 1000), timezoneOffset: new Date().getTimezoneOffset() };
  const oid = await git.writeCommit({ fs, dir, commit: { message: experimentMessage(record), tree, parent: [baseline], author: now, committer: now } });
  try {
    await git.writeRef({ fs, dir, ref: experimentRef(record.name), value: oid, force: false });
  } catch (e) {
    if (gitErrorCode(e) === 'AlreadyExistsError') throw new UserError(`experiment '${record.name}' already exists: choose another name or 'dvc-ts exp remove ${record.name}'`);
    throw e;
  }
  return oid;
}

/** Every experiment ref with its record, oldest first. */
export async function listExperiments(history: GitHistory): Promise<StoredExperiment[]> {
  const dir = history.gitRoot;
  const names = await git.listRefs({ fs, dir, filepath: EXP_REF_PREFIX.slice(0, -1) }).catch(() => [] as string[]);
  const found: StoredExperiment[] = [];
  for (const name of names) {
    const ref = experimentRef(name);
    const commit = await git.resolveRef({ fs, dir, ref }).catch(() => undefined);
    if (!commit) continue;
    const { commit: info } = await git.readCommit({ fs, dir, oid: commit });
    const record = parseExperimentMessage(info.message) ?? { name, overrides: [], files: [], stageSeconds: {} };
    found.push({ ...record, name, ref, commit, baseline: info.parent[0] ?? commit, created: new Date(info.committer.timestamp * 1000).toISOString() });
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
  await git.deleteRef({ fs, dir: history.gitRoot, ref: experimentRef(name) });
}

/** `git branch BRANCH <experiment commit>`: refuses to move a branch that exists. */
export async function branchFromExperiment(history: GitHistory, commit: string, branch: string): Promise<void> {
  try {
    await git.branch({ fs, dir: history.gitRoot, ref: branch, object: commit, checkout: false });
  } catch (e) {
    const code = gitErrorCode(e);
    if (code === 'AlreadyExistsError') throw new UserError(`branch '${branch}' already exists`);
    if (code === 'InvalidRefNameError') throw new UserError(`'${branch}' is not a valid branch name`);
    throw e;
  }
}

/** Experiments as revisions, so gc keeps what their locks use (see engine/api/gc.ts). */
export async function experimentRevisions(history: GitHistory | undefined): Promise<SelectedRevision[]> {
  if (!history) return [];
  return (await listExperiments(history)).map((e) => ({ label: e.ref, commit: e.commit }));
}
