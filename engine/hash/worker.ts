// A hashing worker thread (see worker-pool.ts): receives a batch of paths, answers their digests.
import { parentPort } from 'node:worker_threads';
import { hashFilesSync } from './batch.js';
import { WORKER_READY } from './worker-protocol.js';

parentPort?.on('message', (paths: string[]) => {
  const digest = hashFilesSync(paths);
  parentPort?.postMessage(digest, [digest.outcome.buffer, digest.sizes.buffer, digest.stats.buffer] as ArrayBuffer[]);
});
parentPort?.postMessage(WORKER_READY);
