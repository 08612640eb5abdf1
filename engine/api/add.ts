import { relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { saveOut } from '../cache/save.js';
import { gitignoreFor, ignoreOuts } from '../git/gitignore.js';
import { findPipelineFile, loadPipeline } from '../pipeline/load.js';
import { assertSafeToWrite } from '../pipeline/symlinks.js';
import { acquireRepoLock } from '../repo/repo-lock.js';
import { isSameOrInside } from '../util/paths.js';
import { writeFileIfChanged } from '../util/atomic.js';
import { DVC_FILE_SUFFIX, dvcFileFor, serializeDvcFile } from '../tracked/dvcfile.js';
import { openDataWorkspace } from '../tracked/workspace.js';
import type { HashInfo } from '../types.js';

export interface AddedPath {
  path: string;
  dvcFile: string;
  /** The .gitignore that ignores the data, repository-relative (`data/.gitignore` for `data/raw`). */
  gitignore: string;
  info: HashInfo;
  /** False when the `.dvc` file already recorded exactly this content. */
  changed: boolean;
}

/**
 * `dvc-ts add PATH…`: store each file or directory in the cache, record it in `PATH.dvc` (DVC's
 * format) and make git ignore PATH. `paths` are relative to `cwd`. A stage output cannot be
 * added: the lock already tracks it.
 */
export async function runAdd(root: string, paths: readonly string[], options: { cwd?: string; file?: string; wait?: boolean } = {}): Promise<AddedPath[]> {
  if (paths.length === 0) throw new UserError('add needs at least one PATH');
  const cwd = options.cwd ?? process.cwd();
  const rels = paths.map((p) => toRootRelative(root, cwd, p));
  const stageOuts = await declaredOuts(root, options.file);
  for (const rel of rels) {
    const owner = stageOuts.find((o) => isSameOrInside(rel, o.path) || isSameOrInside(o.path, rel));
    if (owner) throw new UserError(`${rel} overlaps the output ${owner.path} of stage '${owner.stage}': the lock already tracks it`);
  }
  // The data, its `.dvc` file and the .gitignore beside it are written: none through a symlink out.
  for (const rel of rels) await assertSafeToWrite(root, { path: rel, label: `'${rel}'` });
  const lock = await acquireRepoLock(root, { wait: options.wait });
  const ws = await openDataWorkspace(root);
  try {
    const added: AddedPath[] = [];
    for (const rel of rels) {
      const info = await ws.hasher.hashPath(rel);
      if (!info) throw new UserError(`${rel} does not exist`);
      const saved = await saveOut(ws.store, ws.hasher, rel, info);
      const dvcFile = dvcFileFor(rel);
      const text = serializeDvcFile(dvcFile, rel, saved);
      const abs = resolve(root, ...dvcFile.split('/'));
      const changed = await writeFileIfChanged(abs, text);
      await ignoreOuts(root, [rel]);
      added.push({ path: rel, dvcFile, gitignore: gitignoreFor(rel), info: saved, changed });
    }
    return added;
  } finally {
    await ws.close();
    await lock.release();
  }
}

function toRootRelative(root: string, cwd: string, path: string): string {
  const rel = relative(root, resolve(cwd, path)).split(sep).join('/');
  if (rel === '' || rel === '..' || rel.startsWith('../') || resolve(cwd, path) === resolve(root)) {
    throw new UserError(`${path} is not inside the repository ${root}`);
  }
  if (rel.split('/').some((s) => s === '.git' || s === '.dvc-ts')) throw new UserError(`${path} is inside .git or .dvc-ts`);
  if (rel.endsWith(DVC_FILE_SUFFIX)) throw new UserError(`${path} is a .dvc file: add the data it describes`);
  return rel;
}

/** Every cached output the pipeline declares; none when there is no pipeline file. */
async function declaredOuts(root: string, file?: string): Promise<{ path: string; stage: string }[]> {
  try {
    await findPipelineFile(root);
  } catch {
    return [];
  }
  const pipeline = await loadPipeline(root, { file });
  return pipeline.stages.flatMap((s) => s.outs.map((o) => ({ path: o.path, stage: s.name })));
}

