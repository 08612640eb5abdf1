// Driving a real `repro --watch` and the warm path it serves, for the warm tests.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { execa, type ResultPromise } from 'execa';
import { CLI, TempRepo, waitFor, type CliResult } from '../helpers/repo.js';
import { BUILD_ID } from '../../engine/util/build-id.js';
import { PROTOCOL, socketPathFor } from '../../engine/warm/protocol.js';

/** A pipeline of three stages: a params file, a directory dep, an out the next stage reads, a directory out. */
export const PIPELINE = {
  'pipeline.yaml': [
    'stages:',
    '  up:',
    '    cmd: cat data/a.txt data/sub/b.txt > mid.txt',
    '    deps: [data]',
    '    params: [lr]',
    '    outs: [mid.txt]',
    '  down:',
    '    cmd: tr a-z A-Z < mid.txt > final.txt',
    '    deps: [mid.txt]',
    '    outs: [final.txt]',
    '  pack:',
    '    cmd: mkdir -p pack/sub && cp final.txt pack/sub/f.txt',
    '    deps: [final.txt]',
    '    outs: [pack]',
    '',
  ].join('\n'),
  'params.yaml': 'lr: 1\n',
  'data/a.txt': 'alpha\n',
  'data/sub/b.txt': 'beta\n',
};

export const TRACE = { DVC_TS_WARM_TRACE: '1' };
export const COLD = { DVC_TS_WARM: '0' };

/** A temporary repository with the pipeline built (cold). */
export async function builtRepo(files: Record<string, string> = PIPELINE): Promise<TempRepo> {
  const repo = await TempRepo.create(files);
  const built = await repo.run(['repro'], { env: COLD });
  assert.equal(built.code, 0, built.all);
  return repo;
}

export interface Watcher {
  child: ResultPromise;
  stop(signal?: NodeJS.Signals): Promise<string>;
}

export function startWatcher(repo: TempRepo, cli = CLI): Watcher {
  const child = execa(process.execPath, [cli, 'repro', '--watch'], { cwd: repo.root, reject: false, env: { CI: 'true' }, all: true });
  return {
    child,
    async stop(signal: NodeJS.Signals = 'SIGINT') {
      child.kill(signal);
      return String((await child).all);
    },
  };
}

/** Whether the CLI's answer came from the watcher (DVC_TS_WARM_TRACE says which path ran). */
export function answeredWarm(r: CliResult): boolean {
  return r.stderr.includes('warm: answered by the watcher');
}

/** Wait until `status` is answered by the watcher. */
export async function waitWarm(repo: TempRepo, what = 'a warm answer'): Promise<void> {
  await waitFor(async () => (await ask(repo.root, 'status')).upToDate === true, what, 30_000);
}

/** One query on the socket itself, as the CLI's client sends it. */
export async function ask(root: string, command: 'repro' | 'status', build = BUILD_ID): Promise<{ upToDate?: boolean; reason?: string; stdout?: string }> {
  const { path } = await socketPathFor(root);
  return new Promise((resolve) => {
    const socket = connect(path);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify({ protocol: PROTOCOL, build, command, root, file: null }) + '\n'));
    socket.on('data', (c: string) => (text += c));
    socket.on('error', (e) => resolve({ reason: e.message }));
    socket.on('close', () => {
      try {
        resolve(JSON.parse(text) as { upToDate?: boolean; reason?: string });
      } catch {
        resolve({ reason: `no answer: ${text}` });
      }
    });
  });
}

/** The " in 12ms" of repro's summary, which differs between any two runs. */
export function withoutDuration(stdout: string): string {
  return stdout.replace(/ in \d+(?:\.\d+)?m?s(\n?)$/, ' in …$1');
}
