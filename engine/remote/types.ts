import type { Readable } from 'node:stream';

/** Requests a remote has answered, by kind: what the benchmark and `-v` report. */
export interface RequestCounts {
  list: number;
  head: number;
  get: number;
  put: number;
  /** Multipart calls: create, each part, complete, abort. */
  multipart: number;
}

export function emptyCounts(): RequestCounts {
  return { list: 0, head: 0, get: 0, put: 0, multipart: 0 };
}

export function totalRequests(c: RequestCounts): number {
  return c.list + c.head + c.get + c.put + c.multipart;
}

/** One page of a listing. */
export interface ListPage {
  keys: string[];
  /** Continuation for the next page; undefined on the last one. */
  next?: string;
}

/**
 * A place objects are pushed to and pulled from: an S3 bucket (prefix) or a folder. Keys are
 * relative to the remote's root and use `/`: `files/b3/ab/cdef…` for objects (the local cache's
 * layout), `runs/ab/<run key>` for run-cache entries. Every write is all or nothing: a reader
 * never sees a partial object, whatever happens to the writer.
 */
export interface Remote {
  /** The remote's name in the config ('' for one given by URL only). */
  readonly name: string;
  readonly url: string;
  /** Parallel transfers when `-j` is not given. */
  readonly defaultJobs: number;
  /** Keys one listing request returns at most (S3: 1000); the planner's unit of listing cost. */
  readonly listPageSize: number;
  /** Bytes a pack is closed at (remote option `pack_size`); 0 pushes every object alone. */
  packSize: number;
  readonly requests: RequestCounts;
  /** One page of the keys below `prefix` (a prefix ending in `/`), in key order. */
  listPage(prefix: string, after?: string): Promise<ListPage>;
  /** True when an object is stored under `key`. */
  exists(key: string): Promise<boolean>;
  /** Names this remote's storage (URL and endpoint): what local caches of it are keyed by. */
  readonly identity: string;
  /** The object's bytes; rejects with RemoteObjectMissing when there is none. */
  read(key: string): Promise<Readable>;
  /** Bytes `start` to `end` (exclusive) of an object (one ranged GET); RemoteObjectMissing when there is none. */
  readRange(key: string, start: number, end: number): Promise<Buffer>;
  /** Store bytes under `key`, all or nothing (packs and their indexes). */
  writeBytes(key: string, bytes: Buffer): Promise<void>;
  /** Store a local file under `key`: the object appears whole or not at all. */
  write(key: string, absFile: string, size: number): Promise<void>;
  close(): Promise<void>;
}

/** The object asked for is not on the remote. */
export class RemoteObjectMissing extends Error {
  constructor(readonly key: string) {
    super(`${key} is not on the remote`);
    this.name = 'RemoteObjectMissing';
  }
}

/** Every key below `prefix`, page after page. */
export async function listAll(remote: Remote, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let next: string | undefined;
  do {
    const page = await remote.listPage(prefix, next);
    keys.push(...page.keys);
    next = page.next;
  } while (next !== undefined);
  return keys;
}

/** A whole object's text (small objects only: indexes, run entries). */
export async function readText(remote: Remote, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await remote.read(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
