// Packs: many small objects in one remote object, so a push of 10,000 small files costs a handful
// of requests instead of 10,000 (object stores charge, and throttle, per request; git, restic
// and kopia pack for the same reason). Pure: grouping, ids, index text and range coalescing,
// unit-tested without I/O. The remote side is engine/remote/pack-index.ts and transfer.ts.
import { blake3Hex } from '../hash/digest.js';
import { isDirHash } from '../hash/dir.js';

/**
 * Objects below this size go into packs. At ~10–50 ms per request and ~100 MB/s per connection,
 * an object of 1 MiB costs about as much in request overhead as in bytes: below it, requests
 * dominate and packing pays; above it, the object goes up alone (multipart when large) and a
 * pull of it costs one GET either way.
 */
export const PACK_OBJECT_LIMIT = 1024 * 1024;

/**
 * A pack is closed once its members reach this many bytes (so a pack is < 9 MiB): large enough
 * that 10,000 files of 4 KiB are five PUTs, small enough that packs go up in parallel, fit in
 * memory while they are built, and a pull wanting one member of a pack reads only its range.
 */
export const PACK_TARGET_BYTES = 8 * 1024 * 1024;

/**
 * A push with fewer small objects than this sends them loose: packing saves at most a few
 * requests there, while every pack adds an index each fresh machine downloads once and a key
 * to every listing of packs/. A CI run pushing its three changed outs stays loose.
 */
export const MIN_PACKED_OBJECTS = 32;

export const PACKS_PREFIX = 'packs/';
const INDEX_HEADER = 'dvc-ts pack index 1';

/** Remote key of a pack's bytes. */
export function packKey(id: string): string {
  return `${PACKS_PREFIX}${id}.pack`;
}

/** Remote key of a pack's index: its presence is what makes the pack exist for readers. */
export function indexKey(id: string): string {
  return `${PACKS_PREFIX}${id}.idx`;
}

/** The pack id and kind a listed key names, or undefined for anything else. */
export function parsePackKey(key: string): { id: string; kind: 'pack' | 'idx' } | undefined {
  const m = /^packs\/([0-9a-f]{64})\.(pack|idx)$/.exec(key);
  return m ? { id: m[1]!, kind: m[2] as 'pack' | 'idx' } : undefined;
}

/** True for objects that go into packs: small files (manifests stay loose: see groupIntoPacks). */
export function isPackable(hash: string, size: number, limit = PACK_OBJECT_LIMIT): boolean {
  return size < limit && !isDirHash(hash);
}

export interface PackMember {
  hash: string;
  offset: number;
  length: number;
}

export interface PackPlan {
  id: string;
  /** Members in hash order, with their place in the pack. */
  members: PackMember[];
  bytes: number;
}

/**
 * Pack id: BLAKE3 of the sorted member hashes. The same members always make the same pack, byte
 * for byte (members are laid out in hash order), so a push rerun after a kill overwrites a pack
 * the killed run left without its index instead of storing its objects a second time, and two
 * pushers sending the same objects write identical bytes under one key.
 */
export function packId(sortedHashes: readonly string[]): string {
  return blake3Hex(sortedHashes.join('\n') + '\n');
}

/**
 * Group objects into packs: sorted by hash, a pack closed as soon as it reaches `target` bytes.
 * A rerun after a kill sends the same objects minus whole packs that landed, so every pack it
 * forms is one the killed run formed (same members, same id): nothing is stored twice.
 * Manifests stay loose: a manifest on the remote vouches for its files, so it goes up last and
 * alone, after every pack holding its files has its index.
 */
export function groupIntoPacks(objects: Iterable<{ hash: string; size: number }>, target = PACK_TARGET_BYTES): PackPlan[] {
  const sorted = [...new Map([...objects].map((o) => [o.hash, o.size])).entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const packs: PackPlan[] = [];
  let members: PackMember[] = [];
  let bytes = 0;
  const close = () => {
    packs.push({ id: packId(members.map((m) => m.hash)), members, bytes });
    members = [];
    bytes = 0;
  };
  for (const [hash, size] of sorted) {
    members.push({ hash, offset: bytes, length: size });
    bytes += size;
    if (bytes >= target) close();
  }
  if (members.length) close();
  return packs;
}

/**
 * The packs a push forms from its small objects: all of them when there are at least
 * MIN_PACKED_OBJECTS; fewer go loose, except groups that re-form a pack already on the remote
 * without its index (`orphans`: a push killed between the two), which are completed so that
 * no pack is left without an index and nothing is stored twice.
 */
export function planPacks(objects: readonly { hash: string; size: number }[], target: number, orphans: ReadonlySet<string>): PackPlan[] {
  if (target <= 0 || objects.length === 0) return [];
  const packs = groupIntoPacks(objects, target);
  return objects.length >= MIN_PACKED_OBJECTS ? packs : packs.filter((p) => orphans.has(p.id));
}

/** The index object's text: a header, then `hash offset length` per member, in pack order. */
export function formatIndex(members: readonly PackMember[]): string {
  return [INDEX_HEADER, ...members.map((m) => `${m.hash} ${m.offset} ${m.length}`)].join('\n') + '\n';
}

/**
 * Parse an index and check it belongs to pack `id` (its members hash to the id): an index that
 * was altered or truncated is refused whole rather than trusted for existence.
 */
export function parseIndex(text: string, id: string): PackMember[] {
  const lines = text.split('\n');
  if (lines[0] !== INDEX_HEADER) throw new Error(`pack index ${id}: not a dvc-ts pack index`);
  const members: PackMember[] = [];
  let end = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' && i === lines.length - 1) break;
    const m = /^([0-9a-f]{64}(?:\.dir)?) (\d+) (\d+)$/.exec(line);
    if (!m) throw new Error(`pack index ${id}: line ${i + 1} is malformed`);
    const offset = Number(m[2]);
    const length = Number(m[3]);
    if (offset !== end) throw new Error(`pack index ${id}: line ${i + 1}: members are not contiguous`);
    end = offset + length;
    members.push({ hash: m[1]!, offset, length });
  }
  if (packId(members.map((m) => m.hash)) !== id) throw new Error(`pack index ${id}: its members do not hash to the pack's id`);
  return members;
}

/** One Range GET: a contiguous span of a pack and the wanted members inside it. */
export interface RangeRead {
  start: number;
  /** Exclusive. */
  end: number;
  members: PackMember[];
}

/**
 * Coalesce the wanted members of one pack into ranges: members closer than `gap` bytes share a
 * read (the bytes between are read and dropped), so wanting most of a pack reads it whole in one
 * request and wanting a few members far apart reads only theirs.
 */
export function coalesceRanges(wanted: readonly PackMember[], gap = 1024 * 1024): RangeRead[] {
  const sorted = [...wanted].sort((a, b) => a.offset - b.offset);
  const ranges: RangeRead[] = [];
  for (const m of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && m.offset - last.end <= gap) {
      last.end = Math.max(last.end, m.offset + m.length);
      last.members.push(m);
    } else {
      ranges.push({ start: m.offset, end: m.offset + m.length, members: [m] });
    }
  }
  return ranges;
}
