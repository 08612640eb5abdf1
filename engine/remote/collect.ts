import { UserError } from '../errors.js';
import { buildGraph } from '../graph/dag.js';
import { resolveTarget } from '../graph/select.js';
import { lockPathFor, readLock } from '../lock/lockfile.js';
import { findPipelineFile, loadPipeline } from '../pipeline/load.js';
import type { TrackedOut } from '../tracked/dvcfile.js';
import { readTrackedOuts, selectTracked } from '../tracked/tracked.js';
import type { LockFile } from '../types.js';

/** The cache objects a transfer is about, and how to name them to the user. */
export interface WantedObjects {
  /** Object hashes: outs as the lock and `.dvc` files record them (a directory by its manifest). */
  hashes: Set<string>;
  /** Hash → workspace path, for messages. */
  labels: Map<string, string>;
  /** Hash → size recorded, for progress. */
  sizes: Map<string, number>;
  /** Stages whose outs are included (all of them when there were no targets). */
  stages: string[];
  /** Out paths those stages declare: a run-cache entry is for them when its outs are among these. */
  stageOutPaths: Set<string>;
  /** Tracked data included. */
  tracked: TrackedOut[];
  /** Tracked outs that cannot move: DVC md5 ones (their bytes are not in dvc-ts's cache). */
  notTransferable: TrackedOut[];
}

export interface CollectOptions {
  /** Stage names, tracked paths or `.dvc` files; everything when empty. */
  targets?: readonly string[];
  /** Pipeline file relative to root. */
  file?: string;
  /** For push: leave out outs declared `push: false`. */
  forPush?: boolean;
  /** The lock to take the outs from instead of the workspace's (an experiment's). */
  lock?: LockFile;
}

/**
 * What push, pull, fetch and `status -c` act on: the cached outs the workspace lock records for
 * the selected stages, and the data the selected `.dvc` files track.
 */
export async function collectWanted(root: string, options: CollectOptions = {}): Promise<WantedObjects> {
  const wanted: WantedObjects = { hashes: new Set(), labels: new Map(), sizes: new Map(), stages: [], stageOutPaths: new Set(), tracked: [], notTransferable: [] };
  const add = (e: { hash: string; size?: number }, label: string) => {
    wanted.hashes.add(e.hash);
    if (!wanted.labels.has(e.hash)) wanted.labels.set(e.hash, label);
    if (e.size !== undefined) wanted.sizes.set(e.hash, e.size);
  };
  const targets = options.targets ?? [];
  const allTracked = await readTrackedOuts(root);
  const hasPipeline = options.file !== undefined || (await findPipelineFile(root).then(() => true, () => false));
  const stageTargets: string[] = [];
  const dataTargets: string[] = [];
  let graph;
  let pipeline;
  if (hasPipeline) {
    pipeline = await loadPipeline(root, { file: options.file, missingParams: 'omit' });
    graph = buildGraph(pipeline.stages);
  }
  for (const t of targets) {
    const norm = t.replace(/\/+$/, '');
    if (selectTracked(allTracked, [norm]).length > 0) dataTargets.push(norm);
    else if (graph) stageTargets.push(...resolveTarget(graph, t));
    else throw new UserError(`${t} is neither a tracked path nor a .dvc file (and there is no pipeline)`);
  }
  if (graph && pipeline && (targets.length === 0 || stageTargets.length > 0)) {
    const lock = options.lock ?? (await readLock(root, lockPathFor(pipeline.file)));
    const names = targets.length === 0 ? graph.order : [...new Set(stageTargets)];
    wanted.stages = names;
    for (const name of names) {
      const stage = graph.byName.get(name)!;
      for (const o of stage.outs) wanted.stageOutPaths.add(o.path);
      const entry = lock.stages[name];
      if (!entry) continue;
      for (const out of entry.outs) {
        const spec = stage.outs.find((o) => o.path === out.path);
        if (!spec?.cache || (options.forPush && !spec.push)) continue;
        add(out, out.path);
      }
    }
  }
  if (targets.length === 0 || dataTargets.length > 0) {
    wanted.tracked = targets.length === 0 ? allTracked : selectTracked(allTracked, dataTargets);
    for (const out of wanted.tracked) {
      if (out.hash === undefined) wanted.notTransferable.push(out);
      else add({ hash: out.hash, size: out.size }, out.path);
    }
  }
  return wanted;
}

/**
 * What `repro --pull TARGETS` needs: the stages repro would consider (the targets and their
 * upstream, or downstream, or only themselves, as repro selects them) and the tracked data their
 * deps read. Undefined without targets: everything. Pure apart from reading the pipeline and
 * the `.dvc` files.
 */
export async function reproPullTargets(
  root: string,
  options: { file?: string; targets: readonly string[]; downstream?: boolean; single?: boolean },
): Promise<string[] | undefined> {
  if (options.targets.length === 0) return undefined;
  const { selectStages } = await import('../graph/select.js');
  const pipeline = await loadPipeline(root, { file: options.file, missingParams: 'omit' });
  const graph = buildGraph(pipeline.stages);
  const stages = selectStages(graph, { targets: [...options.targets], downstream: options.downstream, single: options.single });
  const deps = stages.flatMap((n) => graph.byName.get(n)!.deps.map((d) => d.path));
  const tracked = (await readTrackedOuts(root)).filter((o) => deps.some((d) => d === o.path || d.startsWith(`${o.path}/`) || o.path.startsWith(`${d}/`)));
  return [...stages, ...tracked.map((o) => o.path)];
}
