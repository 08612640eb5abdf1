// What the warm watcher watches for one check: found by lstat and readdir, so it lives beside
// the watcher rather than in the api/ layer that decides what to add.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Files with other hard links are watched one by one (a write through another name reaches no directory watch); past this many, the watcher gives up. */
const MAX_LINKED_FILES = 20_000;

/**
 * Directories (and hard-linked files) to watch so that every change to what was read makes an
 * event: each path's directory and that directory's ancestors up to the root (so replacing a
 * parent is seen), and every directory below a directory path.
 */
export class WatchSet {
  readonly paths = new Set<string>();
  private readonly walked = new Set<string>();
  unsupported: string | undefined;
  private linked = 0;

  constructor(private readonly root: string) {}

  /** A directory that exists, with its ancestors; a missing one is watched through its nearest existing ancestor. */
  dir(abs: string): void {
    for (let d = abs; ; d = dirname(d)) {
      if (this.paths.has(d)) return;
      if (existsSync(d)) this.paths.add(d);
      if (d === this.root || dirname(d) === d) return;
    }
  }

  path(abs: string): void {
    this.dir(dirname(abs));
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isSymbolicLink()) this.unsupported ??= `${abs} is a symbolic link (changes to its target make no event here)`;
    else if (st.isDirectory()) this.tree(abs);
    else if (st.nlink > 1) this.linkedFile(abs);
  }

  private linkedFile(abs: string): void {
    if (++this.linked > MAX_LINKED_FILES) this.unsupported ??= `more than ${MAX_LINKED_FILES} files have other hard links`;
    else this.paths.add(abs);
  }

  private tree(abs: string): void {
    if (this.walked.has(abs)) return;
    this.walked.add(abs);
    this.paths.add(abs);
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return; // gone or unreadable: its parent's watch sees it come back
    }
    for (const e of entries) {
      const p = join(abs, e.name);
      if (e.isDirectory()) this.tree(p);
      else if (e.isSymbolicLink()) this.unsupported ??= `${p} is a symbolic link (changes to its target make no event here)`;
      else if ((lstatSync(p, { throwIfNoEntry: false })?.nlink ?? 1) > 1) this.linkedFile(p);
    }
  }
}
