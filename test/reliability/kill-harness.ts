// Killing a dvc-ts command mid-run, and what must hold after the next one: the one harness the
// kill tests share (beside invariants.ts, which checks a repository's bytes).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI, type CliResult, type TempRepo } from '../helpers/repo.js';
import { checkRepo, findTempFiles } from './invariants.js';
import { verifyCache } from '../../engine/api/cache.js';
import { statusOutput } from '../../engine/api/status.js';

export const KILL_ENV = { CI: 'true', NO_COLOR: '1' };

/**
 * A system temp folder of the test's own, passed to every command as TMPDIR, so "nothing left in
 * the temp folder" is an exact check: it must be empty after each command.
 */
export async function ownTempDir(): Promise<{ env: Record<string, string>; dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-kill-tmp-'));
  return { dir, env: { ...KILL_ENV, TMPDIR: dir }, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface KillOptions {
  env: Record<string, string>;
  /** Kill once this holds (polled between event-loop turns), or when `afterMs` passed. */
  when?: () => boolean;
  /** Kill this long after the start (the default when `when` is not given: a random moment). */
  afterMs?: number;
  /** Give up waiting for `when` after this long and kill anyway. */
  maxMs?: number;
}

/**
 * Start `dvc-ts <args>` in `cwd` and SIGKILL it at the moment `options` say. Returns whether the
 * kill landed (the command was still running) and what it printed.
 */
export async function killMidRun(cwd: string, args: string[], options: KillOptions): Promise<{ landed: boolean; result: CliResult }> {
  const child = execa(process.execPath, [CLI, ...args], { cwd, reject: false, all: true, env: options.env, stdin: 'ignore' });
  let exited = false;
  void child.finally(() => (exited = true));
  const start = Date.now();
  const deadline = start + (options.when ? (options.maxMs ?? 20_000) : (options.afterMs ?? 0));
  while (!exited && Date.now() < deadline && !(options.when?.() ?? false)) {
    await new Promise((r) => (options.when ? setImmediate(r) : setTimeout(r, 2)));
  }
  const landed = !exited;
  child.kill('SIGKILL');
  const r = await child;
  return { landed, result: { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) } };
}

/** Every temp file a dvc-ts might leave: in the repository (workspace and .dvc-ts/**) and anything at all in the test's temp folder. */
export async function leftTemps(root: string, tempDir: string): Promise<string[]> {
  const inRepo = await findTempFiles(root);
  const inTmp = (await readdir(tempDir).catch(() => [] as string[])).map((n) => `$TMPDIR/${n}`);
  return [...inRepo, ...inTmp];
}

/**
 * What must hold once the command after a kill finished: no temp file anywhere, the cache clean
 * by `cache verify` (what the CLI runs, in-process), every locked out matching the disk, and
 * `status` up to date (through the CLI when `cli`, else what it runs, in-process), which
 * checkRepo's recomputation from the bytes confirms.
 */
export async function assertWhole(repo: TempRepo, tempDir: string, env: Record<string, string>, what: string, cli = true): Promise<void> {
  assert.deepEqual(await leftTemps(repo.root, tempDir), [], `${what}: temp files left`);
  const verify = await verifyCache(repo.root);
  assert.deepEqual([verify.bad, verify.leftovers], [[], []], `${what}: cache verify found problems`);
  const whole = await checkRepo(repo.root, () => true);
  assert.deepEqual(whole.violations, [], `${what}: repository invariants`);
  const status = cli ? await repo.run(['status'], { env }) : await statusOutput(repo.root).then((o) => ({ code: o.exitCode, all: o.stdout }));
  assert.equal(status.code, 0, `${what}: status is not up to date: ${status.all}`);
}
