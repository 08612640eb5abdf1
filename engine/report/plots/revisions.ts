// The files and pipeline of one revision: the workspace on disk, or a commit read through git,
// with cached outputs (not in git) found through that commit's lock and the local cache, as DVC
// reads plots at a revision.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ObjectStore } from '../../cache/store.js';
import { isDirHash, listFiles, parseManifest, type ManifestEntry } from '../../hash/dir.js';
import { lockPathFor, parseLock } from '../../lock/lockfile.js';
import { PIPELINE_FILES } from '../../pipeline/load.js';
import { resolvePipeline } from '../../pipeline/resolve.js';
import type { LockPathEntry, Pipeline } from '../../types.js';
import { isSameOrInside } from '../../util/paths.js';
import type { RevisionFiles } from './collect.js';
import type { GitTreeReader } from './git.js';

/** DVC's label for uncommitted files. */
export const WORKSPACE = 'workspace';

function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/** The files on disk under `root`. */
export function workspaceFiles(root: string, label = WORKSPACE): RevisionFiles {
  const abs = (path: string) => join(resolve(root), path);
  return {
    label,
    async readFile(path) {
      try {
        return await readFile(abs(path));
      } catch (e) {
        if (isAbsent(e)) return undefined;
        throw e;
      }
    },
    async listDir(path) {
      const st = await stat(abs(path)).catch(() => undefined);
      return st?.isDirectory() ? listFiles(abs(path)) : undefined;
    },
  };
}

/**
 * The files of a commit: tracked in git, or cached outputs recorded by the lock beside
 * `pipelineFile` (repository-relative; default `pipeline.yaml`) at that commit.
 */
export function commitFiles(root: string, git: GitTreeReader, label: string, commit: string, pipelineFile: string = PIPELINE_FILES[0]): RevisionFiles {
  const store = new ObjectStore(root);
  let lockOuts: Promise<LockPathEntry[]> | undefined;
  const outs = () => (lockOuts ??= lockOutsAt(git, commit, lockPathFor(pipelineFile)));
  const manifests = new Map<string, Promise<ManifestEntry[] | undefined>>();
  const manifest = (hash: string) => {
    let m = manifests.get(hash);
    if (!m) {
      m = readObject(store, hash).then((bytes) => (bytes === undefined ? undefined : parseManifest(Buffer.from(bytes).toString('utf8'))));
      manifests.set(hash, m);
    }
    return m;
  };

  return {
    label,
    async readFile(path) {
      const tracked = await git.readBlob(commit, path);
      if (tracked !== undefined) return tracked;
      for (const out of await outs()) {
        if (out.path === path && !isDirHash(out.hash)) return readObject(store, out.hash);
        if (isDirHash(out.hash) && isSameOrInside(path, out.path) && path !== out.path) {
          const rel = path.slice(out.path.length + 1);
          const entry = (await manifest(out.hash))?.find((e) => e.relpath === rel);
          return entry ? readObject(store, entry.hash) : undefined;
        }
      }
      return undefined;
    },
    async listDir(dir) {
      const found = new Set(await git.listTree(commit, dir));
      for (const out of await outs()) {
        if (!isSameOrInside(out.path, dir)) continue;
        const rel = out.path === dir ? '' : out.path.slice(dir.length + 1);
        if (!isDirHash(out.hash)) {
          if (rel !== '') found.add(rel);
          continue;
        }
        for (const e of (await manifest(out.hash)) ?? []) found.add(rel === '' ? e.relpath : `${rel}/${e.relpath}`);
      }
      return found.size === 0 ? undefined : [...found].sort();
    },
  };
}

/** Outputs the commit's lock records; none when it has no (readable) lock. */
async function lockOutsAt(git: GitTreeReader, commit: string, lockFile: string): Promise<LockPathEntry[]> {
  const bytes = await git.readBlob(commit, lockFile);
  if (bytes === undefined) return [];
  try {
    const lock = parseLock(Buffer.from(bytes).toString('utf8'), lockFile);
    return Object.values(lock.stages).flatMap((s) => s.outs);
  } catch {
    // A damaged lock at an old commit only means its cached plots cannot be found.
    return [];
  }
}

async function readObject(store: ObjectStore, hash: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(store.objectPath(hash));
  } catch (e) {
    if (isAbsent(e)) return undefined;
    throw e;
  }
}

/** Reads a repository file's text at some revision; undefined when absent. */
export type TextReader = (path: string) => Promise<string | undefined>;

/** Signals the synchronous resolver asked for a file not fetched yet. */
class NeedFile extends Error {
  constructor(readonly path: string) {
    super(`need ${path}`);
  }
}

/**
 * The pipeline as `read` sees it: `file` (repository-relative) when given, else pipeline.yaml or
 * dvc.yaml at the root; undefined when there is no such file. resolvePipeline
 * reads params files synchronously, so each one it asks for is fetched and the resolve retried;
 * pipelines name few params files, so this stays cheap. Missing params are left out: plots do
 * not need them. Throws UserError(s) when the pipeline is invalid.
 */
export async function loadPipelineFrom(read: TextReader, root = '', pipelineFile?: string): Promise<Pipeline | undefined> {
  let file: string | undefined;
  let text: string | undefined;
  for (const name of pipelineFile === undefined ? PIPELINE_FILES : [pipelineFile]) {
    text = await read(name);
    if (text !== undefined) {
      file = name;
      break;
    }
  }
  if (file === undefined || text === undefined) return undefined;
  const known = new Map<string, string | undefined>();
  for (;;) {
    try {
      return resolvePipeline({
        file,
        text,
        root,
        missingParams: 'omit',
        readFile: (path) => {
          if (known.has(path)) return known.get(path);
          throw new NeedFile(path);
        },
      });
    } catch (e) {
      if (!(e instanceof NeedFile) || known.has(e.path)) throw e;
      known.set(e.path, await read(e.path));
    }
  }
}

/** A TextReader over RevisionFiles. */
export function textReaderOf(files: RevisionFiles): TextReader {
  return async (path) => {
    const bytes = await files.readFile(path);
    return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
  };
}
