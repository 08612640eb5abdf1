// The experiment queue: one JSON file per queued experiment under `.dvc-ts/exps/queue/`, local
// to this clone (never committed), numbered so that experiments run in the order queued.
import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
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

export interface QueueEntry extends QueuedExperiment {
  /** The entry's file name (its order first). */
  file: string;
  /** A live `exp run` has claimed it and is running it. */
  running: boolean;
}

const ENTRY = /^(\d+-.+\.json)(?:\.running\.(\d+))?$/;

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
    if (running && !pidAlive(Number(match[2]))) {
      const back = await rename(join(dir, name), join(dir, match[1]!)).then(() => true, () => false);
      if (!back) continue; // recovered by another process meanwhile
      file = match[1]!;
      running = false;
    }
    const text = await readFile(join(dir, file), 'utf8').catch(() => undefined);
    if (text === undefined) continue; // taken or finished meanwhile
    try {
      entries.push({ ...(JSON.parse(text) as QueuedExperiment), file, running });
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
  return ok ? { ...entry, file, running: true } : undefined;
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
    added.push({ ...experiment, file, running: false });
  }
  return added;
}

export async function dequeue(root: string, entry: QueueEntry): Promise<void> {
  await unlink(join(queueDir(root), entry.file)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
