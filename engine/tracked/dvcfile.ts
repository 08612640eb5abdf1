// `.dvc` files: DVC's format for data tracked outside any stage. Pure: parse and write text.
//
// DVC writes `outs: - md5: … size: … hash: md5 path: …`. dvc-ts's cache is BLAKE3, so the files
// it writes name their hash the same way DVC names md5: `blake3: …` with `hash: blake3`. It reads
// DVC's md5 files unchanged: a file out is checked by computing its md5; an md5 directory (whose
// listing lives in DVC's cache) cannot be, and `dvc-ts add` re-tracks either with BLAKE3.
import { posix } from 'node:path';
import { UserError } from '../errors.js';
import type { HashInfo, SourcePos } from '../types.js';
import { isObjectHash } from '../cache/store.js';
import { toRepoPath } from '../util/paths.js';
import { yaml } from '../util/lazy-libs.js';

export const DVC_FILE_SUFFIX = '.dvc';

/** One out of a `.dvc` file. */
export interface TrackedOut {
  /** The `.dvc` file, repository-relative. */
  dvcFile: string;
  /** The tracked path, repository-relative (the file's `path` is relative to its directory). */
  path: string;
  /** BLAKE3 hash (`.dir` suffixed for a directory) when dvc-ts wrote it. */
  hash?: string;
  /** DVC's md5 when DVC wrote it. */
  md5?: string;
  size?: number;
  nfiles?: number;
  pos: SourcePos;
}

/** Parse a `.dvc` file's text. Throws UserError with file:line:col on anything malformed. */
export async function parseDvcFile(text: string, dvcFile: string): Promise<TrackedOut[]> {
  const { LineCounter, parseDocument, isMap, isSeq } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const posOf = (node: unknown): SourcePos => {
    const offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0] ?? 0;
    const { line, col } = lines.linePos(offset);
    return { file: dvcFile, line, col };
  };
  if (doc.errors.length > 0) {
    const { line, col } = lines.linePos(doc.errors[0]!.pos[0]);
    throw new UserError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { pos: { file: dvcFile, line, col } });
  }
  if (!isMap(doc.contents)) throw new UserError('a .dvc file must be a mapping with `outs:`', { pos: posOf(doc.contents) });
  const outsNode = doc.contents.get('outs', true);
  if (!isSeq(outsNode) || outsNode.items.length === 0) throw new UserError('`outs:` must be a non-empty list', { pos: posOf(outsNode ?? doc.contents) });
  const dir = posix.dirname(dvcFile);
  const result: TrackedOut[] = [];
  for (const item of outsNode.items) {
    const pos = posOf(item);
    if (!isMap(item)) throw new UserError('each out must be a mapping', { pos });
    const raw = item.toJSON() as Record<string, unknown>;
    if (typeof raw.path !== 'string' || raw.path === '') throw new UserError('out has no `path`', { pos });
    const path = toRepoPath(dir, raw.path);
    if (path === undefined || path === '.' || path.split('/').some((s) => s === '.git' || s === '.dvc-ts')) {
      throw new UserError(`out path ${JSON.stringify(raw.path)} is outside the repository or reserved`, { pos: posOf(item.get('path', true)) });
    }
    const out: TrackedOut = { dvcFile, path, pos };
    const kind = raw.hash === undefined ? (raw.blake3 !== undefined ? 'blake3' : 'md5') : raw.hash;
    if (kind === 'blake3') {
      if (typeof raw.blake3 !== 'string' || !isObjectHash(raw.blake3)) throw new UserError('`blake3:` must be a BLAKE3 hex digest', { pos: posOf(item.get('blake3', true) ?? item) });
      out.hash = raw.blake3;
    } else if (kind === 'md5' || kind === 'md5-dos2unix') {
      if (raw.md5 !== undefined) {
        if (typeof raw.md5 !== 'string' || !/^[0-9a-f]{32}(\.dir)?$/.test(raw.md5)) throw new UserError('`md5:` must be an md5 hex digest', { pos: posOf(item.get('md5', true)) });
        out.md5 = raw.md5;
      }
    } else {
      throw new UserError(`unsupported hash ${JSON.stringify(raw.hash)}: dvc-ts reads blake3 and md5`, { pos: posOf(item.get('hash', true)) });
    }
    if (typeof raw.size === 'number' && Number.isSafeInteger(raw.size) && raw.size >= 0) out.size = raw.size;
    if (typeof raw.nfiles === 'number' && Number.isSafeInteger(raw.nfiles) && raw.nfiles >= 0) out.nfiles = raw.nfiles;
    result.push(out);
  }
  return result;
}

/** A `.dvc` file for one path dvc-ts tracked: DVC's layout, BLAKE3 named as DVC names md5. */
export function serializeDvcFile(dvcFile: string, path: string, info: HashInfo): string {
  const rel = posix.relative(posix.dirname(dvcFile), path);
  const lines = ['outs:', `- blake3: ${info.hash}`, `  size: ${info.size}`];
  if (info.nfiles !== undefined) lines.push(`  nfiles: ${info.nfiles}`);
  // Plain paths are written bare, as DVC does; anything YAML could misread is quoted.
  lines.push('  hash: blake3', `  path: ${/^[A-Za-z0-9_.][A-Za-z0-9_./-]*$/.test(rel) ? rel : JSON.stringify(rel)}`);
  return lines.join('\n') + '\n';
}

/** The `.dvc` file that tracks `path`: `data` → `data.dvc`, beside it. */
export function dvcFileFor(path: string): string {
  return path + DVC_FILE_SUFFIX;
}
