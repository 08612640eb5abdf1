// Checks that matter only to commands that run stages or write outputs (repro, checkout,
// status, which says what repro would do): listing commands (stage list, dag) describe any
// pipeline DVC would list, so these are not part of loading.
import { UserError, UserErrors } from '../errors.js';
import type { Pipeline } from '../types.js';
import { isOutsideRepo } from '../util/paths.js';
import { checkOutputOverlaps } from './checks.js';
import { findSymlinkEscapes, type PathUse } from './symlinks.js';

/** Errors for outputs, gate files and working directories outside the repository. */
export function outsideRepoErrors(pipeline: Pipeline): UserError[] {
  const errors: UserError[] = [];
  const refuse = (what: string, path: string, stage: string, pos: UserError['pos']) =>
    errors.push(new UserError(`${what} '${path}' of stage '${stage}' is outside the repository`, {
      pos,
      details: [what === 'output' ? 'outputs must stay inside the repository (dependencies may be anywhere)' : 'stages run and write inside the repository'],
    }));
  for (const s of pipeline.stages) {
    if (isOutsideRepo(s.wdir)) refuse('wdir', s.wdir, s.name, s.wdirPos ?? s.pos);
    for (const o of s.outs) if (isOutsideRepo(o.path)) refuse('output', o.path, s.name, o.pos);
    for (const [alias, f] of Object.entries(s.when?.files ?? {})) {
      if (isOutsideRepo(f)) refuse('gate file', f, s.name, s.when!.filePos?.[alias] ?? s.when!.pos);
    }
  }
  return errors;
}

/** Paths a run writes or decides on: outs, gate files, wdirs (deps may lead anywhere). */
function writtenPaths(pipeline: Pipeline): PathUse[] {
  const uses: PathUse[] = [];
  for (const s of pipeline.stages) {
    if (s.wdir !== '.') uses.push({ path: s.wdir, label: `wdir '${s.wdir}' of stage '${s.name}'`, pos: s.pos });
    for (const o of s.outs) uses.push({ path: o.path, label: `output '${o.path}' of stage '${s.name}'`, pos: o.pos });
    for (const f of Object.values(s.when?.files ?? {})) uses.push({ path: f, label: `gate file '${f}' of stage '${s.name}'`, pos: s.when!.pos });
  }
  return uses;
}

/** Throw every reason the pipeline cannot be run as it stands (UserError / UserErrors, exit 2). */
export async function assertRunnable(root: string, pipeline: Pipeline): Promise<void> {
  const errors = outsideRepoErrors(pipeline);
  if (errors.length === 0) {
    // Loading already refused overlaps across stages; what is left is one stage naming a path twice.
    errors.push(...checkOutputOverlaps(pipeline.stages));
    errors.push(...(await findSymlinkEscapes(root, writtenPaths(pipeline))));
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserErrors(errors);
}
