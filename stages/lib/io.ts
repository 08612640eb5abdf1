// File I/O for the stage programs: every path is relative to the current directory (the engine
// runs stages from the repository root), outputs are written whole-or-nothing (temp file, then
// rename), and failures become one-line messages.

import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StageInputError, isStageInputError } from './errors.js';

export async function readTextInput(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StageInputError(code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path} (${code ?? 'error'})`);
  }
}

/** Read a JSON file, or undefined when it does not exist (an optional input such as the champion). */
export async function readJsonIfExists(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StageInputError(`cannot read ${path}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StageInputError(`${path} is not valid JSON`);
  }
}

export async function readJson(path: string): Promise<unknown> {
  const value = await readJsonIfExists(path);
  if (value === undefined) throw new StageInputError(`${path} does not exist`);
  return value;
}

/** Write a file whole or not at all: readers never see a half-written output. */
export async function writeOutput(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** JSON with two-space indentation and a final newline; key order is the objects' own. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n';
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeOutput(path, formatJson(value));
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Names of the CSV files in a directory (sorted), or none when it does not exist. */
export async function listCsvFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names.filter((n) => n.endsWith('.csv') && !n.startsWith('.')).sort().map((n) => join(dir, n));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Run a stage's main: input problems print `<stage>: <message>` and exit 1; bugs keep their stack. */
export function runStage(stage: string, main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    if (isStageInputError(e)) {
      process.stderr.write(`${stage}: ${e.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`${stage}: internal error\n${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exitCode = 2;
    }
  });
}
