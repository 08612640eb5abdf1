// A hashing worker that fails on purpose, for test/hash/worker-pool.test.ts: it hashes like
// engine/hash/worker.ts, except for paths whose name says how to fail. Never used by the engine.
import { basename } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { hashFile } from '../../engine/hash/file.js';

parentPort?.on('message', (path: string) => {
  const name = basename(path);
  // An uncaught exception ends the worker thread with an 'error' event.
  if (name.startsWith('throw')) throw new Error(`worker crashed on ${name}`);
  // A plain exit: an 'exit' event and no 'error'.
  if (name.startsWith('exit')) process.exit(7);
  hashFile(path).then(
    (d) => parentPort?.postMessage(d),
    (e: NodeJS.ErrnoException) => parentPort?.postMessage({ error: e.message, code: e.code }),
  );
});
