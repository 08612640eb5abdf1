// The rule that keeps hand edits: repro replaces an out only with bytes the cache holds, or where
// what stands there is in the cache already. An out edited by hand (or a file added to a directory
// out) whose bytes the cache lacks is left as it is and the stage fails, naming the files and the
// ways out, as `checkout` refuses in the same state. `--force` discards the edit.
import { unsavedFiles } from '../cache/link.js';
import { saveOut } from '../cache/save.js';
import { UserError } from '../errors.js';
import type { StaleReason } from '../graph/staleness.js';
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
  for (const r of reasons) {
    if (r.kind !== 'out-modified') continue;
    // `persist` outs are kept across runs: the command itself sees the edit.
    if (stage.outs.find((o) => o.path === r.path)?.persist) continue;
    const now = await ws.hasher.hashPath(r.path);
    if (now) files.push(...(await unsavedFiles(ws.store, ws.hasher, r.path, now)));
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
 * After a run that failed or was interrupted, what the command left in its outs is put in the
 * cache, best effort: the next repro then knows those bytes are not a hand edit.
 */
export async function keepPartialOuts(ws: Workspace, stage: StageDef): Promise<void> {
  for (const out of stage.outs) {
    if (out.persist) continue;
    try {
      const info = await ws.hasher.hashPath(out.path);
      if (info) await saveOut(ws.store, ws.hasher, out.path, info);
    } catch {
      // A full disk or an unreadable partial out: the next repro asks before overwriting it.
    }
  }
}
