import { environmentError, isUserError } from '../errors.js';
import { unsavedCount, unsavedFiles } from '../cache/link.js';
import { selectStages } from '../graph/select.js';
import { Repo } from '../repo/repo.js';
import { describeCleanup, withRepoLock } from '../repo/repo-lock.js';

export interface CheckoutOptions {
  targets?: string[];
  file?: string;
  wait?: boolean;
  /** Replace outs even where the workspace holds bytes the cache does not (they are lost). */
  force?: boolean;
}

export interface CheckoutSummary {
  restored: string[];
  unchanged: number;
  failed: number;
  /** Outs left as they are because checking them out would lose bytes the cache does not hold. */
  kept: { out: string; files: string[] }[];
  lines: string[];
}

/**
 * Make every cached out match the lock: outs already right are left alone (known from the
 * state cache, so this is cheap), the rest are linked from the cache after verification. A
 * workspace file whose bytes are not in the cache (an out the user edited, a file added to a
 * directory out) is never overwritten or deleted unless `force`: that out is named and kept.
 */
export async function runCheckout(root: string, options: CheckoutOptions = {}): Promise<CheckoutSummary> {
  // Checkout writes outputs: never at the same time as a repro that is writing them too.
  return withRepoLock(root, { wait: options.wait }, async (lock) => {
    const summary = await checkoutLocked(root, options);
    summary.lines.unshift(...describeCleanup(lock));
    return summary;
  });
}

async function checkoutLocked(root: string, options: CheckoutOptions): Promise<CheckoutSummary> {
  const repo = await Repo.open(root, { file: options.file });
  const summary: CheckoutSummary = { restored: [], unchanged: 0, failed: 0, kept: [], lines: [] };
  try {
    for (const name of selectStages(repo.graph, { targets: options.targets ?? [], single: (options.targets ?? []).length > 0 })) {
      const entry = repo.lock.stages[name];
      const stage = repo.graph.byName.get(name)!;
      if (!entry) continue;
      for (const out of entry.outs) {
        if (!stage.outs.some((o) => o.path === out.path && o.cache)) continue;
        const now = await repo.hasher.hashPath(out.path);
        if (now?.hash === out.hash) {
          summary.unchanged++;
          continue;
        }
        try {
          const unsaved = now && !options.force ? await unsavedFiles(repo.store, repo.hasher, out.path, now) : [];
          if (unsaved.length > 0) {
            summary.kept.push({ out: out.path, files: unsaved });
            summary.lines.push(describeKept(out.path, unsaved));
            continue;
          }
          await repo.restoreOuts(stage, [out]);
          summary.restored.push(out.path);
          summary.lines.push(`${now ? 'M' : 'A'}       ${out.path}`);
        } catch (e) {
          // A full disk or a read-only workspace fails this out, naming path and cause.
          const user = isUserError(e) ? e : environmentError(e);
          if (!user) throw e;
          summary.failed++;
          summary.lines.push(`error: ${user.format()}`);
        }
      }
    }
  } finally {
    await repo.close();
  }
  summary.lines.push(...closingLines(summary));
  return summary;
}

function describeKept(out: string, files: string[]): string {
  const what = unsavedCount(out, files);
  if (what === undefined) return `error: ${out} was modified and its bytes are not in the cache: not checked out`;
  return [`error: ${out} holds ${what} whose bytes are not in the cache: not checked out`, ...files.map((f) => `  ${f}`)].join('\n');
}

function closingLines(summary: CheckoutSummary): string[] {
  const { restored, unchanged, failed, kept } = summary;
  if (!restored.length && !failed && !kept.length) return ['Everything is already checked out.'];
  const counts = `${restored.length} restored, ${unchanged} unchanged, ${failed} failed`;
  if (!kept.length) return [counts];
  return [
    `${counts}, ${kept.length} not checked out to keep changes the cache does not hold`,
    'Save what you need from them, then `dvc-ts checkout --force` replaces them with what pipeline.lock records.',
  ];
}
