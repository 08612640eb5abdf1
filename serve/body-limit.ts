// The request-size limit: Fastify refuses a body over `bodyLimit` bytes before reading it all
// (413). Its own message does not say the limit or how to change it; this one does.

import type { FastifyInstance } from 'fastify';

/** Default limit: a full batch (1,000 rows) is about 110 KB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

export function explainBodyLimit(app: FastifyInstance, limitBytes: number): void {
  app.setErrorHandler((error, _request, reply) => {
    if ((error as { code?: string }).code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw error;
    return reply.code(413).send({
      statusCode: 413,
      error: 'Payload Too Large',
      message: `the request body is larger than the service's limit of ${limitBytes} bytes (serve --body-limit-mb)`,
    });
  });
}
