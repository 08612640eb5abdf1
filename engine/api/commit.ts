import { commitResults, type CommitResult } from '../git/commit.js';
import { readLock, lockPathFor } from '../lock/lockfile.js';
import { loadPipeline } from '../pipeline/load.js';
import { formatDiff, metricsDiff } from './metrics.js';

export interface RunCommitOptions {
  message?: string;
  branch?: string;
  file?: string;
}

/**
 * `dvc-ts commit`: commit the results in the workspace (lock, params, metrics, uncached outs,
 * .gitignore files) with a message that says what changed, every gate decision and the metrics
 * diff against the parent commit.
 */
export async function runCommit(root: string, options: RunCommitOptions = {}): Promise<CommitResult> {
  const pipeline = await loadPipeline(root, { file: options.file });
  const lock = await readLock(root, lockPathFor(pipeline.file));
  let body = '';
  try {
    const diff = await metricsDiff(root, { a: 'HEAD', file: options.file });
    // The workspace's values are what this commit records: the column says so, as the heading does.
    const columns = { ...diff, new: 'this commit' };
    if (diff.rows.length > 0) body = `Metrics (${diff.old} -> this commit):\n\n${formatDiff(columns, 'md', 'Metric')}`;
  } catch {
    // No parent commit yet (or unreadable history): the message simply has no metrics diff.
  }
  const { trackedResultFiles } = await import('../tracked/tracked.js');
  const extraFiles = await trackedResultFiles(root);
  return commitResults(root, pipeline, lock, { message: options.message, branch: options.branch, body, extraFiles });
}
