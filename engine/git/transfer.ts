// Refs and the objects they need, moved between this repository and a git remote on the same
// machine (a path or a file:// URL, bare or not). isomorphic-git pushes and fetches over HTTP
// only, so for a local remote the objects are copied one by one: everything reachable from the
// commits that the other side lacks, each written only after what it points to, and the ref
// written last, so a copy stopped midway leaves no ref to an incomplete commit.
import fs, { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import git from 'isomorphic-git';
import { UserError } from '../errors.js';
import { gitErrorCode, type GitHistory } from './history.js';

/** A git repository's object store and refs: this one's, or a remote's. */
export interface GitDir {
  /** As the user named it (remote name or URL), for messages. */
  label: string;
  gitdir: string;
}

export function localGitDir(history: GitHistory): GitDir {
  return { label: 'this repository', gitdir: join(history.gitRoot, '.git') };
}

/**
 * The git directory of a remote named as `git push` takes it: a configured remote's name, a
 * path (relative to the repository) or a file:// URL. Network URLs are refused with why.
 */
export async function resolveGitRemote(history: GitHistory, remote: string): Promise<GitDir> {
  const configured = (await git.getConfig({ fs, dir: history.gitRoot, path: `remote.${remote}.url` }).catch(() => undefined)) as string | undefined;
  const url = configured ?? remote;
  let path: string;
  if (url.startsWith('file://')) path = fileURLToPath(url);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^/]+:/.test(url)) {
    throw new UserError(`git remote '${remote}' (${url}) is not on this machine: experiments are shared through a git remote given as a path or a file:// URL`, {
      details: ['isomorphic-git, which dvc-ts uses for git, transfers to local repositories only through the file system here'],
    });
  } else path = isAbsolute(url) ? url : resolve(history.gitRoot, url);
  const dotGit = join(path, '.git');
  const gitdir = existsSync(dotGit) && statSync(dotGit).isDirectory() ? dotGit : path;
  if (!existsSync(join(gitdir, 'objects')) || !existsSync(join(gitdir, 'HEAD'))) {
    throw new UserError(`git remote '${remote}': ${path} is not a git repository`);
  }
  return { label: remote, gitdir };
}

/** The refs under `prefix` (`refs/exps/`) in a git directory: full ref → commit. */
export async function listRefsIn(dir: GitDir, prefix: string): Promise<Map<string, string>> {
  const names = await git.listRefs({ fs, gitdir: dir.gitdir, filepath: prefix.replace(/\/$/, '') }).catch(() => [] as string[]);
  const refs = new Map<string, string>();
  for (const name of names) {
    const ref = `${prefix}${name}`;
    const oid = await git.resolveRef({ fs, gitdir: dir.gitdir, ref }).catch(() => undefined);
    if (oid) refs.set(ref, oid);
  }
  return refs;
}

async function hasObject(dir: GitDir, oid: string): Promise<boolean> {
  try {
    await git.readObject({ fs, gitdir: dir.gitdir, oid, format: 'content' });
    return true;
  } catch (e) {
    if (gitErrorCode(e) === 'NotFoundError') return false;
    throw e;
  }
}

/** Objects reachable from `tips` that `to` lacks, each after the objects it points to. */
async function missingObjects(from: GitDir, to: GitDir, tips: readonly string[]): Promise<string[]> {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = async (oid: string): Promise<void> => {
    if (seen.has(oid)) return;
    seen.add(oid);
    // A repository that has an object has everything it points to.
    if (await hasObject(to, oid)) return;
    const { type, object } = await git.readObject({ fs, gitdir: from.gitdir, oid, format: 'parsed' });
    if (type === 'commit') {
      const commit = object as { tree: string; parent: string[] };
      await visit(commit.tree);
      for (const p of commit.parent) await visit(p);
    } else if (type === 'tree') {
      for (const entry of object as { oid: string; type: string }[]) if (entry.type !== 'commit') await visit(entry.oid);
    }
    order.push(oid);
  };
  for (const tip of tips) await visit(tip);
  return order;
}

/** Copy what `to` lacks of the commits `tips`; returns how many objects were written. */
export async function copyObjects(from: GitDir, to: GitDir, tips: readonly string[]): Promise<number> {
  const missing = await missingObjects(from, to, tips);
  for (const oid of missing) {
    const { type, object } = await git.readObject({ fs, gitdir: from.gitdir, oid, format: 'content' });
    await git.writeObject({ fs, gitdir: to.gitdir, type: type as 'blob' | 'tree' | 'commit' | 'tag', object: object as Uint8Array, format: 'content', oid });
  }
  return missing.length;
}

/** Set a ref in a git directory (created or moved). */
export async function setRefIn(dir: GitDir, ref: string, oid: string): Promise<void> {
  await git.writeRef({ fs, gitdir: dir.gitdir, ref, value: oid, force: true });
}

export async function deleteRefIn(dir: GitDir, ref: string): Promise<void> {
  await git.deleteRef({ fs, gitdir: dir.gitdir, ref });
}

/** Whether `ancestor` is `commit` or one of its ancestors, in `dir` (for refusing non-fast-forward). */
export async function isAncestorIn(dir: GitDir, ancestor: string, commit: string): Promise<boolean> {
  if (ancestor === commit) return true;
  return git.isDescendent({ fs, gitdir: dir.gitdir, oid: commit, ancestor, depth: -1 }).catch(() => false);
}

/** A commit's message, first parent and committer time in a git directory. */
export async function readCommitIn(dir: GitDir, oid: string): Promise<{ message: string; parent: string | undefined; time: number }> {
  const { commit } = await git.readCommit({ fs, gitdir: dir.gitdir, oid });
  return { message: commit.message, parent: commit.parent[0], time: commit.committer.timestamp };
}
