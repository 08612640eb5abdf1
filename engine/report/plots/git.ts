// What plots read from git, as a small interface so tests can hand in an in-memory history.
// The real one is engine/git's GitHistory (isomorphic-git only: no git binary, and the work
// tree and index are never touched).
import { UserError } from '../../errors.js';
import { GitHistory } from '../../git/history.js';
import { resolveRevision } from '../../git/revision.js';

/** What plots need from git. */
export interface GitTreeReader {
  /** The commit a revision names (`HEAD`, `HEAD~1`, `main^2`, a tag, a full or short hash). */
  resolveCommit(rev: string): Promise<string>;
  /** A file's bytes at a commit (repository-relative path), or undefined when it is not a file there. */
  readBlob(commit: string, path: string): Promise<Uint8Array | undefined>;
  /** Every file below a directory at a commit (paths relative to it, sorted), or undefined when it is not a directory there. */
  listTree(commit: string, dir: string): Promise<string[] | undefined>;
}

/** A GitTreeReader over the git repository holding `root` (which may be a subdirectory of it). */
export async function isomorphicGitReader(root: string): Promise<GitTreeReader> {
  const history = await GitHistory.open(root);
  if (!history) throw new UserError(`'${root}' is not inside a git repository: revisions cannot be read`);
  return {
    resolveCommit: (rev) => resolveRevision(history, rev),
    readBlob: (commit, path) => history.readBytes(commit, path),
    async listTree(commit, dir) {
      const files = await history.listFiles(commit, dir);
      const strip = dir === '.' || dir === '' ? 0 : dir.length + 1;
      return files?.map((f) => f.slice(strip)).sort();
    },
  };
}
