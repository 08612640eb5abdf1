// Stage `alert` (gated on the drift verdict): write the markdown alert (reports/alert.md, ready to
// be an issue body) and, when ALERT_WEBHOOK_URL is set, POST its JSON summary there. The URL is
// an environment variable, not a param: webhook URLs carry secrets and belong in CI secrets.
// A webhook that keeps failing fails the stage, so the next `repro` tries again.

import { ALERT_MD, alertPayload, renderAlert } from './lib/alert.js';
import { StageInputError } from './lib/errors.js';
import { readJson, readJsonIfExists, runStage, writeOutput } from './lib/io.js';
import { DRIFT_DETAILS, EVALUATE_DETAILS, INGEST_METRICS } from './lib/layout.js';

const ATTEMPTS = 3;
const TIMEOUT_MS = 5_000;

type Json = Record<string, unknown>;

function ciRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

/** POST `body` as JSON; retry on network errors and non-2xx answers. Messages name only the
 *  URL's origin (the path of a webhook URL is often its secret). */
async function postWebhook(url: string, body: unknown): Promise<void> {
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
  throw new StageInputError(`webhook at ${origin} ${last} after ${ATTEMPTS} attempts; ${ALERT_MD} is written, the next repro posts again`);
}

async function main(): Promise<void> {
  const drift = (await readJson(DRIFT_DETAILS)) as Json;
  const evaluation = (await readJsonIfExists(EVALUATE_DETAILS)) as Json | undefined;
  const ingest = (await readJsonIfExists(INGEST_METRICS)) as Json | undefined;
  const payload = alertPayload({ drift, evaluation, ingest, runUrl: ciRunUrl(process.env) });
  await writeOutput(ALERT_MD, renderAlert(payload));
  process.stdout.write(`alert: wrote ${ALERT_MD} (${payload.drifted_features.map((f) => f.feature).join(', ') || 'no drifted feature'})\n`);
  const url = process.env['ALERT_WEBHOOK_URL'];
  if (url) {
    await postWebhook(url, payload);
    process.stdout.write(`alert: posted to the webhook at ${new URL(url).origin}\n`);
  }
}

runStage('alert', main);
