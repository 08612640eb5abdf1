import type { GitHistory } from '../git/history.js';
import type { SelectedRevision } from '../git/scope.js';
import { parseDvcFile, DVC_FILE_SUFFIX } from './dvcfile.js';
import { readTrackedOuts } from './tracked.js';

/**
 * Add to `into` the objects the `.dvc` files of the kept revisions record: gc must never collect
 * tracked data a kept revision names. The workspace's files are read from disk, a commit's from
 * its tree. A `.dvc` file that does not parse keeps nothing and stops nothing.
 */
export async function trackedHashes(root: string, history: GitHistory | undefined, revisions: readonly SelectedRevision[], into: Set<string>): Promise<void> {
  for (const rev of revisions) {
    if (rev.commit === undefined) {
      for (const out of await readTrackedOuts(root)) if (out.hash) into.add(out.hash);
      continue;
    }
    if (!history) continue;
    const files = ((await history.listFiles(rev.commit, '.')) ?? []).filter((f) => f.endsWith(DVC_FILE_SUFFIX));
    for (const f of files) {
      const text = await history.readText(rev.commit, f);
      if (text === undefined) continue;
      const outs = await parseDvcFile(text, f).catch(() => []);
      for (const out of outs) if (out.hash) into.add(out.hash);
    }
  }
}
