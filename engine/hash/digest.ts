import { Blake3Hasher } from '@napi-rs/blake-hash';

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
