import { rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { readConfig, type RepoConfig } from '../config.js';
import { ensureDvcTsIgnored } from './dvc-ts-dir.js';
import { isUserError, UserError, UserErrors } from '../errors.js';
import { collectsPipelines, loadAllPipelines } from '../pipeline/collect.js';
import { checkPipeline } from '../pipeline/checks.js';
import { qualifiedName } from '../pipeline/stage-address.js';
import { buildGraph, type StageGraph } from '../graph/dag.js';
import { Hasher, NOT_KNOWN } from '../hash/hasher.js';
import { digesterForThisMachine } from '../hash/worker-pool.js';
import { StateCache } from '../hash/state.js';
import { ObjectStore } from '../cache/store.js';
import { checkoutOut } from '../cache/link.js';
import { saveOut } from '../cache/save.js';
import { RunCache } from '../cache/runcache.js';
import { emptyLock, lockPathFor } from '../lock/lockfile.js';
import { readLockCached } from '../lock/lock-cache.js';
import { loadPipeline, repoFileReader } from '../pipeline/load.js';
import { ParamsFiles, readParamSources } from '../pipeline/params-files.js';
import { assertRunnable } from '../pipeline/runnable.js';
import { isDirHash } from '../hash/dir.js';
import type { Observation } from '../stage/decide.js';
import type { HashInfo, LockEntry, LockFile, LockPathEntry, ParamValues, Pipeline, PipelinePart, StageDef } from '../types.js';

/**
 * One repository opened for a command: its pipeline, graph, lock, config, and the edges that
 * touch disk (hasher with its state cache, object store, run-cache). Commands build on this.
 */
export class Repo {
  private constructor(
    readonly root: string,
    readonly pipeline: Pipeline,
    readonly graph: StageGraph,
    readonly lock: LockFile,
    readonly config: RepoConfig,
    readonly state: StateCache,
    readonly hasher: Hasher,
    readonly store: ObjectStore,
    readonly runCache: RunCache,
    /** pipeline.lock's path relative to root (beside the pipeline file). */
    readonly lockFile: string,
  ) {}

  static async open(root: string, options: { file?: string } = {}): Promise<Repo> {
    const [pipeline, config] = await Promise.all([loadRepoPipeline(root, options.file), readConfig(root), ensureDvcTsIgnored(root)]);
    await assertRunnable(root, pipeline);
    const graph = buildGraph(pipeline.stages);
    const lockFile = lockPathFor(pipeline.file);
    const lock = pipeline.parts ? await readLocks(root, pipeline.parts) : await readLockCached(root, lockFile);
    const state = new StateCache(root);
    const pool = digesterForThisMachine();
    const hasher = new Hasher(root, state, { digester: pool });
    const store = new ObjectStore(root, { state });
    const runCache = new RunCache(root, store);
    const repo = new Repo(root, pipeline, graph, lock, config, state, hasher, store, runCache, lockFile);
    const files = pipeline.parts?.map((p) => p.file) ?? [pipeline.file];
    if (files.some((f) => f === 'dvc.yaml' || f.endsWith('/dvc.yaml'))) {
      // Only a DVC pipeline file can have a dvc.lock: the others never load this module.
      const { adoptDvcLocks } = await import('../lock/dvc-lock.js');
      repo.adoptedFromDvcLock = await adoptDvcLocks(root, pipeline, lock, (stage) => repo.recordAsIs(stage));
    }
    return repo;
  }

  /** Stages whose entry came from dvc.lock in this process (not yet in pipeline.lock). */
  adoptedFromDvcLock: string[] = [];

  /** A lock entry for the stage as its files are now (cached outs saved), as if it had just run. */
  async recordAsIs(stage: StageDef): Promise<LockEntry> {
    const deps: LockPathEntry[] = [];
    for (const d of stage.deps) {
      const info = await this.hasher.hashPath(d.path);
      if (info) deps.push(withPath(d.path, info));
    }
    return { cmd: stage.cmd, deps, params: stage.params, outs: await this.commitOuts(stage) };
  }

  abs(relPath: string): string {
    if (isAbsolute(relPath)) return relPath; // a dep outside the repository, as written
    return relPath === '.' ? this.root : join(this.root, ...relPath.split('/'));
  }

  /** Hash what a stage reads and writes now, check which locked outs the cache holds, read its params. */
  async observe(stage: StageDef, entry: LockEntry | undefined = this.lock.stages[stage.name]): Promise<Observation & { inCache: Set<string> }> {
    // Files the state cache answers cost one synchronous stat and no promise; the rest go async.
    const hashAll = async (paths: string[]) => {
      await this.hasher.state.load();
      const known = paths.map((p) => this.hasher.hashPathSync(p));
      const infos = await Promise.all(known.map((k, i) => (k === NOT_KNOWN ? this.hasher.hashPath(paths[i]!) : k)));
      return new Map(paths.map((p, i) => [p, infos[i]]));
    };
    const lockedCached = (entry?.outs ?? []).filter((o) => stage.outs.some((s) => s.path === o.path && s.cache));
    const [deps, outs] = await Promise.all([hashAll(stage.deps.map((d) => d.path)), hashAll(stage.outs.map((o) => o.path))]);
    // An out gone from the workspace is restorable only when the cache holds all of it (a
    // directory's listing and every file it names); one still there needs only its object
    // present, which keeps a no-op status from visiting every file of a large directory.
    const present = await Promise.all(lockedCached.map((o) => (outs.get(o.path) === undefined ? this.store.holdsWhole(o.hash) : this.store.has(o.hash))));
    const inCache = new Set(lockedCached.filter((_, i) => present[i]).map((o) => o.hash));
    return { deps, outs, inCache, lockedOutInCache: (e: LockPathEntry) => inCache.has(e.hash), ...this.readParams(stage) };
  }

  /**
   * The stage's param values now. Values were read when the pipeline loaded; a declared params
   * file that was missing then, or that a stage writes, is read again (a tuning stage's best.yaml).
   */
  private readParams(stage: StageDef): Pick<Observation, 'params' | 'paramsMissing' | 'paramKeysMissing'> {
    const lazy = (stage.paramSources ?? []).filter((p) => stage.paramsMissing?.includes(p.file) || this.graph.producersFor(p.file).length > 0);
    if (lazy.length === 0) return { params: stage.params, paramsMissing: [], paramKeysMissing: [] };
    const read = readParamSources(new ParamsFiles(repoFileReader(this.root)), lazy);
    const params: ParamValues = { ...stage.params };
    for (const { file } of lazy) {
      if (read.values[file]) params[file] = { ...stage.params[file], ...read.values[file] };
    }
    return { params, paramsMissing: read.missingFiles, paramKeysMissing: read.missingKeys };
  }

  /**
   * Put a stage's outs back from the cache, as a lock entry or run-cache entry names them.
   * `uncached: true` (a run-cache hit, for a stage that is stale anyway) also writes the outs
   * that are not cached (`cache: false` metrics), as plain copies. A damaged or missing object
   * is an error, unless `dropDamaged` (repro, which then runs the stage again): the damaged
   * objects are removed from the cache and their paths returned.
   */
  async restoreOuts(stage: StageDef, outs: LockPathEntry[], options: { uncached?: boolean; dropDamaged?: boolean } = {}): Promise<string[]> {
    const declared = new Map(stage.outs.map((o) => [o.path, o]));
    for (const out of outs) {
      const spec = declared.get(out.path);
      if (!spec || (!spec.cache && !options.uncached)) continue;
      const linkTypes = spec.cache ? this.config.linkTypes : (['reflink', 'copy'] as const);
      try {
        await checkoutOut(this.store, this.abs(out.path), out, { linkTypes });
      } catch (e) {
        if (!isUserError(e) || !options.dropDamaged) throw e;
        const damaged = await this.dropUnsoundObjects(out.hash);
        if (damaged.length === 0) throw e;
        return damaged;
      }
    }
    return [];
  }

  /**
   * Remove a damaged or missing object (or a directory's damaged listing or files); their paths.
   * A listing that names a damaged or missing file goes too: kept, it would say the directory is
   * in the cache and the next decision would try (and fail) to restore it again.
   */
  private async dropUnsoundObjects(hash: string): Promise<string[]> {
    const members: string[] = [];
    if (isDirHash(hash) && (await this.store.checkObject(hash)).status === 'ok') {
      members.push(...(await this.store.readManifest(hash)).map((e) => e.hash));
    }
    const unsound: string[] = [];
    const drop = async (h: string) => {
      unsound.push(this.store.objectPath(h));
      await rm(this.store.objectPath(h), { force: true });
    };
    for (const h of new Set(members)) if ((await this.store.checkObject(h)).status !== 'ok') await drop(h);
    if ((await this.store.checkObject(hash)).status !== 'ok' || unsound.length > 0) await drop(hash);
    return unsound;
  }

  /**
   * Remember a run in the run-cache. Outs the lock does not cache (`cache: false`) are stored
   * too, for this entry only: they stay plain workspace files, and come back on a hit.
   */
  async saveRun(stage: StageDef, runKey: string, outs: LockPathEntry[]): Promise<void> {
    const uncached = new Set(stage.outs.filter((o) => !o.cache).map((o) => o.path));
    for (const out of outs) if (uncached.has(out.path)) await saveOut(this.store, this.hasher, out.path, out);
    await this.runCache.saveRun(runKey, outs);
  }

  /** After a stage ran: every declared out must exist; hash it and store the cached ones. */
  async commitOuts(stage: StageDef): Promise<LockPathEntry[]> {
    const missing: string[] = [];
    const entries = await Promise.all(
      stage.outs.map(async (out) => {
        const info = await this.hasher.hashPath(out.path);
        if (!info) {
          missing.push(out.path);
          return undefined;
        }
        return withPath(out.path, out.cache ? await saveOut(this.store, this.hasher, out.path, info) : info);
      }),
    );
    if (missing.length > 0) {
      throw new UserError(`the command did not produce ${missing.join(', ')}`, { exitCode: 1, pos: stage.pos });
    }
    return entries as LockPathEntry[];
  }

  /** Persist what this process learned about file hashes. */
  async close(): Promise<void> {
    await this.state.save();
  }
}

/**
 * The pipeline a command at `file` (or at the root) acts on: at the root of a repository with
 * several pipeline files, all of them (pipeline/collect.ts); otherwise the one file.
 */
async function loadRepoPipeline(root: string, file: string | undefined): Promise<Pipeline> {
  if (file === undefined && collectsPipelines(root)) {
    const all = await loadAllPipelines(root);
    if (all) {
      // Outputs may not overlap across pipeline files either.
      const errors = checkPipeline(all.stages);
      if (errors.length === 1) throw errors[0]!;
      if (errors.length > 1) throw new UserErrors(errors);
      return all;
    }
  }
  return loadPipeline(root, { file });
}

/** The locks beside each pipeline file, as one lock of `file:stage` names. */
async function readLocks(root: string, parts: readonly PipelinePart[]): Promise<LockFile> {
  const merged = emptyLock();
  for (const part of parts) {
    const lock = await readLockCached(root, lockPathFor(part.file));
    for (const [name, entry] of Object.entries(lock.stages)) merged.stages[qualifiedName(part.file, name)] = entry;
  }
  return merged;
}

function withPath(path: string, info: HashInfo): LockPathEntry {
  const e: LockPathEntry = { path, hash: info.hash, size: info.size };
  if (info.nfiles !== undefined) e.nfiles = info.nfiles;
  return e;
}
