// The on-disk half of "paths stay inside the repository": a path written as `data/x` still
// leaves the repository when `data` is a symlink to somewhere else.
import { lstat, realpath } from 'node:fs/promises';
import { join, relative, isAbsolute, sep } from 'node:path';
import { UserError } from '../errors.js';
import type { Pipeline, SourcePos } from '../types.js';
import { isUrlPath } from './stage.js';

export interface PathUse {
  /** Repository-relative path. */
  path: string;
  /** How it is shown: `dependency 'data/x' of stage 'train'`. */
  label: string;
  pos: SourcePos;
}

/** Every repository path a pipeline names (deps, outs, gate files, stage wdirs). */
export function pathUses(pipeline: Pipeline): PathUse[] {
  const uses: PathUse[] = [];
  for (const s of pipeline.stages) {
    if (s.wdir !== '.') uses.push({ path: s.wdir, label: `wdir '${s.wdir}' of stage '${s.name}'`, pos: s.pos });
    for (const d of s.deps) if (!isUrlPath(d.path)) uses.push({ path: d.path, label: `dependency '${d.path}' of stage '${s.name}'`, pos: d.pos });
    for (const o of s.outs) uses.push({ path: o.path, label: `output '${o.path}' of stage '${s.name}'`, pos: o.pos });
    for (const f of Object.values(s.when?.files ?? {})) uses.push({ path: f, label: `gate file '${f}' of stage '${s.name}'`, pos: s.when!.pos });
  }
  return uses;
}

/**
 * Errors for paths that pass through a symlink resolving outside `root`. Each directory
 * prefix is examined once however many paths share it.
 */
export async function findSymlinkEscapes(root: string, uses: readonly PathUse[]): Promise<UserError[]> {
  const realRoot = await realpath(root);
  // prefix → undefined when fine, or the symlink target outside the repository.
  const verdicts = new Map<string, Promise<string | undefined>>();
  const inspect = (prefix: string): Promise<string | undefined> => {
    let v = verdicts.get(prefix);
    if (!v) {
      v = escapeOf(root, realRoot, prefix);
      verdicts.set(prefix, v);
    }
    return v;
  };
  const errors: UserError[] = [];
  for (const use of uses) {
    const parts = use.path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const escape = await inspect(prefix);
      if (escape === 'missing') break;
      if (escape !== undefined) {
        errors.push(new UserError(`${use.label} goes through symlink '${prefix}', which points outside the repository (${escape})`, { pos: use.pos }));
        break;
      }
    }
  }
  return errors;
}

/** 'missing' when nothing is there, the outside target for an escaping symlink, else undefined. */
async function escapeOf(root: string, realRoot: string, prefix: string): Promise<string | undefined> {
  const abs = join(root, prefix);
  let isLink: boolean;
  try {
    isLink = (await lstat(abs)).isSymbolicLink();
  } catch {
    return 'missing';
  }
  if (!isLink) return undefined;
  let target: string;
  try {
    target = await realpath(abs);
  } catch {
    return undefined; // a dangling link: nothing outside is reached through it today
  }
  const rel = relative(realRoot, target);
  const inside = rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
  return inside ? undefined : target;
}
