// The experiment's files on disk: params overrides written into a workspace, `-C` paths checked,
// its log opened, the bytes of result files read for its commit.
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { applyOverrides } from './params-set.js';
import { LOGS_RELDIR, logPath, type QueuedExperiment } from './queue.js';

/** An experiment's log as it is written. */
export type LogStream = WriteStream;

export function exists(path: string): boolean {
  return existsSync(path);
}

/** The overrides of a queued experiment applied to the params files of `dir` (or checked only). */
export async function applyToFiles(dir: string, entry: QueuedExperiment, write: boolean): Promise<void> {
  const addable = new Set(entry.addable);
  for (const [file, values] of Object.entries(entry.overrides)) {
    const text = await readFile(join(dir, file), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' && Object.keys(values).every((k) => addable.has(`${file}:${k}`))) return '';
      throw new UserError(`-S: cannot read params file ${file}: ${e.code === 'ENOENT' ? 'it does not exist' : e.message}`);
    });
    const updated = applyOverrides(file, text, values, addable);
    if (write) await writeFileAtomic(join(dir, file), updated);
  }
}

export function checkCopyPaths(root: string, paths: readonly string[]): void {
  for (const p of paths) {
    if (p.startsWith('/') || p.split('/').includes('..')) throw new UserError(`-C ${p}: the path must be inside the repository`);
    if (!existsSync(join(root, p))) throw new UserError(`-C ${p}: no such file or directory`);
  }
}

export async function openLog(root: string, name: string): Promise<WriteStream> {
  const path = logPath(root, name);
  await mkdir(dirname(path), { recursive: true });
  return createWriteStream(path, { flags: 'w' });
}

/** The bytes of each file in `dir` (null when absent there). */
export async function filesOf(dir: string, paths: string[]): Promise<Map<string, Uint8Array | null>> {
  const files = new Map<string, Uint8Array | null>();
  for (const path of paths.sort()) {
    files.set(path, await readFile(join(dir, path)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EISDIR') return null;
      throw e;
    }));
  }
  return files;
}

/** `queue logs NAME`: the log's text, undefined when there is none. */
export async function readLog(root: string, name: string): Promise<string | undefined> {
  return readFile(logPath(root, name), 'utf8').catch(() => undefined);
}

export async function removeLog(root: string, name: string): Promise<void> {
  await rm(logPath(root, name), { force: true });
}

/** Logs of experiments not in `known` (neither saved nor queued), removed; their paths. */
export async function removeLogsExcept(root: string, known: ReadonlySet<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const log of await readdir(join(root, LOGS_RELDIR)).catch(() => [] as string[])) {
    if (!log.endsWith('.log') || known.has(log.slice(0, -4))) continue;
    await rm(join(root, LOGS_RELDIR, log), { force: true });
    removed.push(`${LOGS_RELDIR}/${log}`);
  }
  return removed;
}

/** A workspace file's bytes, undefined when it cannot be read. */
export async function readWorkspaceFile(root: string, path: string): Promise<Buffer | undefined> {
  return readFile(join(root, path)).catch(() => undefined);
}
