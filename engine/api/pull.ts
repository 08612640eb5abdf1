import { isUserError } from '../errors.js';
import { fetch, type SyncOptions, type SyncReport } from '../remote/sync.js';
import { acquireRepoLock } from '../repo/repo-lock.js';
import { checkoutTracked, type TrackedCheckoutResult } from '../tracked/tracked.js';
import { openDataWorkspace } from '../tracked/workspace.js';
import type { TrackedOut } from '../tracked/dvcfile.js';

export interface PullReport extends SyncReport {
  /** Lines of the stage checkout (restored outs, failures). */
  checkout: string[];
  tracked: TrackedCheckoutResult;
  /** True when anything failed: a download, a refused object, a checkout. */
  failed: boolean;
}

/**
 * `dvc-ts pull`: fetch, then put the selected stage outs and tracked data in the workspace.
 * Workspace files that differ and are not in the cache are left alone (reported), as checkout does.
 */
export async function runPull(root: string, options: SyncOptions & { force?: boolean } = {}): Promise<PullReport> {
  const fetched = await fetch(root, options);
  const { wanted } = fetched;
  const checkout: string[] = [];
  let stageFailures = 0;
  if (wanted.stages.length > 0) {
    const { runCheckout } = await import('./checkout.js');
    try {
      const result = await runCheckout(root, { targets: (options.targets ?? []).length ? wanted.stages : [], file: options.file, wait: options.wait });
      checkout.push(...result.lines);
      // An out left alone to keep a hand edit is a failure too, as in checkout: the workspace is not what was pulled.
      stageFailures = result.failed + result.kept.length;
    } catch (e) {
      if (!isUserError(e)) throw e;
      checkout.push(`error: ${e.format()}`);
      stageFailures++;
    }
  }
  const tracked = await checkoutTrackedLocked(root, wanted.tracked, options);
  return { ...fetched, checkout, tracked, failed: fetched.failures.length > 0 || stageFailures > 0 || tracked.failed.length > 0 };
}

/** Check out tracked data under the repository lock (it writes the workspace). */
export async function checkoutTrackedLocked(root: string, outs: readonly TrackedOut[], options: { wait?: boolean; force?: boolean } = {}): Promise<TrackedCheckoutResult> {
  if (outs.length === 0) return { restored: [], unchanged: 0, failed: [] };
  const lock = await acquireRepoLock(root, { wait: options.wait });
  const ws = await openDataWorkspace(root);
  try {
    return await checkoutTracked(outs, ws.hasher, ws.store, { linkTypes: ws.config.linkTypes, force: options.force });
  } finally {
    await ws.close();
    await lock.release();
  }
}

/** `checkout`'s part for tracked data: the `.dvc` outs named by `targets` (all when none match or none given). */
export async function checkoutTrackedData(
  root: string,
  targets: readonly string[],
  options: { wait?: boolean; force?: boolean } = {},
): Promise<TrackedCheckoutResult & { considered: number; targets: Set<string> }> {
  const { readTrackedOuts, selectTracked } = await import('../tracked/tracked.js');
  const all = await readTrackedOuts(root);
  // Targets that name tracked data; the others are left to the stages' checkout.
  const dataTargets = new Set(targets.filter((t) => selectTracked(all, [t.replace(/\/+$/, '')]).length > 0));
  const outs = targets.length === 0 ? all : selectTracked(all, [...dataTargets].map((t) => t.replace(/\/+$/, '')));
  return { ...(await checkoutTrackedLocked(root, outs, options)), considered: outs.length, targets: dataTargets };
}

/** True when the repository has a pipeline file at its root. */
export async function hasPipelineFile(root: string): Promise<boolean> {
  const { findPipelineFile } = await import('../pipeline/load.js');
  return findPipelineFile(root).then(() => true, () => false);
}

/**
 * `repro --pull [TARGETS]`: fetch the outs, tracked data and run-cache entries the remote has and
 * the cache lacks (of the stages repro selects and the tracked data they read, when targets are
 * given), and put missing tracked data in place (stages read it). repro then restores what it
 * can from the cache instead of running it. Objects the remote lacks are not an error here:
 * the stages that need them simply run.
 */
export async function pullForRepro(
  root: string,
  options: { file?: string; wait?: boolean; remote?: string; targets?: readonly string[]; downstream?: boolean; single?: boolean } = {},
): Promise<string[]> {
  const { formatSyncReport } = await import('../remote/sync.js');
  const { reproPullTargets } = await import('../remote/collect.js');
  const targets = await reproPullTargets(root, { ...options, targets: options.targets ?? [] });
  const fetched = await fetch(root, { file: options.file, wait: options.wait, remote: options.remote, targets, runCache: true });
  const lines = [`Pulled for repro: ${formatSyncReport('fetched', fetched)}`];
  const missing = fetched.failures.filter((f) => f.reason !== 'not on the remote');
  const { describeFailures } = await import('../remote/transfer.js');
  for (const l of describeFailures(missing)) lines.push(`warning: ${l}`);
  const tracked = await checkoutTrackedLocked(root, fetched.wanted.tracked, options);
  for (const p of tracked.restored) lines.push(`A       ${p}`);
  for (const l of tracked.failed) lines.push(`warning: ${l}`);
  return lines;
}
