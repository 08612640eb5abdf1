// Deps that nothing can provide: not in the workspace, produced by no stage. Found when the
// pipeline is loaded for a command that runs or checks stages (repro, repro --dry, status), with
// the dep's file:line:col, instead of as a stage failure after its upstream stages have run.
// Read-only commands (stage list, dag) do not call this: they stay usable on a half-made repo.
import { lstat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { UserError, UserErrors } from '../errors.js';
import type { Pipeline, StageDef } from '../types.js';

/** A dep of a stage that no stage produces (pure): the candidates to look for on disk. */
export interface UnproducedDep {
  stage: StageDef;
  dep: StageDef['deps'][number];
}

function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/**
 * Deps no stage's out provides, at, above or below the dep's path (pure). `previous: true` deps
 * (written by a later run, absent on a fresh clone) and frozen stages (never run) are left out.
 */
export function unproducedDeps(pipeline: Pipeline): UnproducedDep[] {
  const outs = pipeline.stages.flatMap((s) => s.outs.map((o) => o.path));
  const found: UnproducedDep[] = [];
  for (const stage of pipeline.stages) {
    if (stage.frozen) continue;
    for (const dep of stage.deps) {
      if (dep.previous) continue;
      if (outs.some((out) => within(dep.path, out) || within(out, dep.path))) continue;
      found.push({ stage, dep });
    }
  }
  return found;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return false;
      throw e;
    },
  );
}

/** Throw one located error per dep that is neither in the workspace nor produced by any stage. */
export async function checkMissingDeps(root: string, pipeline: Pipeline): Promise<void> {
  const errors: UserError[] = [];
  for (const { stage, dep } of unproducedDeps(pipeline)) {
    // Deps outside the repository (absolute or `..`) are allowed, and must exist too.
    const abs = isAbsolute(dep.path) ? dep.path : resolve(root, dep.path);
    if (await exists(abs)) continue;
    if (await exists(`${abs}.dvc`)) {
      errors.push(new UserError(`dependency '${dep.path}' of stage '${stage.name}' is tracked by ${dep.path}.dvc but is not in the workspace`, {
        pos: dep.pos,
        details: ['bring it back with `dvc-ts checkout` (or pull it from the remote) first'],
      }));
      continue;
    }
    errors.push(new UserError(`dependency '${dep.path}' of stage '${stage.name}' does not exist and no stage produces it`, {
      pos: dep.pos,
      details: ['create it, fix the path, or add the stage that writes it as an out'],
    }));
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserErrors(errors);
}
