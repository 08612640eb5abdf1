import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node as YamlNode } from 'yaml';
import { yaml } from '../util/lazy-libs.js';
import { UserError } from '../errors.js';
import type { GateDecision, LockEntry, LockFile, LockPathEntry, ParamValues } from '../types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { DVC_TS_DIR } from '../config.js';

export const LOCK_FILE = 'pipeline.lock';

export const LOCK_SCHEMA = '1.0';

/** The lock lives beside its pipeline file, as dvc.lock does beside dvc.yaml. */
export function lockPathFor(pipelineFile: string): string {
  const slash = pipelineFile.lastIndexOf('/');
  return slash < 0 ? LOCK_FILE : `${pipelineFile.slice(0, slash)}/${LOCK_FILE}`;
}

export function emptyLock(): LockFile {
  return { schema: LOCK_SCHEMA, stages: {} };
}

/** The lock's text, or undefined when there is no lock yet. */
export async function readLockText(root: string, file = LOCK_FILE): Promise<string | undefined> {
  try {
    return await readFile(join(root, file), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Read pipeline.lock; a missing file is an empty lock, a damaged one a located error. */
export async function readLock(root: string, file = LOCK_FILE): Promise<LockFile> {
  const text = await readLockText(root, file);
  return text === undefined ? emptyLock() : parseLock(text, file);
}

/** Parse lock text, checking its shape field by field so a hand-edited lock fails clearly. */
export function parseLock(text: string, file = LOCK_FILE): LockFile {
  const { isMap, isScalar, LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const at = (node: YamlNode | null | undefined) => {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = lines.linePos(offset);
    return { file, line, col };
  };
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const { line, col } = lines.linePos(err.pos[0]);
    throw new UserError(`invalid YAML: ${err.message.split('\n')[0]}`, { pos: { file, line, col } });
  }
  const fail = (node: YamlNode | null | undefined, message: string): never => {
    throw new UserError(`${message} (delete ${file} to rebuild it from scratch)`, { pos: at(node) });
  };
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return emptyLock();
  if (!isMap(root)) return fail(root, 'the lock must be a mapping with `schema` and `stages`');
  const schemaNode = root.get('schema', true);
  const schema = isScalar(schemaNode) ? String(schemaNode.value) : undefined;
  if (schema === undefined) return fail(root, 'the lock has no `schema` version');
  if (schema.split('.')[0] !== LOCK_SCHEMA.split('.')[0]) {
    return fail(schemaNode, `lock schema ${schema} is not supported (this dvc-ts reads ${LOCK_SCHEMA})`);
  }
  const stagesNode = root.get('stages', true);
  const stages: Record<string, LockEntry> = {};
  if (stagesNode !== undefined && stagesNode !== null && !(isScalar(stagesNode) && stagesNode.value === null)) {
    if (!isMap(stagesNode)) return fail(stagesNode, '`stages` must be a mapping');
    for (const pair of stagesNode.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : fail(pair.key as YamlNode, 'stage names must be strings');
      const value = pair.value as YamlNode | null;
      if (!isMap(value)) return fail(value ?? (pair.key as YamlNode), `stage '${name}' must be a mapping`);
      // Aliases are capped so a hostile lock cannot expand into gigabytes (billion laughs).
      let plain: Record<string, unknown>;
      try {
        plain = value.toJS(doc, { maxAliasCount: 100 }) as Record<string, unknown>;
      } catch (e) {
        return fail(value, `stage '${name}' could not be read: ${(e as Error).message}`);
      }
      stages[name] = toEntry(plain, (msg) => fail(value, `stage '${name}': ${msg}`));
    }
  }
  return { schema, stages };
}

function toEntry(raw: Record<string, unknown>, fail: (msg: string) => never): LockEntry {
  const cmd = typeof raw.cmd === 'string' ? [raw.cmd] : raw.cmd;
  if (!Array.isArray(cmd) || !cmd.every((c) => typeof c === 'string')) fail('`cmd` must be a string or a list of strings');
  const entry: LockEntry = {
    cmd: cmd as string[],
    deps: toPaths(raw.deps, 'deps', fail),
    params: toParams(raw.params, fail),
    outs: toPaths(raw.outs, 'outs', fail),
  };
  if (raw.gate !== undefined) entry.gate = toGate(raw.gate, fail);
  if (raw.skipped === true) entry.skipped = true;
  return entry;
}

function toPaths(raw: unknown, field: string, fail: (msg: string) => never): LockPathEntry[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) fail(`\`${field}\` must be a list`);
  return (raw as unknown[]).map((item) => {
    const o = item as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || typeof o.path !== 'string') fail(`every entry of \`${field}\` needs a \`path\``);
    if (typeof o.hash !== 'string' || typeof o.size !== 'number') fail(`'${String(o.path)}' in \`${field}\` needs \`hash\` and \`size\``);
    const e: LockPathEntry = { path: o.path as string, hash: o.hash as string, size: o.size as number };
    if (typeof o.nfiles === 'number') e.nfiles = o.nfiles;
    return e;
  });
}

function toParams(raw: unknown, fail: (msg: string) => never): ParamValues {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) fail('`params` must map params files to values');
  const out: ParamValues = {};
  for (const [file, values] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof values !== 'object' || values === null || Array.isArray(values)) fail(`params of '${file}' must be a mapping`);
    out[file] = { ...(values as Record<string, unknown>) };
  }
  return out;
}

function toGate(raw: unknown, fail: (msg: string) => never): GateDecision {
  const g = raw as Record<string, unknown>;
  if (typeof g !== 'object' || g === null || typeof g.open !== 'boolean' || typeof g.expr !== 'string') {
    fail('`gate` needs `open` and `expr`');
  }
  const decision: GateDecision = { open: g.open as boolean, expr: g.expr as string, values: (g.values as Record<string, unknown>) ?? {} };
  if (g.ignored === true) decision.ignored = true;
  if (typeof g.upstream === 'string') decision.upstream = g.upstream;
  return decision;
}

/**
 * Serialise with a stable order (stages as the pipeline declares them, paths and params
 * sorted) so the lock diffs well in git. A single command is written as a string, like DVC.
 */
export function serializeLock(lock: LockFile, stageOrder: string[], blocks?: StageBlocks): string {
  const rank = new Map(stageOrder.map((n, i) => [n, i]));
  const names = Object.keys(lock.stages).sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0));
  const header = yaml().stringify({ schema: lock.schema }, YAML_OPTIONS);
  if (names.length === 0) return `${header}stages: {}\n`;
  const parts = names.map((name) => blocks?.get(name, lock.stages[name]!) ?? serializeStage(name, lock.stages[name]!));
  return `${header}stages:\n${parts.join('')}`;
}

const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/**
 * One stage's block under `stages:`, already indented. Serialising stage by stage is what lets
 * a run rewrite the lock after each stage without re-serialising every other stage each time.
 */
export function serializeStage(name: string, e: LockEntry): string {
  const out: Record<string, unknown> = { cmd: e.cmd.length === 1 ? e.cmd[0] : e.cmd };
  if (e.deps.length) out.deps = sortPaths(e.deps);
  const params = sortParams(e.params);
  if (Object.keys(params).length) out.params = params;
  if (e.outs.length) out.outs = sortPaths(e.outs);
  if (e.gate) out.gate = e.gate;
  if (e.skipped) out.skipped = true;
  const text = yaml().stringify({ [name]: out }, YAML_OPTIONS);
  // Nested one level deeper; empty lines stay empty (inside block scalars too).
  return text.replace(/^(?=.)/gm, '  ');
}

/** Serialised stage blocks, remembered per entry object: an unchanged entry is never redone. */
export class StageBlocks {
  private readonly cache = new Map<string, { entry: LockEntry; text: string }>();
  get(name: string, entry: LockEntry): string {
    const hit = this.cache.get(name);
    if (hit?.entry === entry) return hit.text;
    const text = serializeStage(name, entry);
    this.cache.set(name, { entry, text });
    return text;
  }
}

function sortPaths(entries: LockPathEntry[]): Record<string, unknown>[] {
  return [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => (e.nfiles === undefined ? { path: e.path, hash: e.hash, size: e.size } : { path: e.path, hash: e.hash, size: e.size, nfiles: e.nfiles }));
}

function sortParams(params: ParamValues): ParamValues {
  const out: ParamValues = {};
  for (const file of Object.keys(params).sort()) {
    const values = params[file]!;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(values).sort()) sorted[key] = values[key];
    out[file] = sorted;
  }
  return out;
}

/** Write the lock atomically; returns the text written. */
export async function writeLock(root: string, lock: LockFile, stageOrder: string[], file = LOCK_FILE, blocks?: StageBlocks): Promise<string> {
  const text = serializeLock(lock, stageOrder, blocks);
  try {
    // The temp goes in .dvc-ts/tmp, which git ignores and every command sweeps: a run killed
    // mid-write (even the first, before any lock exists) leaves nothing in `git status`.
    await writeFileAtomic(join(root, file), text, { tempDir: join(root, DVC_TS_DIR, 'tmp') });
    return text;
  } catch (e) {
    // A full disk or a read-only directory is the user's to fix; the old lock is still whole.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined || !['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EIO'].includes(code)) throw e;
    throw new UserError(`cannot write ${file}: ${(e as Error).message}`, { exitCode: 1, details: [`${file} was left as it was before this write`] });
  }
}
