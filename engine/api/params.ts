import { diffParams } from '../report/params.js';
import { openDiffSides, type DiffOptions, type DiffReport } from './metrics.js';

/** `params diff A B`: params some stage uses that differ (every key of the files with `all`). */
export async function paramsDiff(root: string, options: DiffOptions = {}): Promise<DiffReport> {
  const [a, b] = await openDiffSides(root, options);
  const rows = await diffParams(a, b, { all: options.all ?? false });
  return { old: a.label, new: b.label, rows };
}
