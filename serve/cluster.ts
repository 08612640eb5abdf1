// Several workers behind one port (node:cluster; the primary hands connections out round-robin).
// Each worker is a whole service: its own model holder, PSI window, metrics, and its own request
// and label log files (named by its pid), so no two processes ever write one file and no line
// is lost or written twice; ingest reads every .jsonl file of the logs folder. The primary
// serves nothing: it starts the workers, says where the service listens once all of them do,
// replaces a worker that dies, and on SIGTERM/SIGINT has every worker drain (finish requests
// in flight, write every pending line) before it exits.

import cluster, { type Worker } from 'node:cluster';
import { serveClusterMetrics } from './cluster-metrics.js';

/** What a worker tells the primary once it listens. */
export interface WorkerListening {
  type: 'dvc-ts:listening';
  address: string;
  version: string | undefined;
  logFile: string;
}

function isListening(message: unknown): message is WorkerListening {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'dvc-ts:listening';
}

/** In a worker: tell the primary the service listens (in a single process, print it instead). */
export function announceListening(message: Omit<WorkerListening, 'type'>): boolean {
  if (!cluster.isWorker) return false;
  process.send!({ type: 'dvc-ts:listening', ...message } satisfies WorkerListening);
  return true;
}

/** In a worker, after the service closed: let go of the primary so the process can end. */
export function leavePrimary(): void {
  if (cluster.isWorker && process.connected) cluster.worker!.disconnect();
}

/** Fork `count` workers; resolves with what each said once all listen, or undefined (and exit
 *  code set) when one ended before listening (no bundle, port taken: it said why on stderr). */
async function startAll(count: number, log: (line: string) => void): Promise<WorkerListening[] | undefined> {
  const workers = Array.from({ length: count }, () => cluster.fork());
  const started = await Promise.all(workers.map((w) => new Promise<WorkerListening | number>((resolve) => {
    w.on('message', (m: unknown) => isListening(m) && resolve(m));
    w.once('exit', (code) => resolve(code ?? 1));
  })));
  const failed = started.find((s): s is number => typeof s === 'number');
  if (failed === undefined) return started as WorkerListening[];
  log(`a worker ended before listening (exit ${failed}); stopping the others`);
  await stopAll(workers);
  process.exitCode = failed || 1;
  return undefined;
}

/** SIGTERM each live worker and wait until all have exited; true when all exited 0. */
async function stopAll(workers: readonly Worker[]): Promise<boolean> {
  const exits = workers.filter((w) => !w.isDead()).map((w) => new Promise<number>((resolve) => {
    w.once('exit', (code) => resolve(code ?? 1));
    w.process.kill('SIGTERM');
  }));
  return (await Promise.all(exits)).every((code) => code === 0);
}

/** The primary of `serve --workers N` (N ≥ 2): the workers run this same program. */
export async function runPrimary(count: number, log: (line: string) => void): Promise<void> {
  serveClusterMetrics();
  const started = await startAll(count, log);
  if (!started) return;
  const versions = [...new Set(started.map((s) => s.version ?? 'none'))].join(',');
  process.stdout.write(`Serving model ${versions} on ${started[0]!.address} (${count} workers; logs: ${started.map((s) => s.logFile).join(', ')})\n`);
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log(`worker ${worker.process.pid} ended (${signal ?? `exit ${code}`}); starting another`);
    cluster.fork();
  });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: the ${count} workers finish requests in flight and close their logs`);
    void stopAll(Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)).then((clean) => {
      log(clean ? 'all workers stopped' : 'a worker did not stop cleanly');
      if (!clean) process.exitCode = 1;
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });
}
