// Optional bearer-token auth for the routes that change state. With a token configured (the
// DVC_TS_SERVE_TOKEN environment variable; never a file in the repository), every request other
// than a read (GET, HEAD) needs `Authorization: Bearer <token>`, except the routes named open
// (scoring: /predict is the service's purpose and changes nothing the model or its labels rely
// on). New write routes are thus protected without being listed. Tokens are compared by their
// SHA-256 digests with timingSafeEqual, so neither the time taken nor the length leaks the token.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** The environment variable holding the service's token. */
export const TOKEN_ENV = 'DVC_TS_SERVE_TOKEN';

/** Routes open without a token even when one is configured. */
export const OPEN_WRITE_ROUTES: readonly string[] = ['/predict'];

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Whether `header` (an Authorization value) carries `token`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

/** Require the token on write routes; no token (undefined or empty) leaves every route open. */
export function registerBearerAuth(app: FastifyInstance, token: string | undefined): void {
  if (!token) return;
  const open = new Set(OPEN_WRITE_ROUTES);
  app.addHook('onRequest', async (request, reply) => {
    if (READS.has(request.method) || open.has(request.routeOptions.url ?? '')) return;
    if (bearerMatches(request.headers.authorization, token)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="dvc-ts serve"')
      .send({ statusCode: 401, error: 'Unauthorized', message: `${request.method} ${request.url} needs "Authorization: Bearer <token>" (the token set in ${TOKEN_ENV})` });
  });
}
