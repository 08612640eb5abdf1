import type { ObjectStore } from '../cache/store.js';
import { isDirHash } from '../hash/dir.js';
import { createLimiter } from '../hash/limit.js';
import { acquireRepoLock } from '../repo/repo-lock.js';
import { sweepOwnTemps } from '../repo/orphans.js';
import { collectWanted, type CollectOptions, type WantedObjects } from './collect.js';
import { FolderRemote } from './folder.js';
import { openRemote } from './open.js';
import { terminalProgress } from './progress.js';
import { readRemoteRunEntry, remoteRunKeys, runEntryObjects, saveRunEntry, shareableRunEntries, uploadRunEntries } from './runs.js';
import { describeFailures, downloadObjects, locateOnRemote, uploadObjects, type TransferFailure } from './transfer.js';
import { PackIndex } from './pack-index.js';
import { emptyCounts, totalRequests, type Remote, type RequestCounts } from './types.js';
import { openDataWorkspace, type DataWorkspace } from '../tracked/workspace.js';

export interface SyncOptions extends CollectOptions {
  /** Remote name (default: `core.remote`). */
  remote?: string;
  jobs?: number;
  /** Also push/pull the run-cache entries (and the objects they need). */
  runCache?: boolean;
  wait?: boolean;
  /** Draw a progress bar when stderr is a terminal (the CLI does). */
  progress?: boolean;
}

export interface SyncReport {
  remote: string;
  /** Objects moved, and their bytes. */
  files: number;
  bytes: number;
  /** Objects considered (everything the targets need). */
  considered: number;
  /** Objects already where they were going. */
  alreadyThere: number;
  runEntries: number;
  failures: TransferFailure[];
  requests: RequestCounts;
  seconds: number;
  /** Warnings: DVC md5 outs, objects that are nowhere (not local, not on the remote). */
  notes: string[];
}

function newReport(remote: Remote): SyncReport {
  return { remote: remote.name, files: 0, bytes: 0, considered: 0, alreadyThere: 0, runEntries: 0, failures: [], requests: remote.requests, seconds: 0, notes: [] };
}

function md5Notes(wanted: WantedObjects): string[] {
  return wanted.notTransferable.map((o) => `${o.path} (${o.dvcFile}): recorded by DVC as md5, not in dvc-ts's cache; dvc-ts add ${o.path} re-tracks it so it can be pushed`);
}

/** Object hashes plus, for each manifest in the local cache, its files; labels extended to them. */
async function expandLocal(store: ObjectStore, wanted: WantedObjects): Promise<{ hashes: Set<string>; labels: Map<string, string>; missingManifests: string[] }> {
  const hashes = new Set(wanted.hashes);
  const labels = new Map(wanted.labels);
  const missingManifests: string[] = [];
  for (const h of wanted.hashes) {
    if (!isDirHash(h)) continue;
    let manifest;
    try {
      manifest = await store.readManifest(h);
    } catch {
      missingManifests.push(h);
      continue;
    }
    const base = labels.get(h) ?? '';
    for (const e of manifest) {
      hashes.add(e.hash);
      if (!labels.has(e.hash)) labels.set(e.hash, `${base}/${e.relpath}`);
    }
  }
  return { hashes, labels, missingManifests };
}

/**
 * `dvc-ts push`: upload what the remote lacks of the selected outs and tracked data (and, with
 * runCache, of the run-cache), files before manifests before run entries, so whatever a reader
 * finds on the remote is complete. Reads only the cache; does not take the repository lock.
 */
export async function push(root: string, options: SyncOptions = {}): Promise<SyncReport> {
  const started = performance.now();
  const remote = await openRemote(root, options.remote);
  const ws = await openDataWorkspace(root);
  const report = newReport(remote);
  try {
    if (remote instanceof FolderRemote) await remote.sweepTemps();
    await sweepOwnTemps(root);
    const jobs = options.jobs ?? remote.defaultJobs;
    const wanted = await collectWanted(root, { ...options, forPush: true });
    report.notes.push(...md5Notes(wanted));
    const { hashes, labels } = await expandLocal(ws.store, wanted);
    let runs: Awaited<ReturnType<typeof shareableRunEntries>> | undefined;
    if (options.runCache) {
      runs = await shareableRunEntries(root, ws.store);
      for (const objs of runs.objects.values()) for (const h of objs) hashes.add(h);
    }
    report.considered = hashes.size;
    const index = PackIndex.open(root, remote);
    const present = await presentOnRemote(remote, index, ws.store, hashes, wanted, runs, jobs);
    const toSend = [...hashes].filter((h) => !present.has(h));
    report.alreadyThere = hashes.size - toSend.length;
    const progress = options.progress ? await terminalProgress() : undefined;
    const sent = await uploadObjects(remote, ws.store, toSend, labels, { index, jobs, progress });
    report.files = sent.files;
    report.bytes = sent.bytes;
    report.failures = sent.failures;
    for (const l of describeFailures(sent.missing)) report.notes.push(l);
    if (runs) {
      const failed = new Set([...sent.failures, ...sent.missing].map((f) => f.hash));
      const onRemote = await remoteRunKeys(remote);
      const keys = [...runs.entries.keys()].filter((k) => !onRemote.has(k) && !runs!.objects.get(k)!.some((h) => failed.has(h)));
      report.runEntries = await uploadRunEntries(remote, root, keys, jobs);
    }
  } finally {
    await ws.close();
    await remote.close();
    report.seconds = (performance.now() - started) / 1000;
  }
  return report;
}

/**
 * Which of `hashes` the remote holds. The outs themselves are checked first; a directory whose
 * manifest is on the remote has all its files there too (push sends files before the manifest,
 * so a manifest on the remote implies its files), so only the files of missing manifests are
 * checked: a no-op push of a 10,000-file directory costs one request. `status -c` does not take
 * this shortcut: it checks every object.
 */
async function presentOnRemote(
  remote: Remote,
  index: PackIndex,
  store: ObjectStore,
  hashes: ReadonlySet<string>,
  wanted: WantedObjects,
  runs: { entries: Map<string, { hash: string }[]> } | undefined,
  jobs: number,
): Promise<Set<string>> {
  const tops = new Set(wanted.hashes);
  for (const outs of runs?.entries.values() ?? []) for (const o of outs) tops.add(o.hash);
  const present = await locateOnRemote(remote, index, [...tops].filter((h) => hashes.has(h)), jobs, { looseFirst: true });
  for (const m of tops) {
    if (!isDirHash(m) || !present.has(m)) continue;
    const files = await store.readManifest(m).catch(() => []);
    for (const e of files) present.add(e.hash);
  }
  const rest = [...hashes].filter((h) => !tops.has(h) && !present.has(h));
  for (const h of await locateOnRemote(remote, index, rest, jobs)) present.add(h);
  return present;
}

/**
 * `dvc-ts fetch`: download into the cache what it lacks of the selected outs and tracked data
 * (and, with runCache, every run entry the remote has that this cache lacks, with its objects).
 * Each object is verified by hash before it enters the cache.
 */
export async function fetch(root: string, options: SyncOptions = {}): Promise<SyncReport & { wanted: WantedObjects }> {
  const started = performance.now();
  const lock = await acquireRepoLock(root, { wait: options.wait });
  const remote = await openRemote(root, options.remote).catch(async (e: unknown) => {
    await lock.release();
    throw e;
  });
  const ws = await openDataWorkspace(root);
  const report = newReport(remote);
  let wanted: WantedObjects;
  try {
    const jobs = options.jobs ?? remote.defaultJobs;
    wanted = await collectWanted(root, options);
    report.notes.push(...md5Notes(wanted));
    const progress = options.progress ? await terminalProgress() : undefined;
    const index = PackIndex.open(root, remote);
    const got = await downloadObjects(remote, ws.store, wanted.hashes, wanted.labels, { index, jobs, progress, sizes: wanted.sizes });
    report.files += got.files;
    report.bytes += got.bytes;
    report.failures.push(...got.failures);
    // With targets, only the entries of their stages (outs among theirs) and those entries' objects.
    const forStages = (options.targets ?? []).length > 0 ? wanted.stageOutPaths : undefined;
    if (options.runCache) await fetchRunCache(root, remote, ws, index, jobs, report, forStages);
  } finally {
    await ws.close();
    await remote.close();
    await lock.release();
    report.seconds = (performance.now() - started) / 1000;
  }
  return { ...report, wanted };
}

async function fetchRunCache(
  root: string,
  remote: Remote,
  ws: DataWorkspace,
  index: PackIndex,
  jobs: number,
  report: SyncReport,
  forStages?: ReadonlySet<string>,
): Promise<void> {
  const [onRemote, local] = await Promise.all([remoteRunKeys(remote), shareableRunEntries(root, ws.store)]);
  const missing = [...onRemote].filter((k) => !local.entries.has(k));
  const limit = createLimiter(jobs);
  const entries = (
    await Promise.all(
      missing.map((key) =>
        limit(async () => {
          try {
            const entry = await readRemoteRunEntry(remote, key);
            return entry ? { key, ...entry } : undefined;
          } catch (e) {
            report.failures.push({ hash: key, label: `run-cache entry ${key.slice(0, 12)}`, reason: e instanceof Error ? e.message : String(e) });
            return undefined;
          }
        }),
      ),
    )
  )
    .filter((e) => e !== undefined)
    .filter((e) => forStages === undefined || e.outs.every((o) => forStages.has(o.path)));
  const hashes = new Set(entries.flatMap((e) => e.outs.map((o) => o.hash)));
  const labels = new Map(entries.flatMap((e) => e.outs.map((o) => [o.hash, o.path] as const)));
  const got = await downloadObjects(remote, ws.store, hashes, labels, { index, jobs });
  report.files += got.files;
  report.bytes += got.bytes;
  report.failures.push(...got.failures);
  for (const e of entries) {
    // An entry enters the cache only with every object it needs: a partial hit would fail later.
    if (await runEntryObjects(ws.store, e.outs)) {
      await saveRunEntry(root, e.key, e.text);
      report.runEntries++;
    }
  }
}

/** The summary line push, pull and fetch print. */
export function formatSyncReport(verb: 'pushed' | 'fetched', r: SyncReport): string {
  const mb = (r.bytes / 1e6).toFixed(1);
  const parts = [`${r.files} object${r.files === 1 ? '' : 's'} ${verb} (${mb} MB)`];
  if (verb === 'pushed') parts.push(`${r.alreadyThere} of ${r.considered} already on the remote`);
  if (r.runEntries) parts.push(`${r.runEntries} run-cache entr${r.runEntries === 1 ? 'y' : 'ies'}`);
  if (r.failures.length) parts.push(`${r.failures.length} failed`);
  return `${parts.join(', ')}; remote '${r.remote}', ${totalRequests(r.requests)} requests (${describeRequests(r.requests)}), ${r.seconds.toFixed(2)} s`;
}

export function describeRequests(c: RequestCounts): string {
  return (Object.keys(emptyCounts()) as (keyof RequestCounts)[])
    .filter((k) => c[k] > 0)
    .map((k) => `${c[k]} ${k}`)
    .join(', ') || 'none';
}
