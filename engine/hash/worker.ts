// A hashing worker thread (see worker-pool.ts): receives a path, answers its digest.
import { parentPort } from 'node:worker_threads';
import { hashFile } from './file.js';

parentPort?.on('message', (path: string) => {
  hashFile(path).then(
    (d) => parentPort?.postMessage(d),
    (e: NodeJS.ErrnoException) => parentPort?.postMessage({ error: e.message, code: e.code, syscall: e.syscall, path: e.path }),
  );
});
