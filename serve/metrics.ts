// The service's Prometheus metrics (prom-client, one registry per service): requests, latency,
// scores, the model served, and each feature's PSI over the recent-request window, computed
// when /metrics is scraped rather than on every request.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FeatureName } from '../stages/lib/dataset.js';
import type { PsiOptions, PsiWindow } from './psi-window.js';

export interface ServiceMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  latency: Histogram<'route'>;
  predictions: Counter<'model_version'>;
  scores: Histogram<'model_version'>;
  modelInfo: Gauge<'model_version'>;
  /** The canary: each served model's role (champion, candidate) and the candidate's share. */
  canaryRole: Gauge<'model_version' | 'role'>;
  canaryShare: Gauge;
  bundleSwitches: Counter;
  logLines: Counter;
}

export interface PsiSource {
  window: PsiWindow;
  /** The training reference, or undefined when none could be read (no PSI gauges then). */
  reference: () => Record<FeatureName, readonly number[]> | undefined;
  options: PsiOptions;
}

/** The canary's gauges follow its routing: the models answering, their roles, the share. */
export function showCanaryStatus(metrics: ServiceMetrics, status: { state: string; champion: string | null; candidate: string | null; share: number }): void {
  metrics.canaryRole.reset();
  if (status.champion !== null) metrics.canaryRole.set({ model_version: status.champion, role: 'champion' }, 1);
  if (status.state === 'running' && status.candidate !== null) metrics.canaryRole.set({ model_version: status.candidate, role: 'candidate' }, 1);
  metrics.canaryShare.set(status.share);
}

export function createMetrics(psi: PsiSource): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({
    name: 'occupancy_feature_psi',
    help: 'PSI of each feature: training reference vs the recent-request window',
    labelNames: ['feature'],
    // With several workers, each has its own window: the mean of theirs.
    aggregator: 'average',
    registers,
    collect() {
      this.reset();
      const reference = psi.reference();
      if (!reference) return;
      for (const [feature, value] of Object.entries(psi.window.psi(reference, psi.options))) this.set({ feature }, value);
    },
  });
  new Gauge({
    name: 'occupancy_psi_window_rows',
    help: 'Rows in the recent-request window the PSI gauges are computed over',
    registers,
    collect() {
      this.set(psi.window.rows);
    },
  });
  return {
    registry,
    requests: new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames: ['route', 'method', 'status'], registers }),
    latency: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request received to response sent',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    predictions: new Counter({ name: 'occupancy_predictions_total', help: 'Rows scored', labelNames: ['model_version'], registers }),
    scores: new Histogram({
      name: 'occupancy_prediction_score',
      help: 'Predicted probability of occupied, by the model version that answered',
      labelNames: ['model_version'],
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
      registers,
    }),
    modelInfo: new Gauge({ name: 'occupancy_model_info', help: 'The model served (value 1)', labelNames: ['model_version'], registers, aggregator: 'max' }),
    canaryRole: new Gauge({ name: 'occupancy_canary_model_role', help: 'Models answering requests and their role: champion or candidate (value 1)', labelNames: ['model_version', 'role'], registers, aggregator: 'max' }),
    canaryShare: new Gauge({ name: 'occupancy_canary_share', help: 'Share of keyed requests routed to the canary candidate (0 when none runs)', registers, aggregator: 'max' }),
    bundleSwitches: new Counter({ name: 'occupancy_bundle_switches_total', help: 'Switches to a newly packaged bundle', registers }),
    logLines: new Counter({ name: 'occupancy_log_lines_total', help: 'Prediction lines written to the request log', registers }),
  };
}
