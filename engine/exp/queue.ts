// The experiment queue: one JSON file per queued experiment under `.dvc-ts/exps/queue/`, local
// to this clone (never committed), numbered so that experiments run in the order queued.
import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DVC_TS_DIR } from '../config.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { ParamOverrides } from './params-set.js';

export const QUEUE_RELDIR = `${DVC_TS_DIR}/exps/queue`;

export interface QueuedExperiment {
  name: string;
  overrides: ParamOverrides;
  /** `file:key` that may be new to their file (`-S +key=…`). */
  addable: string[];
  queuedAt: string;
}

export interface QueueEntry extends QueuedExperiment {
  /** The entry's file name (its order). */
  file: string;
}

function queueDir(root: string): string {
  return join(root, QUEUE_RELDIR);
}

export async function readQueue(root: string): Promise<QueueEntry[]> {
  const names = await readdir(queueDir(root)).catch(() => [] as string[]);
  const entries: QueueEntry[] = [];
  for (const file of names.filter((n) => /^\d+-.+\.json$/.test(n)).sort()) {
    const text = await readFile(join(queueDir(root), file), 'utf8').catch(() => undefined);
    if (text === undefined) continue; // taken by another run meanwhile
    try {
      entries.push({ ...(JSON.parse(text) as QueuedExperiment), file });
    } catch {
      throw new UserError(`${QUEUE_RELDIR}/${file} is not a valid queue entry: remove it with 'dvc-ts exp remove --queue'`);
    }
  }
  return entries;
}

/** Add experiments at the end of the queue, in order; returns their entries. */
export async function enqueue(root: string, experiments: readonly QueuedExperiment[]): Promise<QueueEntry[]> {
  const dir = queueDir(root);
  await mkdir(dir, { recursive: true });
  // The queue is this clone's own: keep it out of git without touching any .gitignore of the user.
  await writeFile(join(dir, '..', '.gitignore'), '*\n');
  const existing = await readQueue(root);
  let next = existing.reduce((max, e) => Math.max(max, Number(e.file.split('-')[0])), 0) + 1;
  const added: QueueEntry[] = [];
  for (const experiment of experiments) {
    const file = `${String(next++).padStart(6, '0')}-${experiment.name}.json`;
    await writeFileAtomic(join(dir, file), JSON.stringify(experiment, null, 2) + '\n');
    added.push({ ...experiment, file });
  }
  return added;
}

export async function dequeue(root: string, entry: QueueEntry): Promise<void> {
  await unlink(join(queueDir(root), entry.file)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
