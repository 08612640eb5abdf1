// POST a JSON body to a webhook, retrying network errors and non-2xx answers with exponential
// backoff (p-retry). Messages name only the URL's origin (the path of a webhook URL is often its
// secret).

import pRetry from 'p-retry';
import { StageInputError } from './errors.js';

export const ATTEMPTS = 3;
const TIMEOUT_MS = 5_000;

/** A failed attempt, described without the URL. */
class AttemptFailed extends Error {}

async function attempt(url: string, body: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as Error).cause;
    throw new AttemptFailed(`failed (${cause instanceof Error ? cause.message : (e as Error).message})`);
  }
  if (!response.ok) throw new AttemptFailed(`answered ${response.status}`);
}

export async function postJson(url: string, body: unknown, written: string): Promise<void> {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    throw new StageInputError('ALERT_WEBHOOK_URL is not a valid URL');
  }
  const text = JSON.stringify(body);
  try {
    await pRetry(() => attempt(url, text), { retries: ATTEMPTS - 1, minTimeout: 500, factor: 2 });
  } catch (e) {
    throw new StageInputError(`webhook at ${origin} ${(e as Error).message} after ${ATTEMPTS} attempts; ${written} is written, the next repro posts again`);
  }
}
