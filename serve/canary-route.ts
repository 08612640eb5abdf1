// Which model answers a request while a canary runs: the request key's sha256 places it at a
// fixed point of [0, 1), and keys below the share go to the candidate. The same key always lands
// on the same side (sticky without any state), and distinct keys spread evenly, so the
// candidate's part of the traffic is the share whatever the keys look like.

import { createHash } from 'node:crypto';

/** The header a client sets to stay on one model (a user, a device, a session). */
export const REQUEST_KEY_HEADER = 'x-request-key';

/** The key's fixed place in [0, 1): the first 32 bits of its sha256. */
export function keyPosition(key: string): number {
  return createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
}

/** Requests without a key are not part of the canary: they go to the champion. */
export function routesToCandidate(key: string | undefined, share: number): boolean {
  return key !== undefined && key !== '' && keyPosition(key) < share;
}

/** The key of a request: the header's value when it is given once. */
export function requestKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers[REQUEST_KEY_HEADER];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
