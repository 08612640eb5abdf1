import { readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { BigIntStats } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import { environmentErrorCode, isUserError } from '../errors.js';
import { isHexDigest } from './digest.js';

/** What was true of a file when it was hashed. Numbers that may exceed 2^53 stay decimal strings. */
export interface StateEntry {
  ino: string;
  mtimeNs: string;
  size: number;
  hash: string;
}

/** The stat fields the state cache compares: `fs.stat(p, { bigint: true })` provides them. */
export type StateStat = Pick<BigIntStats, 'ino' | 'mtimeNs' | 'size'>;

const FORMAT = 'dvc-ts-state/1';

/** Where the state file lives below the repository root. */
export const STATE_RELPATH = join('.dvc-ts', 'state', 'hashes.json');

/**
 * Time-stamp granularity margins for the "racily clean" problem (as in git): a file rewritten in
 * the same clock tick as it was hashed keeps its mtime, so an entry is only recorded when the
 * mtime is clearly older than the moment hashing began. Nanosecond file systems still stamp with
 * a coarse kernel clock (a few ms); whole-second stamps mean a coarse file system (FAT, some NFS).
 */
const RACY_WINDOW_FINE_MS = 50;
const RACY_WINDOW_COARSE_MS = 2000;

export interface StateSetOptions {
  /** Wall-clock ms when the stat preceding the hash was taken; defaults to now. */
  hashedSinceMs?: number;
  /**
   * Skip the racy-mtime check: only for files no one else can write while we hash them (a fresh
   * temp file in the object cache).
   */
  exclusive?: boolean;
}

/**
 * A persistent map path → (inode, mtime ns, size, hash) so that an unchanged file is never read
 * again. Loaded lazily once per process, saved atomically by `save()`. A missing, unreadable or
 * corrupt state file means an empty cache: the state is only an optimisation.
 */
export class StateCache {
  readonly root: string;
  readonly file: string;
  /** Lookups answered from the cache. */
  hits = 0;
  /** Lookups that found no matching entry (the caller then reads the file). */
  misses = 0;
  /** Why the state file was ignored on load, if it was. */
  loadProblem: string | undefined;

  private readonly entries = new Map<string, StateEntry>();
  private loading: Promise<void> | undefined;
  private loaded = false;
  private dirty = false;
  private readonly rootPrefix: string;

  constructor(root: string, options: { file?: string } = {}) {
    this.root = resolve(root);
    this.rootPrefix = this.root.endsWith(sep) ? this.root : this.root + sep;
    this.file = options.file ?? join(this.root, STATE_RELPATH);
  }

  /** Number of entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Read the state file once; later calls share the same promise. Never rejects. */
  load(): Promise<void> {
    this.loading ??= this.readStateFile().finally(() => {
      this.loaded = true;
    });
    return this.loading;
  }

  /** The recorded hash when `st` still matches what was hashed, else undefined. */
  async get(absPath: string, st: StateStat): Promise<string | undefined> {
    await this.load();
    return this.getLoaded(absPath, st);
  }

  /**
   * `get` without a promise, for the warm path of a no-op check (thousands of files): undefined
   * also when the state file is not loaded yet (call `load()` first). `countMiss: false` when a
   * miss is followed by `get` (which counts it).
   */
  getLoaded(absPath: string, st: StateStat, countMiss = true): string | undefined {
    if (!this.loaded) return undefined;
    const e = this.entries.get(this.keyOf(absPath));
    if (e && e.size === Number(st.size) && e.mtimeNs === String(st.mtimeNs) && e.ino === String(st.ino)) {
      this.hits++;
      return e.hash;
    }
    if (countMiss) this.misses++;
    return undefined;
  }

  /**
   * `getLoaded` that stats only when there is an entry to compare with: with no entry (a cold
   * state) a file costs no system call here; it is read anyway. `statOf` returns undefined for a
   * missing file. Counts the hit or the miss.
   */
  lookupLoaded(absPath: string, statOf: (absPath: string) => StateStat | undefined): { hash: string; size: number } | undefined {
    const e = this.loaded ? this.entries.get(this.keyOf(absPath)) : undefined;
    const st = e && statOf(absPath);
    if (e && st && e.size === Number(st.size) && e.mtimeNs === String(st.mtimeNs) && e.ino === String(st.ino)) {
      this.hits++;
      return e;
    }
    this.misses++;
    return undefined;
  }

  /**
   * Record a digest whose stat the reader checked itself (stable, mtime not racy: see batch.ts),
   * without a promise. The state must be loaded.
   */
  recordLoaded(absPath: string, ino: string, mtimeNs: string, size: number, hash: string): void {
    this.entries.set(this.keyOf(absPath), { ino, mtimeNs, size, hash });
    this.dirty = true;
  }

  /** `delete` without a promise; the state must be loaded. */
  forgetLoaded(absPath: string): void {
    if (this.entries.delete(this.keyOf(absPath))) this.dirty = true;
  }

  /**
   * Record that the file with stat `st` hashes to `hash`. Returns false (and records nothing)
   * when the mtime is too recent to tell a later same-tick rewrite apart.
   */
  async set(absPath: string, st: StateStat, hash: string, options: StateSetOptions = {}): Promise<boolean> {
    await this.load();
    if (!options.exclusive && isRacy(st.mtimeNs, options.hashedSinceMs ?? Date.now())) {
      this.entries.delete(this.keyOf(absPath));
      return false;
    }
    this.entries.set(this.keyOf(absPath), {
      ino: String(st.ino),
      mtimeNs: String(st.mtimeNs),
      size: Number(st.size),
      hash,
    });
    this.dirty = true;
    return true;
  }

  /** Forget a path (it was deleted or replaced). */
  async delete(absPath: string): Promise<void> {
    await this.load();
    if (this.entries.delete(this.keyOf(absPath))) this.dirty = true;
  }

  /** Write the state file atomically if anything changed since load. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    const rows: Array<[string, string, string, number, string]> = [];
    for (const [k, e] of this.entries) rows.push([k, e.ino, e.mtimeNs, e.size, e.hash]);
    // The state is an optimisation: a copy lost to a power cut is rebuilt by hashing again, and
    // one a full disk or a read-only mount keeps from being written is only a slower next run.
    try {
      await writeFileAtomic(this.file, JSON.stringify({ format: FORMAT, entries: rows }), { durable: false });
    } catch (e) {
      if (environmentErrorCode(isUserError(e) ? e.cause : e) === undefined) throw e;
      return;
    }
    this.dirty = false;
  }

  /** Keys are relative to the root so the state survives moving the repository. */
  private keyOf(absPath: string): string {
    // The common case, a normalized path below the root, without path.resolve's cost.
    if (absPath.startsWith(this.rootPrefix) && isNormalTail(absPath, this.rootPrefix.length)) return absPath.slice(this.rootPrefix.length);
    return relative(this.root, resolve(absPath));
  }

  private async readStateFile(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.loadProblem = (e as Error).message;
      return;
    }
    const parsed = parseStateText(text);
    if (typeof parsed === 'string') {
      this.loadProblem = parsed;
      return;
    }
    // Entries set before the load finished (none in practice: every method awaits load) win.
    for (const [k, e] of parsed) if (!this.entries.has(k)) this.entries.set(k, e);
  }
}

/** True when `p` from `start` on has no empty, `.` or `..` segment and no trailing separator. */
function isNormalTail(p: string, start: number): boolean {
  if (p.length === start || p.endsWith(sep)) return false;
  return !p.includes(`${sep}${sep}`, start - 1) && !p.includes(`${sep}.`, start - 1) && !p.startsWith('.', start);
}

/** True when an mtime is within the file system's stamp granularity of `sinceMs` or later. */
export function isRacy(mtimeNs: bigint, sinceMs: number): boolean {
  const coarse = mtimeNs % 1_000_000_000n === 0n;
  const windowMs = coarse ? RACY_WINDOW_COARSE_MS : RACY_WINDOW_FINE_MS;
  return mtimeNs >= BigInt(Math.floor(sinceMs - windowMs)) * 1_000_000n;
}

/** Parse state-file text into entries, or return why it is unusable (pure). */
export function parseStateText(text: string): Map<string, StateEntry> | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return `state file is not JSON: ${(e as Error).message}`;
  }
  if (typeof raw !== 'object' || raw === null) return 'state file is not an object';
  const { format, entries } = raw as { format?: unknown; entries?: unknown };
  if (format !== FORMAT) return `unknown state format ${JSON.stringify(format)}`;
  if (!Array.isArray(entries)) return 'state file has no entries';
  const out = new Map<string, StateEntry>();
  for (let i = 0; i < entries.length; i++) {
    // A damaged row costs one rehash, not the whole cache. Inode and mtime are only compared
    // with a stat's decimal text, so a damaged one never matches: no need to check its digits.
    const row: unknown = entries[i];
    if (!Array.isArray(row) || row.length !== 5) continue;
    // Indexed, not destructured: 100,000 rows are read on every command.
    const k: unknown = row[0];
    const ino: unknown = row[1];
    const mtimeNs: unknown = row[2];
    const size: unknown = row[3];
    const hash: unknown = row[4];
    if (typeof k !== 'string' || typeof ino !== 'string' || typeof mtimeNs !== 'string') continue;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) continue;
    if (typeof hash !== 'string' || !isHexDigest(hash)) continue;
    out.set(k, { ino, mtimeNs, size, hash });
  }
  return out;
}
