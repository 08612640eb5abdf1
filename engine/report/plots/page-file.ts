// Where the plots page is written, and the writing: a self-contained HTML file, atomically.
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic, writeFileIfAbsent } from '../../util/atomic.js';
import type { PlotsReport } from './collect.js';
import { renderPlotsPage } from './html.js';
import { loadVegaLibraries } from './libs.js';

/** Where the page goes when no output is given (DVC's folder name). */
export const DEFAULT_PLOTS_OUTPUT = join('dvc_plots', 'index.html');

/**
 * Where `-o` points, relative to `cwd` as DVC does: a file, or index.html inside a directory
 * (an existing one, or one written with a trailing `/`). Default: dvc_plots/index.html.
 */
export async function resolveOutputPath(out: string | undefined, cwd: string = process.cwd()): Promise<string> {
  const written = out ?? DEFAULT_PLOTS_OUTPUT;
  const abs = isAbsolute(written) ? written : resolve(cwd, written);
  if (/[\\/]$/.test(written)) return join(abs, 'index.html');
  const st = await stat(abs).catch(() => undefined);
  return st?.isDirectory() ? join(abs, 'index.html') : abs;
}

/** Render the report to a self-contained HTML file; returns the file's absolute path. */
export async function writePlotsPage(report: PlotsReport, outFile: string, options: { title?: string } = {}): Promise<string> {
  const html = renderPlotsPage(report, await loadVegaLibraries(), options);
  const abs = resolve(outFile);
  await writeFileAtomic(abs, html);
  return abs;
}

/** A `.gitignore` of `*` in the folder, unless it has one: git then ignores the folder wherever it is. */
export async function ignorePageFolder(dir: string): Promise<void> {
  await writeFileIfAbsent(join(dir, '.gitignore'), '# Written by dvc-ts plots: rendered pages are not committed.\n*\n', { durable: false });
}
