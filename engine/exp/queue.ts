// The experiment queue: one JSON file per queued experiment under `.dvc-ts/exps/queue/`, local
// to this clone (never committed), numbered so that experiments run in the order queued.
import { access, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DVC_TS_DIR } from '../config.js';
import { pidAlive } from '../util/pid.js';
import { UserError } from '../errors.js';
import { writeFileAtomic, ensureDir } from '../util/atomic.js';
import type { ParamOverrides } from './params-set.js';

export const QUEUE_RELDIR = `${DVC_TS_DIR}/exps/queue`;

export interface QueuedExperiment {
  name: string;
  overrides: ParamOverrides;
  /** `file:key` that may be new to their file (`-S +key=…`). */
  addable: string[];
  queuedAt: string;
  /** `exp run -m`: the experiment commit's message. */
  message?: string;
  /** `exp run -C`: cached outs copied into its workspace instead of restored from the cache. */
  copyPaths?: string[];
  /** Queued with `--queue`: the workspace as it was then, and the commit it was based on. */
  snapshot?: QueuedSnapshot;
}

export interface QueuedSnapshot {
  /** Directory name under `.dvc-ts/exps/snapshots/`. */
  id: string;
  /** HEAD when queued: the experiment's baseline. */
  baseline: string;
  /** Files git tracks that differed from HEAD when queued (saved with the experiment). */
  changedTracked: string[];
}

export type QueueState = 'queued' | 'running' | 'failed';

export interface QueueEntry extends QueuedExperiment {
  /** The entry's file name (its order first). */
  file: string;
  /** A live `exp run` has claimed it and is running it. */
  running: boolean;
  state: QueueState;
  /** Failed: why (the failed stage and its error, or who killed it). */
  error?: string;
  /** Failed: when, ISO. */
  failedAt?: string;
}

/** `NNNNNN-name.json`, claimed `….running.PID`, failed `….failed`. */
const ENTRY = /^(\d+-.+\.json)(?:\.running\.(\d+)|\.(failed))?$/;

/** Where each experiment's stage output goes while it runs (`queue logs NAME`). */
export const LOGS_RELDIR = `${DVC_TS_DIR}/exps/logs`;

export function logPath(root: string, name: string): string {
  return join(root, LOGS_RELDIR, `${name}.log`);
}

/** The entry's file name without its state suffix. */
function baseFile(entry: QueueEntry): string {
  return entry.file.replace(/\.(?:running\.\d+|failed)$/, '');
}

function queueDir(root: string): string {
  return join(root, QUEUE_RELDIR);
}

/**
 * The queue in order. An entry claimed by a process that is gone (a killed `exp run`) is put
 * back in the queue here.
 */
export async function readQueue(root: string): Promise<QueueEntry[]> {
  const dir = queueDir(root);
  const names = await readdir(dir).catch(() => [] as string[]);
  const entries: QueueEntry[] = [];
  for (const name of names.sort()) {
    const match = ENTRY.exec(name);
    if (!match) continue;
    let file = name;
    let running = match[2] !== undefined;
    const failed = match[3] !== undefined;
    if (running && !pidAlive(Number(match[2]))) {
      const back = await rename(join(dir, name), join(dir, match[1]!)).then(() => true, () => false);
      if (!back) continue; // recovered by another process meanwhile
      file = match[1]!;
      running = false;
    }
    const text = await readFile(join(dir, file), 'utf8').catch(() => undefined);
    if (text === undefined) continue; // taken or finished meanwhile
    try {
      const parsed = JSON.parse(text) as QueuedExperiment & { error?: string; failedAt?: string };
      entries.push({ ...parsed, file, running, state: failed ? 'failed' : running ? 'running' : 'queued' });
    } catch {
      throw new UserError(`${QUEUE_RELDIR}/${file} is not a valid queue entry`, { details: [`delete it (rm '${QUEUE_RELDIR}/${file}') and queue the experiment again`] });
    }
  }
  return entries;
}

/** Take an entry for this process (an atomic rename); undefined when another run took it first. */
export async function claim(root: string, entry: QueueEntry): Promise<QueueEntry | undefined> {
  const file = `${entry.file}.running.${process.pid}`;
  const ok = await rename(join(queueDir(root), entry.file), join(queueDir(root), file)).then(() => true, () => false);
  return ok ? { ...entry, file, running: true, state: 'running' } : undefined;
}

/** Give a claimed entry back to the queue (its run failed or was interrupted). */
export async function unclaim(root: string, entry: QueueEntry): Promise<void> {
  await rename(join(queueDir(root), entry.file), join(queueDir(root), entry.file.replace(/\.running\.\d+$/, ''))).catch(() => undefined);
}

/** Add experiments at the end of the queue, in order; returns their entries. */
export async function enqueue(root: string, experiments: readonly QueuedExperiment[]): Promise<QueueEntry[]> {
  const dir = queueDir(root);
  await ensureDir(dir);
  // The queue is this clone's own: keep it out of git without touching any .gitignore of the user.
  await writeFile(join(dir, '..', '.gitignore'), '*\n');
  const existing = await readQueue(root);
  let next = existing.reduce((max, e) => Math.max(max, Number(e.file.split('-')[0])), 0) + 1;
  const added: QueueEntry[] = [];
  for (const experiment of experiments) {
    const file = `${String(next++).padStart(6, '0')}-${experiment.name}.json`;
    await writeFileAtomic(join(dir, file), JSON.stringify(experiment, null, 2) + '\n');
    added.push({ ...experiment, file, running: false, state: 'queued' });
  }
  return added;
}

export async function dequeue(root: string, entry: QueueEntry): Promise<void> {
  await unlink(join(queueDir(root), entry.file)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  await unlink(join(queueDir(root), `${baseFile(entry)}.kill`)).catch(() => undefined);
}

/**
 * Mark a claimed entry failed with why: it leaves the queue's runnable part (`exp run
 * --run-all` skips it) and shows as failed until removed. The failed file is written before
 * the claim goes, so the entry is never lost.
 */
export async function fail(root: string, entry: QueueEntry, error: string): Promise<void> {
  const { file: _file, running: _running, state: _state, ...experiment } = entry;
  const failed = `${baseFile(entry)}.failed`;
  await writeFileAtomic(join(queueDir(root), failed), JSON.stringify({ ...experiment, error, failedAt: new Date().toISOString() }, null, 2) + '\n');
  await dequeue(root, entry);
}

/** Ask the `exp run` running `entry` to stop it (it polls for this file). */
export async function requestKill(root: string, entry: QueueEntry): Promise<void> {
  await writeFile(join(queueDir(root), `${baseFile(entry)}.kill`), `${process.pid}\n`);
}

export async function killRequested(root: string, entry: QueueEntry): Promise<boolean> {
  return access(join(queueDir(root), `${baseFile(entry)}.kill`)).then(() => true, () => false);
}
