// Remotes the integration suite runs against: a folder, and a real S3-compatible server
// (OpenStack Swift with s3api, from Debian's packages) that the tests start on 127.0.0.1.
import { mkdtemp, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../helpers/repo.js';

/** What the suite needs from a remote: its URL and settings, and a view of what it stores. */
export interface TestRemote {
  kind: 'folder' | 's3';
  url: string;
  /** `remote modify` options to set after `remote add`. */
  options: Record<string, string>;
  /** Environment for the CLI (credentials for S3). */
  env: Record<string, string>;
  /** Every key stored (relative to the remote's root), sorted. */
  keys(): Promise<string[]>;
  read(key: string): Promise<Buffer>;
  /** Replace an object's bytes behind dvc-ts's back. */
  tamper(key: string, bytes: Buffer): Promise<void>;
  /** Incomplete multipart uploads (S3) or temp files (folder) left on the remote. */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

const SWIFT_DIR = join(PROJECT_ROOT, 'test', 'remote', 'swift');
const SWIFT_COMMANDS = ['swift-proxy-server', 'swift-object-server', 'swift-ring-builder', 'memcached', 'curl'];
export const S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test:tester', AWS_SECRET_ACCESS_KEY: 'testing' };

/** Why the S3 suite cannot run here, or undefined when it can. */
export async function swiftMissing(): Promise<string | undefined> {
  const missing: string[] = [];
  for (const c of SWIFT_COMMANDS) {
    const r = await execa('sh', ['-c', `command -v ${c}`], { reject: false });
    if (r.exitCode !== 0) missing.push(c);
  }
  if (missing.length === 0) return undefined;
  return `S3 server not installed (${missing.join(', ')} missing): apt-get install swift swift-proxy swift-account swift-container swift-object memcached curl; .ci/run installs them`;
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface SwiftServer {
  endpoint: string;
  stop(): Promise<void>;
}

/** Start a one-node Swift with s3api on free loopback ports, state in a temp dir. */
export async function startSwift(): Promise<SwiftServer> {
  // Swift fsyncs every object and container row: on tmpfs those cost nothing, so the tests and
  // the benchmark measure dvc-ts and the protocol rather than this machine's disk flushes.
  const state = await mkdtemp(join((await isDir('/dev/shm')) ? '/dev/shm' : tmpdir(), 'dvc-ts-swift-'));
  const [proxy, object, container, account, memcached] = await freePorts(5) as [number, number, number, number, number];
  await execa(join(SWIFT_DIR, 'setup.sh'), [state, String(proxy), String(object), String(container), String(account), String(memcached)]);
  try {
    await execa(join(SWIFT_DIR, 'start.sh'), [state, String(proxy), String(memcached)], { timeout: 90_000 });
  } catch (e) {
    await execa(join(SWIFT_DIR, 'stop.sh'), [state], { reject: false });
    await rm(state, { recursive: true, force: true });
    throw e;
  }
  return {
    endpoint: `http://127.0.0.1:${proxy}`,
    async stop() {
      await execa(join(SWIFT_DIR, 'stop.sh'), [state], { reject: false });
      await rm(state, { recursive: true, force: true });
    },
  };
}

export async function folderRemote(): Promise<TestRemote> {
  const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-remote-'));
  const walk = async (rel: string): Promise<string[]> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true }).catch(() => []);
    const out: string[] = [];
    for (const e of entries) {
      const key = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) out.push(...(await walk(key)));
      else out.push(key);
    }
    return out;
  };
  return {
    kind: 'folder',
    url: dir,
    options: {},
    env: {},
    keys: async () => (await walk('')).filter((k) => !k.startsWith('tmp/')).sort(),
    read: (key) => readFile(join(dir, key)),
    async tamper(key, bytes) {
      await chmod(join(dir, key), 0o644).catch(() => undefined);
      await writeFile(join(dir, key), bytes);
    },
    leftovers: async () => (await walk('')).filter((k) => k.startsWith('tmp/') || k.split('/').pop()!.startsWith('.')),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A fresh bucket on the Swift server, and an S3 client to look at it directly. */
export async function s3Remote(server: SwiftServer): Promise<TestRemote> {
  const s3 = await import('@aws-sdk/client-s3');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const client = new s3.S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: S3_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const bucket = `dvc-ts-${Math.random().toString(36).slice(2, 10)}`;
  // The proxy answers its healthcheck before the account and container servers may be ready,
  // and says 503 "Please reduce your request rate" while they are not: on a loaded machine that
  // lasted over a minute. Retry the first request with a growing pause (about 4 minutes in all).
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new s3.CreateBucketCommand({ Bucket: bucket }));
      break;
    } catch (e) {
      if ((e as { name?: string }).name === 'BucketAlreadyOwnedByYou') break;
      if (attempt >= 120) throw e;
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * attempt)));
    }
  }
  const prefix = 'team/cache';
  const listKeys = async (): Promise<string[]> => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await client.send(new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
      for (const c of out.Contents ?? []) keys.push(c.Key!.slice(prefix.length + 1));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  };
  return {
    kind: 's3',
    url: `s3://${bucket}/${prefix}`,
    options: { endpointurl: server.endpoint },
    env: { ...S3_CREDENTIALS, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    keys: listKeys,
    async read(key) {
      const out = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}` }));
      return Buffer.from(await out.Body!.transformToByteArray());
    },
    async tamper(key, bytes) {
      await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}`, Body: bytes }));
    },
    async leftovers() {
      const out = await client.send(new s3.ListMultipartUploadsCommand({ Bucket: bucket }));
      return (out.Uploads ?? []).map((u) => `multipart upload of ${u.Key}`);
    },
    async close() {
      client.destroy();
    },
  };
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}
