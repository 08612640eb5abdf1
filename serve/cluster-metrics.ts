// /metrics of a service with several workers: whichever worker a scrape reaches asks the primary,
// which gathers every worker's registry (prom-client's AggregatorRegistry) and answers with one
// text: counters and histograms summed, so rates do not jump with the worker scraped. Gauges say
// how they combine (see metrics.ts): a feature's PSI is the mean of the workers' windows.
// In a single process the service's own registry answers.

import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'dvc-ts:metrics-request';
const ANSWER = 'dvc-ts:metrics-answer';

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsAnswer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

const isRequest = (m: unknown): m is MetricsRequest => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === REQUEST;
const isAnswer = (m: unknown): m is MetricsAnswer => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === ANSWER;

/** The text /metrics answers with: the whole cluster's in a worker, the registry's otherwise. */
export function metricsText(registry: Registry): () => Promise<string> {
  if (!cluster.isWorker) return () => registry.metrics();
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs the worker's answer to the primary's gathering
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (e: Error) => void }>();
  let next = 0;
  process.on('message', (m: unknown) => {
    if (!isAnswer(m)) return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.text !== undefined) w?.resolve(m.text);
    else w?.reject(new Error(`metrics of the workers: ${m.error ?? 'no answer'}`));
  });
  return () => new Promise<string>((resolve, reject) => {
    const id = next++;
    waiting.set(id, { resolve, reject });
    process.send!({ type: REQUEST, id } satisfies MetricsRequest);
  });
}

/** In the primary: answer the workers' requests for the cluster's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, m: unknown) => {
    if (!isRequest(m)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: m.id, text } satisfies MetricsAnswer),
      (e: Error) => worker.send({ type: ANSWER, id: m.id, error: e.message } satisfies MetricsAnswer),
    );
  });
}
