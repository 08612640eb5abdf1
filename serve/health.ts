// Probes for an orchestrator: /health/live says the process serves HTTP (restart it if not);
// /health/ready says it can score (send it traffic only then): a valid model is loaded. A bundle
// refused while an older model keeps serving leaves the service ready, with the refusal shown,
// since requests are still answered; with no model to fall back on it is not ready. Routes that
// need a model answer 503 with the same reason until one is loaded.

import type { FastifyInstance } from 'fastify';
import type { BundleHolder, BundleRefusal } from './bundle.js';

export interface Readiness {
  ready: boolean;
  model_version?: string;
  /** Why there is no model (not ready only). */
  reason?: string;
  /** The bundle on disk that was refused, while another model serves or none does. */
  refused_bundle?: { reason: string; at: string };
}

function describeRefusal(refusal: BundleRefusal | undefined): Pick<Readiness, 'refused_bundle'> {
  return refusal ? { refused_bundle: { reason: refusal.message, at: refusal.at.toISOString() } } : {};
}

export function readiness(bundles: BundleHolder): Readiness {
  const model = bundles.loaded;
  if (model) return { ready: true, model_version: model.version, ...describeRefusal(bundles.refusal) };
  return { ready: false, reason: `no model loaded: ${bundles.refusal?.message ?? `waiting for a bundle in ${bundles.dir}`}`, ...describeRefusal(bundles.refusal) };
}

const readinessSchema = {
  type: 'object',
  properties: {
    ready: { type: 'boolean' },
    model_version: { type: 'string' },
    reason: { type: 'string' },
    refused_bundle: { type: 'object', properties: { reason: { type: 'string' }, at: { type: 'string' } } },
  },
} as const;

/** GET /health/live and /health/ready; `needsModel` routes get 503 while no model is loaded. */
export function registerHealthRoutes(app: FastifyInstance, bundles: BundleHolder, needsModel: readonly string[]): void {
  app.get('/health/live', { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({ status: 'live' }));
  app.get('/health/ready', { schema: { response: { 200: readinessSchema, 503: readinessSchema } } }, async (_request, reply) => {
    const state = readiness(bundles);
    return reply.code(state.ready ? 200 : 503).send(state);
  });
  const gated = new Set(needsModel);
  app.addHook('onRequest', async (request, reply) => {
    if (bundles.loaded || !gated.has(request.routeOptions.url ?? '')) return;
    const state = readiness(bundles);
    return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: state.reason });
  });
}
