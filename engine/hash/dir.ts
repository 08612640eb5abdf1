import { readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { HashInfo } from '../types.js';
import { UserError } from '../errors.js';
import { isHexDigest, newBlake3 } from './digest.js';
import type { FileDigest } from './file.js';
import { batchFileError, batchHash, digestInBatches, FAILED, InThreadDigester } from './batch.js';

/** One file of a directory output. */
export interface ManifestEntry {
  /** Path below the directory, POSIX separators, never `..` or absolute. */
  relpath: string;
  hash: string;
  size: number;
}

/** A directory's content: its files only (recursive), sorted by relpath, no duplicates. */
export type Manifest = readonly ManifestEntry[];

/** Suffix that marks a hash as a directory manifest's (DVC's convention). */
export const DIR_SUFFIX = '.dir';

/** Directory names never part of a directory's content, at any depth: VCS and our own state. */
export const IGNORED_DIR_NAMES: ReadonlySet<string> = new Set(['.git', '.dvc-ts']);

export function isDirHash(hash: string): boolean {
  return hash.endsWith(DIR_SUFFIX);
}

function compareRelpaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Canonical bytes of a manifest, the input of its hash: a JSON array, keys in fixed order, no
 * whitespace. Entries must already be sorted (hashDir and parseManifest guarantee it).
 */
export function serializeManifest(manifest: Manifest): string {
  return JSON.stringify(manifest.map((e) => ({ hash: e.hash, relpath: e.relpath, size: e.size })));
}

/**
 * The `.dir` hash, total size and file count of a manifest (pure). The bytes hashed are exactly
 * `serializeManifest`'s, fed in pieces: 100,000 entries never become one 10 MB string.
 */
export function manifestHashInfo(manifest: Manifest): HashInfo {
  const hasher = newBlake3();
  let size = 0;
  let piece = '[';
  for (let i = 0; i < manifest.length; i++) {
    const e = manifest[i]!;
    size += e.size;
    piece += `${i === 0 ? '' : ','}{"hash":${jsonString(e.hash)},"relpath":${jsonString(e.relpath)},"size":${JSON.stringify(e.size)}}`;
    if (piece.length >= 64 * 1024) {
      hasher.update(piece);
      piece = '';
    }
  }
  hasher.update(piece + ']');
  return { hash: hasher.digest('hex') + DIR_SUFFIX, size, nfiles: manifest.length };
}

/** Characters JSON.stringify escapes in a string (quote, backslash, controls, lone surrogates). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a string, without its cost for the plain ones. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * Why a relpath cannot be in a manifest, or undefined when it can. A manifest may come from a
 * shared cache, so checkout must never be steered outside the directory or into `.git`.
 */
export function unsafeRelpathReason(relpath: string): string | undefined {
  if (relpath === '') return 'empty path';
  if (relpath.includes('\0')) return 'NUL byte in path';
  if (relpath.startsWith('/')) return 'absolute path';
  for (const seg of relpath.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') return `bad path segment '${seg}'`;
    if (IGNORED_DIR_NAMES.has(seg)) return `reserved directory '${seg}'`;
  }
  return undefined;
}

/**
 * Parse and validate manifest text. `source` names the object in error messages.
 * Throws UserError when the text is not a well-formed, sorted, safe manifest.
 */
export function parseManifest(text: string, source = 'directory manifest'): ManifestEntry[] {
  const fail = (why: string): never => {
    throw new UserError(`${source}: corrupt directory manifest: ${why}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(`not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(raw)) return fail('not a JSON array');
  const out: ManifestEntry[] = [];
  for (const [i, item] of raw.entries()) {
    if (typeof item !== 'object' || item === null) return fail(`entry ${i} is not an object`);
    const { relpath, hash, size } = item as Record<string, unknown>;
    if (typeof relpath !== 'string') return fail(`entry ${i} has no relpath`);
    const unsafe = unsafeRelpathReason(relpath);
    if (unsafe) return fail(`entry ${i} (${JSON.stringify(relpath)}): ${unsafe}`);
    if (typeof hash !== 'string' || !isHexDigest(hash)) return fail(`entry ${i} (${relpath}) has a bad hash`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      return fail(`entry ${i} (${relpath}) has a bad size`);
    }
    const prev = out[out.length - 1];
    if (prev && compareRelpaths(prev.relpath, relpath) >= 0) {
      return fail(`entries not sorted or duplicated at ${JSON.stringify(relpath)}`);
    }
    out.push({ relpath, hash, size });
  }
  return out;
}

/**
 * Every file below `absDir` as relpaths, sorted. Symlinks to files count as files; symlinked
 * directories are not descended (as DVC, whose walk does not follow them). `.git` and `.dvc-ts`
 * are skipped at any depth. A dangling symlink is an error: its content cannot be recorded.
 */
export async function listFiles(absDir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const dirents = await readdir(abs, { withFileTypes: true });
    // Plain files are taken in a loop (no promise per file); only directories and links wait.
    const pending: Promise<void>[] = [];
    for (const d of dirents) {
      if (IGNORED_DIR_NAMES.has(d.name)) continue;
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isFile()) found.push(childRel);
      else if (d.isDirectory()) pending.push(walk(join(abs, d.name), childRel));
      else if (d.isSymbolicLink()) pending.push(linkedFile(join(abs, d.name)).then((isFile) => void (isFile && found.push(childRel))));
      // Sockets, FIFOs and devices have no content to track.
    }
    await Promise.all(pending);
  };
  await walk(absDir, '');
  return found.sort(compareRelpaths);
}

/** Whether a symlink leads to a file; a dangling one is an error: its content cannot be recorded. */
async function linkedFile(abs: string): Promise<boolean> {
  try {
    return (await stat(abs)).isFile();
  } catch {
    throw new UserError(`broken symbolic link inside a directory output: ${abs}`);
  }
}

/**
 * Reads and hashes files: `found(i, hash, size)` for each file i read. A file that is gone
 * (ENOENT: deleted after the listing) is not reported; any other error rejects.
 */
export type ReadFiles = (absPaths: readonly string[], found: (index: number, hash: string, size: number) => void) => Promise<void>;

export interface HashDirOptions {
  /** Tried first: a digest known without reading (the state cache), or undefined. */
  known?: (absPath: string) => FileDigest | undefined;
  /** How the other files are read; the Hasher passes its own (worker threads, state cache). */
  readFiles?: ReadFiles;
}

export interface DirHashResult {
  info: HashInfo;
  manifest: ManifestEntry[];
}

let inThread: InThreadDigester | undefined;

/** Reads files in batches on this thread (no state cache): hashDir's default. */
export const readFilesInThread: ReadFiles = (absPaths, found) =>
  digestInBatches((inThread ??= new InThreadDigester()), absPaths, undefined, (i, batch, slot) => {
    if (batch.outcome[slot] !== FAILED) return found(i, batchHash(batch, slot), batch.sizes[slot]!);
    const err = batch.errors.find((e) => e.index === slot)!;
    if (err.code !== 'ENOENT') throw batchFileError(err);
  });

/**
 * Hash a directory: list its files, hash each, and hash the resulting manifest. A file deleted
 * between the listing and its read is left out: the manifest is of the directory as it is.
 */
export async function hashDir(absDir: string, options: HashDirOptions = {}): Promise<DirHashResult> {
  const relpaths = await listFiles(absDir);
  const known = options.known;
  const base = absDir.endsWith(sep) ? absDir : absDir + sep;
  const manifest: ManifestEntry[] = new Array(relpaths.length);
  const toRead: string[] = [];
  const readIndex: number[] = [];
  for (let i = 0; i < relpaths.length; i++) {
    const relpath = relpaths[i]!;
    const abs = base + (sep === '/' ? relpath : relpath.split('/').join(sep));
    const d = known?.(abs);
    if (d) manifest[i] = { relpath, hash: d.hash, size: d.size };
    else {
      toRead.push(abs);
      readIndex.push(i);
    }
  }
  let read = 0;
  if (toRead.length > 0) {
    await (options.readFiles ?? readFilesInThread)(toRead, (j, hash, size) => {
      const i = readIndex[j]!;
      manifest[i] = { relpath: relpaths[i]!, hash, size };
      read++;
    });
  }
  const complete = read === toRead.length ? manifest : manifest.filter((e) => e !== undefined);
  return { info: manifestHashInfo(complete), manifest: complete };
}
