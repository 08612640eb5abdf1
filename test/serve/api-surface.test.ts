// What a client or an API gateway sees of the service besides scoring: the OpenAPI document at
// /docs/json (built from the very schemas that validate requests), the bearer token on write
// routes when one is configured, and the request-size limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { FEATURE_NAMES } from '../../stages/lib/dataset.js';
import type { TempRepo } from '../helpers/repo.js';
import { flagshipRepo, monthRows, startService, type RunningService } from './helpers.js';

const TOKEN = `t-${process.pid}-${Math.random().toString(36).slice(2)}`;

type Json = Record<string, unknown>;

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Json }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: r.status, json: (await r.json()) as Json };
}

/** The parts of OpenAPI 3.1 every document must have, and operations well formed. */
function assertOpenApi31(doc: Json): void {
  assert.match(String(doc['openapi']), /^3\.1\.\d+$/);
  const info = doc['info'] as Json;
  assert.equal(typeof info['title'], 'string');
  assert.equal(typeof info['version'], 'string');
  const paths = doc['paths'] as Record<string, Record<string, Json>>;
  assert.ok(Object.keys(paths).length > 0);
  const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
  for (const [path, item] of Object.entries(paths)) {
    assert.ok(path.startsWith('/'), path);
    for (const [method, op] of Object.entries(item)) {
      assert.ok(methods.has(method), `${path}: ${method} is an HTTP method`);
      assert.ok(Object.keys(op['responses'] as Json).length > 0, `${method} ${path} lists responses`);
      for (const code of Object.keys(op['responses'] as Json)) assert.match(code, /^([1-5]\d\d|default)$/);
      if (op['requestBody']) assert.ok((op['requestBody'] as { content: Json }).content['application/json'], `${method} ${path} body is JSON`);
    }
  }
}

const bodySchema = (doc: Json, path: string): Json =>
  ((((doc['paths'] as Json)[path] as Json)['post'] as { requestBody: { content: Record<string, { schema: Json }> } }).requestBody.content['application/json']!.schema);

describe('the service API surface', () => {
  let repo: TempRepo;
  let service: RunningService;
  before(async () => {
    repo = await flagshipRepo();
    service = await startService(repo, ['--logs', 'served-logs', '--body-limit-mb', '0.01'], { DVC_TS_SERVE_TOKEN: TOKEN });
  });
  after(async () => {
    await service.stop();
    await repo.remove();
  });

  test('/docs/json is an OpenAPI 3.1 document whose /predict and /feedback bodies are the schemas that validate them', async () => {
    const r = await fetch(`${service.url}/docs/json`);
    assert.equal(r.status, 200);
    const doc = (await r.json()) as Json;
    assertOpenApi31(doc);
    const paths = doc['paths'] as Record<string, Record<string, Json>>;
    for (const p of ['/predict', '/feedback', '/health/ready', '/health/live']) assert.ok(paths[p], `${p} is documented`);
    assert.equal(paths['/docs/json'], undefined);
    assert.deepEqual(paths['/feedback']!['post']!['security'], [{ bearer: [] }], '/feedback needs the token');
    assert.equal(paths['/predict']!['post']!['security'], undefined);

    // The documented schemas accept and refuse what the service does.
    const ajv = new Ajv({ strict: false });
    const predict = ajv.compile(bodySchema(doc, '/predict'));
    const row = monthRows(3)[0]!;
    assert.ok(predict(row) && predict([row, row]));
    assert.ok(!predict({ ...row, hour: 24 }) && !predict({ ...row, colour: 'red' }) && !predict([]));
    assert.deepEqual(((bodySchema(doc, '/predict')['then'] as Json)['items'] as { required: string[] }).required, FEATURE_NAMES);
    const feedback = ajv.compile(bodySchema(doc, '/feedback'));
    assert.ok(feedback({ request_id: 'a', occupied: 1 }) && feedback([{ request_id: 'a', occupied: 0 }]));
    assert.ok(!feedback({ request_id: 'a', occupied: 2 }) && !feedback({ occupied: 1 }));
  });

  test('with a token configured, /feedback needs it (401 without or with a wrong one), /predict and reads do not', async () => {
    const label = JSON.stringify({ request_id: 'r-1', occupied: 1 });
    const none = await post(`${service.url}/feedback`, label);
    assert.equal(none.status, 401);
    assert.match(String(none.json['message']), /Authorization: Bearer/);
    for (const header of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', `Basic ${TOKEN}`, TOKEN]) {
      assert.equal((await post(`${service.url}/feedback`, label, { authorization: header })).status, 401, header);
    }
    const ok = await post(`${service.url}/feedback`, label, { authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { stored: 1 });
    assert.equal((await post(`${service.url}/predict`, JSON.stringify(monthRows(3)[0]))).status, 200);
    for (const path of ['/health/ready', '/metrics', '/docs/json']) assert.equal((await fetch(`${service.url}${path}`)).status, 200, path);
    // The canary's write routes are protected the same way: without the token nothing changes
    // (401); with it, the route answers (409 here: no canary runs).
    for (const path of ['/canary/rollback', '/canary/promote']) {
      assert.equal((await post(`${service.url}${path}`, '{}')).status, 401, path);
      assert.equal((await post(`${service.url}${path}`, '{}', { authorization: `Bearer ${TOKEN}` })).status, 409, path);
    }
  });

  test('a body over --body-limit-mb gets 413 saying the limit, and nothing is logged for it', async () => {
    const rows = monthRows(3).slice(0, 200);
    const body = JSON.stringify(rows);
    assert.ok(body.length > 0.01 * 1024 * 1024);
    const before = await (await fetch(`${service.url}/health`)).json() as { log_lines: number };
    const r = await post(`${service.url}/predict`, body);
    assert.equal(r.status, 413);
    assert.match(String(r.json['message']), /larger than the service's limit of 10486 bytes \(serve --body-limit-mb\)/);
    const small = await post(`${service.url}/predict`, JSON.stringify(rows.slice(0, 10)));
    assert.equal(small.status, 200);
    const afterwards = await (await fetch(`${service.url}/health`)).json() as { log_lines: number };
    assert.equal(afterwards.log_lines, before.log_lines + 10);
    // Other errors keep their own status and message.
    const bad = await post(`${service.url}/predict`, JSON.stringify({ ...rows[0], hour: 24 }));
    assert.equal(bad.status, 400);
    assert.match(String(bad.json['message']), /body\/hour must be <= 23/);
  });
});
