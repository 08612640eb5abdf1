// Which objects a remote holds in packs: the remote's pack indexes, cached on this machine so a
// push or pull learns them with one listing (and downloads only indexes it has not seen).
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { blake3Hex } from '../hash/digest.js';
import { createLimiter } from '../hash/limit.js';
import { writeFileAtomic } from '../util/atomic.js';
import { formatIndex, indexKey, PACKS_PREFIX, parseIndex, parsePackKey, type PackMember } from './pack.js';
import { listAll, readText, type Remote } from './types.js';

/** Where an object sits in a pack. */
export interface PackedObject {
  pack: string;
  member: PackMember;
}

/**
 * The pack indexes of one remote: those cached under `.dvc-ts/tmp/remote-packs/<remote>/` (a
 * git-ignored, machine-local directory), plus those `refresh` lists and downloads. Packs are
 * never rewritten or deleted by dvc-ts, so a cached index stays true; `refresh` also drops
 * indexes the remote no longer lists (someone emptied the bucket).
 */
export class PackIndex {
  private readonly byHash = new Map<string, PackedObject>();
  private readonly packs = new Map<string, PackMember[]>();
  /** True once this run has listed the remote's packs. */
  refreshed = false;
  /** Packs listed without an index: a push killed between the two, or one under way elsewhere. */
  orphans: string[] = [];

  private loaded = false;

  private constructor(readonly dir: string) {}

  /** The index of `remote`'s packs as cached for the repository at `root` (read on first use). */
  static open(root: string, remote: Remote): PackIndex {
    return new PackIndex(join(root, '.dvc-ts', 'tmp', 'remote-packs', blake3Hex(remote.identity).slice(0, 16)));
  }

  /**
   * Read the cached indexes (once). Lazy: a no-op push whose outs are found loose by one HEAD
   * never reads them, which matters when a remote holds a million packed objects.
   */
  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(
      names.map(async (name) => {
        const m = /^([0-9a-f]{64})\.idx$/.exec(name);
        if (!m) return;
        try {
          this.addPack(m[1]!, parseIndex(await readFile(join(this.dir, name), 'utf8'), m[1]!));
        } catch {
          // A damaged cache entry is forgotten; the next refresh downloads the index again.
          await unlink(join(this.dir, name)).catch(() => undefined);
        }
      }),
    );
  }

  private addPack(id: string, members: PackMember[]): void {
    this.packs.set(id, members);
    for (const member of members) if (!this.byHash.has(member.hash)) this.byHash.set(member.hash, { pack: id, member });
  }

  /** True when a loaded index names `hash` (call load first). */
  has(hash: string): boolean {
    return this.byHash.has(hash);
  }

  locate(hash: string): PackedObject | undefined {
    return this.byHash.get(hash);
  }

  /** Record a pack this process just pushed (its index is on the remote). */
  async remember(id: string, members: PackMember[]): Promise<void> {
    this.addPack(id, members);
    await writeFileAtomic(join(this.dir, `${id}.idx`), formatIndex(members), { durable: false });
  }

  /**
   * List the remote's packs (one request per 500: a pack and its index are two keys), download the indexes not cached yet, and
   * forget cached ones the remote no longer has. An index that does not match its pack id is
   * skipped: its objects count as absent, so they are pushed again rather than trusted.
   */
  async refresh(remote: Remote, jobs: number): Promise<void> {
    await this.load();
    const listed = new Set<string>();
    const packsSeen = new Set<string>();
    for (const key of await listAll(remote, PACKS_PREFIX)) {
      const p = parsePackKey(key);
      if (p?.kind === 'idx') listed.add(p.id);
      else if (p?.kind === 'pack') packsSeen.add(p.id);
    }
    this.orphans = [...packsSeen].filter((id) => !listed.has(id));
    const vanished = [...this.packs.keys()].filter((id) => !listed.has(id));
    for (const id of vanished) {
      this.packs.delete(id);
      await unlink(join(this.dir, `${id}.idx`)).catch(() => undefined);
    }
    if (vanished.length) {
      this.byHash.clear();
      for (const [id, members] of [...this.packs]) this.addPack(id, members);
    }
    const limit = createLimiter(Math.max(1, jobs));
    await Promise.all(
      [...listed]
        .filter((id) => !this.packs.has(id))
        .map((id) =>
          limit(async () => {
            const text = await readText(remote, indexKey(id));
            let members: PackMember[];
            try {
              members = parseIndex(text, id);
            } catch {
              return;
            }
            await this.remember(id, members);
          }),
        ),
    );
    this.refreshed = true;
  }
}
