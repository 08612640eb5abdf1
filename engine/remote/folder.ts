import { createReadStream } from 'node:fs';
import { copyFile, open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PACK_TARGET_BYTES } from './pack.js';
import { emptyCounts, RemoteObjectMissing, type ListPage, type Remote, type RequestCounts } from './types.js';
import { pidAlive } from '../util/pid.js';
import { ensureDir } from '../util/atomic.js';

/** Temp files live here, beside the objects (one file system, so the rename is atomic). */
export const FOLDER_TMP_DIR = 'tmp';

/**
 * A remote in a folder: local disk, an NFS or SMB mount. Same layout as an S3 remote. A write
 * copies to `tmp/<host>.<pid>.<random>` and renames into place; a writer killed midway leaves
 * only a temp file, which the next push from the same host removes once its pid is gone.
 */
export class FolderRemote implements Remote {
  readonly defaultJobs = 8;
  /** A readdir returns every name at once, but its cost grows with them: plan as S3 does. */
  readonly listPageSize = 1000;
  readonly requests: RequestCounts = emptyCounts();
  packSize = PACK_TARGET_BYTES;

  constructor(
    readonly name: string,
    readonly url: string,
    /** Absolute path of the folder. */
    readonly dir: string,
  ) {}

  get identity(): string {
    return `folder ${this.dir}`;
  }

  private abs(key: string): string {
    return join(this.dir, ...key.split('/'));
  }

  /** Every key starting with `prefix`, which may end inside a name (`files/b3/a`), as S3's do. */
  async listPage(prefix: string): Promise<ListPage> {
    this.requests.list++;
    const keys: string[] = [];
    const walk = async (rel: string, namePrefix = ''): Promise<void> => {
      let entries;
      try {
        entries = await readdir(this.abs(rel), { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const e of entries) {
        if (e.name.startsWith('.') || !e.name.startsWith(namePrefix)) continue;
        if (e.isDirectory()) await walk(`${rel}${e.name}/`);
        else if (e.isFile()) keys.push(`${rel}${e.name}`);
      }
    };
    const cut = prefix.lastIndexOf('/') + 1;
    await walk(prefix.slice(0, cut), prefix.slice(cut));
    return { keys: keys.sort() };
  }

  async exists(key: string): Promise<boolean> {
    this.requests.head++;
    try {
      return (await stat(this.abs(key))).isFile();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  async read(key: string): Promise<Readable> {
    this.requests.get++;
    const stream = createReadStream(this.abs(key));
    // Surface a missing object as a rejection here rather than as a stream error later.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new RemoteObjectMissing(key) : e));
    });
    return stream;
  }

  /** A range read of a file: the same code path as S3's ranged GETs. */
  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    this.requests.get++;
    let fh;
    try {
      fh = await open(this.abs(key), 'r');
    } catch (e) {
      throw (e as NodeJS.ErrnoException).code === 'ENOENT' ? new RemoteObjectMissing(key) : e;
    }
    try {
      const buf = Buffer.alloc(end - start);
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.subarray(0, done);
    } finally {
      await fh.close();
    }
  }

  async write(key: string, absFile: string): Promise<void> {
    this.requests.put++;
    await this.place(key, (tmp) => copyFile(absFile, tmp));
  }

  async writeBytes(key: string, bytes: Buffer): Promise<void> {
    this.requests.put++;
    await this.place(key, (tmp) => writeFile(tmp, bytes));
  }

  /** Fill a temp file in tmp/, then rename it over `key`: readers see all or nothing. */
  private async place(key: string, fill: (tmp: string) => Promise<void>): Promise<void> {
    const target = this.abs(key);
    const tmpDir = join(this.dir, FOLDER_TMP_DIR);
    await Promise.all([ensureDir(dirname(target)), ensureDir(tmpDir)]);
    const tmp = join(tmpDir, `${hostname()}.${process.pid}.${randomBytes(6).toString('hex')}`);
    try {
      await fill(tmp);
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  /** Remove temp files this host's dead processes left behind (a push killed midway). */
  async sweepTemps(): Promise<number> {
    const names = await readdir(join(this.dir, FOLDER_TMP_DIR)).catch(() => [] as string[]);
    const host = hostname();
    let removed = 0;
    for (const name of names) {
      const m = /^(.*)\.(\d+)\.[0-9a-f]{12}$/.exec(name);
      if (!m || m[1] !== host || pidAlive(Number(m[2]))) continue;
      await unlink(join(this.dir, FOLDER_TMP_DIR, name)).then(() => removed++, () => undefined);
    }
    return removed;
  }

  async close(): Promise<void> {}
}
