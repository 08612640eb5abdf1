import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { UserError } from '../errors.js';
import { createLimiter } from '../hash/limit.js';
import { PACK_TARGET_BYTES } from './pack.js';
import { emptyCounts, RemoteObjectMissing, type ListPage, type Remote, type RequestCounts } from './types.js';
import type { RemoteSettings } from './config.js';

/** Objects at least this large go up in parts (several parts in flight, each retried alone). */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
/** Part size: S3 allows at most 10,000 parts, so very large files get larger parts. */
export const MIN_PART_SIZE = 16 * 1024 * 1024;
/** Below this an upload is read into memory and sent with its MD5, which the server checks. */
const IN_MEMORY_PUT = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

/** A logger that drops what the SDK would print; its errors are thrown and reported by us. */
const SILENT_LOGGER = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Size of each part for a multipart upload of `size` bytes (pure). */
export function partSize(size: number): number {
  return Math.max(MIN_PART_SIZE, Math.ceil(size / 10_000));
}

/**
 * A remote in an S3 bucket (AWS, or a compatible store through `endpointurl`). Credentials come
 * from the AWS SDK's standard chain (environment, ~/.aws profiles, instance roles) or from the
 * git-ignored local config; never from the committed one. PutObject and CompleteMultipartUpload
 * are atomic on S3: an interrupted push leaves no partial object behind.
 */
export class S3Remote implements Remote {
  readonly listPageSize = 1000;
  readonly requests: RequestCounts = emptyCounts();
  packSize = PACK_TARGET_BYTES;
  readonly defaultJobs: number;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly endpoint: string | undefined;

  constructor(
    readonly name: string,
    readonly url: string,
    settings: RemoteSettings,
    jobs: number,
  ) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!m) throw new UserError(`remote '${name}': ${url} is not an s3://bucket[/prefix] URL`);
    this.bucket = m[1]!;
    this.prefix = m[2]!.replace(/\/+$/, '');
    this.defaultJobs = jobs;
    this.endpoint = settings.endpointurl;
    // The SDK warns on every run that versions after January 2027 will need Node 22; dvc-ts pins
    // a version that supports Node 20 (package.json), so the warning is noise for our users.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const agentOptions = { keepAlive: true, maxSockets: Math.max(jobs, PARTS_IN_FLIGHT) * 2 };
    const config: S3ClientConfig = {
      region: settings.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1',
      // Compatible stores (Swift, MinIO, Ceph) mostly want path-style URLs and no extra
      // checksum headers; the SDK's default checksums are refused by some of them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { httpAgent: new HttpAgent(agentOptions), httpsAgent: new HttpsAgent(agentOptions) },
      // A store that answers 503 SlowDown is told so by slowing down: the adaptive mode backs
      // off and rate-limits the client, instead of failing thousands of objects at once.
      retryMode: 'adaptive',
      maxAttempts: 5,
      // Without a logger of our own the SDK prints "An error was encountered in a non-retryable
      // streaming request." on the console for every failed upload (dozens when the store goes
      // away mid-push); each failure already reaches the user once, as our own error.
      logger: SILENT_LOGGER,
    };
    if (settings.endpointurl) {
      config.endpoint = settings.endpointurl;
      config.forcePathStyle = settings.force_path_style ?? true;
    } else if (settings.force_path_style !== undefined) {
      config.forcePathStyle = settings.force_path_style;
    }
    if (settings.profile) config.profile = settings.profile;
    if (settings.access_key_id && settings.secret_access_key) {
      config.credentials = {
        accessKeyId: settings.access_key_id,
        secretAccessKey: settings.secret_access_key,
        ...(settings.session_token ? { sessionToken: settings.session_token } : {}),
      };
    }
    this.client = new S3Client(config);
  }

  get identity(): string {
    return `s3 ${this.endpoint ?? 'aws'} ${this.url}`;
  }

  private key(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async listPage(prefix: string, after?: string): Promise<ListPage> {
    this.requests.list++;
    const full = this.key(prefix);
    const out = await this.call(`list ${full}`, () =>
      this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ...(after ? { ContinuationToken: after } : {}) })),
    );
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    const keys = (out.Contents ?? []).map((c) => c.Key!.slice(strip));
    return out.IsTruncated && out.NextContinuationToken ? { keys, next: out.NextContinuationToken } : { keys };
  }

  async exists(key: string): Promise<boolean> {
    this.requests.head++;
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw this.wrap(`head ${key}`, e);
    }
  }

  async read(key: string): Promise<Readable> {
    this.requests.get++;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return out.Body as Readable;
    } catch (e) {
      if (isNotFound(e)) throw new RemoteObjectMissing(key);
      throw this.wrap(`get ${key}`, e);
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    this.requests.get++;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key), Range: `bytes=${start}-${end - 1}` }));
      const bytes = Buffer.from(await out.Body!.transformToByteArray());
      if (bytes.length !== end - start) throw new Error(`asked for ${end - start} bytes, got ${bytes.length}`);
      return bytes;
    } catch (e) {
      if (isNotFound(e)) throw new RemoteObjectMissing(key);
      throw this.wrap(`get ${key} bytes ${start}-${end - 1}`, e);
    }
  }

  /** One PutObject with the bytes' MD5, which the server checks: atomic, all or nothing. */
  async writeBytes(key: string, bytes: Buffer): Promise<void> {
    this.requests.put++;
    const md5 = createHash('md5').update(bytes).digest('base64');
    await this.call(`put ${key}`, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: bytes, ContentMD5: md5 })));
  }

  async write(key: string, absFile: string, size: number): Promise<void> {
    if (size >= MULTIPART_THRESHOLD) return this.writeMultipart(key, absFile, size);
    if (size < IN_MEMORY_PUT) return this.writeBytes(key, await readFile(absFile));
    this.requests.put++;
    const Key = this.key(key);
    await this.call(`put ${key}`, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: createReadStream(absFile), ContentLength: size })),
    );
  }

  /**
   * Parts in parallel; the object exists only once CompleteMultipartUpload succeeds. An upload of
   * the same key left unfinished (a push killed midway) is resumed: its parts whose size and
   * MD5 match this file's are kept, the rest are sent, so nothing is left dangling either.
   */
  private async writeMultipart(key: string, absFile: string, size: number): Promise<void> {
    const Key = this.key(key);
    const each = partSize(size);
    const count = Math.ceil(size / each);
    const resumed = await this.unfinishedUpload(Key);
    let UploadId = resumed?.uploadId;
    if (UploadId === undefined) {
      this.requests.multipart++;
      const created = await this.call(`start upload of ${key}`, () => this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key })));
      UploadId = created.UploadId!;
    }
    const uploadId = UploadId;
    const limit = createLimiter(PARTS_IN_FLIGHT);
    try {
      const parts = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          limit(async () => {
            const start = i * each;
            const length = Math.min(each, size - start);
            const done = resumed?.parts.get(i + 1);
            if (done && done.size === length && done.etag === `"${await md5OfRange(absFile, start, length)}"`) {
              return { PartNumber: i + 1, ETag: done.etag };
            }
            this.requests.multipart++;
            const out = await this.call(`upload part ${i + 1} of ${key}`, () =>
              this.client.send(
                new UploadPartCommand({
                  Bucket: this.bucket,
                  Key,
                  UploadId: uploadId,
                  PartNumber: i + 1,
                  ContentLength: length,
                  Body: createReadStream(absFile, { start, end: start + length - 1 }),
                }),
              ),
            );
            return { PartNumber: i + 1, ETag: out.ETag! };
          }),
        ),
      );
      this.requests.multipart++;
      await this.call(`complete upload of ${key}`, () =>
        this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: parts } })),
      );
    } catch (e) {
      // Another pusher may have completed the same upload (same key, same bytes): that is success.
      if (await this.exists(key).catch(() => false)) return;
      this.requests.multipart++;
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId })).catch(() => undefined);
      throw e;
    }
  }

  /** The newest unfinished multipart upload of `Key` and its parts; undefined when there is none or the store cannot say. */
  private async unfinishedUpload(Key: string): Promise<{ uploadId: string; parts: Map<number, { size: number; etag: string }> } | undefined> {
    try {
      this.requests.multipart++;
      const listed = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: Key }));
      const upload = (listed.Uploads ?? [])
        .filter((u) => u.Key === Key && u.UploadId)
        .sort((a, b) => (b.Initiated?.getTime() ?? 0) - (a.Initiated?.getTime() ?? 0))[0];
      if (!upload) return undefined;
      this.requests.multipart++;
      const parts = await this.client.send(new ListPartsCommand({ Bucket: this.bucket, Key, UploadId: upload.UploadId! }));
      const byNumber = new Map<number, { size: number; etag: string }>();
      for (const p of parts.Parts ?? []) if (p.PartNumber && p.ETag && p.Size !== undefined) byNumber.set(p.PartNumber, { size: p.Size, etag: p.ETag });
      return { uploadId: upload.UploadId!, parts: byNumber };
    } catch {
      return undefined;
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.wrap(what, e);
    }
  }

  private wrap(what: string, e: unknown): Error {
    if (e instanceof UserError) return e;
    const err = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const status = err.$metadata?.httpStatusCode;
    const details: string[] = [];
    if (err.name === 'NoSuchBucket') details.push(`create the bucket '${this.bucket}' first, or fix the remote's URL`);
    if (err.name === 'CredentialsProviderError' || err.name === 'InvalidAccessKeyId' || err.name === 'SignatureDoesNotMatch' || status === 403) {
      details.push('credentials come from the AWS environment variables, ~/.aws (remote option `profile`), or `dvc-ts remote modify --local`');
    }
    if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND') details.push('is the endpoint (remote option `endpointurl`) right and reachable?');
    return new UserError(`remote '${this.name}' (${this.url}): ${what} failed: ${err.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}`, {
      exitCode: 1,
      details,
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404;
}


/** MD5 of a byte range of a file, hex: S3's ETag of a part holding those bytes. */
async function md5OfRange(absFile: string, start: number, length: number): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(absFile, { start, end: start + length - 1 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
