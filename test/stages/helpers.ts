// Running the compiled stage programs as real child processes in a temporary repository.

import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

/** The compiled stages, beside the compiled tests this file runs from (dist/ or dist-XX/). */
export const STAGES_DIR = fileURLToPath(new URL('../../stages/', import.meta.url));
/** The repository params.yaml, three levels above the compiled test directory. */
export const REPO_PARAMS = fileURLToPath(new URL('../../../params.yaml', import.meta.url));

export type StageName = 'ingest' | 'drift' | 'train' | 'evaluate' | 'package';

export interface StageRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runStage(cwd: string, stage: StageName): StageRun {
  const r = spawnSync(process.execPath, [join(STAGES_DIR, `${stage}.js`)], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run a stage that must succeed; fail with its stderr otherwise. */
export function mustRun(cwd: string, stage: StageName): void {
  const r = runStage(cwd, stage);
  if (r.status !== 0) throw new Error(`${stage} exited ${r.status}: ${r.stderr}`);
}

/** A temp directory holding the repository's params.yaml with some keys overridden. */
export async function makeWorkdir(overrides: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-stages-'));
  await mkdir(join(dir, 'data', 'logs'), { recursive: true });
  await copyFile(REPO_PARAMS, join(dir, 'params.yaml'));
  if (Object.keys(overrides).length) await setParams(dir, overrides);
  return dir;
}

/** Set dotted keys in the workdir's params.yaml. */
export async function setParams(dir: string, overrides: Record<string, unknown>): Promise<void> {
  const file = join(dir, 'params.yaml');
  const params = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    const parts = key.split('.');
    let node = params;
    for (const p of parts.slice(0, -1)) node = node[p] as Record<string, unknown>;
    node[parts[parts.length - 1]!] = value;
  }
  await writeFile(file, stringify(params));
}

export async function readJsonFile(dir: string, path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, path), 'utf8')) as Record<string, unknown>;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export const HEADER = 'timestamp,temperature,humidity,light,co2,humidity_ratio,hour,weekday,occupied';

/** A small valid CSV body: `n` rows with varying values. */
export function sampleRows(n: number, shift = 0): string[] {
  return Array.from({ length: n }, (_, i) => {
    const hour = i % 24;
    const occ = hour >= 8 && hour < 18 ? 1 : 0;
    return [
      `2024-03-${String(1 + Math.floor(i / 24)).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00`,
      (20 + (i % 7) * 0.3 + shift).toFixed(2), (25 + (i % 5)).toFixed(2), (occ ? 400 + (i % 11) : i % 3).toFixed(1),
      (450 + occ * 300 + (i % 13)).toFixed(1), (0.0035 + (i % 4) * 0.0001).toFixed(6), String(hour), String(Math.floor(i / 24) % 7), String(occ),
    ].join(',');
  });
}
