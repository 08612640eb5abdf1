// Experiments of one batch compare against one champion. A stage with a `previous: true` dep
// (the packaged champion an evaluation compares with) is never rerun because that file changed:
// in the main workspace that is what stops the loop package → champion → evaluate. In an
// experiment's workspace it would make verdicts incomparable: an experiment whose change does
// not reach the evaluation keeps the verdict its baseline recorded against an older champion
// (or none), while the others compare with the champion the baseline packaged. So before an
// experiment runs, a stage whose lock recorded another version of a `previous` dep than the one
// in the workspace loses its lock entry there, and runs (or comes from the run-cache, whose key
// includes that dep) against the champion every experiment of the batch sees.
import { Repo } from '../repo/repo.js';
import { writeLock } from '../lock/lockfile.js';

/** Drop, in the experiment `workspace`, the lock entries recorded against another champion; their names. */
export async function resetChampionComparisons(workspace: string, file: string | undefined): Promise<string[]> {
  const repo = await Repo.open(workspace, { file });
  try {
    const reset: string[] = [];
    for (const stage of repo.pipeline.stages) {
      const entry = repo.lock.stages[stage.name];
      if (!entry) continue;
      for (const dep of stage.deps.filter((d) => d.previous)) {
        const recorded = entry.deps.find((d) => d.path === dep.path)?.hash;
        const now = (await repo.hasher.hashPath(dep.path))?.hash;
        if (recorded !== now) {
          reset.push(stage.name);
          break;
        }
      }
    }
    if (reset.length === 0) return reset;
    const stages = Object.fromEntries(Object.entries(repo.lock.stages).filter(([name]) => !reset.includes(name)));
    await writeLock(workspace, { ...repo.lock, stages }, repo.graph.order, repo.lockFile);
    return reset;
  } finally {
    await repo.close();
  }
}
