import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Blake3Hasher as Blake3HasherType } from '@napi-rs/blake-hash';

type BlakeBinding = typeof import('@napi-rs/blake-hash');

/**
 * The native BLAKE3 binding. The package's own loader tells glibc from musl with
 * `process.report.getReport()`, which costs 5–50 ms on every command; on Linux x64 with glibc
 * (ldd says which, as newer napi-rs loaders check) the platform package is loaded directly.
 */
function loadBinding(): BlakeBinding {
  const require = createRequire(import.meta.url);
  if (process.platform === 'linux' && process.arch === 'x64') {
    try {
      if (!readFileSync('/usr/bin/ldd', 'latin1').includes('musl')) return require('@napi-rs/blake-hash-linux-x64-gnu') as BlakeBinding;
    } catch {
      // No ldd or no platform package where we look: the package's loader decides.
    }
  }
  return require('@napi-rs/blake-hash') as BlakeBinding;
}

const { Blake3Hasher } = loadBinding();
type Blake3Hasher = Blake3HasherType;

/** Length of a BLAKE3 hex digest, the form every content hash takes in dvc-ts. */
export const HEX_DIGEST_LENGTH = 64;

/** A fresh incremental BLAKE3 hasher (one per file or per manifest). */
export function newBlake3(): Blake3Hasher {
  return new Blake3Hasher();
}

/** BLAKE3 hex digest of bytes or of a string's UTF-8 encoding. */
export function blake3Hex(data: string | Uint8Array): string {
  const bytes = typeof data === 'string' || Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return new Blake3Hasher().update(bytes).digest('hex');
}

/** True for a bare 64-char lowercase hex digest (no `.dir` suffix). */
export function isHexDigest(s: string): boolean {
  return s.length === HEX_DIGEST_LENGTH && /^[0-9a-f]{64}$/.test(s);
}
