// A copy of the flagship example (pipeline, params, stage sources) in another folder, ready for
// `dvc-ts repro` there: node_modules linked in, and the stage programs of this build linked in
// when the pipeline runs them from dist/stages (otherwise its own build stage compiles them).

import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the example is made of (copied; the shared fixture's key hashes them). */
export const EXAMPLE_FILES = ['pipeline.yaml', 'params.yaml', 'stages', 'data/logs/.gitkeep', '.dvc-ts/config.yaml', '.dvc-ts/.gitignore'];

export async function copyFlagshipExample(projectRoot: string, dest: string): Promise<void> {
  for (const f of EXAMPLE_FILES) await cp(join(projectRoot, f), join(dest, f), { recursive: true });
  await symlink(join(projectRoot, 'node_modules'), join(dest, 'node_modules'));
  // The project's ignores, and the link (a symlink is not matched by `node_modules/`).
  await writeFile(join(dest, '.gitignore'), `node_modules\n${await readFile(join(projectRoot, '.gitignore'), 'utf8')}`);
  if ((await readFile(join(dest, 'pipeline.yaml'), 'utf8')).includes('dist/stages/')) {
    await mkdir(join(dest, 'dist'), { recursive: true });
    await symlink(join(projectRoot, 'dist/stages'), join(dest, 'dist/stages'));
  }
}
