// Read-only access to a git repository's history through isomorphic-git: commits, trees and
// blobs, each object read once per process (history walks revisit the same trees and blobs a
// lot), and never a write to the work tree, the index or any ref.
import fs from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import git from 'isomorphic-git';
import { UserError } from '../errors.js';
import { MinHeap } from '../util/heap.js';

/** What a commit tells us: its parents (first parent first), tree and committer time. */
export interface CommitInfo {
  oid: string;
  parents: string[];
  tree: string;
  /** Committer time, seconds since the epoch. */
  time: number;
  /** First line of the message. */
  subject: string;
}

/** A branch or tag and the commit it points at (annotated tags peeled). */
export interface NamedRef {
  name: string;
  commit: string;
}

/** Directories never searched for pipeline files: git's and dvc-ts's own. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', '.dvc-ts']);

interface TreeItem {
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

/** The error code isomorphic-git puts on its errors (`NotFoundError`, `AmbiguousError`, …). */
export function gitErrorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export class GitHistory {
  /** isomorphic-git's own cache (pack indexes), shared by every call. */
  private readonly gitCache: object = {};
  private readonly commits = new Map<string, Promise<CommitInfo>>();
  private readonly trees = new Map<string, Promise<Map<string, TreeItem>>>();
  private readonly blobs = new Map<string, Promise<Uint8Array>>();
  private readonly found = new Map<string, Promise<string[]>>();

  private constructor(
    /** Absolute path of the git work tree root. */
    readonly gitRoot: string,
    /** The dvc-ts root relative to the git root, POSIX, '' when they are the same. */
    readonly prefix: string,
  ) {}

  /** The git repository holding `dvcRoot`, or undefined when it is not inside one. */
  static async open(dvcRoot: string): Promise<GitHistory | undefined> {
    const abs = resolve(dvcRoot);
    let gitRoot: string;
    try {
      gitRoot = await git.findRoot({ fs, filepath: abs });
    } catch (e) {
      if (gitErrorCode(e) === 'NotFoundError') return undefined;
      throw e;
    }
    const rel = relative(gitRoot, abs).split(sep).join('/');
    return new GitHistory(gitRoot, rel);
  }

  /** Like open, but a UserError when there is no git repository (for commands that need one). */
  static async require(dvcRoot: string, why: string): Promise<GitHistory> {
    const history = await GitHistory.open(dvcRoot);
    if (!history) throw new UserError(`${resolve(dvcRoot)} is not inside a git repository, which ${why} needs`);
    return history;
  }

  private get base(): { fs: typeof fs; dir: string; cache: object } {
    return { fs, dir: this.gitRoot, cache: this.gitCache };
  }

  /** Path inside the git tree of a path relative to the dvc-ts root. */
  gitPath(dvcPath: string): string {
    if (this.prefix === '') return dvcPath;
    return dvcPath === '.' || dvcPath === '' ? this.prefix : `${this.prefix}/${dvcPath}`;
  }

  /** A ref (`HEAD`, `main`, `v1`, `refs/heads/x`) to the commit it names, or undefined. */
  async resolveRef(ref: string): Promise<string | undefined> {
    let oid: string;
    try {
      oid = await git.resolveRef({ fs, dir: this.gitRoot, ref });
    } catch (e) {
      const code = gitErrorCode(e);
      if (code === 'NotFoundError' || code === 'InvalidRefNameError') return undefined;
      throw e;
    }
    return this.peel(oid);
  }

  /** A full or abbreviated object id to the commit it names, or undefined when none matches. */
  async expandOid(short: string): Promise<string | undefined> {
    let oid: string;
    try {
      oid = await git.expandOid({ ...this.base, oid: short.toLowerCase() });
    } catch (e) {
      const code = gitErrorCode(e);
      if (code === 'NotFoundError') return undefined;
      if (code === 'AmbiguousError') throw new UserError(`revision '${short}' is ambiguous: several objects start with it`);
      throw e;
    }
    return this.peel(oid);
  }

  /** The commit an object id stands for (annotated tags peeled); undefined for non-commits. */
  private async peel(oid: string): Promise<string | undefined> {
    try {
      return (await this.commit(oid)).oid;
    } catch (e) {
      const code = gitErrorCode(e);
      if (code === 'NotFoundError' || code === 'ObjectTypeError') return undefined;
      throw e;
    }
  }

  /** A commit, read once. Accepts an annotated tag's oid too (peeled to its commit). */
  commit(oid: string): Promise<CommitInfo> {
    let pending = this.commits.get(oid);
    if (!pending) {
      pending = git.readCommit({ ...this.base, oid }).then((r) => {
        const info: CommitInfo = {
          oid: r.oid,
          parents: r.commit.parent,
          tree: r.commit.tree,
          time: r.commit.committer.timestamp,
          subject: r.commit.message.split('\n')[0] ?? '',
        };
        if (r.oid !== oid) this.commits.set(r.oid, Promise.resolve(info));
        return info;
      });
      pending.catch(() => this.commits.delete(oid));
      this.commits.set(oid, pending);
    }
    return pending;
  }

  private tree(oid: string): Promise<Map<string, TreeItem>> {
    let pending = this.trees.get(oid);
    if (!pending) {
      pending = git.readTree({ ...this.base, oid }).then((r) => new Map(r.tree.map((e) => [e.path, { oid: e.oid, type: e.type }])));
      this.trees.set(oid, pending);
    }
    return pending;
  }

  /** The tree entry at a git path in a commit, or undefined when the path is absent. */
  private async entryAt(commitOid: string, gitPath: string): Promise<TreeItem | undefined> {
    let item: TreeItem = { oid: (await this.commit(commitOid)).tree, type: 'tree' };
    if (gitPath === '' || gitPath === '.') return item;
    for (const segment of gitPath.split('/')) {
      if (item.type !== 'tree') return undefined;
      const next = (await this.tree(item.oid)).get(segment);
      if (!next) return undefined;
      item = next;
    }
    return item;
  }

  /** The blob id of a file (dvc-ts-root-relative path) in a commit; undefined when not a file. */
  async blobOid(commitOid: string, dvcPath: string): Promise<string | undefined> {
    const item = await this.entryAt(commitOid, this.gitPath(dvcPath));
    return item?.type === 'blob' ? item.oid : undefined;
  }

  /** Text (UTF-8) of a file (dvc-ts-root-relative path) in a commit; undefined when it is not there. */
  async readText(commitOid: string, dvcPath: string): Promise<string | undefined> {
    const bytes = await this.readBytes(commitOid, dvcPath);
    return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  /** Bytes of a file (dvc-ts-root-relative path) in a commit; undefined when it is not there. */
  async readBytes(commitOid: string, dvcPath: string): Promise<Uint8Array | undefined> {
    const oid = await this.blobOid(commitOid, dvcPath);
    return oid === undefined ? undefined : this.blob(oid);
  }

  /** A blob, read once: commits that share a file share its blob. Callers must not modify it. */
  private blob(oid: string): Promise<Uint8Array> {
    let pending = this.blobs.get(oid);
    if (!pending) {
      pending = git.readBlob({ ...this.base, oid }).then((r) => r.blob);
      this.blobs.set(oid, pending);
    }
    return pending;
  }

  /**
   * Every file below a directory (dvc-ts-root-relative) in a commit, as dvc-ts-root-relative
   * paths in sorted order; undefined when the path is not a directory there.
   */
  async listFiles(commitOid: string, dvcDir: string): Promise<string[] | undefined> {
    const item = await this.entryAt(commitOid, this.gitPath(dvcDir));
    if (item?.type !== 'tree') return undefined;
    const files: string[] = [];
    const walk = async (treeOid: string, dir: string): Promise<void> => {
      for (const [name, child] of await this.tree(treeOid)) {
        const path = dir === '.' || dir === '' ? name : `${dir}/${name}`;
        if (child.type === 'tree') await walk(child.oid, path);
        else if (child.type === 'blob') files.push(path);
      }
    };
    await walk(item.oid, dvcDir);
    return files.sort();
  }

  /**
   * Every file with this base name below the dvc-ts root in a commit (root-relative, sorted).
   * Results are remembered per tree, so walking many commits costs only their changed trees.
   */
  async filesNamed(commitOid: string, name: string): Promise<string[]> {
    const item = await this.entryAt(commitOid, this.gitPath('.'));
    if (item?.type !== 'tree') return [];
    return (await this.namedBelow(item.oid, name)).slice().sort();
  }

  private namedBelow(treeOid: string, name: string): Promise<string[]> {
    const key = `${treeOid}\0${name}`;
    let pending = this.found.get(key);
    if (!pending) {
      pending = this.tree(treeOid).then(async (entries) => {
        const paths: string[] = [];
        for (const [entryName, child] of entries) {
          if (child.type === 'blob' && entryName === name) paths.push(entryName);
          else if (child.type === 'tree' && !SKIPPED_DIRS.has(entryName)) {
            for (const p of await this.namedBelow(child.oid, name)) paths.push(`${entryName}/${p}`);
          }
        }
        return paths;
      });
      this.found.set(key, pending);
    }
    return pending;
  }

  async branches(): Promise<NamedRef[]> {
    const names = await git.listBranches({ fs, dir: this.gitRoot });
    return this.named(names, (n) => `refs/heads/${n}`);
  }

  async tags(): Promise<NamedRef[]> {
    const names = await git.listTags({ fs, dir: this.gitRoot });
    return this.named(names, (n) => `refs/tags/${n}`);
  }

  private async named(names: string[], full: (name: string) => string): Promise<NamedRef[]> {
    const refs: NamedRef[] = [];
    for (const name of [...names].sort()) {
      const commit = await this.resolveRef(full(name));
      if (commit !== undefined) refs.push({ name, commit });
    }
    return refs;
  }

  /**
   * Every commit reachable from HEAD, a branch or a tag, newest first (see dateOrder). One
   * walk with a visited set: each commit is read once however many refs reach it.
   */
  async allCommits(): Promise<CommitInfo[]> {
    const tips = new Set<string>();
    const head = await this.resolveRef('HEAD');
    if (head !== undefined) tips.add(head);
    for (const ref of [...(await this.branches()), ...(await this.tags())]) tips.add(ref.commit);
    const seen = new Map<string, CommitInfo>();
    const order: string[] = [];
    let frontier = [...tips];
    while (frontier.length > 0) {
      const fresh = frontier.filter((oid) => !seen.has(oid));
      const infos = await Promise.all(fresh.map((oid) => this.commit(oid)));
      frontier = [];
      for (const info of infos) {
        if (seen.has(info.oid)) continue;
        seen.set(info.oid, info);
        order.push(info.oid);
        frontier.push(...info.parents);
      }
    }
    return dateOrder(seen, order);
  }
}

/**
 * Newest first, but never a parent before a child (git's --date-order): commits made within
 * the same second, or with skewed clocks, still come out in history order. Pure.
 */
export function dateOrder(commits: ReadonlyMap<string, CommitInfo>, discovery: readonly string[]): CommitInfo[] {
  const rank = new Map(discovery.map((oid, i) => [oid, i]));
  const children = new Map<string, number>();
  for (const c of commits.values()) for (const p of c.parents) if (commits.has(p)) children.set(p, (children.get(p) ?? 0) + 1);
  const ready = new MinHeap<CommitInfo>((a, b) => b.time - a.time || rank.get(a.oid)! - rank.get(b.oid)!);
  for (const c of commits.values()) if (!children.has(c.oid)) ready.push(c);
  const out: CommitInfo[] = [];
  for (let c = ready.pop(); c !== undefined; c = ready.pop()) {
    out.push(c);
    for (const p of new Set(c.parents)) {
      const left = children.get(p);
      if (left === undefined) continue;
      if (left === 1) {
        children.delete(p);
        ready.push(commits.get(p)!);
      } else children.set(p, left - 1);
    }
  }
  return out;
}
