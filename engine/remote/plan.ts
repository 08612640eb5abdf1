// Which objects must move, and how to learn what the remote holds with the fewest requests.
// Pure: no I/O, so the choices are unit-tested on counts alone.
import { isDirHash } from '../hash/dir.js';

/** Objects live in 256 shards named by the first two hex digits of their hash. */
export const SHARDS = 256;

/** Remote key of an object, the local cache's layout. */
export function objectKey(hash: string): string {
  return `files/b3/${hash.slice(0, 2)}/${hash.slice(2)}`;
}

/** Listing prefix of the shard holding `hash`. */
export function shardPrefix(hash: string): string {
  return `files/b3/${hash.slice(0, 2)}/`;
}

/** The object hash a listed key names, or undefined for anything else (temp files, strays). */
export function hashOfKey(key: string): string | undefined {
  const m = /^files\/b3\/([0-9a-f]{2})\/([0-9a-f]{62}(?:\.dir)?)$/.exec(key);
  return m ? m[1]! + m[2]! : undefined;
}

/** Remote key of a run-cache entry. */
export function runKeyPath(runKey: string): string {
  return `runs/${runKey.slice(0, 2)}/${runKey}`;
}

export function runKeyOfPath(key: string): string | undefined {
  const m = /^runs\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(key);
  return m && m[2]!.startsWith(m[1]!) ? m[2] : undefined;
}

/** How the existence of one partition's wanted objects is checked. */
export interface PartChoice {
  /** Listing prefix: `files/b3/` (everything), `files/b3/a` (a sixteenth) or `files/b3/ab/` (a shard). */
  prefix: string;
  /** Wanted objects in this partition. */
  hashes: string[];
  how: 'list' | 'head';
  /** Requests this choice is expected to cost. */
  requests: number;
}

export interface ExistencePlan {
  /** Hex digits of the partition prefixes: 0 (list everything), 1 (16 parts) or 2 (256 shards). */
  level: 0 | 1 | 2;
  parts: PartChoice[];
  requests: number;
  /** Requests that must follow one another: the pages of the longest listing. */
  rounds: number;
}

/**
 * Requests to learn which of `wanted` objects a partition holds: listing costs one request per
 * page of its keys (at least one), a HEAD per object one each; the cheaper wins, ties go to HEAD
 * (smaller answers, no paging).
 */
export function choosePart(wanted: number, keysInPart: number, pageSize: number): { how: 'list' | 'head'; requests: number } {
  const listCost = Math.max(1, Math.ceil(keysInPart / pageSize));
  return listCost < wanted ? { how: 'list', requests: listCost } : { how: 'head', requests: wanted };
}

/** The listing prefix of `hash` at a level (pure). */
export function partPrefix(hash: string, level: 0 | 1 | 2): string {
  return level === 0 ? 'files/b3/' : level === 1 ? `files/b3/${hash[0]}` : shardPrefix(hash);
}

/**
 * Plan existence checks for `hashes` on a remote estimated to hold `remoteKeys` objects. Each
 * level partitions the key space (1, 16 or 256 listing prefixes); within a partition, list or
 * HEAD, whichever costs fewer requests. Among levels, the one with the lowest estimated time
 * wins, counted in request latencies: its requests spread over `jobs` connections plus the pages
 * one listing must fetch in turn (continuation tokens make a listing sequential). So a small
 * remote is listed whole in one request, and ten thousand objects on a remote of ten thousand
 * are checked with 16 listings in parallel rather than ten pages in a row or 10,000 HEADs.
 */
export function planExistence(hashes: Iterable<string>, remoteKeys: number, pageSize: number, jobs: number): ExistencePlan {
  const unique = [...new Set(hashes)].sort();
  let best: ExistencePlan | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const level of [2, 1, 0] as const) {
    const groups = new Map<string, string[]>();
    for (const h of unique) {
      const p = partPrefix(h, level);
      const g = groups.get(p);
      if (g) g.push(h);
      else groups.set(p, [h]);
    }
    const keysInPart = remoteKeys / 16 ** level;
    const parts: PartChoice[] = [];
    let requests = 0;
    let rounds = unique.length > 0 ? 1 : 0;
    for (const [prefix, list] of groups) {
      const { how, requests: r } = choosePart(list.length, keysInPart, pageSize);
      parts.push({ prefix, hashes: list, how, requests: r });
      requests += r;
      if (how === 'list') rounds = Math.max(rounds, r);
    }
    const score = requests / Math.max(1, jobs) + rounds;
    if (score < bestScore || (score === bestScore && best !== undefined && requests < best.requests)) {
      best = { level, parts, requests, rounds };
      bestScore = score;
    }
  }
  return best!;
}

/** Wanted hashes grouped by shard prefix, shards in key order. */
export function groupByShard(hashes: Iterable<string>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const h of [...new Set(hashes)].sort()) {
    const p = shardPrefix(h);
    const g = groups.get(p);
    if (g) g.push(h);
    else groups.set(p, [h]);
  }
  return groups;
}

/**
 * The shard to list first as a sample of the remote's size: the one with the most wanted
 * objects, where listing is most likely to pay off anyway. Undefined when no shard has two
 * wanted objects: a HEAD each is then never worse than any listing.
 */
export function sampleShard(groups: ReadonlyMap<string, readonly string[]>): string | undefined {
  let best: string | undefined;
  let most = 1;
  for (const [prefix, hashes] of groups) {
    if (hashes.length > most) {
      best = prefix;
      most = hashes.length;
    }
  }
  return best;
}

/**
 * Order uploads so a reader never finds a manifest whose files are missing: file objects first,
 * manifests after (run-cache entries go after both, by the caller).
 */
export function uploadOrder(hashes: Iterable<string>): { files: string[]; manifests: string[] } {
  const files: string[] = [];
  const manifests: string[] = [];
  for (const h of hashes) (isDirHash(h) ? manifests : files).push(h);
  return { files: files.sort(), manifests: manifests.sort() };
}

/**
 * Requests to check `wanted` objects on a remote of `objects` objects, by HEADs alone, by listing
 * everything, and as planned (for the README's scale table; hashes spread evenly, as BLAKE3's are).
 */
export function existenceCost(wanted: number, objects: number, pageSize: number, jobs: number): { head: number; listAll: number; planned: ExistencePlan } {
  const hashes: string[] = [];
  for (let i = 0; i < wanted; i++) {
    // Evenly spread synthetic hashes: the partition a real BLAKE3 digest falls in is uniform.
    const lead = Math.floor((i * 256) / wanted).toString(16).padStart(2, '0');
    hashes.push(lead + i.toString(16).padStart(62, '0'));
  }
  return { head: wanted, listAll: Math.max(1, Math.ceil(objects / pageSize)), planned: planExistence(hashes, objects, pageSize, jobs) };
}
