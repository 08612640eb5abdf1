import { relative } from 'node:path';
import { UserError } from '../errors.js';
import { RunCache } from '../cache/runcache.js';
import { ObjectStore } from '../cache/store.js';
import { expandKept, garbageObjects, lockHashes, staleRunEntries } from '../git/gc-plan.js';
import { GitHistory } from '../git/history.js';
import { selectRevisions, type RevisionScope, type SelectedRevision } from '../git/scope.js';
import { Snapshot } from '../git/snapshot.js';
import { isDirHash } from '../hash/dir.js';
import { LOCK_FILE } from '../lock/lockfile.js';
import { describeCleanup, withRepoLock } from '../repo/repo-lock.js';
import { sweepDeadExperiments } from '../repo/orphans.js';
import { experimentRevisions } from '../exp/refs.js';
import { listSnapshots, snapshotDir } from '../exp/workspace.js';

export interface GcOptions {
  workspace?: boolean;
  allBranches?: boolean;
  allTags?: boolean;
  allCommits?: boolean;
  /** List what would go, remove nothing. */
  dry?: boolean;
}

export interface GcReport {
  dry: boolean;
  /** Revisions whose locks were read (the workspace always among them). */
  revisions: number;
  /** Objects kept (referenced). */
  kept: number;
  /** Object hashes removed (or that would be, with dry). */
  removed: string[];
  /** Bytes those objects took. */
  bytes: number;
  /** Run-cache entries pruned, relative to the runs directory. */
  runEntries: string[];
  /** What a killed dvc-ts had left and taking the lock cleared. */
  notes: string[];
}

export const GC_SCOPE_HELP = [
  '--workspace      keep only what the workspace lock uses',
  '--all-branches   also keep what the lock of every branch tip uses',
  '--all-tags       also keep what the lock of every tag uses',
  '--all-commits    also keep what the lock of every commit uses',
];

/**
 * Remove cache objects no kept revision refers to. Which locks count is chosen explicitly: the
 * workspace's always, plus those of the branches, tags or commits asked for. Nothing another
 * revision would need can be guessed, so there is no default.
 */
export async function runGc(root: string, options: GcOptions): Promise<GcReport> {
  const scope: RevisionScope = {
    workspace: true,
    allBranches: options.allBranches ?? false,
    allTags: options.allTags ?? false,
    allCommits: options.allCommits ?? false,
  };
  if (!options.workspace && !scope.allBranches && !scope.allTags && !scope.allCommits) {
    throw new UserError('gc needs to know which revisions to keep: choose a scope', { details: GC_SCOPE_HELP });
  }
  const dry = options.dry ?? false;
  // One writer at a time: a repro saving objects while they are being collected would lose them.
  if (dry) return collect(root, scope, true, []);
  return withRepoLock(root, {}, async (lock) => {
    const notes = describeCleanup(lock);
    const swept = await sweepDeadExperiments(root);
    if (swept.workspaces.length > 0) notes.push(`Removed ${swept.workspaces.length} experiment workspace(s) left by a killed dvc-ts exp run`);
    if (swept.temps > 0) notes.push(`Removed ${swept.temps} temp file(s) left in the cache by a killed dvc-ts exp run`);
    return collect(root, scope, false, notes);
  });
}

async function collect(root: string, scope: RevisionScope, dry: boolean, notes: string[]): Promise<GcReport> {
  const store = new ObjectStore(root);
  const history = await GitHistory.open(root);
  // Experiments (refs/exps/*) are always kept: their outs live only in the cache.
  const revisions = [...(await selectRevisions(history, scope)), ...(await experimentRevisions(history))];
  const referenced = await referencedHashes(root, history, revisions);
  // Experiments queued with --queue run later from a snapshot of the workspace: keep what its locks name.
  for (const id of await listSnapshots(root)) {
    for (const hash of await referencedHashes(snapshotDir(root, id), undefined, [{ label: `queued snapshot ${id}`, commit: undefined }])) referenced.add(hash);
  }
  // Tracked data (issue 11): what the kept revisions' `.dvc` files record is kept too.
  await (await import('../tracked/gc.js')).trackedHashes(root, history, revisions, referenced);
  const manifests = await readManifests(store, referenced);
  const kept = expandKept(referenced, manifests);
  const objects = await store.list();
  const garbage = garbageObjects(objects, kept);
  const survivors = new Set(objects.filter((o) => kept.has(o)));
  const runCache = new RunCache(root, store);
  const stale = staleRunEntries([...(await runCache.entries())].map(([key, outs]) => ({ key, outs })), survivors, manifests);
  let bytes = 0;
  // Listings before the files they name: a gc killed midway never leaves a directory listing
  // whose files are gone (which would look restorable), only files nothing lists.
  for (const hash of [...garbage.filter(isDirHash), ...garbage.filter((h) => !isDirHash(h))]) {
    bytes += await store.size(hash);
    if (!dry) await store.remove(hash);
  }
  if (!dry) for (const entry of stale) await runCache.remove(entry.key);
  return { dry, revisions: revisions.length, kept: survivors.size, removed: garbage, bytes, runEntries: stale.map((e) => `${e.key.slice(0, 2)}/${e.key}`), notes };
}

/**
 * Hashes the locks of the revisions refer to: every pipeline.lock below the root (a pipeline
 * may live in a subdirectory), each distinct lock blob parsed once however many commits share it.
 */
async function referencedHashes(root: string, history: GitHistory | undefined, revisions: SelectedRevision[]): Promise<Set<string>> {
  const hashes = new Set<string>();
  const seenBlobs = new Set<string>();
  for (const rev of revisions) {
    const snapshot = Snapshot.of(root, history, rev);
    for (const path of await snapshot.files.filesNamed(LOCK_FILE)) {
      if (rev.commit !== undefined && history) {
        const blob = await history.blobOid(rev.commit, path);
        if (blob === undefined || seenBlobs.has(blob)) continue;
        seenBlobs.add(blob);
      }
      lockHashes(await snapshot.lockAt(path), hashes);
    }
  }
  return hashes;
}

/** File hashes of every referenced manifest the cache holds. A damaged manifest stops gc. */
async function readManifests(store: ObjectStore, referenced: ReadonlySet<string>): Promise<Map<string, string[]>> {
  const manifests = new Map<string, string[]>();
  for (const hash of referenced) {
    if (!isDirHash(hash) || !(await store.has(hash))) continue;
    manifests.set(hash, (await store.readManifest(hash)).map((e) => e.hash));
  }
  return manifests;
}

/** `1.5 MB` style sizes for the summary line. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${Number(value.toPrecision(3))} ${units[unit]}`;
}

export function formatGc(report: GcReport, root: string, store: ObjectStore = new ObjectStore(root)): string {
  const lines: string[] = [...report.notes];
  if (report.dry) for (const hash of report.removed) lines.push(`would remove ${relative(root, store.objectPath(hash))}`);
  const verb = report.dry ? 'Would remove' : 'Removed';
  lines.push(
    `${verb} ${report.removed.length} object${report.removed.length === 1 ? '' : 's'} (${formatBytes(report.bytes)}), ` +
      `kept ${report.kept}, ${report.dry ? 'would prune' : 'pruned'} ${report.runEntries.length} run-cache entr${report.runEntries.length === 1 ? 'y' : 'ies'} ` +
      `(${report.revisions} revision${report.revisions === 1 ? '' : 's'} checked).`,
  );
  return lines.join('\n') + '\n';
}
