// The occupancy prediction service: POST /predict (one row or a batch, validated by JSON Schema),
// POST /feedback (late true labels by request id), GET /health, GET /metrics. Every scored row is
// logged (JSON lines) before it is answered, and feeds the PSI window; a newly packaged bundle is
// picked up without dropping a request. A reading outside its plausible range (params.yaml
// quality.ranges) or not finite is scored as a missing one (imputed), and its row is answered
// and logged with `quality` flags: ingest quarantines it, so it never reaches drift or training.

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { emptyDataset, FEATURES, parseDataset, presentValues, type Dataset, type FeatureName } from '../stages/lib/dataset.js';
import { scoreDataset } from '../stages/lib/model.js';
import { isFlagged, readingFlags, type Ranges, type ReadingFlags } from '../stages/lib/quality.js';
import { registerBearerAuth } from './auth.js';
import { DEFAULT_BODY_LIMIT_BYTES, explainBodyLimit } from './body-limit.js';
import { BundleHolder } from './bundle.js';
import { CANARY_STATE_FILE, CanaryRouter, type CanaryArm } from './canary.js';
import { requestKey } from './canary-route.js';
import { registerCanaryRoutes } from './canary-routes.js';
import { registerHealthRoutes } from './health.js';
import { JsonLinesLog } from './log-writer.js';
import { metricsText } from './cluster-metrics.js';
import { createMetrics, showCanaryStatus, type ServiceMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { PsiWindow, type FeatureRow } from './psi-window.js';
import { describeSchemaError, feedbackBodySchema, predictBodySchema, predictResponseSchema, type AjvErrorLike } from './schema.js';

export interface ServiceOptions {
  /** The packaged bundle's folder (model.json + manifest.json). */
  bundleDir: string;
  /** Where request logs go (.jsonl files of this service only). */
  logsDir: string;
  /** A log file reaching this size is closed for a new one (default 64 MiB). */
  logMaxBytes?: number;
  /** The training reference (CSV of the occupancy schema) the PSI gauges compare against. */
  referenceCsv: string;
  /** Rows in the PSI window. */
  window: number;
  psiBins: number;
  psiEpsilon: number;
  /** How often to look for a new bundle (ms). */
  reloadIntervalMs: number;
  /** Plausible sensor ranges (params.yaml quality.ranges); without them only non-finite readings are flagged. */
  ranges?: Ranges;
  /** A candidate bundle's folder: it answers `canaryShare` of the keyed requests (a canary). */
  candidateDir?: string;
  /** Share of keyed requests (header x-request-key) routed to the candidate, in [0, 1]. */
  canaryShare?: number;
  /** Where rollbacks and promotions are recorded for every process serving the canary (default <logsDir>/canary-state.json). */
  canaryStateFile?: string;
  /** Messages for the operator (bundle switches, reference problems). */
  log: (line: string) => void;
  /** Start with no valid bundle (not ready, /predict 503) and load the first one that appears. */
  waitForBundle?: boolean;
  /** Largest request body accepted (default 1 MiB); larger ones get 413. */
  bodyLimitBytes?: number;
  /** Bearer token required by write routes other than /predict (none: all open). */
  token?: string;
}

/** A row as the schema lets it through: null is a missing reading. */
type RequestRow = Record<FeatureName, number | null>;

export interface PredictionRecord {
  timestamp: string;
  /** What POST /feedback names to give this row its true label. */
  request_id: string;
  model_version: string;
  /** While a canary runs: which side answered this keyed request. */
  canary_arm?: CanaryArm;
  score: number;
  prediction: 0 | 1;
  features: RequestRow;
  /** Present only when a reading was out of range or not finite (scored as missing). */
  quality?: ReadingFlags;
}

export interface FeedbackRecord {
  timestamp: string;
  request_id: string;
  occupied: 0 | 1;
}

export interface Service {
  app: FastifyInstance;
  bundles: BundleHolder;
  canary: CanaryRouter;
  requestLog: JsonLinesLog;
  /** Stop taking requests, finish those in flight, write every pending log line. */
  close(): Promise<void>;
}

const NO_RANGES = Object.fromEntries(FEATURES.map((f) => [f.name, [-Infinity, Infinity]])) as unknown as Ranges;

/** The rows as the model sees them: a flagged reading becomes a missing one. */
function toDataset(rows: readonly RequestRow[], flags: readonly ReadingFlags[]): Dataset {
  const ds = emptyDataset();
  rows.forEach((row, i) => {
    const bad = new Set<string>([...flags[i]!.out_of_range, ...flags[i]!.non_finite]);
    ds.timestamp.push('');
    for (const f of FEATURES) ds.features[f.name].push(bad.has(f.name) ? Number.NaN : row[f.name] ?? Number.NaN);
    ds.occupied.push(Number.NaN);
  });
  return ds;
}

async function readReference(file: string, log: (line: string) => void): Promise<Record<FeatureName, number[]> | undefined> {
  try {
    const ds = parseDataset(await readFile(file, 'utf8'), { file });
    return Object.fromEntries(FEATURES.map((f) => [f.name, presentValues(ds, f.name)])) as Record<FeatureName, number[]>;
  } catch (e) {
    log(`PSI gauges off: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} does not exist` : (e as Error).message}`);
    return undefined;
  }
}

/** The champion alone, or with the candidate of --candidate; the canary's gauges follow its routing. */
function openCanary(options: ServiceOptions, champion: BundleHolder, metrics: ServiceMetrics): Promise<CanaryRouter> {
  const candidate = options.candidateDir === undefined ? undefined : {
    dir: options.candidateDir, share: options.canaryShare ?? 0, reloadIntervalMs: options.reloadIntervalMs,
    stateFile: options.canaryStateFile ?? join(options.logsDir, CANARY_STATE_FILE),
  };
  return CanaryRouter.open(champion, candidate, { log: options.log, onChange: (status) => showCanaryStatus(metrics, status) });
}

export async function createService(options: ServiceOptions): Promise<Service> {
  const window = new PsiWindow(options.window);
  let reference = await readReference(options.referenceCsv, options.log);
  const metrics = createMetrics({ window, reference: () => reference, options: { bins: options.psiBins, epsilon: options.psiEpsilon } });
  let canary: CanaryRouter | undefined;
  const bundles = await BundleHolder.open(options.bundleDir, {
    onSwitch: ({ from, to }) => {
      options.log(from === undefined ? `Loaded model ${to}` : `Switched to model ${to} (was ${from})`);
      metrics.modelInfo.reset();
      metrics.modelInfo.set({ model_version: to }, 1);
      metrics.bundleSwitches.inc();
      if (canary) showCanaryStatus(metrics, canary.status());
      // A retrained model may come with a new training window.
      void readReference(options.referenceCsv, options.log).then((r) => (reference = r));
    },
    onError: options.log,
  }, { waitForBundle: options.waitForBundle });
  if (bundles.loaded) metrics.modelInfo.set({ model_version: bundles.loaded.version }, 1);
  const router = (canary = await openCanary(options, bundles, metrics));
  const requestLog = await JsonLinesLog.create(options.logsDir, { maxBytes: options.logMaxBytes });
  // Late labels go to labels-*.jsonl beside the request logs, opened at the first feedback (a
  // service that never gets any leaves no empty file).
  let labelLog: Promise<JsonLinesLog> | undefined;
  const labels = () => (labelLog ??= JsonLinesLog.create(options.logsDir, { maxBytes: options.logMaxBytes, prefix: 'labels' }));
  const ranges = options.ranges ?? NO_RANGES;

  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const app = Fastify({
    logger: false,
    bodyLimit,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    schemaErrorFormatter: (errors, dataVar) => new Error(describeSchemaError(errors as AjvErrorLike[], dataVar)),
  });
  await registerOpenApi(app, { auth: Boolean(options.token) });
  registerBearerAuth(app, options.token);
  explainBodyLimit(app, bodyLimit);
  registerHealthRoutes(app, bundles, ['/predict', '/health', '/canary', '/canary/rollback', '/canary/promote']);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: reply.statusCode });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  registerPredict(app, { router, ranges, requestLog, metrics, window });
  registerFeedback(app, labels);
  registerStatus(app, { bundles, requestLog, metrics, window });
  registerCanaryRoutes(app, router);

  bundles.start(options.reloadIntervalMs);
  return {
    app,
    bundles,
    canary: router,
    requestLog,
    async close() {
      bundles.stop();
      router.stop();
      await app.close();
      await requestLog.close();
      await (await labelLog)?.close();
    },
  };
}

/** What the scoring route writes to and reads from. */
interface Scoring {
  router: CanaryRouter;
  ranges: Ranges;
  requestLog: JsonLinesLog;
  metrics: ServiceMetrics;
  window: PsiWindow;
}

/** POST /predict: score, log (before answering), count, feed the PSI window. */
function registerPredict(app: FastifyInstance, { router, ranges, requestLog, metrics, window }: Scoring): void {
  app.post('/predict', { schema: { body: predictBodySchema, response: predictResponseSchema } }, async (request) => {
    const body = request.body as RequestRow | RequestRow[];
    const rows = Array.isArray(body) ? body : [body];
    const { bundle, arm } = router.pick(requestKey(request.headers));
    const flags = rows.map((row) => readingFlags(row, ranges));
    const scores = scoreDataset(bundle.model, toDataset(rows, flags));
    const timestamp = new Date().toISOString();
    const threshold = bundle.model.decision_threshold;
    const records: PredictionRecord[] = rows.map((features, i) => ({
      timestamp, request_id: randomUUID(), model_version: bundle.version, ...(arm ? { canary_arm: arm } : {}), score: scores[i]!, prediction: scores[i]! >= threshold ? 1 : 0, features,
      ...(isFlagged(flags[i]!) ? { quality: flags[i]! } : {}),
    }));
    // Answer only once logged: an answered prediction is never missing from the log.
    await requestLog.append(records);
    metrics.logLines.inc(records.length);
    metrics.predictions.inc({ model_version: bundle.version }, records.length);
    for (const r of records) {
      metrics.scores.observe({ model_version: r.model_version }, r.score);
      // Flagged rows stay out of the PSI window, as they stay out of the drift check.
      if (!r.quality) window.push(Object.fromEntries(FEATURES.map((f) => [f.name, r.features[f.name] ?? Number.NaN])) as FeatureRow);
    }
    const predictions = records.map((r) => ({ request_id: r.request_id, score: r.score, occupied: r.prediction, ...(r.quality ? { quality: r.quality } : {}) }));
    return Array.isArray(body) ? { model_version: bundle.version, predictions } : { model_version: bundle.version, ...predictions[0] };
  });
}

/** POST /feedback: late labels, stored like the request log (written before the answer), joined by ingest. */
function registerFeedback(app: FastifyInstance, labels: () => Promise<JsonLinesLog>): void {
  app.post('/feedback', { schema: { body: feedbackBodySchema } }, async (request) => {
    const body = request.body as Omit<FeedbackRecord, 'timestamp'> | Omit<FeedbackRecord, 'timestamp'>[];
    const items = Array.isArray(body) ? body : [body];
    const timestamp = new Date().toISOString();
    await (await labels()).append(items.map((l): FeedbackRecord => ({ timestamp, request_id: l.request_id, occupied: l.occupied })));
    return { stored: items.length };
  });
}

/** GET /health (the model and the log) and GET /metrics (Prometheus text, whole service). */
function registerStatus(app: FastifyInstance, { bundles, requestLog, metrics, window }: { bundles: BundleHolder; requestLog: JsonLinesLog; metrics: ServiceMetrics; window: PsiWindow }): void {
  app.get('/health', async () => ({
    status: 'ok',
    model_version: bundles.current.version,
    model_loaded_at: bundles.current.loadedAt.toISOString(),
    bundle: bundles.current.dir,
    log_file: requestLog.file,
    log_lines: requestLog.lines,
    psi_window_rows: window.rows,
  }));

  const scrape = metricsText(metrics.registry);
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return scrape();
  });
}
