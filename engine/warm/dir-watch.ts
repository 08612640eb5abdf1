// The watcher's eyes: one plain fs.watch (inotify on Linux) per directory the answer depends on.
//
// Why fs.watch and not chokidar here: the warm answer must never miss a change, so every raw
// event counts, at once and as is. chokidar (kept for `repro --watch`'s own triggers) stats
// before it reports, drops a "change" whose mtime did not move, and adds the watch of a new
// directory asynchronously with no signal when it is in place. With fs.watch a watch is in
// place when the call returns, and its event reaches JavaScript in the same poll phase that
// reads it from the kernel: the two facts the correctness argument in server.ts rests on.
import { lstatSync, watch, statfsSync, type FSWatcher } from 'node:fs';
import { basename } from 'node:path';

/** File systems whose changes made on another machine reach no inotify watch (statfs magic). */
const REMOTE_FILE_SYSTEMS = new Set([
  0x6969 /* nfs */, 0x517b /* smb */, 0xff534d42 /* cifs */, 0xfe534d42 /* smb2 */,
  0x65735546 /* fuse */, 0x01021997 /* 9p */, 0x00c36400 /* ceph */, 0x47504653 /* gpfs */, 0x0bd00bd0 /* lustre */,
]);

export class DirWatcher {
  /** Counts every event on every watched path; a check is valid only if it did not move. */
  generation = 0;
  /** Path → its watch and the inode watched: inotify follows the inode, not the name. */
  private readonly watchers = new Map<string, { watcher: FSWatcher; inode: string }>();

  constructor(private readonly onEvent: () => void) {}

  get size(): number {
    return this.watchers.size;
  }

  /**
   * Watch exactly `paths` (absolute directories, or files whose inode must be watched): start
   * the new ones, stop the others. Returns how many were started (a check that ran without
   * them did not see everything) or, as a string, why the set cannot be watched.
   */
  sync(paths: ReadonlySet<string>): number | string {
    for (const [p, w] of this.watchers) {
      // A directory replaced (removed and made again, renamed over) keeps an old watch on an
      // inode nobody writes to: watch the new one (counted as added, so the check runs again).
      if (!paths.has(p) || inodeOf(p) !== w.inode) {
        w.watcher.close();
        this.watchers.delete(p);
      }
    }
    let added = 0;
    for (const p of paths) {
      if (this.watchers.has(p)) continue;
      let w: FSWatcher;
      let inode: string | undefined;
      try {
        inode = inodeOf(p);
        w = watch(p, { persistent: false });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // Gone since the check looked: an event of its own (its parent is watched too).
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          this.bump();
          continue;
        }
        return code === 'ENOSPC' ? 'the inotify watch limit is reached (fs.inotify.max_user_watches)' : `cannot watch ${p}: ${(e as Error).message}`;
      }
      const remote = remoteFileSystem(p);
      if (remote) {
        w.close();
        return `${p} is on a network file system (${remote}): changes made elsewhere are not seen`;
      }
      const drop = () => {
        w.close();
        if (this.watchers.get(p)?.watcher === w) this.watchers.delete(p);
      };
      w.on('change', (_type, name) => {
        // A watched path removed or moved away reports its own name, and its watch is dead from
        // then on; a new directory made there may even get the same inode number (ext4 reuses
        // them at once). Watch it again at the next sync (counted as added, so the check reruns).
        // A child of the same name lands here too: one needless rewatch.
        if (name === null || name === basename(p)) drop();
        this.bump();
      });
      // Unreadable or gone: count it as a change and watch it again later.
      w.on('error', () => {
        drop();
        this.bump();
      });
      // Taken before the watch began: a replacement in between shows as a changed inode next time.
      this.watchers.set(p, { watcher: w, inode: inode ?? 'gone' });
      added++;
    }
    return added;
  }

  close(): void {
    for (const w of this.watchers.values()) w.watcher.close();
    this.watchers.clear();
  }

  private bump(): void {
    this.generation++;
    this.onEvent();
  }
}

function remoteFileSystem(path: string): string | undefined {
  try {
    const type = statfsSync(path).type;
    return REMOTE_FILE_SYSTEMS.has(type) ? `type 0x${type.toString(16)}` : undefined;
  } catch {
    return undefined;
  }
}

function inodeOf(path: string): string | undefined {
  const st = lstatSync(path, { throwIfNoEntry: false });
  return st ? `${st.dev}:${st.ino}` : undefined;
}
