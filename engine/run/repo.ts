import { join } from 'node:path';
import { readConfig, type RepoConfig } from '../config.js';
import { ensureDvcTsIgnored } from '../api/init.js';
import { UserError } from '../errors.js';
import { buildGraph, type StageGraph } from '../graph/dag.js';
import { staleReasons, type StageObservation, type StaleReason } from '../graph/staleness.js';
import { availableParallelism } from 'node:os';
import { Hasher } from '../hash/hasher.js';
import { WorkerPoolDigester } from '../hash/worker-pool.js';
import { StateCache } from '../hash/state.js';
import { ObjectStore } from '../cache/store.js';
import { checkoutOut } from '../cache/link.js';
import { saveOut } from '../cache/save.js';
import { RunCache } from '../cache/runcache.js';
import { lockPathFor } from '../lock/lockfile.js';
import { readLockCached } from '../lock/lock-cache.js';
import { loadPipeline } from '../pipeline/load.js';
import type { HashInfo, LockEntry, LockFile, LockPathEntry, Pipeline, StageDef } from '../types.js';

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
    const [pipeline, config] = await Promise.all([loadPipeline(root, options), readConfig(root), ensureDvcTsIgnored(root)]);
    const graph = buildGraph(pipeline.stages);
    const lockFile = lockPathFor(pipeline.file);
    const lock = await readLockCached(root, lockFile);
    const state = new StateCache(root);
    const pool = availableParallelism() > 1 ? new WorkerPoolDigester() : undefined;
    const hasher = new Hasher(root, state, { largeFileDigester: pool });
    const store = new ObjectStore(root, { state });
    const runCache = new RunCache(root, store);
    return new Repo(root, pipeline, graph, lock, config, state, hasher, store, runCache, lockFile);
  }

  abs(relPath: string): string {
    return relPath === '.' ? this.root : join(this.root, ...relPath.split('/'));
  }

  /** Hash what a stage reads and writes now, and check which locked outs the cache holds. */
  async observe(stage: StageDef, entry: LockEntry | undefined = this.lock.stages[stage.name]): Promise<StageObservation & { inCache: Set<string> }> {
    const hashAll = async (paths: string[]) => {
      const infos = await Promise.all(paths.map((p) => this.hasher.hashPath(p)));
      return new Map(paths.map((p, i) => [p, infos[i]]));
    };
    const lockedCached = (entry?.outs ?? []).filter((o) => stage.outs.some((s) => s.path === o.path && s.cache));
    const [deps, outs, present] = await Promise.all([
      hashAll(stage.deps.map((d) => d.path)),
      hashAll(stage.outs.map((o) => o.path)),
      Promise.all(lockedCached.map((o) => this.store.has(o.hash))),
    ]);
    const inCache = new Set(lockedCached.filter((_, i) => present[i]).map((o) => o.hash));
    return { deps, outs, inCache, lockedOutInCache: (e: LockPathEntry) => inCache.has(e.hash) };
  }

  staleReasons(stage: StageDef, entry: LockEntry | undefined, observed: StageObservation): StaleReason[] {
    return staleReasons(stage, entry, observed);
  }

  /** Lock entries for the deps as observed; a missing dep is never recorded. */
  depEntries(stage: StageDef, observed: StageObservation): LockPathEntry[] {
    const entries: LockPathEntry[] = [];
    for (const dep of stage.deps) {
      const info = observed.deps.get(dep.path);
      if (info) entries.push(withPath(dep.path, info));
    }
    return entries;
  }

  /** The run-cache can stand in for a stage only when every out is cached and rebuilt whole. */
  runCacheable(stage: StageDef): boolean {
    return stage.outs.length > 0 && stage.outs.every((o) => o.cache && !o.persist) && !stage.alwaysChanged;
  }

  /** Put a stage's outs back from the cache, as a lock entry or run-cache entry names them. */
  async restoreOuts(stage: StageDef, outs: LockPathEntry[]): Promise<void> {
    const declared = new Map(stage.outs.map((o) => [o.path, o]));
    for (const out of outs) {
      const spec = declared.get(out.path);
      if (!spec?.cache) continue;
      await checkoutOut(this.store, this.abs(out.path), out, { linkTypes: this.config.linkTypes });
    }
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

function withPath(path: string, info: HashInfo): LockPathEntry {
  const e: LockPathEntry = { path, hash: info.hash, size: info.size };
  if (info.nfiles !== undefined) e.nfiles = info.nfiles;
  return e;
}
