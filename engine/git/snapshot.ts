// The repository as it was at one revision (or as it is in the workspace): its pipeline, lock
// and any file, behind one interface so that report code is written once for both.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError, UserErrors } from '../errors.js';
import { isDirHash, listFiles, type ManifestEntry } from '../hash/dir.js';
import { emptyLock, lockPathFor, parseLock } from '../lock/lockfile.js';
import { PIPELINE_FILES } from '../pipeline/load.js';
import { resolvePipeline } from '../pipeline/resolve.js';
import type { ObjectStore } from '../cache/store.js';
import type { LockFile, LockPathEntry, Pipeline } from '../types.js';
import { SKIPPED_DIRS, type GitHistory } from './history.js';
import { resolveRevision } from './revision.js';
import { WORKSPACE_LABEL, type SelectedRevision } from './scope.js';

/** Files of one revision, by path relative to the dvc-ts root. */
export interface FileSource {
  /** A file's text; undefined when there is no file at that path. */
  readText(path: string): Promise<string | undefined>;
  /** A file's bytes; undefined when there is no file at that path. */
  readBytes(path: string): Promise<Uint8Array | undefined>;
  /** The files below a directory (sorted, root-relative); undefined when it is not a directory. */
  listFiles(dir: string): Promise<string[] | undefined>;
  /** Every file with this base name anywhere below the root (sorted, root-relative). */
  filesNamed(name: string): Promise<string[]>;
}

/** The work tree on disk. */
export class WorkspaceFiles implements FileSource {
  constructor(readonly root: string) {}

  async readText(path: string): Promise<string | undefined> {
    const bytes = await this.readBytes(path);
    return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
  }

  async readBytes(path: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(join(this.root, path));
    } catch (e) {
      if (isAbsent(e)) return undefined;
      throw new UserError(`cannot read '${path}': ${(e as Error).message}`);
    }
  }

  /** The files of a directory as a directory output sees them (engine/hash/dir.ts listFiles). */
  async listFiles(dir: string): Promise<string[] | undefined> {
    const abs = join(this.root, dir);
    if (!(await stat(abs).catch(() => undefined))?.isDirectory()) return undefined;
    const prefix = dir === '' || dir === '.' ? '' : `${dir.replace(/\/+$/, '')}/`;
    return (await listFiles(abs)).map((f) => prefix + f).sort();
  }

  async filesNamed(name: string): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.root, dir), { withFileTypes: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return;
        throw e;
      }
      for (const e of entries) {
        const path = dir === '' ? e.name : `${dir}/${e.name}`;
        if (e.isFile() && e.name === name) found.push(path);
        else if (e.isDirectory() && !SKIPPED_DIRS.has(e.name)) await walk(path);
      }
    };
    await walk('');
    return found.sort();
  }
}

/** A commit's tree, read from the git object database. */
export class CommitFiles implements FileSource {
  constructor(
    readonly history: GitHistory,
    readonly commit: string,
  ) {}

  readText(path: string): Promise<string | undefined> {
    return this.history.readText(this.commit, path);
  }

  readBytes(path: string): Promise<Uint8Array | undefined> {
    return this.history.readBytes(this.commit, path);
  }

  listFiles(dir: string): Promise<string[] | undefined> {
    return this.history.listFiles(this.commit, dir);
  }

  filesNamed(name: string): Promise<string[]> {
    return this.history.filesNamed(this.commit, name);
  }
}

function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/** A file's text together with the path it was read from. */
export interface SourcedText {
  path: string;
  text: string;
}

/** The resolver asks for files synchronously; this many rounds of fetching what it asked for. */
const MAX_PREFETCH_ROUNDS = 32;

/** Re-point a UserError's position at `label:file` so messages say which revision they are about. */
export function atRevision(error: UserError, label: string): UserError {
  if (error instanceof UserErrors) return new UserErrors(error.errors.map((e) => atRevision(e, label)));
  const pos = error.pos ? { ...error.pos, file: `${label}:${error.pos.file}` } : undefined;
  const message = pos ? error.message : `${label}: ${error.message}`;
  return new UserError(message, { ...(pos ? { pos } : {}), exitCode: error.exitCode, details: error.details });
}

export class Snapshot {
  private pipelinePromise: Promise<Pipeline | undefined> | undefined;
  private lockPromise: Promise<LockFile> | undefined;
  private readonly manifests = new Map<string, Promise<ManifestEntry[] | undefined>>();

  constructor(
    /** `workspace`, or the revision as the user named it. */
    readonly label: string,
    /** The commit, or undefined for the workspace. */
    readonly commit: string | undefined,
    readonly files: FileSource,
    /** Absolute dvc-ts root (recorded in the pipeline; the cache lives below it). */
    readonly root: string,
    /** The pipeline file (root-relative) when not the root's pipeline.yaml / dvc.yaml. */
    readonly pipelineFile?: string,
  ) {}

  static workspace(root: string, pipelineFile?: string): Snapshot {
    return new Snapshot(WORKSPACE_LABEL, undefined, new WorkspaceFiles(root), resolve(root), pipelineFile);
  }

  static atCommit(history: GitHistory, commit: string, label: string, root: string, pipelineFile?: string): Snapshot {
    return new Snapshot(label, commit, new CommitFiles(history, commit), resolve(root), pipelineFile);
  }

  /** The snapshot of a selected revision: the workspace, or a commit. */
  static of(root: string, history: GitHistory | undefined, revision: SelectedRevision, pipelineFile?: string): Snapshot {
    if (revision.commit === undefined) return Snapshot.workspace(root, pipelineFile);
    if (!history) throw new Error('a commit snapshot needs the git history');
    return Snapshot.atCommit(history, revision.commit, revision.label, root, pipelineFile);
  }

  /**
   * The snapshot a command-line revision names; undefined or `workspace` for the work tree
   * (a branch really named `workspace` can still be reached as `refs/heads/workspace`).
   */
  static async forRevision(root: string, history: GitHistory | undefined, rev: string | undefined, pipelineFile?: string): Promise<Snapshot> {
    if (rev === undefined || rev === WORKSPACE_LABEL) return Snapshot.workspace(root, pipelineFile);
    if (!history) throw new UserError(`revision '${rev}' was asked for, but ${resolve(root)} is not inside a git repository`);
    return Snapshot.atCommit(history, await resolveRevision(history, rev), rev, root, pipelineFile);
  }

  /** How errors name a file of this snapshot: `metrics.json`, or `HEAD~1:metrics.json`. */
  shown(path: string): string {
    return this.commit === undefined ? path : `${this.label}:${path}`;
  }

  /** Errors about this snapshot's files, located in it. */
  locate(error: UserError): UserError {
    return this.commit === undefined ? error : atRevision(error, this.label);
  }

  /** The resolved pipeline, or undefined when this revision has no pipeline file. */
  pipeline(): Promise<Pipeline | undefined> {
    this.pipelinePromise ??= this.loadPipeline();
    return this.pipelinePromise;
  }

  private async loadPipeline(): Promise<Pipeline | undefined> {
    for (const file of this.pipelineFile !== undefined ? [this.pipelineFile] : PIPELINE_FILES) {
      const text = await this.files.readText(file);
      if (text !== undefined) return this.resolveWithPrefetch(file, text);
    }
    return undefined;
  }

  /**
   * resolvePipeline is pure and reads files synchronously; files of a revision come
   * asynchronously. So: resolve with what is known, note what the resolver asked for, fetch it,
   * and resolve again until it asks for nothing new. Pipelines name few files, so this is cheap.
   */
  private async resolveWithPrefetch(file: string, text: string): Promise<Pipeline> {
    const known = new Map<string, string | undefined>();
    for (let round = 0; ; round++) {
      const wanted = new Set<string>();
      const readFile = (path: string): string | undefined => {
        if (known.has(path)) return known.get(path);
        wanted.add(path);
        return undefined;
      };
      try {
        const pipeline = resolvePipeline({ file, text, root: this.root, readFile, missingParams: 'omit' });
        if (wanted.size === 0 || round >= MAX_PREFETCH_ROUNDS) return pipeline;
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        if (wanted.size === 0 || round >= MAX_PREFETCH_ROUNDS) throw this.locate(e);
      }
      await Promise.all([...wanted].map(async (path) => known.set(path, await this.files.readText(path))));
    }
  }

  /** The lock file of this snapshot's pipeline, root-relative. */
  get lockFile(): string {
    return lockPathFor(this.pipelineFile ?? PIPELINE_FILES[0]);
  }

  /** The lock of this revision's pipeline; an empty lock when there is none. */
  lock(): Promise<LockFile> {
    return this.lockAt(this.lockFile);
  }

  /** A lock file of this revision (root-relative path), parsed once; empty when absent. */
  lockAt(path: string): Promise<LockFile> {
    if (path !== this.lockFile) return this.parseLockText(path);
    this.lockPromise ??= this.parseLockText(path);
    return this.lockPromise;
  }

  private parseLockText(path: string): Promise<LockFile> {
    return this.files.readText(path).then((text) => {
      if (text === undefined) return emptyLock();
      try {
        return parseLock(text, path);
      } catch (e) {
        throw e instanceof UserError ? this.locate(e) : e;
      }
    });
  }

  /** The lock's record of an out (any stage), when it has one. */
  async lockedOut(path: string): Promise<LockPathEntry | undefined> {
    for (const entry of Object.values((await this.lock()).stages)) {
      const out = entry.outs.find((o) => o.path === path);
      if (out) return out;
    }
    return undefined;
  }

  /**
   * A file's bytes: from the revision's files (git, or the disk for the workspace), else, given a
   * store, from the local cache through the lock's record of an out: a file out, or a file inside
   * a directory out (through its manifest). Undefined when neither has it.
   */
  async readBytes(path: string, store?: ObjectStore): Promise<Uint8Array | undefined> {
    const own = await this.files.readBytes(path);
    if (own !== undefined || !store) return own;
    for (const out of await this.lockedOuts()) {
      if (out.path === path && !isDirHash(out.hash)) return readObjectBytes(store, out.hash);
      if (isDirHash(out.hash) && isStrictlyInside(path, out.path)) {
        const rel = path.slice(out.path.length + 1);
        const entry = (await this.manifestOf(out.hash, store))?.find((e) => e.relpath === rel);
        return entry ? readObjectBytes(store, entry.hash) : undefined;
      }
    }
    return undefined;
  }

  /**
   * The files below `dir`, relative to it and sorted: the revision's, and given a store, those
   * of the lock's outs there (a directory out through its manifest). Undefined when there are none.
   */
  async listBelow(dir: string, store?: ObjectStore): Promise<string[] | undefined> {
    const strip = (p: string) => p.slice(dir.length + 1);
    const found = new Set((await this.files.listFiles(dir))?.map(strip));
    for (const out of store ? await this.lockedOuts() : []) {
      if (out.path !== dir && !isStrictlyInside(out.path, dir)) continue;
      const rel = out.path === dir ? '' : strip(out.path);
      if (!isDirHash(out.hash)) {
        if (rel !== '') found.add(rel);
        continue;
      }
      for (const e of (await this.manifestOf(out.hash, store!)) ?? []) found.add(rel === '' ? e.relpath : `${rel}/${e.relpath}`);
    }
    return found.size === 0 ? undefined : [...found].sort();
  }

  /** Every out the lock records; none when it cannot be read (its cached files are then not found). */
  private async lockedOuts(): Promise<LockPathEntry[]> {
    try {
      return Object.values((await this.lock()).stages).flatMap((s) => s.outs);
    } catch (e) {
      if (e instanceof UserError) return [];
      throw e;
    }
  }

  private manifestOf(hash: string, store: ObjectStore): Promise<ManifestEntry[] | undefined> {
    let m = this.manifests.get(hash);
    if (!m) {
      m = store.readManifest(hash).catch((e: unknown) => {
        if (e instanceof UserError) return undefined;
        throw e;
      });
      this.manifests.set(hash, m);
    }
    return m;
  }

  /**
   * The text of an output (a metrics file, say): from the revision's files when it is there (in
   * git, or on disk for the workspace), else from the local cache through the lock's hash. A
   * directory gives each of its files. A UserError says which when neither has it.
   */
  async readOut(path: string, store: ObjectStore): Promise<SourcedText[]> {
    const text = await this.files.readText(path);
    if (text !== undefined) return [{ path, text }];
    const listed = await this.files.listFiles(path);
    if (listed !== undefined) {
      return Promise.all(listed.map(async (p) => ({ path: p, text: (await this.files.readText(p)) ?? '' })));
    }
    const locked = await this.lockedOut(path);
    const where = this.commit === undefined ? 'in the workspace' : `in ${this.label}`;
    if (!locked) throw new UserError(`${path} does not exist ${where}, and the lock has no record of it`);
    if (!isDirHash(locked.hash)) return [{ path, text: await this.readObject(store, locked.hash, path, where) }];
    const manifest = await store.readManifest(locked.hash).catch((e: unknown) => {
      if (e instanceof UserError) throw new UserError(`${path} is not ${where} and its directory manifest is not in the local cache`, { details: [e.message] });
      throw e;
    });
    return Promise.all(
      manifest.map(async (e) => {
        const file = `${path}/${e.relpath}`;
        return { path: file, text: await this.readObject(store, e.hash, file, where) };
      }),
    );
  }

  private async readObject(store: ObjectStore, hash: string, path: string, where: string): Promise<string> {
    const objectPath = store.objectPath(hash);
    try {
      return await readFile(objectPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new UserError(`${path} is not ${where} and its cached object is not in the local cache`, {
        details: [`expected ${objectPath}`, 'run `dvc-ts repro` at that revision (or fetch the cache) to get it back'],
      });
    }
  }
}

function isStrictlyInside(path: string, dir: string): boolean {
  return dir === '' || dir === '.' ? path !== dir : path.startsWith(`${dir}/`);
}

/** An object's bytes from the local cache; undefined when it is not there. */
async function readObjectBytes(store: ObjectStore, hash: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(store.objectPath(hash));
  } catch (e) {
    if (isAbsent(e)) return undefined;
    throw e;
  }
}
