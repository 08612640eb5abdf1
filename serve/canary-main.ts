#!/usr/bin/env node
// `npm run canary -- status|decide|rollback|promote`: the canary of a running prediction service.
// `decide` compares champion and candidate on labelled feedback (serve/canary-decision.ts) and
// applies the verdict through the service's own endpoints: rollback and promote are one request.

import { Command, InvalidArgumentError } from 'commander';
import { StageInputError } from '../stages/lib/errors.js';
import { formatNumber } from '../stages/lib/format.js';
import { param, PARAMS_FILE, readParams, type RawParams } from '../stages/lib/params.js';
import { TOKEN_ENV } from './auth.js';
import type { CanaryStatus } from './canary.js';
import { decideCanary, type CanaryDecision, type CanaryPolicy } from './canary-decision.js';
import { emptyTally, readCanaryEvidence } from './canary-evidence.js';

const DEFAULT_URL = 'http://127.0.0.1:8080';
/** Used when params.yaml has no `canary` section. */
const DEFAULT_POLICY: CanaryPolicy = { minLabelled: 200, margin: 0.02, pThreshold: 0.05 };

class ServiceError extends Error {}

async function call(url: string, method: 'GET' | 'POST', path: string): Promise<CanaryStatus> {
  let response: Response;
  try {
    // A service with a token (serve/auth.ts) wants it on rollback and promote: the same variable.
    const token = process.env[TOKEN_ENV];
    response = await fetch(`${url.replace(/\/+$/, '')}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (e) {
    throw new ServiceError(`cannot reach the service at ${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as CanaryStatus & { message?: string };
  if (!response.ok) throw new ServiceError(`${method} ${path}: ${response.status} ${body.message ?? response.statusText}`);
  return body;
}

function describeStatus(s: CanaryStatus): string {
  if (s.state === 'running') return `canary running since ${s.since}: model ${s.candidate} answers ${formatNumber(s.share * 100)} % of keyed requests, champion ${s.champion} the rest\n`;
  const last = s.candidate === null ? '' : ` (last candidate ${s.candidate}: ${s.state.replace('_', ' ')}${s.since ? ` at ${s.since}` : ''})`;
  return `no canary running: model ${s.champion} answers every request${last}\n`;
}

async function canaryPolicy(file: string, overrides: { minLabelled?: number; margin?: number; pThreshold?: number }): Promise<CanaryPolicy> {
  const raw: RawParams = await readParams(file).catch((e: unknown) => {
    if (e instanceof StageInputError && e.message === `cannot read ${file}` && file === PARAMS_FILE) return {};
    throw e;
  });
  const fromFile = raw['canary'] === undefined ? DEFAULT_POLICY : {
    minLabelled: param<number>(raw, 'canary.min_labelled', { type: 'integer', minimum: 1 }),
    margin: param<number>(raw, 'canary.margin', { type: 'number', minimum: 0, maximum: 1 }),
    // Optional: a params file written before the significance test still reads.
    pThreshold: hasKey(raw['canary'], 'p_threshold') ? param<number>(raw, 'canary.p_threshold', { type: 'number', minimum: 0, maximum: 1 }) : DEFAULT_POLICY.pThreshold,
  };
  return {
    minLabelled: overrides.minLabelled ?? fromFile.minLabelled,
    margin: overrides.margin ?? fromFile.margin,
    pThreshold: overrides.pThreshold ?? fromFile.pThreshold,
  };
}

function hasKey(node: unknown, key: string): boolean {
  return typeof node === 'object' && node !== null && key in node;
}

function describeDecision(d: CanaryDecision): string {
  const row = (role: string, t: CanaryDecision['champion']) =>
    `${t.version.padEnd(18)}${role.padEnd(11)}${String(t.requests).padStart(9)}${String(t.labelled).padStart(10)}  ${t.accuracy === null ? '-' : formatNumber(t.accuracy)}\n`;
  return `${'model'.padEnd(18)}${'role'.padEnd(11)}${'requests'.padStart(9)}${'labelled'.padStart(10)}  accuracy\n`
    + row('champion', d.champion) + row('candidate', d.candidate) + `decision: ${d.verdict}: ${d.reason}\n`;
}

interface DecideOptions {
  url: string;
  logs: string;
  params: string;
  minLabelled?: number;
  margin?: number;
  pThreshold?: number;
  dryRun?: boolean;
  json?: boolean;
}

async function decide(opts: DecideOptions): Promise<void> {
  const status = await call(opts.url, 'GET', '/canary');
  if (status.state !== 'running' || status.candidate === null || status.champion === null) throw new ServiceError(`nothing to decide: ${describeStatus(status).trim()}`);
  const policy = await canaryPolicy(opts.params, opts);
  const evidence = await readCanaryEvidence(opts.logs);
  const champion = evidence.champion.get(status.champion) ?? emptyTally(status.champion);
  const decision = decideCanary(champion, evidence.candidate.get(status.candidate) ?? emptyTally(status.candidate), policy);
  const action = opts.dryRun ? undefined : decision.verdict === 'rollback' ? '/canary/rollback' : decision.verdict === 'promote' ? '/canary/promote' : undefined;
  const applied = action === undefined ? null : await call(opts.url, 'POST', action);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...decision, policy, applied }, null, 2)}\n`);
    return;
  }
  process.stdout.write(describeDecision(decision));
  if (applied) process.stdout.write(describeStatus(applied));
  else if (decision.verdict !== 'hold') process.stdout.write(`(--dry-run: nothing changed)\n`);
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number between 0 and 1');
  return n;
}

const program = new Command('canary').description('The canary of a running prediction service: a candidate model answering a share of keyed requests');
const urlOption = ['--url <url>', 'the service', DEFAULT_URL] as const;
program.command('status').description('What is routed where').option(...urlOption).action(async (o: { url: string }) => {
  process.stdout.write(describeStatus(await call(o.url, 'GET', '/canary')));
});
program.command('rollback').description('Every request to the champion from now on (no restart)').option(...urlOption).action(async (o: { url: string }) => {
  process.stdout.write(describeStatus(await call(o.url, 'POST', '/canary/rollback')));
});
program.command('promote').description("The candidate becomes the champion (published in the champion's bundle folder, hot-switched)").option(...urlOption).action(async (o: { url: string }) => {
  process.stdout.write(describeStatus(await call(o.url, 'POST', '/canary/promote')));
});
program.command('decide')
  .description('Compare champion and candidate on labelled feedback, then promote, hold or roll back')
  .option(...urlOption)
  .option('--logs <dir>', "the service's request logs and labels files", 'data/logs')
  .option('--params <file>', 'params.yaml with canary.min_labelled, canary.margin and canary.p_threshold', PARAMS_FILE)
  .option('--min-labelled <n>', 'labelled requests each model needs (overrides canary.min_labelled)', wholeNumber)
  .option('--margin <x>', 'accuracy the candidate may lose before a rollback (overrides canary.margin)', share)
  .option('--p-threshold <x>', 'largest p-value taken as evidence for a rollback or a promotion (overrides canary.p_threshold)', share)
  .option('--dry-run', 'say the decision, change nothing')
  .option('--json', 'the decision as JSON')
  .action(decide);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof ServiceError || e instanceof StageInputError)) throw e;
  process.stderr.write(`canary: ${e.message}\n`);
  process.exitCode = 1;
}
