// The rule that keeps hand edits: repro replaces an out only with bytes the cache holds, or where
// what stands there is in the cache already. An out edited by hand (or a file added to a directory
// out) whose bytes the cache lacks is left as it is and the stage fails, naming the files and the
// ways out, as `checkout` refuses in the same state. `--force` discards the edit. What a run that
// did not complete left in its outs is recorded, so it is never taken for an edit.
import { unsavedFiles } from '../cache/link.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DVC_TS_DIR } from '../config.js';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../errors.js';
import type { StaleReason } from '../stage/staleness.js';
import type { Hasher } from '../hash/hasher.js';
import type { ObjectStore } from '../cache/store.js';
import type { StageDef } from '../types.js';

interface Workspace {
  hasher: Hasher;
  store: ObjectStore;
}

/** Files of the stage's modified outs that running or restoring it would lose: repository-relative, sorted. */
export async function handEditedFiles(ws: Workspace, stage: StageDef, reasons: readonly StaleReason[]): Promise<string[]> {
  const files: string[] = [];
  let produced: Incomplete[string] | undefined;
  for (const r of reasons) {
    if (r.kind !== 'out-modified') continue;
    // `persist` outs are kept across runs: the command itself sees the edit.
    if (stage.outs.find((o) => o.path === r.path)?.persist) continue;
    const now = await ws.hasher.hashPath(r.path);
    if (!now) continue;
    produced ??= (await readIncomplete(ws.hasher.root))[stage.name] ?? {};
    if (produced === 'running' || produced[r.path] === now.hash) continue;
    files.push(...(await unsavedFiles(ws.store, ws.hasher, r.path, now)));
  }
  return files.sort();
}

/** The error for a stage refused to keep hand edits (exit 1: nothing was written). */
export function handEditError(stage: string, files: readonly string[]): UserError {
  const what = files.length === 1 ? files[0]! : `${files.length} files of its outs`;
  return new UserError(`${what} ${files.length === 1 ? 'was' : 'were'} changed by hand and the cache does not hold ${files.length === 1 ? 'its' : 'their'} bytes: stage '${stage}' not run, nothing overwritten`, {
    exitCode: 1,
    details: [
      ...(files.length === 1 ? [] : files.map((f) => `  ${f}`)),
      `keep the edit: move the file(s) away, then \`dvc-ts repro\``,
      `discard it: \`dvc-ts repro --force ${stage}\``,
    ],
  });
}

/**
 * Stages whose last run did not complete: 'running' while the command runs (still there after a
 * kill), else what the run left in each out (path → hash). Those bytes are the pipeline's, not a
 * hand edit, and the next repro may replace them. A completed run removes its stage.
 */
const PRODUCED_RELPATH = join(DVC_TS_DIR, 'state', 'incomplete-runs.json');
type Incomplete = Record<string, 'running' | Record<string, string>>;

async function readIncomplete(root: string): Promise<Incomplete> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(root, PRODUCED_RELPATH), 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Incomplete) : {};
  } catch {
    return {};
  }
}

/** Updates of the record by one process, one after the other (stages run in parallel). */
let recording: Promise<void> = Promise.resolve();

function updateIncomplete(root: string, change: (record: Incomplete) => Promise<boolean>): Promise<void> {
  recording = recording.then(async () => {
    try {
      const record = await readIncomplete(root);
      if (await change(record)) await writeFileAtomic(join(root, PRODUCED_RELPATH), JSON.stringify(record), { durable: false });
    } catch {
      // Unrecorded, the next repro asks before replacing those outs: nothing is lost either way.
    }
  });
  return recording;
}

/** Before a stage's command runs: whatever its outs hold from now on is the pipeline's. */
export function markRunning(ws: Workspace, stage: StageDef): Promise<void> {
  return updateIncomplete(ws.hasher.root, async (record) => {
    record[stage.name] = 'running';
    return true;
  });
}

/** After the run completed and its outs are in the lock and the cache. */
export function markCompleted(ws: Workspace, stage: StageDef): Promise<void> {
  return updateIncomplete(ws.hasher.root, async (record) => {
    if (!(stage.name in record)) return false;
    delete record[stage.name];
    return true;
  });
}

/**
 * After a run whose command failed, or whose outs could not be saved (a full disk, a read-only
 * cache): remember what the command left in its outs, best effort, so those bytes are replaced
 * by the next repro while a later hand edit is still kept.
 */
export function rememberProducedOuts(ws: Workspace, stage: StageDef): Promise<void> {
  return updateIncomplete(ws.hasher.root, async (record) => {
    const outs: Record<string, string> = {};
    for (const out of stage.outs) {
      const info = await ws.hasher.hashPath(out.path).catch(() => undefined);
      if (info) outs[out.path] = info.hash;
    }
    record[stage.name] = outs;
    return true;
  });
}
