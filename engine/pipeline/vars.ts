// `vars` (top level and per stage) and the default params file, merged into a Context with
// DVC's rules: nested mappings merge, any other redefinition is an error, and a file may be
// imported whole or by top-level keys but not both.
import { posix } from 'node:path';
import { UserError } from '../errors.js';
import { toPipelinePath, toRepoPath } from '../util/paths.js';
import type { Context } from './context.js';
import { ContextConflict, ctxFromYMap, ctxFromYNode } from './context.js';
import { hasPlaceholder } from './interpolate.js';
import type { ParamsFiles } from './params-files.js';
import type { YEntry, YNode } from './yaml-tree.js';

export const DEFAULT_PARAMS_FILE = 'params.yaml';

/**
 * Merge `<dir>/params.yaml` whole, when it exists (as DVC does for interpolation). With
 * `interpolates: false` (the pipeline has no `${` and no `vars`) its values cannot be used, so the file is
 * not parsed whole, only marked as imported: a large params file costs only the keys stages read.
 */
export function loadDefaultParams(ctx: Context, dir: string, files: ParamsFiles, interpolates = true): void {
  const repoPath = toRepoPath(dir, DEFAULT_PARAMS_FILE)!;
  if (!interpolates) {
    if (files.exists(repoPath)) ctx.imports.set(repoPath, null);
    return;
  }
  const origin = { file: repoPath, label: repoPath, path: '' };
  const sections = files.sectionKeys(repoPath);
  if (sections) {
    // A large file: each top-level key is parsed and converted when `${}` first reaches it.
    ctx.mergeLazy(sections, (key) => {
      const entry = files.load(repoPath, [key])?.entries.find((e) => e.key === key);
      return entry && ctxFromYNode(entry.value, { ...origin, path: key });
    });
  } else {
    const tree = files.load(repoPath);
    if (!tree) {
      if (!files.exists(repoPath)) ctx.noteAbsentParamsFile(repoPath);
      return;
    }
    ctx.merge(ctxFromYMap(tree, origin));
  }
  ctx.imports.set(repoPath, null);
}

/**
 * Merge a `vars` list into `ctx`. Files are relative to `dir` (the pipeline file's directory
 * for top-level vars, the stage's wdir for stage vars). `where` names the list in messages.
 */
export function loadVars(ctx: Context, vars: YNode, dir: string, where: string, files: ParamsFiles): void {
  if (vars.kind !== 'seq') throw new UserError(`'${where}' must be a list`, { pos: vars.pos });
  refuseInterpolation(vars, where);
  vars.items.forEach((item, index) => {
    const label = `${where}[${index}]`;
    try {
      if (item.kind === 'scalar' && typeof item.value === 'string') mergeFile(ctx, item.value, dir, files, item.pos);
      else if (item.kind === 'map') ctx.merge(ctxFromYMap(item, { label, path: '' }));
      else throw new UserError(`'${label}' must be a params file name or a mapping`, { pos: item.pos });
    } catch (e) {
      if (e instanceof ContextConflict) throw new UserError(`failed to parse '${where}': ${e.message}`, { pos: item.pos });
      throw e;
    }
  });
}

function refuseInterpolation(node: YNode, where: string): void {
  const visit = (n: YNode, keys: readonly YEntry[] = []): void => {
    for (const e of keys) {
      if (hasPlaceholder(e.key)) throw new UserError(`interpolating is not allowed in '${where}'`, { pos: e.keyPos });
    }
    if (n.kind === 'scalar') {
      if (typeof n.value === 'string' && hasPlaceholder(n.value)) throw new UserError(`interpolating is not allowed in '${where}'`, { pos: n.pos });
    } else if (n.kind === 'seq') n.items.forEach((i) => visit(i));
    else n.entries.forEach((e) => visit(e.value, [e]));
  };
  visit(node);
}

function mergeFile(ctx: Context, item: string, dir: string, files: ParamsFiles, pos: YNode['pos']): void {
  const colon = item.indexOf(':');
  const written = colon < 0 ? item : item.slice(0, colon);
  const keys = colon < 0 ? null : item.slice(colon + 1).split(',').map((k) => k.trim()).filter(Boolean);
  const selected = keys && keys.length > 0 ? keys : null;
  // A vars file above the root is read there, as DVC reads it (vars are read, never written);
  // only an absolute path is refused.
  const repoPath = toRepoPath(dir, written) ?? (posix.isAbsolute(written.replace(/\\/g, '/')) ? undefined : toPipelinePath(dir, written));
  if (repoPath === undefined) throw new UserError(`failed to parse 'vars': '${written}' is outside the repository`, { pos });
  const imported = ctx.imports.get(repoPath);
  if (imported !== undefined) {
    if (selected === null && imported === null) return; // the whole file again: nothing new
    if (selected === null) throw new UserError(`failed to parse 'vars': cannot load '${item}' as it's partially loaded already`, { pos });
    if (imported === null) throw new UserError(`failed to parse 'vars': cannot partially load '${item}' as it's already loaded.`, { pos });
    if (selected.some((k) => imported.includes(k))) {
      throw new UserError(`failed to parse 'vars': cannot load '${item}' as it's partially loaded already`, { pos });
    }
  }
  const tree = loadVarsFile(files, repoPath, pos);
  if (!tree) throw new UserError(`failed to parse 'vars': '${posix.normalize(written)}' does not exist`, { pos });
  let entries = tree.entries;
  if (selected) {
    entries = selected.map((key) => {
      const found = tree.entries.find((e) => e.key === key);
      if (!found) throw new UserError(`failed to parse 'vars': could not find '${key}' in '${repoPath}'`, { pos });
      return found;
    });
  }
  ctx.merge(ctxFromYMap({ ...tree, entries }, { file: repoPath, label: repoPath, path: '' }));
  ctx.imports.set(repoPath, selected === null ? null : [...(imported ?? []), ...selected]);
}

/** A vars file's tree; an unreadable one is an error at the pipeline line naming it. */
function loadVarsFile(files: ParamsFiles, repoPath: string, pos: YNode['pos']): ReturnType<ParamsFiles['load']> {
  try {
    return files.load(repoPath);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    const inFile = e.pos ? [`in ${e.pos.file}:${e.pos.line}:${e.pos.col}`] : [];
    throw new UserError(`failed to parse 'vars': '${repoPath}': ${e.message}`, { pos, details: [...inFile, ...e.details] });
  }
}
