// The warm path's wire format and where its socket lives. Read by the CLI's client before
// anything heavy loads, so this module imports node built-ins only.
import { lstatSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bumped whenever a message changes shape; the build id below guards everything else. */
export const PROTOCOL = 1;

/** How long a client waits for the whole answer before it does the work itself. */
export const CLIENT_TIMEOUT_MS = 250;

/**
 * The client's wait: CLIENT_TIMEOUT_MS, or DVC_TS_WARM_TIMEOUT_MS when set (a test on a loaded
 * machine must not see a slow answer turn into a cold one).
 */
export function clientTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.DVC_TS_WARM_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : CLIENT_TIMEOUT_MS;
}

export type WarmCommand = 'repro' | 'status';

/** One line of JSON from client to watcher. */
export interface WarmQuery {
  protocol: number;
  /** The client's build (dist/engine/build-id.txt): a watcher of another build is never trusted. */
  build: string;
  command: WarmCommand;
  root: string;
  /** The pipeline file the client resolved from its working directory (undefined: the default). */
  file: string | null;
}

/** One line of JSON from watcher to client. */
export type WarmAnswer =
  | {
      protocol: number;
      build: string;
      upToDate: true;
      /** What the cold command prints; for `repro` its last line still lacks " in N ms". */
      stdout: string;
      exitCode: number;
    }
  | { protocol: number; build: string; upToDate: false; reason: string };

/** Unix socket paths are cut at 108 bytes (sun_path); keep a margin. */
const MAX_SOCKET_PATH = 100;

/**
 * Where the watcher of `root` listens: in the repository's own `.dvc-ts/tmp/warm/`, or, when that
 * path is too long for a unix socket, under the user's runtime (or temp) directory keyed by a
 * hash of the root. Either way the socket sits in a directory only its owner can enter.
 */
export async function socketPathFor(root: string): Promise<{ dir: string; path: string }> {
  const dir = join(root, '.dvc-ts', 'tmp', 'warm');
  const path = join(dir, 'watch.sock');
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH) return { dir, path };
  const base = process.env.XDG_RUNTIME_DIR?.startsWith('/') ? process.env.XDG_RUNTIME_DIR : tmpdir();
  const shortDir = join(base, `dvc-ts-warm-${process.getuid?.() ?? 'u'}`);
  // node:crypto costs milliseconds to load: only on this path.
  const { createHash } = await import('node:crypto');
  const key = createHash('sha256').update(root).digest('hex').slice(0, 24);
  return { dir: shortDir, path: join(shortDir, `${key}.sock`) };
}

/**
 * Why `dir` cannot be trusted to hold a socket, or undefined when it can: it must be a real
 * directory (not a symlink) owned by this user and closed to everyone else, so that only this
 * user can have put a socket there and only this user can connect to it.
 */
export function untrustedDir(dir: string): string | undefined {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st) return 'no socket directory';
  if (!st.isDirectory()) return `${dir} is not a directory`;
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `${dir} belongs to another user`;
  if ((st.mode & 0o077) !== 0) return `${dir} is open to other users`;
  return undefined;
}

/** Why a client should not ask at `path` (an untrusted directory, or no socket there), or undefined. */
export function cannotAsk(dir: string, path: string): string | undefined {
  return untrustedDir(dir) ?? (lstatSync(path, { throwIfNoEntry: false })?.isSocket() ? undefined : 'no watcher');
}

/** Create (or close up) the socket directory; the reason it cannot be used, or undefined. */
export function makePrivateDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    if (st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  } catch (e) {
    return `cannot create ${dir}: ${(e as Error).message}`;
  }
  return untrustedDir(dir);
}

/** Parse one line of JSON; undefined when it is not an object. */
export function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
