// Writes to a git repository that leave HEAD, the index and the work tree alone: blobs, trees
// and commits built object by object, refs created, moved and deleted, branches made at a
// commit. Experiments are saved this way (engine/exp/refs.ts); isomorphic-git stays in here.
import fs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { gitErrorCode, type GitHistory } from './history.js';
import { gitIdentity } from './identity.js';

type TreeEntry = { mode: string; path: string; oid: string; type: 'blob' | 'tree' | 'commit' };

/**
 * A tree that is `base` with `changes` applied (git path → bytes, or null to delete), written
 * object by object; unchanged subtrees are reused as they are. Undefined when it would be empty.
 */
async function treeWith(dir: string, base: string | undefined, changes: ReadonlyMap<string, Uint8Array | null>): Promise<string | undefined> {
  const entries = new Map<string, TreeEntry>();
  if (base) for (const e of (await git.readTree({ fs, dir, oid: base })).tree) entries.set(e.path, e as TreeEntry);
  const below = new Map<string, Map<string, Uint8Array | null>>();
  for (const [path, bytes] of changes) {
    const slash = path.indexOf('/');
    if (slash < 0) {
      if (bytes === null) entries.delete(path);
      else entries.set(path, { mode: '100644', path, oid: await git.writeBlob({ fs, dir, blob: bytes }), type: 'blob' });
      continue;
    }
    const head = path.slice(0, slash);
    if (!below.has(head)) below.set(head, new Map());
    below.get(head)!.set(path.slice(slash + 1), bytes);
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

/**
 * A commit on top of `parent` whose tree is the parent's with `changes` (git paths) applied,
 * authored by the user's git identity. Returns its oid; no ref is written.
 */
export async function commitOnTop(history: GitHistory, parent: string, changes: ReadonlyMap<string, Uint8Array | null>, message: string): Promise<string> {
  const dir = history.gitRoot;
  const { commit } = await git.readCommit({ fs, dir, oid: parent });
  const tree = (await treeWith(dir, commit.tree, changes)) ?? (await git.writeTree({ fs, dir, tree: [] }));
  const who = await gitIdentity(join(dir, '.git'));
  const when = { timestamp: Math.floor(Date.now() / 1000), timezoneOffset: new Date().getTimezoneOffset() };
  return git.writeCommit({ fs, dir, commit: { message, tree, parent: [parent], author: { ...who.author, ...when }, committer: { ...who.committer, ...when } } });
}

/** A ref's commit with its message, first parent and committer time; undefined when absent. */
export async function readRefCommit(history: GitHistory, ref: string): Promise<{ commit: string; message: string; parent: string | undefined; time: number } | undefined> {
  const dir = history.gitRoot;
  const commit = await git.resolveRef({ fs, dir, ref }).catch(() => undefined);
  if (!commit) return undefined;
  const { commit: info } = await git.readCommit({ fs, dir, oid: commit });
  return { commit, message: info.message, parent: info.parent[0], time: info.committer.timestamp };
}

/** Names of the refs under `prefix` (`refs/exps/`), relative to it. */
export async function refsUnder(history: GitHistory, prefix: string): Promise<string[]> {
  return git.listRefs({ fs, dir: history.gitRoot, filepath: prefix.replace(/\/$/, '') }).catch(() => [] as string[]);
}

/** Create (or with `force`, move) a ref; false when it exists and `force` is not set. */
export async function writeRef(history: GitHistory, ref: string, oid: string, force = false): Promise<boolean> {
  try {
    await git.writeRef({ fs, dir: history.gitRoot, ref, value: oid, force });
    return true;
  } catch (e) {
    if (gitErrorCode(e) === 'AlreadyExistsError') return false;
    throw e;
  }
}

export async function deleteRef(history: GitHistory, ref: string): Promise<void> {
  await git.deleteRef({ fs, dir: history.gitRoot, ref });
}

/** `git branch BRANCH COMMIT`; 'exists' or 'invalid' instead of an error for those two cases. */
export async function createBranch(history: GitHistory, branch: string, commit: string): Promise<'created' | 'exists' | 'invalid'> {
  try {
    await git.branch({ fs, dir: history.gitRoot, ref: branch, object: commit, checkout: false });
    return 'created';
  } catch (e) {
    const code = gitErrorCode(e);
    if (code === 'AlreadyExistsError') return 'exists';
    if (code === 'InvalidRefNameError') return 'invalid';
    throw e;
  }
}

/** The checked-out branch's short name; undefined on a detached HEAD. */
export async function currentBranch(history: GitHistory): Promise<string | undefined> {
  return (await git.currentBranch({ fs, dir: history.gitRoot, fullname: false }).catch(() => undefined)) ?? undefined;
}

/** Files (dvc-ts root relative) git tracks that the work tree changed or deleted since HEAD. */
export async function changedTrackedFiles(history: GitHistory): Promise<string[]> {
  const prefix = history.prefix ? `${history.prefix}/` : '';
  const matrix = await git.statusMatrix({ fs, dir: history.gitRoot, filepaths: history.prefix ? [history.prefix] : undefined });
  return matrix.filter(([file, head, workdir]) => head === 1 && workdir !== 1 && file.startsWith(prefix)).map(([file]) => file.slice(prefix.length));
}

/** Files (dvc-ts root relative) git does not track and does not ignore: `exp save -I` candidates. */
export async function untrackedFiles(history: GitHistory): Promise<string[]> {
  const prefix = history.prefix ? `${history.prefix}/` : '';
  const matrix = await git.statusMatrix({ fs, dir: history.gitRoot, filepaths: history.prefix ? [history.prefix] : undefined });
  return matrix.filter(([file, head, workdir]) => head === 0 && workdir === 2 && file.startsWith(prefix)).map(([file]) => file.slice(prefix.length));
}
