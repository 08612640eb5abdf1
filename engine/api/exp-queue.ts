// `dvc-ts queue …`: the experiment queue seen and steered: status, the log of an experiment,
// kill a running one (it is kept as failed, the others stay runnable), remove entries.
import { UserError } from '../errors.js';
import { readLog, removeLog } from '../exp/files.js';
import { dequeue, readQueue, requestKill, type QueueEntry } from '../exp/queue.js';
import { pruneQueueSnapshots } from './exp-run.js';

/** The queue in order: queued, running (with the process running it) and failed entries. */
export async function queueStatus(root: string): Promise<QueueEntry[]> {
  return readQueue(root);
}

function byName(entries: readonly QueueEntry[], names: readonly string[]): QueueEntry[] {
  const unknown = names.filter((n) => !entries.some((e) => e.name === n));
  if (unknown.length) throw new UserError(`no queued experiment named ${unknown.map((n) => `'${n}'`).join(', ')}`, { details: entries.length ? [`in the queue: ${entries.map((e) => e.name).join(', ')}`] : ['the queue is empty'] });
  return entries.filter((e) => names.includes(e.name));
}

/** `queue logs NAME`: what its stages printed (so far, when it is running). */
export async function queueLogs(root: string, name: string): Promise<string> {
  const text = await readLog(root, name);
  if (text === undefined) {
    const entry = (await readQueue(root)).find((e) => e.name === name);
    throw new UserError(entry ? `experiment '${name}' has no log yet: it has not started` : `no log for an experiment named '${name}'`);
  }
  return text;
}

/**
 * `queue kill NAME…`: stop running experiments. Their `exp run` kills their stages, keeps each
 * as failed ("killed") with its log, and goes on with the rest of the queue. Waits until each
 * has stopped (`wait` polls, 100 ms apart, as long as the process running it lives).
 */
export async function queueKill(root: string, names: string[]): Promise<string[]> {
  if (names.length === 0) throw new UserError('queue kill needs the names of running experiments (see `dvc-ts queue status`)');
  const entries = byName(await readQueue(root), names);
  const idle = entries.filter((e) => e.state !== 'running');
  if (idle.length) throw new UserError(`${idle.map((e) => `'${e.name}'`).join(', ')} ${idle.length === 1 ? 'is' : 'are'} not running: 'dvc-ts queue remove' takes queued experiments out`);
  for (const e of entries) await requestKill(root, e);
  for (;;) {
    const still = (await readQueue(root)).filter((e) => names.includes(e.name) && e.state === 'running');
    if (still.length === 0) return entries.map((e) => e.name);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface QueueRemoveOptions {
  /** Every entry that is not running. */
  all?: boolean;
  /** Every queued entry. */
  queued?: boolean;
  /** Every failed entry. */
  failed?: boolean;
}

/** `queue remove NAME… | --all | --queued | --failed`: entries (and their logs and snapshots) out of the queue. */
export async function queueRemove(root: string, names: string[], options: QueueRemoveOptions = {}): Promise<string[]> {
  if (names.length === 0 && !options.all && !options.queued && !options.failed) throw new UserError('queue remove needs experiment names, --all, --queued or --failed');
  const entries = await readQueue(root);
  const named = byName(entries, names);
  const busy = named.filter((e) => e.state === 'running');
  if (busy.length) throw new UserError(`${busy.map((e) => `'${e.name}'`).join(', ')} ${busy.length === 1 ? 'is' : 'are'} running: 'dvc-ts queue kill' stops it first`);
  const chosen = entries.filter(
    (e) => e.state !== 'running' && (named.includes(e) || options.all || (options.queued && e.state === 'queued') || (options.failed && e.state === 'failed')),
  );
  for (const e of chosen) {
    await dequeue(root, e);
    await removeLog(root, e.name);
  }
  await pruneQueueSnapshots(root, chosen.flatMap((e) => (e.snapshot ? [e.snapshot.id] : [])));
  return chosen.map((e) => e.name);
}
