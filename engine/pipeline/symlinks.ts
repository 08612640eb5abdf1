// The on-disk half of "paths stay inside the repository": a path written as `data/x` still
// leaves the repository when `data` is a symlink to somewhere else.
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { dirname, join, relative, resolve, isAbsolute, sep } from 'node:path';
import { UserError } from '../errors.js';
import type { SourcePos } from '../types.js';
import { toRepoPath } from '../util/paths.js';

export interface PathUse {
  /** Repository-relative path. */
  path: string;
  /** How it is shown: `dependency 'data/x' of stage 'train'`. */
  label: string;
  pos?: SourcePos;
}

/**
 * Errors for paths that pass through a symlink resolving outside `root`. Each directory
 * prefix is examined once however many paths share it.
 */
export async function findSymlinkEscapes(root: string, uses: readonly PathUse[]): Promise<UserError[]> {
  const realRoot = await realpath(root);
  // prefix → undefined when fine, or the symlink target outside the repository.
  const verdicts = new Map<string, Promise<string | undefined>>();
  const listings: Listings = new Map();
  const inspect = (prefix: string): Promise<string | undefined> => {
    let v = verdicts.get(prefix);
    if (!v) {
      v = escapeOf(root, realRoot, prefix, listings);
      verdicts.set(prefix, v);
    }
    return v;
  };
  // Every path is checked at once (lstat runs on libuv's pool); order of errors is kept.
  const found = await Promise.all(
    uses.map(async (use): Promise<UserError | undefined> => {
      const parts = use.path.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        const escape = await inspect(prefix);
        if (escape === 'missing') return undefined;
        if (escape !== undefined) {
          return new UserError(`${use.label} goes through symlink '${prefix}', which points outside the repository (${escape})`, { pos: use.pos });
        }
      }
      return undefined;
    }),
  );
  return found.filter((e): e is UserError => e !== undefined);
}

/**
 * The one test of "a path safe to write in this repository", for every path that comes from a
 * file someone else may have written (a pipeline, a lock, a `.dvc` file, a remote's listing):
 * errors for paths that are absolute, climb out with `..`, or pass through a symlink resolving
 * outside the real path of `root`. Run it before anything is written.
 */
export async function unsafeWritePaths(root: string, uses: readonly PathUse[]): Promise<UserError[]> {
  const lexical: UserError[] = [];
  const onDisk: PathUse[] = [];
  for (const use of uses) {
    if (toRepoPath('', use.path) === use.path && use.path !== '.') onDisk.push(use);
    else lexical.push(new UserError(`${use.label} is outside the repository`, { pos: use.pos }));
  }
  return [...lexical, ...(await findSymlinkEscapes(root, onDisk))];
}

/** Throw (exit 2) when `use.path` is not safe to write in the repository (see unsafeWritePaths). */
export async function assertSafeToWrite(root: string, use: PathUse): Promise<void> {
  const [problem] = await unsafeWritePaths(root, [use]);
  if (problem) throw problem;
}

/**
 * What kind of entry each name in a directory is, read once per directory: one readdir stands
 * in for an lstat per file (10,000 dep files in 100 directories: 100 calls, not 10,000).
 */
type Listing = Map<string, 'link' | 'other'> | undefined;
type Listings = Map<string, Promise<Listing>>;

function listingOf(listings: Listings, dirAbs: string): Promise<Listing> {
  let pending = listings.get(dirAbs);
  if (!pending) {
    pending = readdir(dirAbs, { withFileTypes: true }).then(
      (entries) => new Map(entries.map((d) => [d.name, d.isSymbolicLink() ? ('link' as const) : ('other' as const)])),
      () => undefined,
    );
    listings.set(dirAbs, pending);
  }
  return pending;
}

async function escapeOf(root: string, realRoot: string, prefix: string, listings: Listings): Promise<string | undefined> {
  const abs = join(root, prefix);
  const slash = prefix.lastIndexOf('/');
  const kind = (await listingOf(listings, slash < 0 ? root : join(root, prefix.slice(0, slash))))?.get(prefix.slice(slash + 1));
  if (kind === undefined) {
    // Not listed: missing, or a name readdir could not see (permissions): ask lstat itself.
    try {
      if (!(await lstat(abs)).isSymbolicLink()) return undefined;
    } catch {
      return 'missing';
    }
  } else if (kind === 'other') {
    return undefined;
  }
  const target = await realpath(abs).catch(() => danglingTarget(abs));
  if (target === undefined) return undefined;
  const rel = relative(realRoot, target);
  const inside = rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
  return inside ? undefined : target;
}

/**
 * Where a dangling symlink points: a mkdir or a write through it would create its target, so
 * it counts as leading there. Undefined when it cannot be read.
 */
async function danglingTarget(abs: string): Promise<string | undefined> {
  try {
    const parent = await realpath(dirname(abs));
    return resolve(parent, await readlink(abs));
  } catch {
    return undefined;
  }
}
