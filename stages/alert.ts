// Stage `alert`: turn this run's findings into incidents (incidents/state.json: opened, updated,
// resolved), write reports/alert.md (ready to be an issue body) and, when ALERT_WEBHOOK_URL is
// set, POST to it when an incident opens or resolves — never on an update, so a drift that
// lasts for weeks is one message, not one per run. The URL is an environment variable, not a
// param: webhook URLs carry secrets and belong in CI secrets. A webhook that keeps failing
// fails the stage before the new state is written, so the next `repro` posts again.

import { ALERT_MD, alertPayload, findingsOf, renderAlert, webhookMessage } from './lib/alert.js';
import { StageInputError } from './lib/errors.js';
import { advanceIncidents, parseIncidentState } from './lib/incidents.js';
import { readJson, readJsonIfExists, readTextInput, runStage, sha256, writeJson, writeOutput } from './lib/io.js';
import { CURRENT_CSV, DRIFT_DETAILS, EVALUATE_DETAILS, INCIDENTS_FILE, INGEST_METRICS } from './lib/layout.js';
import { postJson } from './lib/webhook.js';

type Json = Record<string, unknown>;

function ciRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

async function readState() {
  try {
    return parseIncidentState(await readJsonIfExists(INCIDENTS_FILE), INCIDENTS_FILE);
  } catch (e) {
    throw new StageInputError((e as Error).message);
  }
}

async function main(): Promise<void> {
  const drift = (await readJson(DRIFT_DETAILS)) as Json;
  const evaluation = (await readJsonIfExists(EVALUATE_DETAILS)) as Json | undefined;
  const ingest = (await readJsonIfExists(INGEST_METRICS)) as Json | undefined;
  // reports/evaluate.json stays from an earlier run when train was gated off in this one.
  const evaluationIsCurrent = evaluation?.['current_sha256'] === sha256(await readTextInput(CURRENT_CSV));
  const payload = alertPayload({ drift, evaluation, ingest, runUrl: ciRunUrl(process.env), evaluationIsCurrent });
  const state = advanceIncidents(await readState(), findingsOf(payload, drift['enough_data'] !== false), new Date().toISOString());
  await writeOutput(ALERT_MD, renderAlert(payload, state));
  const url = process.env['ALERT_WEBHOOK_URL'];
  for (const e of state.last_run.events) {
    process.stdout.write(`alert: incident ${e.id} ${e.event}\n`);
    if (!url || e.event === 'updated') continue;
    const incident = state.incidents.find((i) => i.id === e.id)!;
    await postJson(url, webhookMessage(payload, incident, e.event), ALERT_MD);
    process.stdout.write(`alert: posted to the webhook at ${new URL(url).origin}\n`);
  }
  await writeJson(INCIDENTS_FILE, state);
}

runStage('alert', main);
