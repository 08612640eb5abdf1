// The canary's HTTP endpoints: GET /canary (what is routed where), POST /canary/rollback (every
// request to the champion from now on) and POST /canary/promote (the candidate becomes the
// champion). Without a running canary the two POSTs answer 409 and change nothing.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { BundleError } from './bundle.js';
import { CanaryError, type CanaryRouter, type CanaryStatus } from './canary.js';

async function answer(reply: FastifyReply, action: () => CanaryStatus | Promise<CanaryStatus>): Promise<CanaryStatus | { message: string }> {
  try {
    return await action();
  } catch (e) {
    if (e instanceof CanaryError) return reply.code(409).send({ message: e.message });
    if (e instanceof BundleError) return reply.code(500).send({ message: e.message });
    throw e;
  }
}

export function registerCanaryRoutes(app: FastifyInstance, canary: CanaryRouter): void {
  app.get('/canary', async () => canary.status());
  app.post('/canary/rollback', async (_request, reply) => answer(reply, () => canary.rollback()));
  app.post('/canary/promote', async (_request, reply) => answer(reply, () => canary.promote()));
}
