import { formatTrackedStatus, readTrackedOuts, selectTracked, trackedStatus, type TrackedStatus } from '../tracked/tracked.js';
import { openDataWorkspace } from '../tracked/workspace.js';

export interface TrackedStatusReport {
  upToDate: boolean;
  entries: { path: string; dvcFile: string; state: TrackedStatus['state']; inCache: boolean }[];
  lines: string[];
}

/** Status of the data `.dvc` files track (the `status` command adds it to the stages' status). */
export async function runTrackedStatus(root: string, targets: readonly string[] = []): Promise<TrackedStatusReport> {
  const all = await readTrackedOuts(root);
  const outs = targets.length === 0 ? all : selectTracked(all, targets);
  if (outs.length === 0) return { upToDate: true, entries: [], lines: [] };
  const ws = await openDataWorkspace(root);
  try {
    const statuses = await trackedStatus(outs, ws.hasher, ws.store);
    const lines = formatTrackedStatus(statuses);
    return {
      upToDate: lines.length === 0,
      entries: statuses.map((s) => ({ path: s.out.path, dvcFile: s.out.dvcFile, state: s.state, inCache: s.inCache })),
      lines,
    };
  } finally {
    await ws.close();
  }
}
