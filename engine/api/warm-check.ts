// What the warm watcher (engine/warm/server.ts) checks: the same code the cold `repro` and
// `status` run, giving their exact output, plus every path that output was read from.
import { Writable } from 'node:stream';
import { dirname, join, resolve } from 'node:path';
import { DVC_TS_DIR } from '../config.js';
import { lockPathFor } from '../lock/lockfile.js';
import { checkMissingDeps } from '../pipeline/check-deps.js';
import { busyReason } from '../repo/busy.js';
import { PlainReporter } from '../run/output.js';
import { Repo } from '../repo/repo.js';
import { reproduce, summaryCounts } from '../run/repro.js';
import { findDvcFiles, readTrackedOuts } from '../tracked/tracked.js';
import type { Pipeline } from '../types.js';
import type { WarmCheck, WarmChecker } from '../warm/server.js';
import { WatchSet } from '../warm/watch-set.js';
import { nothingToDo, standingOf, UP_TO_DATE_LINE } from '../stage/outcome.js';
import { statusOutput, statusReportOf, type StatusReport } from './status.js';

export function warmChecker(root: string, file: string | undefined): WarmChecker {
  return {
    file: file ?? null,
    check: () => checkWorkspace(root, file),
    veto: () => busyReason(root),
  };
}

async function checkWorkspace(root: string, file: string | undefined): Promise<WarmCheck> {
  const watch = new WatchSet(root);
  watch.dir(root);
  watch.dir(join(root, DVC_TS_DIR));
  if (file) watch.dir(dirname(join(root, file)));
  const check: WarmCheck = { answers: {}, notAnswered: '', watch: watch.paths };
  let pipeline: Pipeline | undefined;
  try {
    const repo = await Repo.open(root, { file });
    let stages: StatusReport;
    try {
      pipeline = repo.pipeline;
      await checkMissingDeps(root, repo.pipeline);
      let stdout = '';
      const out = new Writable({
        write(chunk: Buffer, _encoding, done) {
          stdout += chunk.toString('utf8');
          done();
        },
      });
      // One dry run, as the cold repro takes it (its jobs, its lines), kept going as status is:
      // when every stage is current the two print the same, and status reads the same results.
      const summary = await reproduce(repo, { dry: true, keepGoing: true, jobs: repo.config.jobs, reporter: new PlainReporter(out) });
      const kinds = summary.results.map((r) => r.outcome?.kind);
      if (kinds.every((k) => k !== undefined && standingOf(k) === 'current')) {
        // An empty selection is answered too, without the up-to-date line (as the cold repro).
        if (nothingToDo(kinds)) stdout += UP_TO_DATE_LINE + '\n';
        check.answers.repro = { stdout: stdout + summaryCounts(summary), exitCode: 0 };
      } else check.notAnswered = 'stages to run';
      stages = statusReportOf(summary);
    } finally {
      await repo.close();
    }
    const status = await statusOutput(root, { file }, stages);
    if (status.upToDate) check.answers.status = { stdout: status.stdout, exitCode: status.exitCode };
    else check.notAnswered ||= 'stale';
  } catch (e) {
    check.notAnswered = `error: ${(e as Error).message.split('\n')[0]}`;
  }
  check.unsupported = await watchedInputs(root, pipeline, watch);
  return check;
}

/** Add what the pipeline, the lock, the params and the `.dvc` files read; why they cannot be watched, if so. */
async function watchedInputs(root: string, pipeline: Pipeline | undefined, watch: WatchSet): Promise<string | undefined> {
  // The files this very load read, not the shared pipeline cache, which another build may rewrite.
  if (pipeline && !pipeline.sources) return 'the files the pipeline was read from are not known';
  for (const f of pipeline?.sources ?? []) watch.path(join(root, f));
  for (const s of pipeline?.stages ?? []) {
    for (const d of s.deps) watch.path(resolve(root, d.path));
    for (const o of s.outs) watch.path(resolve(root, o.path));
    for (const f of Object.keys(s.params)) watch.path(join(root, f));
    for (const p of s.paramSources ?? []) watch.path(join(root, p.file));
    for (const f of Object.values(s.when?.files ?? {})) watch.path(join(root, f));
  }
  for (const f of pipeline?.params ?? []) watch.path(join(root, f));
  if (pipeline) watch.path(join(root, lockPathFor(pipeline.file)));
  // `status` also reports the data `.dvc` files track, found by walking the repository.
  await findDvcFiles(root, (rel) => watch.dir(join(root, rel)));
  for (const t of await readTrackedOuts(root).catch(() => [])) watch.path(join(root, t.path));
  return watch.unsupported;
}
