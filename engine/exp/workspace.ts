// An isolated workspace for one experiment: a temporary copy of the repository's files beside
// (never inside) it, sharing the repository's cache through a symlink, so what one experiment
// computes every other one can restore.
import { constants } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DVC_TS_DIR } from '../config.js';
import { ensureDir } from '../util/atomic.js';

/** dvc-ts's own folders that are local to one workspace (the cache is linked, not copied). */
const LOCAL_DIRS = new Set(['cache', 'state', 'tmp', 'logs', 'lock', 'exps']);

/** Where queued experiments' snapshots of the workspace wait for their run (local, never committed). */
export const SNAPSHOTS_RELDIR = `${DVC_TS_DIR}/exps/snapshots`;

export interface WorkspaceOptions {
  /** false: the workspace starts with a cache of its own (a study that must not reuse earlier runs). */
  shareCache?: boolean;
  /** Copy this directory (a queued experiment's snapshot) instead of `root`; the cache is still `root`'s. */
  from?: string;
}

/**
 * Experiment workspaces are `<system temp>/dvc-ts-exp-<pid>-<host tag>-<random>`: the pid of the
 * `exp run` that owns (and removes) it, so a later one can tell the copy of a killed run from a
 * live one, and a tag of the host, since a temp folder shared with another machine or container
 * (whose pids mean nothing here) must be left alone. Both are in the name, so the folder is
 * judged rightly from its first moment: a run killed before it wrote anything into it leaves
 * nothing the sweep cannot place. Names without a tag (older workspaces) name their host in a file.
 */
const WORKSPACE_PREFIX = 'dvc-ts-exp-';
const WORKSPACE_NAME = /^dvc-ts-exp-(\d+)-(?:([0-9a-f]{8})-)?[A-Za-z0-9]+$/;
/** Where a workspace without a host tag in its name records its host. */
const OWNER_HOST_FILE = `${DVC_TS_DIR}/tmp/exp-owner-host`;

/** This host's tag in workspace names: the start of the sha256 of its hostname. */
export const WORKSPACE_HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** The pid that owns the experiment workspace named `name` (a folder of the system temp folder); undefined when it is not one. */
export function workspaceOwner(name: string): number | undefined {
  const pid = Number(WORKSPACE_NAME.exec(name)?.[1]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether this host made the experiment workspace at `workspace`: by the tag in its name, else by its host file. */
export async function madeOnThisHost(workspace: string): Promise<boolean> {
  const tag = WORKSPACE_NAME.exec(basename(workspace))?.[2];
  if (tag !== undefined) return tag === WORKSPACE_HOST_TAG;
  return (await readFile(join(workspace, OWNER_HOST_FILE), 'utf8').catch(() => undefined))?.trim() === hostname();
}

/**
 * Copy `root` into a new temporary directory for an experiment. Skipped: `.git`, dvc-ts's local
 * folders, and `skip` (cached outs: the run restores them from the cache by link or reflink).
 * `node_modules` folders are linked, not copied. Returns the workspace's absolute path.
 */
export async function createWorkspace(root: string, skip: ReadonlySet<string> = new Set(), options: WorkspaceOptions = {}): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), `${WORKSPACE_PREFIX}${process.pid}-${WORKSPACE_HOST_TAG}-`));
  try {
    await mkdir(join(workspace, DVC_TS_DIR, 'tmp'), { recursive: true });
    await copyTree(options.from ?? root, workspace, '', skip);
    if (options.shareCache === false) return workspace;
    const cache = join(root, DVC_TS_DIR, 'cache');
    await ensureDir(cache);
    await ensureDir(join(workspace, DVC_TS_DIR));
    await symlink(cache, join(workspace, DVC_TS_DIR, 'cache'), 'dir');
  } catch (e) {
    await removeWorkspace(workspace);
    throw e;
  }
  return workspace;
}

async function copyTree(from: string, to: string, rel: string, skip: ReadonlySet<string>): Promise<void> {
  await ensureDir(join(to, rel));
  for (const entry of await readdir(join(from, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (skip.has(path)) continue;
    if (rel === '' && entry.name === '.git') continue;
    if (rel === DVC_TS_DIR && LOCAL_DIRS.has(entry.name)) continue;
    const src = join(from, path);
    const dst = join(to, path);
    if (entry.name === 'node_modules' && entry.isDirectory()) await symlink(src, dst, 'dir');
    else if (entry.isSymbolicLink()) await symlink(await readlink(src), dst);
    else if (entry.isDirectory()) await copyTree(from, to, path, skip);
    else if (entry.isFile()) await copyFile(src, dst, constants.COPYFILE_FICLONE);
    else if ((await lstat(src)).isFile()) await copyFile(src, dst, constants.COPYFILE_FICLONE);
  }
}

export async function removeWorkspace(workspace: string): Promise<void> {
  await rm(workspace, { recursive: true, force: true, maxRetries: 3 });
}

/** Absolute path of a queued experiment's snapshot. */
export function snapshotDir(root: string, id: string): string {
  return join(root, SNAPSHOTS_RELDIR, id);
}

/**
 * Copy the workspace as it is now (what `createWorkspace` would copy) for experiments queued now,
 * so they run on the code and data of the moment they were queued, as DVC's queue does, however
 * the workspace changes before the queue runs. Written under a temporary name and renamed: a
 * snapshot that exists is whole. Returns its id.
 */
export async function snapshotWorkspace(root: string, skip: ReadonlySet<string>): Promise<string> {
  const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const temp = snapshotDir(root, `.tmp-${id}`);
  try {
    await copyTree(root, temp, '', skip);
    await rename(temp, snapshotDir(root, id));
  } catch (e) {
    await removeWorkspace(temp);
    throw e;
  }
  return id;
}

/** Ids of the snapshots kept now (temporary ones of a queueing in progress are not listed). */
export async function listSnapshots(root: string): Promise<string[]> {
  const names = await readdir(join(root, SNAPSHOTS_RELDIR)).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith('.'));
}

/** A snapshot no queue entry names for this long was left by a queueing that failed midway. */
const ABANDONED_MS = 60 * 60 * 1000;

/**
 * Remove the snapshots in `done` and those abandoned, unless a queued experiment uses them
 * (`inUse`). A young snapshot nobody names yet may be one a concurrent `exp run --queue` is
 * about to enqueue: it is left alone.
 */
export async function pruneSnapshots(root: string, done: ReadonlySet<string>, inUse: ReadonlySet<string>): Promise<void> {
  for (const id of await listSnapshots(root)) {
    if (inUse.has(id)) continue;
    const createdAt = parseInt(id.split('-')[0] ?? '', 36);
    if (done.has(id) || !(Date.now() - createdAt < ABANDONED_MS)) await removeWorkspace(snapshotDir(root, id));
  }
}
