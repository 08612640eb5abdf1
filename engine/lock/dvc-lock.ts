// A DVC repository picked up as it is: its dvc.lock (DVC 3: md5 hashes, paths relative to the
// stage's wdir) stands in for the project's own lock for the stages that lock has no record of
// yet. A stage whose deps, outs (checked with md5, directories as DVC 3's `.dir` listing), params
// and command all still match what dvc.lock recorded is up to date, as DVC says it is: its entry
// is built from the files as they are now (their outs saved to the cache) and the first `repro`
// writes it to pipeline.lock, which takes over from then on. dvc.lock itself is never written.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parseYamlTree, toPlain } from '../pipeline/yaml-tree.js';
import { qualifiedName } from '../pipeline/stage-address.js';
import type { LockEntry, LockFile, LockPathEntry, Pipeline, StageDef } from '../types.js';
import { toPipelinePath } from '../util/paths.js';

/** What dvc.lock records for one stage. */
interface DvcLockStage {
  cmd: string[];
  deps: DvcPath[];
  outs: DvcPath[];
  params: Record<string, Record<string, unknown>>;
}

interface DvcPath {
  path: string;
  md5: string;
}

/** The project's view of a file: its hash and size as pipeline.lock records them. */
export type HashNow = (repoPath: string) => Promise<LockPathEntry | undefined>;

/**
 * Fill `lock` with entries for stages of dvc.yaml files that pipeline.lock does not record and
 * that dvc.lock beside them says are up to date. `record` hashes a path the project's way
 * (saving cached outs). Returns the names adopted.
 */
export async function adoptDvcLocks(root: string, pipeline: Pipeline, lock: LockFile, record: (stage: StageDef) => Promise<LockEntry>): Promise<string[]> {
  const parts = pipeline.parts ?? [{ file: pipeline.file, stages: pipeline.stages.map((s) => s.name) }];
  const byName = new Map(pipeline.stages.map((s) => [s.name, s]));
  const adopted: string[] = [];
  for (const part of parts) {
    if (posix.basename(part.file) !== 'dvc.yaml') continue;
    const unrecorded = part.stages.filter((n) => lock.stages[pipeline.parts ? qualifiedName(part.file, n) : n] === undefined);
    if (unrecorded.length === 0) continue;
    const dvcLock = await readDvcLock(root, posix.join(posix.dirname(part.file), 'dvc.lock'));
    if (!dvcLock) continue;
    for (const local of unrecorded) {
      const name = pipeline.parts ? qualifiedName(part.file, local) : local;
      const stage = byName.get(name);
      const recorded = dvcLock.get(local);
      if (!stage || !recorded || !(await matchesNow(root, stage, recorded))) continue;
      lock.stages[name] = await record(stage);
      adopted.push(name);
    }
  }
  return adopted;
}

async function readDvcLock(root: string, file: string): Promise<Map<string, DvcLockStage> | undefined> {
  let text: string;
  try {
    text = await readFile(join(root, file), 'utf8');
  } catch {
    return undefined;
  }
  const data = toPlain(parseYamlTree(text, { file })) as { stages?: Record<string, Record<string, unknown>> } | null;
  const stages = new Map<string, DvcLockStage>();
  for (const [name, raw] of Object.entries(data?.stages ?? {})) {
    const cmd = raw['cmd'];
    stages.set(name, {
      cmd: Array.isArray(cmd) ? cmd.map(String) : cmd === undefined ? [] : [String(cmd)],
      deps: pathsOf(raw['deps']),
      outs: pathsOf(raw['outs']),
      params: (raw['params'] ?? {}) as DvcLockStage['params'],
    });
  }
  return stages;
}

function pathsOf(list: unknown): DvcPath[] {
  if (!Array.isArray(list)) return [];
  return list.map((e: Record<string, unknown>) => ({ path: String(e['path']), md5: String(e['md5'] ?? e['etag'] ?? '') }));
}

/** The stage as written now still is what dvc.lock recorded, by command, params and md5s. */
async function matchesNow(root: string, stage: StageDef, recorded: DvcLockStage): Promise<boolean> {
  if (recorded.cmd.join('\n') !== stage.cmd.join('\n')) return false;
  const inRepo = (p: string) => toPipelinePath(stage.wdir, p);
  const same = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
  if (!same(recorded.deps.map((d) => inRepo(d.path) ?? ''), stage.deps.map((d) => d.path))) return false;
  if (!same(recorded.outs.map((o) => inRepo(o.path) ?? ''), stage.outs.map((o) => o.path))) return false;
  for (const [file, values] of Object.entries(recorded.params)) {
    const now = stage.params[inRepo(file) ?? ''] ?? {};
    for (const [key, value] of Object.entries(values)) if (JSON.stringify(now[key]) !== JSON.stringify(value)) return false;
  }
  for (const p of [...recorded.deps, ...recorded.outs]) {
    const path = inRepo(p.path);
    if (path === undefined || (await dvcMd5(join(root, path))) !== p.md5) return false;
  }
  return true;
}

/**
 * DVC 3's md5 of a path: a file's bytes; a directory's `.dir` listing (its files' md5 and
 * relative paths, sorted, as Python's json.dumps with sort_keys writes it) suffixed `.dir`.
 * Undefined when the path does not exist.
 */
export async function dvcMd5(abs: string): Promise<string | undefined> {
  const stat = await lstat(abs).catch(() => undefined);
  if (!stat) return undefined;
  if (!stat.isDirectory()) return md5File(abs);
  const listing = await dvcDirListing(abs);
  return createHash('md5').update(listing).digest('hex') + '.dir';
}

/** The `.dir` manifest DVC 3 writes for a directory. */
export async function dvcDirListing(abs: string): Promise<string> {
  const entries: Array<{ md5: string; relpath: string }> = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
      if (e.isDirectory()) await walk(join(dir, e.name), rel);
      else entries.push({ md5: (await md5File(join(dir, e.name)))!, relpath: rel });
    }
  };
  await walk(abs, '');
  entries.sort((a, b) => (a.relpath < b.relpath ? -1 : a.relpath > b.relpath ? 1 : 0));
  return pythonJson(entries);
}

/** Python's json.dumps (default separators, ensure_ascii) of the listing. */
function pythonJson(entries: ReadonlyArray<{ md5: string; relpath: string }>): string {
  const str = (s: string) => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `[${entries.map((e) => `{"md5": ${str(e.md5)}, "relpath": ${str(e.relpath)}}`).join(', ')}]`;
}

function md5File(abs: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(abs)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}
