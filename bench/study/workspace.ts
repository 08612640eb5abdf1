// Where the study runs: one folder in the temp directory per study run (its owner's pid inside),
// holding the stage programs compiled once and a small copy of the example per policy run.
//
// Each copy holds only what the pipeline reads: pipeline.yaml (the study's ingest, no `build`
// stage), params.yaml, the compiled stages, the study's ingest beside them, an empty data/logs
// and a link to node_modules. Compiling once instead of in every copy is most of the saving, and
// no copy's stage programs are ever written while another copy's stages run.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { pidAlive } from '../../engine/util/pid.js';

const PREFIX = 'dvc-ts-study-';
const OWNER_FILE = 'owner.pid';
/** A study folder without an owner file this old was left by a run killed while creating it. */
const UNOWNED_STALE_MS = 60 * 60 * 1000;
/** The study's own stage programs, run from the copy's build/bench/study/ (compiled to dist/bench/study/). */
export const STUDY_PROGRAMS = ['ingest.js', 'scenarios.js', 'calendar.js', 'window.js'];
export const STUDY_INGEST = 'build/bench/study/ingest.js';

export interface StudyFolder {
  root: string;
  /** The compiled stage programs (build/stages of the example), shared read-only by every copy. */
  stages: string;
}

/**
 * Remove the folders of study runs whose process is gone (killed before it could clean up).
 * A folder whose owner is alive (another study running now) is left alone. Returns how many.
 */
export async function sweepAbandonedStudies(parent = tmpdir()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(parent, name);
    const owner = Number((await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => '')).trim());
    const abandoned = owner > 0 ? !pidAlive(owner) : Date.now() - ((await stat(dir).catch(() => undefined))?.mtimeMs ?? Date.now()) > UNOWNED_STALE_MS;
    if (!abandoned) continue;
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    removed++;
  }
  return removed;
}

/** A new study folder with the example's stage programs compiled into it (once for the whole study). */
export async function createStudyFolder(projectRoot: string): Promise<StudyFolder> {
  const root = await mkdtemp(join(tmpdir(), PREFIX));
  try {
    await writeFile(join(root, OWNER_FILE), `${process.pid}\n`);
    const stages = join(root, 'build/stages');
    // The pipeline's own `build` command, with the output moved into the study folder.
    await execa(process.execPath, [join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'stages/tsconfig.json', '--outDir', stages], { cwd: projectRoot });
    return { root, stages };
  } catch (e) {
    await removeStudyFolder(root);
    throw e;
  }
}

export async function removeStudyFolder(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true, maxRetries: 3 });
}

/** A fresh copy of the example for one policy run: no lock, no outputs, no champion, a cache of its own. */
export async function createCopy(folder: StudyFolder, projectRoot: string, name: string, pipelineText: string): Promise<string> {
  const copy = join(folder.root, name);
  await mkdir(join(copy, 'data/logs'), { recursive: true });
  await mkdir(join(copy, 'build/bench/study'), { recursive: true });
  await writeFile(join(copy, 'pipeline.yaml'), pipelineText);
  await cp(join(projectRoot, 'params.yaml'), join(copy, 'params.yaml'));
  await cp(join(projectRoot, '.dvc-ts/config.yaml'), join(copy, '.dvc-ts/config.yaml')).catch(() => undefined);
  await symlink(join(projectRoot, 'node_modules'), join(copy, 'node_modules'), 'dir');
  await cp(folder.stages, join(copy, 'build/stages'), { recursive: true });
  for (const program of STUDY_PROGRAMS) await cp(join(projectRoot, 'dist/bench/study', program), join(copy, 'build/bench/study', program));
  return copy;
}

/** Bytes of every file under `dir` (0 when it does not exist). */
export async function folderBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  let total = 0;
  for (const e of entries) if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}
