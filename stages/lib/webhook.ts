// POST a JSON body to a webhook, retrying network errors and non-2xx answers with backoff.
// Messages name only the URL's origin (the path of a webhook URL is often its secret).

import { StageInputError } from './errors.js';

export const ATTEMPTS = 3;
const TIMEOUT_MS = 5_000;

export async function postJson(url: string, body: unknown, written: string): Promise<void> {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    throw new StageInputError('ALERT_WEBHOOK_URL is not a valid URL');
  }
  let last = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (response.ok) return;
      last = `answered ${response.status}`;
    } catch (e) {
      last = `failed (${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message})`;
    }
    if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 500 * attempt));
  }
  throw new StageInputError(`webhook at ${origin} ${last} after ${ATTEMPTS} attempts; ${written} is written, the next repro posts again`);
}
