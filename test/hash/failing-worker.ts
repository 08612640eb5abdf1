// A hashing worker that fails on purpose, for test/hash/worker-pool.test.ts: it hashes like
// engine/hash/worker.ts, except for batches holding a path whose name says how to fail. Never
// used by the engine.
import { basename } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { hashFilesSync } from '../../engine/hash/batch.js';
import { WORKER_READY } from '../../engine/hash/worker-protocol.js';

parentPort?.on('message', (paths: string[]) => {
  for (const name of paths.map((p) => basename(p))) {
    // An uncaught exception ends the worker thread with an 'error' event.
    if (name.startsWith('throw')) throw new Error(`worker crashed on ${name}`);
    // A plain exit: an 'exit' event and no 'error'.
    if (name.startsWith('exit')) process.exit(7);
  }
  parentPort?.postMessage(hashFilesSync(paths));
});
parentPort?.postMessage(WORKER_READY);
