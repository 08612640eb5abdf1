#!/usr/bin/env node
// `npm run serve -- --port N`: the prediction service for the example's packaged bundle.

import cluster from 'node:cluster';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BUNDLE_DIR } from '../stages/lib/layout.js';
import { PARAMS_FILE, qualityParams, readParams } from '../stages/lib/params.js';
import type { Ranges } from '../stages/lib/quality.js';
import { TOKEN_ENV } from './auth.js';
import { BundleError } from './bundle.js';
import { CANDIDATE_ERROR } from './canary.js';
import { announceListening, leavePrimary, runPrimary } from './cluster.js';
import { createService } from './server.js';

function wholeNumber(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}`);
    return n;
  };
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0');
  return n;
}

function shareOf(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a share between 0 and 1 (0.2 = 20 %)');
  return n;
}

interface ServeCliOptions {
  port: number;
  host: string;
  bundle: string;
  logs: string;
  logMaxMb: number;
  reference: string;
  window: number;
  psiBins: number;
  psiEpsilon: number;
  reloadInterval: number;
  params: string;
  candidate?: string;
  canaryShare: number;
  canaryState?: string;
  workers: number;
  bodyLimitMb: number;
  waitForBundle: boolean;
}

/** quality.ranges from params.yaml; without the file only non-finite readings are flagged. */
async function readRanges(file: string, log: (line: string) => void): Promise<Ranges | undefined> {
  try {
    return qualityParams(await readParams(file)).ranges;
  } catch (e) {
    log(`range checks off: ${(e as Error).message}`);
    return undefined;
  }
}

const program = new Command('serve')
  .description('Serve the packaged occupancy model: POST /predict, POST /feedback, GET /health, GET /metrics')
  .option('-p, --port <n>', 'TCP port (0 = any free port)', wholeNumber(0), 8080)
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--bundle <dir>', 'the packaged bundle (model.json, manifest.json)', BUNDLE_DIR)
  .option('--logs <dir>', 'where request logs are written (JSON lines; files of one service each)', 'data/logs')
  .option('--log-max-mb <n>', 'start a new log file when the current one would pass this size', positiveNumber, 64)
  .option('--reference <csv>', 'training reference for the PSI gauges', 'data/reference.csv')
  .option('--window <rows>', 'recent requests the PSI gauges cover', wholeNumber(1), 1000)
  .option('--psi-bins <n>', 'PSI bins for numerical features (params.yaml drift.psi_bins)', wholeNumber(2), 10)
  .option('--psi-epsilon <x>', 'share given to empty PSI bins (params.yaml drift.psi_epsilon)', positiveNumber, 0.0001)
  .option('--params <file>', 'params.yaml holding quality.ranges (readings outside are flagged and scored as missing)', PARAMS_FILE)
  .addOption(new Option('--candidate <dir>', 'a candidate bundle for a canary: it answers --canary-share of the requests with an x-request-key header').env('SERVE_CANDIDATE'))
  .addOption(new Option('--canary-share <x>', 'share of keyed requests the candidate answers, sticky by key (0..1)').env('SERVE_CANARY_SHARE').argParser(shareOf).default(0.1))
  .option('--canary-state <file>', 'where a rollback or promotion is recorded for every process serving this canary (default <logs>/canary-state.json)')
  .option('--reload-interval <ms>', 'how often to look for a newly packaged bundle', wholeNumber(10), 1000)
  .option('--workers <n>', 'worker processes sharing the port (each logs to its own files)', wholeNumber(1), 1)
  .option('--body-limit-mb <n>', 'largest request body accepted (larger: 413)', positiveNumber, 1)
  .option('--wait-for-bundle', 'start without a valid bundle (not ready, /predict 503) and load the first one packaged')
  .addHelpText('after', `\nWith ${TOKEN_ENV} set, POST /feedback and every other write route but /predict need "Authorization: Bearer <token>".`)
  .action(async (opts: ServeCliOptions) => {
    const log = (line: string) => process.stderr.write(`serve: ${line}\n`);
    if (opts.workers > 1 && cluster.isPrimary) return runPrimary(opts.workers, log);
    let service;
    try {
      service = await createService({
        bundleDir: opts.bundle, logsDir: opts.logs, logMaxBytes: Math.round(opts.logMaxMb * 1024 * 1024), referenceCsv: opts.reference, window: opts.window,
        psiBins: opts.psiBins, psiEpsilon: opts.psiEpsilon, reloadIntervalMs: opts.reloadInterval, log, candidateDir: opts.candidate, canaryShare: opts.canaryShare, canaryStateFile: opts.canaryState, ranges: await readRanges(opts.params, log),
        waitForBundle: opts.waitForBundle, bodyLimitBytes: Math.round(opts.bodyLimitMb * 1024 * 1024), token: process.env[TOKEN_ENV] || undefined,
      });
    } catch (e) {
      if (!(e instanceof BundleError)) throw e;
      if (e.message.startsWith(CANDIDATE_ERROR)) {
        log(e.message);
        process.exitCode = 1;
        return;
      }
      log(`${e.message}\nserve: run \`dvc-ts repro\` so that \`package\` builds the bundle, or pass --bundle <dir>`);
      process.exitCode = 1;
      leavePrimary();
      return;
    }
    const address = await service.app.listen({ port: opts.port, host: opts.host });
    const version = service.bundles.loaded?.version;
    if (!announceListening({ address, version, logFile: service.requestLog.file })) {
      process.stdout.write(`Serving model ${version ?? 'none'} on ${address} (log: ${service.requestLog.file}${version ? '' : `; not ready until a valid bundle is in ${opts.bundle}`})\n`);
    }
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: finishing requests in flight and closing the log`);
      void service.close().then(() => {
        log(`stopped; ${service.requestLog.lines} lines in ${service.requestLog.files.join(', ')}`);
        leavePrimary();
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGHUP', () => void service.bundles.poll());
    // A worker whose primary is gone drains and ends rather than serve unsupervised.
    if (cluster.isWorker) process.on('disconnect', () => stop('primary gone'));
  });

await program.parseAsync(process.argv);
