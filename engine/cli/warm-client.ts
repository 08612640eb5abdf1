// The client side of the warm path: before anything heavy loads, ask a `repro --watch` running
// in this repository whether a plain `repro`/`status` would find everything up to date. Any
// doubt (no watcher, a stale socket, a slow or foreign answer, a change not yet checked) returns
// undefined and the command runs as usual. Imports: node built-ins and built-in-only modules.
import { connect } from 'node:net';
import { BUILD_ID } from '../util/build-id.js';
import { formatMs } from '../util/format-ms.js';
import { cannotAsk, clientTimeoutMs, PROTOCOL, parseLine, socketPathFor, type WarmCommand, type WarmQuery } from '../warm/protocol.js';
import { findProject } from '../repo/root.js';

/** The exit code after printing the watcher's answer, or undefined: run the command cold. */
export async function answerWarm(command: WarmCommand): Promise<number | undefined> {
  if (process.env.DVC_TS_WARM === '0') return undefined;
  const trace = process.env.DVC_TS_WARM_TRACE === '1' ? (line: string) => process.stderr.write(`warm: ${line}\n`) : () => undefined;
  const entered = performance.now();
  try {
    const { root, file } = await findProject();
    const { dir, path } = await socketPathFor(root);
    const distrust = cannotAsk(dir, path);
    if (distrust) {
      trace(`cold: ${distrust}`);
      return undefined;
    }
    const query: WarmQuery = { protocol: PROTOCOL, build: BUILD_ID, command, root, file: file ?? null };
    const asked = performance.now();
    const answer = parseLine(await ask(path, JSON.stringify(query) + '\n'));
    const answered = performance.now();
    if (!answer || answer.protocol !== PROTOCOL || answer.build !== BUILD_ID) {
      trace('cold: the watcher is another build of dvc-ts');
      return undefined;
    }
    if (answer.upToDate !== true || typeof answer.stdout !== 'string' || typeof answer.exitCode !== 'number') {
      trace(`cold: ${typeof answer.reason === 'string' ? answer.reason : 'no answer'}`);
      return undefined;
    }
    // As on the cold path: a reader that left (EPIPE) is fine, lost output (a full disk) is not.
    process.stdout.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') return;
      process.stderr.write(`error: cannot write to the standard output: ${e.message}\n`);
      process.exitCode = 1;
    });
    // `repro` says how long the whole command took, counted from the process's start.
    process.stdout.write(command === 'repro' ? `${answer.stdout} in ${formatMs(performance.now())}\n` : answer.stdout);
    trace(`answered by the watcher (ms since process start: client ${entered.toFixed(1)}, asked ${asked.toFixed(1)}, answered ${answered.toFixed(1)})`);
    return answer.exitCode;
  } catch (e) {
    trace(`cold: ${(e as Error).message}`);
    return undefined;
  }
}

/** Send `query`, read one line back; rejects on any error or after clientTimeoutMs(). */
function ask(path: string, query: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the watcher did not answer in time'));
    }, clientTimeoutMs());
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(query));
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text.slice(0, end));
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error('the watcher closed the connection'));
    });
  });
}
