import { isUserError } from '../errors.js';
import { selectStages } from '../graph/select.js';
import { Repo } from '../run/repo.js';
import { acquireRepoLock } from '../run/repo-lock.js';

export interface CheckoutSummary {
  restored: string[];
  unchanged: number;
  failed: number;
  lines: string[];
}

/**
 * Make every cached out match the lock: outs already right are left alone (known from the
 * state cache, so this is cheap), the rest are linked from the cache after verification.
 */
export async function runCheckout(root: string, options: { targets?: string[]; file?: string; wait?: boolean } = {}): Promise<CheckoutSummary> {
  // Checkout writes outputs: never at the same time as a repro that is writing them too.
  const repoLock = await acquireRepoLock(root, { wait: options.wait });
  try {
    return await checkoutLocked(root, options);
  } finally {
    await repoLock.release();
  }
}

async function checkoutLocked(root: string, options: { targets?: string[]; file?: string }): Promise<CheckoutSummary> {
  const repo = await Repo.open(root, { file: options.file });
  const summary: CheckoutSummary = { restored: [], unchanged: 0, failed: 0, lines: [] };
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
          await repo.restoreOuts(stage, [out]);
          summary.restored.push(out.path);
          summary.lines.push(`${now ? 'M' : 'A'}       ${out.path}`);
        } catch (e) {
          if (!isUserError(e)) throw e;
          summary.failed++;
          summary.lines.push(`error: ${e.format()}`);
        }
      }
    }
  } finally {
    await repo.close();
  }
  summary.lines.push(
    summary.restored.length || summary.failed
      ? `${summary.restored.length} restored, ${summary.unchanged} unchanged, ${summary.failed} failed`
      : 'Everything is already checked out.',
  );
  return summary;
}
