import { createWriteStream } from 'node:fs';
import { chmod, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { blake3Hex, newBlake3 } from '../hash/digest.js';
import { DIR_SUFFIX, isDirHash, parseManifest } from '../hash/dir.js';
import { createLimiter } from '../hash/limit.js';
import type { ObjectStore } from '../cache/store.js';
import { tempPathFor, ensureDir } from '../util/atomic.js';
import { environmentErrorCode } from '../errors.js';
import { groupByShard, hashOfKey, objectKey, planExistence, sampleShard, SHARDS, uploadOrder, type ExistencePlan } from './plan.js';
import { silentProgress, type TransferProgress } from './progress.js';
import { coalesceRanges, formatIndex, indexKey, isPackable, packKey, planPacks, type PackMember, type PackPlan } from './pack.js';
import type { PackIndex } from './pack-index.js';
import { RemoteObjectMissing, type Remote } from './types.js';

/** Cache objects are read-only, as the store makes them. */
const OBJECT_MODE = 0o444;

/** Packs built and sent at once: each is held in memory (< 9 MiB) while it goes up. */
const PACKS_IN_FLIGHT = 8;
/** Verified members of one downloaded range written to the cache at once. */
const MEMBER_WRITES_IN_FLIGHT = 16;

export interface TransferOptions {
  /** The remote's pack indexes: where packed objects are, and where new packs are recorded. */
  index: PackIndex;
  jobs?: number;
  /** Known sizes of objects (from the lock or .dvc files), for the progress bar. */
  sizes?: ReadonlyMap<string, number>;
  progress?: TransferProgress;
}

/** An object that could not be moved, and why. */
export interface TransferFailure {
  hash: string;
  /** What the user knows it as (a workspace path), when known. */
  label?: string;
  /** Where on the remote, when not its loose key: `packs/<id>.pack bytes a-b`. */
  where?: string;
  reason: string;
}

export interface TransferResult {
  /** Objects moved. */
  files: number;
  bytes: number;
  failures: TransferFailure[];
  /** Objects to push that the local cache does not have (and the remote neither): a warning. */
  missing: TransferFailure[];
}

/** How existence was decided, for the report line and the tests. */
export interface ExistenceReport {
  present: Set<string>;
  /** The plan carried out after the sample (undefined when HEADs alone were used). */
  plan?: ExistencePlan;
}

/**
 * Which of `hashes` the remote holds, with few requests: list a sample shard (the one with most
 * wanted objects) to learn how full the remote is, then carry out the plan of
 * engine/remote/plan.ts (listings or HEADs per partition, whichever costs fewer requests).
 */
export async function remoteHas(remote: Remote, hashes: Iterable<string>, jobs: number): Promise<ExistenceReport> {
  const groups = groupByShard(hashes);
  const present = new Set<string>();
  if (groups.size === 0) return { present };
  const limit = createLimiter(Math.max(1, jobs));
  const sample = sampleShard(groups);
  const remaining: string[] = [];
  let remoteKeys = 0;
  if (sample === undefined) {
    // No shard holds two wanted objects: a HEAD each costs no more than any listing could,
    // and the remote's size is unknown (a listing of it might take many pages).
    const all = [...groups.values()].flat();
    await Promise.all(all.map((h) => limit(async () => (await remote.exists(objectKey(h))) && present.add(h))));
    return { present };
  } else {
    // Page through the sample shard, but never spend more pages than HEADs would have cost.
    const wanted = groups.get(sample)!;
    const seen = new Set<string>();
    let pages = 0;
    let next: string | undefined;
    do {
      const page = await remote.listPage(sample, next);
      pages++;
      for (const k of page.keys) {
        const h = hashOfKey(k);
        if (h !== undefined) seen.add(h);
      }
      next = page.next;
    } while (next !== undefined && pages < wanted.length);
    const complete = next === undefined;
    remoteKeys = SHARDS * (complete ? seen.size : Math.max(seen.size, pages * remote.listPageSize));
    for (const h of wanted) {
      if (seen.has(h)) present.add(h);
      else if (!complete) remaining.push(h);
    }
    for (const [prefix, list] of groups) if (prefix !== sample) remaining.push(...list);
  }
  const plan = planExistence(remaining, remoteKeys, remote.listPageSize, jobs);
  await Promise.all(
    plan.parts.flatMap((part) => {
      if (part.how === 'list') {
        return [
          limit(async () => {
            const keys = new Set<string>();
            let next: string | undefined;
            do {
              const page = await remote.listPage(part.prefix, next);
              for (const k of page.keys) keys.add(k);
              next = page.next;
            } while (next !== undefined);
            for (const h of part.hashes) if (keys.has(objectKey(h))) present.add(h);
          }),
        ];
      }
      return part.hashes.map((h) =>
        limit(async () => {
          if (await remote.exists(objectKey(h))) present.add(h);
        }),
      );
    }),
  );
  return { present, plan };
}

/**
 * Which of `hashes` the remote holds: in packs (the cached indexes, checked against one listing
 * of packs/) or loose (remoteHas). `looseFirst` checks loose keys before listing packs: for the
 * outs of a push, whose manifests are always loose, so a no-op push of directories costs one
 * HEAD per directory; `status -c` lists packs first, then checks the rest loose.
 */
export async function locateOnRemote(
  remote: Remote,
  index: PackIndex,
  hashes: Iterable<string>,
  jobs: number,
  options: { looseFirst?: boolean } = {},
): Promise<Set<string>> {
  const present = new Set<string>();
  let rest = [...new Set(hashes)];
  const takePacked = () => {
    rest = rest.filter((h) => !(index.has(h) && present.add(h)));
  };
  const takeLoose = async () => {
    if (rest.length === 0) return;
    const loose = (await remoteHas(remote, rest, jobs)).present;
    for (const h of loose) present.add(h);
    rest = rest.filter((h) => !loose.has(h));
  };
  if (options.looseFirst) await takeLoose();
  // Cached indexes spare downloads, but a pack counts as present only once this run has seen it
  // listed: one LIST (per 500 packs) guards against packs deleted behind dvc-ts's back.
  if (rest.length > 0) {
    if (!index.refreshed) await index.refresh(remote, jobs);
    takePacked();
  }
  if (!options.looseFirst) await takeLoose();
  return present;
}

/**
 * Upload objects the remote lacks: files first, then manifests (so a manifest on the remote
 * always has its files there). Objects missing from the local cache are reported, not fatal.
 */
export async function uploadObjects(
  remote: Remote,
  store: ObjectStore,
  hashes: Iterable<string>,
  labels: ReadonlyMap<string, string>,
  options: TransferOptions,
): Promise<TransferResult> {
  const progress = options.progress ?? silentProgress;
  const limit = createLimiter(Math.max(1, options.jobs ?? remote.defaultJobs));
  const result: TransferResult = { files: 0, bytes: 0, failures: [], missing: [] };
  const sized: { hash: string; size: number }[] = [];
  await Promise.all(
    [...hashes].map((hash) =>
      limit(async () => {
        try {
          sized.push({ hash, size: (await stat(store.objectPath(hash))).size });
        } catch {
          result.missing.push({ hash, label: labels.get(hash), reason: 'neither in the local cache nor on the remote' });
        }
      }),
    ),
  );
  const sizes = new Map(sized.map((s) => [s.hash, s.size]));
  const order = uploadOrder(sizes.keys());
  const small = order.files.filter((h) => isPackable(h, sizes.get(h)!)).map((hash) => ({ hash, size: sizes.get(hash)! }));
  const packs = planPacks(small, remote.packSize, new Set(options.index.orphans));
  const packedSet = new Set(packs.flatMap((p) => p.members.map((m) => m.hash)));
  progress.start('push', sizes.size, sized.reduce((n, s) => n + s.size, 0));
  const packLimit = createLimiter(Math.min(PACKS_IN_FLIGHT, Math.max(1, options.jobs ?? remote.defaultJobs)));
  // The pack first, its index last: a reader never sees a pack's objects before all of them are there.
  const sendPack = (plan: PackPlan) =>
    packLimit(async () => {
      try {
        const bytes = await readPackMembers(store, plan);
        await remote.writeBytes(packKey(plan.id), bytes);
        await remote.writeBytes(indexKey(plan.id), Buffer.from(formatIndex(plan.members)));
        await options.index.remember(plan.id, plan.members);
        result.files += plan.members.length;
        result.bytes += plan.bytes;
        progress.advance(plan.members.length, plan.bytes);
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        for (const m of plan.members) result.failures.push({ hash: m.hash, label: labels.get(m.hash), where: packKey(plan.id), reason });
      }
    });
  const send = (hash: string) =>
    limit(async () => {
      const size = sizes.get(hash)!;
      try {
        await remote.write(objectKey(hash), store.objectPath(hash), size);
        result.files++;
        result.bytes += size;
        progress.advance(1, size);
      } catch (e) {
        result.failures.push({ hash, label: labels.get(hash), reason: e instanceof Error ? e.message : String(e) });
      }
    });
  try {
    await Promise.all([...packs.map(sendPack), ...order.files.filter((h) => !packedSet.has(h)).map(send)]);
    // A manifest whose files failed to go up would promise what the remote cannot give.
    const failedFiles = new Set([...result.failures, ...result.missing].map((f) => f.hash));
    await Promise.all(
      order.manifests.map(async (m) => {
        if (failedFiles.size > 0 && (await manifestFileHashes(store, m)).some((h) => failedFiles.has(h))) {
          result.failures.push({ hash: m, label: labels.get(m), reason: 'some of its files could not be pushed' });
          return;
        }
        await send(m);
      }),
    );
  } finally {
    progress.stop();
  }
  return result;
}

/** A pack's bytes: its members read from the local cache, laid end to end in pack order. */
async function readPackMembers(store: ObjectStore, plan: PackPlan): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(plan.bytes);
  const limit = createLimiter(16);
  await Promise.all(
    plan.members.map((m) =>
      limit(async () => {
        const data = await readFile(store.objectPath(m.hash));
        if (data.length !== m.length) throw new Error(`cache object ${m.hash} changed size while being packed`);
        data.copy(bytes, m.offset);
      }),
    ),
  );
  return bytes;
}

async function manifestFileHashes(store: ObjectStore, hash: string): Promise<string[]> {
  return (await store.readManifest(hash)).map((e) => e.hash);
}

/**
 * Download one object into the cache: stream it to a temp file under `.dvc-ts/tmp` while hashing
 * it, and rename it into the cache only when its bytes hash to its name. A damaged object on
 * the remote is refused and never enters the cache; a download cut short leaves only a temp file.
 */
export async function downloadObject(remote: Remote, store: ObjectStore, hash: string): Promise<number> {
  const tmpDir = join(store.root, '.dvc-ts', 'tmp', 'pull');
  await ensureDir(tmpDir);
  const tmp = tempPathFor(join(tmpDir, hash));
  const hasher = newBlake3();
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hasher.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(await remote.read(objectKey(hash)), hashing, createWriteStream(tmp, { mode: OBJECT_MODE }));
    checkHash(hash, hasher.digest('hex'));
    await enterCache(store, hash, tmp);
    return size;
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw withPath(e, store.objectPath(hash));
  }
}

/**
 * A failed write() of a stream carries no path: give it the object's place in the cache, so a
 * full disk or a read-only mount is reported naming where the bytes were going.
 */
function withPath(e: unknown, path: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (environmentErrorCode(e) !== undefined && err.path === undefined) {
    err.path = path;
    err.syscall ??= 'write';
  }
  return e;
}

function checkHash(hash: string, digest: string): void {
  const actual = digest + (isDirHash(hash) ? DIR_SUFFIX : '');
  if (actual !== hash) {
    throw new DamagedObject(`its bytes on the remote hash to ${actual.slice(0, 16)}…, not to its name: refused, not entered into the cache`);
  }
}

/** Rename a verified temp file into the cache, read-only, and remember it as verified. */
async function enterCache(store: ObjectStore, hash: string, tmp: string): Promise<void> {
  await chmod(tmp, OBJECT_MODE);
  const tmpStat = await stat(tmp, { bigint: true });
  const dst = store.objectPath(hash);
  await ensureDir(dirname(dst));
  await rename(tmp, dst);
  // These bytes were just hashed in a file only this process wrote: the checkout that
  // follows (pull) need not read them again to verify them.
  await store.state?.set(dst, tmpStat, hash, { exclusive: true });
}

/**
 * Read one coalesced range of a pack (one ranged GET) and enter each wanted member into the
 * cache once its bytes hash to its name; a member that does not is refused and named.
 */
async function downloadPackRange(
  remote: Remote,
  store: ObjectStore,
  pack: string,
  range: { start: number; end: number; members: PackMember[] },
  onStored: (m: PackMember) => void,
  onFailed: (m: PackMember, where: string, e: unknown) => void,
): Promise<void> {
  const where = (m: PackMember) => `${packKey(pack)} bytes ${m.offset}-${m.offset + m.length - 1}`;
  let bytes: Buffer;
  try {
    bytes = range.end > range.start ? await remote.readRange(packKey(pack), range.start, range.end) : Buffer.alloc(0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') throw e;
    for (const m of range.members) onFailed(m, where(m), e);
    return;
  }
  const tmpDir = join(store.root, '.dvc-ts', 'tmp', 'pull');
  await ensureDir(tmpDir);
  // Members are written to the cache a few at a time: a pack of 8 MiB holds ~2,000 small files.
  const limit = createLimiter(MEMBER_WRITES_IN_FLIGHT);
  const storeMember = async (m: PackMember) => {
    const tmp = tempPathFor(join(tmpDir, m.hash));
    try {
      const body = bytes.subarray(m.offset - range.start, m.offset - range.start + m.length);
      if (body.length !== m.length) throw new DamagedObject(`the pack is shorter than its index says: refused, not entered into the cache`);
      checkHash(m.hash, blake3Hex(body));
      await writeFile(tmp, body, { mode: OBJECT_MODE });
      await enterCache(store, m.hash, tmp);
      onStored(m);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      if ((e as NodeJS.ErrnoException).code === 'ENOSPC') throw withPath(e, store.objectPath(m.hash));
      onFailed(m, where(m), e);
    }
  };
  await Promise.all(range.members.map((m) => limit(() => storeMember(m))));
}

export class DamagedObject extends Error {}

/**
 * Download what the local cache lacks of `hashes` (and, for each manifest, of its files), in
 * parallel. Manifests come first: their files are only known once one is here.
 */
export async function downloadObjects(
  remote: Remote,
  store: ObjectStore,
  hashes: Iterable<string>,
  labels: ReadonlyMap<string, string>,
  options: TransferOptions,
): Promise<TransferResult> {
  const progress = options.progress ?? silentProgress;
  const jobs = Math.max(1, options.jobs ?? remote.defaultJobs);
  const limit = createLimiter(jobs);
  const result: TransferResult = { files: 0, bytes: 0, failures: [], missing: [] };
  const fetchOne = (hash: string) =>
    limit(async () => {
      try {
        const size = await downloadObject(remote, store, hash);
        result.files++;
        result.bytes += size;
        progress.advance(1, size);
        return true;
      } catch (e) {
        // A full disk fails every download after it: stop rather than list them all.
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC') throw e;
        const reason = e instanceof RemoteObjectMissing ? 'not on the remote' : e instanceof Error ? e.message : String(e);
        result.failures.push({ hash, label: labels.get(hash), reason });
        return false;
      }
    });
  const all = [...new Set(hashes)];
  const missing = (list: string[]) => Promise.all(list.map(async (h) => ((await store.has(h)) ? undefined : h))).then((l) => l.filter((h): h is string => h !== undefined));
  const wantedManifests = await missing(all.filter(isDirHash));
  progress.start('fetch', wantedManifests.length, 0);
  await Promise.all(wantedManifests.map(fetchOne));
  const { fileHashes, fileSizes } = await filesOf(store, all, labels, options.sizes, result);
  const fileLabels = new Map(labels);
  for (const [h, l] of fileHashes) if (l !== undefined && !fileLabels.has(h)) fileLabels.set(h, l);
  const wantedFiles = await missing([...fileHashes.keys()]);
  progress.start('fetch', wantedFiles.length, wantedFiles.reduce((n, h) => n + (fileSizes.get(h) ?? 0), 0));
  const before = result.failures.length;
  // Packed objects by pack, read in coalesced ranges; the rest one GET each.
  const { index } = options;
  if (wantedFiles.length > 0) await index.load();
  if (wantedFiles.some((h) => !index.has(h)) && !index.refreshed) await index.refresh(remote, jobs);
  const { ranges, loose } = byPackRange(index, wantedFiles);
  const rangeLimit = createLimiter(Math.min(PACKS_IN_FLIGHT, jobs));
  await Promise.all([
    ...ranges.map(({ pack, range }) =>
      rangeLimit(() =>
        downloadPackRange(
          remote,
          store,
          pack,
          range,
          (m) => {
            result.files++;
            result.bytes += m.length;
            progress.advance(1, m.length);
          },
          (m, where, e) => {
            const reason = e instanceof RemoteObjectMissing ? 'its pack is not on the remote' : e instanceof Error ? e.message : String(e);
            result.failures.push({ hash: m.hash, label: labels.get(m.hash), where, reason });
          },
        ),
      ),
    ),
    ...loose.map(fetchOne),
  ]);
  for (const f of result.failures.slice(before)) f.label ??= fileLabels.get(f.hash);
  progress.stop();
  return result;
}

/** The files to fetch: plain outs, and the files of every manifest now in the cache, labelled by where they sit. */
async function filesOf(
  store: ObjectStore,
  all: readonly string[],
  labels: ReadonlyMap<string, string>,
  sizes: ReadonlyMap<string, number> | undefined,
  result: TransferResult,
): Promise<{ fileHashes: Map<string, string | undefined>; fileSizes: Map<string, number> }> {
  const fileHashes = new Map<string, string | undefined>();
  const fileSizes = new Map<string, number>(sizes ?? []);
  for (const h of all) {
    if (!isDirHash(h)) fileHashes.set(h, labels.get(h));
    else if (await store.has(h)) {
      let manifest;
      try {
        manifest = parseManifest(await readFile(store.objectPath(h), 'utf8'), h);
      } catch (e) {
        result.failures.push({ hash: h, label: labels.get(h), reason: e instanceof Error ? e.message : String(e) });
        continue;
      }
      const base = labels.get(h);
      for (const e of manifest) {
        fileSizes.set(e.hash, e.size);
        if (!fileHashes.has(e.hash)) fileHashes.set(e.hash, base ? `${base}/${e.relpath}` : e.relpath);
      }
    }
  }
  return { fileHashes, fileSizes };
}

/** Packed objects grouped into coalesced ranges of their packs; the rest loose (one GET each). */
function byPackRange(index: TransferOptions['index'], wanted: readonly string[]): { ranges: { pack: string; range: ReturnType<typeof coalesceRanges>[number] }[]; loose: string[] } {
  const byPack = new Map<string, PackMember[]>();
  const loose: string[] = [];
  for (const h of wanted) {
    const at = index.locate(h);
    if (!at) loose.push(h);
    else if (byPack.has(at.pack)) byPack.get(at.pack)!.push(at.member);
    else byPack.set(at.pack, [at.member]);
  }
  return { ranges: [...byPack].flatMap(([pack, members]) => coalesceRanges(members).map((range) => ({ pack, range }))), loose };
}

/** One line per failure, naming the object and what it is. */
export function describeFailures(failures: readonly TransferFailure[]): string[] {
  return failures.map((f) => `${f.label ? `${f.label} ` : ''}(object ${objectKey(f.hash)}${f.where ? ` in ${f.where}` : ''}): ${f.reason}`);
}
