// Reading files as they were at a git revision, with isomorphic-git only: no git binary, and the
// work tree and index are never touched. A minimal stand-in for engine/git/revision.ts (being
// written separately): anything implementing GitTreeReader can replace isomorphicGitReader.
import fs from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import git from 'isomorphic-git';
import { UserError } from '../errors.js';

/** What plots need from git. */
export interface GitTreeReader {
  /** The commit a revision names (`HEAD`, `HEAD~1`, `main^2`, a tag, a full or short hash). */
  resolveCommit(rev: string): Promise<string>;
  /** A file's bytes at a commit (repository-relative path), or undefined when it is not a file there. */
  readBlob(commit: string, path: string): Promise<Uint8Array | undefined>;
  /** Every file below a directory at a commit (paths relative to it, sorted), or undefined when it is not a directory there. */
  listTree(commit: string, dir: string): Promise<string[] | undefined>;
}

/** A revision split into its starting name and the ancestry steps after it. */
export interface ParsedRevision {
  base: string;
  /** `~n`: n first parents back; `^n`: the n-th parent (`^0` is the commit itself). */
  steps: { op: '~' | '^'; n: number }[];
}

/** Parse `name(~n|^n)*` (pure). Undefined for an empty base or a malformed suffix. */
export function parseRevision(rev: string): ParsedRevision | undefined {
  const cut = rev.search(/[~^]/);
  const base = cut === -1 ? rev : rev.slice(0, cut);
  if (base === '' || /[\s:?*[\\]/.test(base) || base.includes('..')) return undefined;
  const steps: ParsedRevision['steps'] = [];
  const suffix = cut === -1 ? '' : rev.slice(cut);
  const step = /([~^])(\d*)/y;
  let at = 0;
  while (at < suffix.length) {
    step.lastIndex = at;
    const m = step.exec(suffix);
    if (!m) return undefined;
    steps.push({ op: m[1] as '~' | '^', n: m[2] === '' ? 1 : Number(m[2]) });
    at = step.lastIndex;
  }
  return { base, steps };
}

function errorCode(e: unknown): string | undefined {
  return e !== null && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

const ABSENT = new Set(['NotFoundError', 'ObjectTypeError', 'ENOENT']);

/**
 * A GitTreeReader over the git repository holding `root`. `root` may be a subdirectory of the
 * git work tree; paths given to the reader are relative to `root`.
 */
export async function isomorphicGitReader(root: string): Promise<GitTreeReader> {
  const absRoot = resolve(root);
  let gitRoot: string;
  try {
    gitRoot = await git.findRoot({ fs, filepath: absRoot });
  } catch {
    throw new UserError(`'${absRoot}' is not inside a git repository: revisions cannot be read`);
  }
  const prefix = relative(gitRoot, absRoot).split(sep).join('/');
  const inGit = (path: string) => (prefix === '' ? path : path === '.' ? prefix : `${prefix}/${path}`);
  const cache = {};
  const base = { fs, dir: gitRoot, cache };

  const resolveName = async (name: string): Promise<string> => {
    try {
      return await git.resolveRef({ fs, dir: gitRoot, ref: name });
    } catch (e) {
      if (!/^[0-9a-f]{4,40}$/i.test(name)) throw e;
      return git.expandOid({ ...base, oid: name.toLowerCase() });
    }
  };

  return {
    async resolveCommit(rev: string): Promise<string> {
      const parsed = parseRevision(rev);
      if (!parsed) throw new UserError(`invalid revision '${rev}'`);
      try {
        let oid = (await git.readCommit({ ...base, oid: await resolveName(parsed.base) })).oid;
        for (const { op, n } of parsed.steps) {
          if (op === '^' && n === 0) continue;
          for (let i = 0; i < (op === '~' ? n : 1); i++) {
            const { commit } = await git.readCommit({ ...base, oid });
            const parent = commit.parent[op === '^' ? n - 1 : 0];
            if (parent === undefined) throw new UserError(`unknown revision '${rev}': commit ${oid.slice(0, 7)} has no such parent`);
            oid = parent;
          }
        }
        return oid;
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw new UserError(`unknown revision '${rev}'`, { details: [errorCode(e) ?? (e as Error).message] });
      }
    },

    async readBlob(commit: string, path: string): Promise<Uint8Array | undefined> {
      try {
        return (await git.readBlob({ ...base, oid: commit, filepath: inGit(path) })).blob;
      } catch (e) {
        if (ABSENT.has(errorCode(e) ?? '')) return undefined;
        throw e;
      }
    },

    async listTree(commit: string, dir: string): Promise<string[] | undefined> {
      const found: string[] = [];
      const walk = async (oid: string, rel: string): Promise<void> => {
        const { tree } = await git.readTree({ ...base, oid });
        for (const entry of tree) {
          const child = rel === '' ? entry.path : `${rel}/${entry.path}`;
          if (entry.type === 'tree') await walk(entry.oid, child);
          else if (entry.type === 'blob') found.push(child);
        }
      };
      try {
        const filepath = inGit(dir);
        const top = await git.readTree(filepath === '.' ? { ...base, oid: commit } : { ...base, oid: commit, filepath });
        await walk(top.oid, '');
      } catch (e) {
        if (ABSENT.has(errorCode(e) ?? '')) return undefined;
        throw e;
      }
      return found.sort();
    },
  };
}
