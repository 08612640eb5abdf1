// Deps that nothing can provide: not in the workspace, produced by no stage. Found when the
// pipeline is loaded for a command that runs or checks stages (repro, repro --dry, status), with
// the dep's file:line:col, instead of as a stage failure after its upstream stages have run.
// Read-only commands (stage list, dag) do not call this: they stay usable on a half-made repo.
import { existsSync, lstatSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { UserError, UserErrors } from '../errors.js';
import type { Pipeline, StageDef } from '../types.js';

/** A dep of a stage that no stage produces (pure): the candidates to look for on disk. */
export interface UnproducedDep {
  stage: StageDef;
  dep: StageDef['deps'][number];
}

/**
 * Deps no stage's out provides, at, above or below the dep's path (pure). `previous: true` deps
 * (written by a later run, absent on a fresh clone) and frozen stages (never run) are left out.
 * Linear in deps and outs: a dep is provided when it or one of its parents is an out, or when
 * it is a parent of an out.
 */
export function unproducedDeps(pipeline: Pipeline): UnproducedDep[] {
  const outs = new Set<string>();
  const outParents = new Set<string>();
  for (const s of pipeline.stages) {
    for (const o of s.outs) {
      outs.add(o.path);
      for (let i = o.path.lastIndexOf('/'); i > 0; i = o.path.lastIndexOf('/', i - 1)) outParents.add(o.path.slice(0, i));
    }
  }
  const provided = (path: string): boolean => {
    if (outs.has(path) || outParents.has(path)) return true;
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) if (outs.has(path.slice(0, i))) return true;
    return false;
  };
  const found: UnproducedDep[] = [];
  for (const stage of pipeline.stages) {
    if (stage.frozen) continue;
    for (const dep of stage.deps) {
      if (dep.previous) continue;
      if (provided(dep.path)) continue;
      found.push({ stage, dep });
    }
  }
  return found;
}

/** A synchronous lstat: thousands of deps are checked, and no promise per file is needed. */
function exists(path: string): boolean {
  // access(2) first: no Stats object for the common case; lstat for a dangling symlink.
  if (existsSync(path)) return true;
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw e;
  }
}

/** Throw one located error per dep that is neither in the workspace nor produced by any stage. */
export async function checkMissingDeps(root: string, pipeline: Pipeline): Promise<void> {
  const errors: UserError[] = [];
  for (const { stage, dep } of unproducedDeps(pipeline)) {
    // Deps outside the repository (absolute or `..`) are allowed, and must exist too.
    const abs = isAbsolute(dep.path) ? dep.path : resolve(root, dep.path);
    if (exists(abs)) continue;
    if (exists(`${abs}.dvc`)) {
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
