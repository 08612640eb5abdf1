import * as fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import git from 'isomorphic-git';
import { UserError } from '../errors.js';
import { describeDecision } from '../gate/index.js';
import { parseLock, lockPathFor } from '../lock/lockfile.js';
import type { LockFile, Pipeline } from '../types.js';

/**
 * The files a results commit holds: what makes a run reproducible and comparable (pipeline,
 * lock, params, config, .gitignore files) and every output that is not in the cache (metrics,
 * plots, small outs). Cached outputs' bytes never go into git: the lock names them.
 */
export function resultFiles(pipeline: Pipeline): string[] {
  const files = new Set<string>([pipeline.file, lockPathFor(pipeline.file), '.dvc-ts/config.yaml', '.dvc-ts/.gitignore', '.gitignore']);
  for (const p of pipeline.params) files.add(p);
  for (const stage of pipeline.stages) {
    for (const file of Object.keys(stage.params)) files.add(file);
    for (const out of stage.outs) {
      if (!out.cache) files.add(out.path);
      else files.add(out.path.includes('/') ? `${out.path.slice(0, out.path.lastIndexOf('/'))}/.gitignore` : '.gitignore');
    }
  }
  for (const m of pipeline.metrics) files.add(m);
  return [...files].sort();
}

export interface CommitOptions {
  message?: string;
  /** Commit on a new branch created at HEAD (HEAD moves to it; the work tree is untouched). */
  branch?: string;
  /** Extra text for the message body (the metrics diff, from the report layer). */
  body?: string;
  /** More result files, repository-relative: the `.dvc` files of tracked data and their .gitignore. */
  extraFiles?: readonly string[];
}

export interface CommitResult {
  oid: string;
  branch: string;
  files: string[];
  message: string;
}

/**
 * Commit the results of a run through isomorphic-git. Refuses when the index holds changes the
 * user staged by hand, so a results commit never sweeps up unrelated work.
 */
export async function commitResults(root: string, pipeline: Pipeline, lock: LockFile, options: CommitOptions = {}): Promise<CommitResult> {
  const dir = await git.findRoot({ fs, filepath: root }).catch(() => {
    throw new UserError(`${root} is not inside a git repository: run 'git init' first`);
  });
  const prefix = relative(dir, root).split(sep).join('/');
  const inGit = (p: string) => (prefix ? `${prefix}/${p}` : p);
  const ours = new Set([...resultFiles(pipeline), ...(options.extraFiles ?? [])].map(inGit));

  const headOid = await git.resolveRef({ fs, dir, ref: 'HEAD' }).catch(() => undefined);
  const matrix = await git.statusMatrix({ fs, dir });
  const stagedByHand = matrix
    .filter(([file, head, , stage]) => !ours.has(file) && !((head === 1 && stage === 1) || (head === 0 && stage === 0)))
    .map(([file]) => file);
  if (stagedByHand.length > 0) {
    throw new UserError(`refusing to commit: other changes are staged (${stagedByHand.slice(0, 5).join(', ')}${stagedByHand.length > 5 ? ', …' : ''})`, {
      exitCode: 1,
      details: ['commit or unstage them first (git restore --staged <file>); dvc-ts commits only pipeline results'],
    });
  }

  const status = new Map(matrix.map(([file, head, workdir, stage]) => [file, { head, workdir, stage }]));
  for (const file of ours) {
    const s = status.get(file);
    if (fs.existsSync(join(dir, file))) {
      if (s?.head === 1 && s.workdir === 1 && s.stage === 1) continue; // unchanged since HEAD
      await git.add({ fs, dir, filepath: file }); // ignored files are skipped by git.add
    } else if (s?.head === 1) {
      await git.remove({ fs, dir, filepath: file });
    }
  }
  // git.add of an unchanged file is harmless; what counts is whether the index now differs.
  const after = await git.statusMatrix({ fs, dir, filepaths: [...ours] });
  const differs = after.filter(([, head, , stage]) => !((head === 1 && stage === 1) || (head === 0 && stage === 0))).map(([f]) => f);
  if (differs.length === 0) throw new UserError('nothing to commit: the results are already committed', { exitCode: 1 });

  const previous = headOid ? await lockAt(dir, headOid, inGit(lockPathFor(pipeline.file))) : undefined;
  const message = composeMessage(pipeline, lock, previous, options);
  if (options.branch) {
    try {
      await git.branch({ fs, dir, ref: options.branch, checkout: true });
    } catch (e) {
      throw new UserError(`cannot create branch '${options.branch}': ${(e as Error).message}`, { exitCode: 1 });
    }
  }
  const author = await authorFor(dir);
  const oid = await git.commit({ fs, dir, message, author });
  const branch = (await git.currentBranch({ fs, dir, fullname: false })) ?? 'HEAD';
  return { oid, branch, files: differs, message };
}

async function lockAt(dir: string, oid: string, path: string): Promise<LockFile | undefined> {
  try {
    const { blob } = await git.readBlob({ fs, dir, oid, filepath: path });
    return parseLock(Buffer.from(blob).toString('utf8'), path);
  } catch {
    return undefined;
  }
}

/** What ran (stages whose lock entry changed since the parent), every gate decision, the body. */
export function composeMessage(pipeline: Pipeline, lock: LockFile, previous: LockFile | undefined, options: CommitOptions): string {
  const changed = pipeline.stages
    .map((s) => s.name)
    .filter((name) => lock.stages[name] && !isDeepStrictEqual(stripGate(lock.stages[name]), stripGate(previous?.stages[name])));
  const lines = [options.message ?? `dvc-ts: reproduce ${changed.length ? changed.join(', ') : 'pipeline'}`, ''];
  lines.push(`Stages changed since the parent commit: ${changed.length ? changed.join(', ') : 'none'}`);
  const gates = pipeline.stages.filter((s) => lock.stages[s.name]?.gate);
  if (gates.length > 0) {
    lines.push('', 'Gate decisions:');
    for (const s of gates) {
      const g = lock.stages[s.name]!.gate!;
      const state = g.ignored ? 'open (--ignore-gates)' : g.open ? 'open' : 'closed';
      const why = g.upstream ? `upstream '${g.upstream}' was skipped` : describeDecision(g.values);
      const line = `  ${s.name}: ${state}${why ? ` (${why})` : ''}`;
      lines.push(line.length > GATE_LINE_MAX ? `${line.slice(0, GATE_LINE_MAX - 1)}…` : line);
    }
  }
  if (options.body) {
    const head = lines.join('\n');
    lines.push('', fitBody(options.body.trimEnd(), MESSAGE_BUDGET - Buffer.byteLength(head) - 2));
  }
  return lines.join('\n') + '\n';
}

/** A commit message stays readable in `git log` and review tools: under 4 KB in all. */
export const MESSAGE_BUDGET = 4000;

/** Characters a gate line keeps (the values read can be many). */
const GATE_LINE_MAX = 240;

/**
 * The body's first lines that fit in `budget` bytes, then a line counting the table rows (one per
 * changed metric) left out (pure). The decisions come before the body, so they are never cut.
 */
export function fitBody(body: string, budget: number): string {
  const lines = body.split('\n');
  const kept: string[] = [];
  let size = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // Room for the note that follows when anything is cut.
    if (size + Buffer.byteLength(line) + 1 > budget - 120) {
      const rows = lines.slice(i).filter((l) => l.startsWith('|')).length;
      kept.push(`… ${rows > 0 ? `${rows} more changed metric${rows === 1 ? '' : 's'}` : `${lines.length - i} more lines`} left out; \`dvc-ts metrics diff HEAD~1 HEAD\` shows them all`);
      break;
    }
    kept.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return kept.join('\n');
}

function stripGate(entry: LockFile['stages'][string] | undefined): unknown {
  if (!entry) return undefined;
  const { gate: _gate, ...rest } = entry;
  return rest;
}

/** Author from the environment, then the repository's config, then ~/.gitconfig, as git does. */
async function authorFor(dir: string): Promise<{ name: string; email: string }> {
  let name = process.env.GIT_AUTHOR_NAME;
  let email = process.env.GIT_AUTHOR_EMAIL;
  name ??= (await git.getConfig({ fs, dir, path: 'user.name' })) as string | undefined;
  email ??= (await git.getConfig({ fs, dir, path: 'user.email' })) as string | undefined;
  if (!name || !email) {
    const global = await readFile(join(homedir(), '.gitconfig'), 'utf8').catch(() => '');
    const user = /\[user\]([^[]*)/.exec(global)?.[1] ?? '';
    name ??= /^\s*name\s*=\s*(.+)$/m.exec(user)?.[1]?.trim();
    email ??= /^\s*email\s*=\s*(.+)$/m.exec(user)?.[1]?.trim();
  }
  if (!name || !email) {
    throw new UserError('git needs to know who you are: set user.name and user.email (git config --global user.name "…")', { exitCode: 1 });
  }
  return { name, email };
}
