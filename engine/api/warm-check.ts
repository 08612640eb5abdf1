// What the warm watcher (engine/warm/server.ts) checks: the same code the cold `repro` and
// `status` run, giving their exact output, plus every path that output was read from.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { dirname, join, resolve } from 'node:path';
import { DVC_TS_DIR } from '../config.js';
import { lockPathFor } from '../lock/lockfile.js';
import { checkMissingDeps } from '../pipeline/check-deps.js';
import { pipelineInputFiles } from '../pipeline/load-cache.js';
import { OWN_DIRS, STAGE_GROUPS_DIR, TEMP_NAME } from '../repo/orphans.js';
import { REPO_LOCK_PATH } from '../repo/repo-lock.js';
import { PlainReporter } from '../run/output.js';
import { Repo } from '../repo/repo.js';
import { reproduce, summaryCounts } from '../run/repro.js';
import { findDvcFiles, readTrackedOuts } from '../tracked/tracked.js';
import type { Pipeline } from '../types.js';
import type { WarmCheck, WarmChecker } from '../warm/server.js';
import { nothingToDo, UP_TO_DATE_LINE } from './repro.js';
import { statusOutput } from './status.js';

/** Files with other hard links are watched one by one (a write through another name reaches no directory watch); past this many, the watcher gives up. */
const MAX_LINKED_FILES = 20_000;

export function warmChecker(root: string, file: string | undefined): WarmChecker {
  return {
    file: file ?? null,
    check: () => checkWorkspace(root, file),
    veto: () => vetoNow(root),
  };
}

async function checkWorkspace(root: string, file: string | undefined): Promise<WarmCheck> {
  const watch = new WatchSet(root);
  watch.dir(root);
  watch.dir(join(root, DVC_TS_DIR));
  if (file) watch.dir(dirname(join(root, file)));
  const check: WarmCheck = { answers: {}, notAnswered: '', watch: watch.paths };
  let pipeline: Pipeline | undefined;
  try {
    const repo = await Repo.open(root, { file });
    try {
      pipeline = repo.pipeline;
      await checkMissingDeps(root, repo.pipeline);
      let stdout = '';
      const out = new Writable({
        write(chunk: Buffer, _encoding, done) {
          stdout += chunk.toString('utf8');
          done();
        },
      });
      // The cold run's decisions and lines, taken without acting (a no-op acts on nothing).
      const summary = await reproduce(repo, { dry: true, jobs: repo.config.jobs, reporter: new PlainReporter(out) });
      if (summary.results.every((r) => r.status === 'up-to-date' || r.status === 'frozen')) {
        if (nothingToDo(summary)) stdout += UP_TO_DATE_LINE + '\n';
        check.answers.repro = { stdout: stdout + summaryCounts(summary), exitCode: 0 };
      } else check.notAnswered = 'stages to run';
    } finally {
      await repo.close();
    }
    const status = await statusOutput(root, { file });
    if (status.upToDate) check.answers.status = { stdout: status.stdout, exitCode: status.exitCode };
    else check.notAnswered ||= 'stale';
  } catch (e) {
    check.notAnswered = `error: ${(e as Error).message.split('\n')[0]}`;
  }
  check.unsupported = await watchedInputs(root, pipeline, watch);
  return check;
}

/** Add what the pipeline, the lock, the params and the `.dvc` files read; why they cannot be watched, if so. */
async function watchedInputs(root: string, pipeline: Pipeline | undefined, watch: WatchSet): Promise<string | undefined> {
  const inputs = await pipelineInputFiles(root);
  if (pipeline && !inputs) return 'the files the pipeline was read from are not known (no pipeline cache)';
  for (const f of inputs ?? []) watch.path(join(root, f));
  for (const s of pipeline?.stages ?? []) {
    for (const d of s.deps) watch.path(resolve(root, d.path));
    for (const o of s.outs) watch.path(resolve(root, o.path));
    for (const f of Object.keys(s.params)) watch.path(join(root, f));
    for (const p of s.paramSources ?? []) watch.path(join(root, p.file));
    for (const f of Object.values(s.when?.files ?? {})) watch.path(join(root, f));
  }
  for (const f of pipeline?.params ?? []) watch.path(join(root, f));
  if (pipeline) watch.path(join(root, lockPathFor(pipeline.file)));
  // `status` also reports the data `.dvc` files track, found by walking the repository.
  await findDvcFiles(root, (rel) => watch.dir(join(root, rel)));
  for (const t of await readTrackedOuts(root).catch(() => [])) watch.path(join(root, t.path));
  return watch.unsupported;
}

/**
 * Directories (and hard-linked files) to watch so that every change to what was read makes an
 * event: each path's directory and that directory's ancestors up to the root (so replacing a
 * parent is seen), and every directory below a directory path.
 */
class WatchSet {
  readonly paths = new Set<string>();
  private readonly walked = new Set<string>();
  unsupported: string | undefined;
  private linked = 0;

  constructor(private readonly root: string) {}

  /** A directory that exists, with its ancestors; a missing one is watched through its nearest existing ancestor. */
  dir(abs: string): void {
    for (let d = abs; ; d = dirname(d)) {
      if (this.paths.has(d)) return;
      if (existsSync(d)) this.paths.add(d);
      if (d === this.root || dirname(d) === d) return;
    }
  }

  path(abs: string): void {
    this.dir(dirname(abs));
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isSymbolicLink()) this.unsupported ??= `${abs} is a symbolic link (changes to its target make no event here)`;
    else if (st.isDirectory()) this.tree(abs);
    else if (st.nlink > 1) this.linkedFile(abs);
  }

  private linkedFile(abs: string): void {
    if (++this.linked > MAX_LINKED_FILES) this.unsupported ??= `more than ${MAX_LINKED_FILES} files have other hard links`;
    else this.paths.add(abs);
  }

  private tree(abs: string): void {
    if (this.walked.has(abs)) return;
    this.walked.add(abs);
    this.paths.add(abs);
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return; // gone or unreadable: its parent's watch sees it come back
    }
    for (const e of entries) {
      const p = join(abs, e.name);
      if (e.isDirectory()) this.tree(p);
      else if (e.isSymbolicLink()) this.unsupported ??= `${p} is a symbolic link (changes to its target make no event here)`;
      else if ((lstatSync(p, { throwIfNoEntry: false })?.nlink ?? 1) > 1) this.linkedFile(p);
    }
  }
}

/**
 * At answer time: what `repro` would do before its stages, read now rather than watched (these
 * files come and go with every command): wait for or fail on another dvc-ts holding the lock,
 * end stage groups a killed one left, sweep its temp files. Any of them: no warm answer.
 */
function vetoNow(root: string): string | undefined {
  if (existsSync(join(root, REPO_LOCK_PATH))) return 'another dvc-ts holds the repository lock';
  if (listing(join(root, STAGE_GROUPS_DIR)).length > 0) return 'stage processes of a killed run are recorded';
  for (const dir of OWN_DIRS) if (listing(join(root, dir)).some((n) => TEMP_NAME.test(n))) return 'temp files of another dvc-ts are present';
  return undefined;
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
