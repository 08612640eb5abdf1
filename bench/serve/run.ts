#!/usr/bin/env node
// `npm run bench:serve`: load benchmark of the prediction service (serve/) next to the same
// service written with FastAPI + uvicorn (fastapi_app.py, Debian's python3-fastapi), on one
// machine in one run. Loopback only, bounded: N connections for D seconds per service after a
// short warm-up, in alternating rounds, single-row POST /predict with request logging on; every answered request must
// be in the service's log (counted after a clean shutdown). Then a concurrency sweep of the
// service alone (1, 4, 16, 64 connections by default), p99 at each with the machine's load
// average beside it: the load up to which p99 ≤ 20 ms holds. Progress goes to stderr.

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { execa, type ResultPromise } from 'execa';
import { BUNDLE_DIR } from '../../stages/lib/layout.js';
import { copyFlagshipAfterRepro } from './fixture.js';
import { renderGoals, renderLoadTable, renderSweepTable, renderSweepVerdict, type LoadResult, type Round, type Row, type SweepRow } from './report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT = resolve(HERE, '../../..');
const SERVE = join(PROJECT, 'dist/serve/main.js');
const FASTAPI_DIR = join(PROJECT, 'bench/serve');
const log = (line: string) => process.stderr.write(`bench:serve: ${line}\n`);

interface Options { duration: number; connections: number; warmup: number; rounds: number; out?: string; fastapi: boolean; floor: boolean; sweep: number[]; workers: number }

/** The latency goal the sweep reads its verdict against. */
const P99_GOAL_MS = 20;
const USAGE = '--duration S, --connections N, --warmup S, --rounds N (0: sweep only), --sweep C1,C2,… (connection counts), --no-sweep, --workers N (serve --workers), --out FILE, --no-fastapi, --no-floor';

function connectionList(value: string | undefined): number[] {
  const list = (value ?? '').split(',').map(Number);
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1 || n > 200)) throw new Error(`--sweep expects connection counts from 1 to 200, e.g. 1,4,16,64 (got ${value ?? 'nothing'})`);
  return list;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { duration: 10, connections: 50, warmup: 3, rounds: 3, fastapi: true, floor: true, sweep: [1, 4, 16, 64], workers: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (max: number, min = 1) => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${a} expects a whole number from ${min} to ${max}`);
      return n;
    };
    if (a === '--duration') o.duration = num(120);
    else if (a === '--connections') o.connections = num(200);
    else if (a === '--warmup') o.warmup = num(30);
    else if (a === '--rounds') o.rounds = num(10, 0);
    else if (a === '--sweep') o.sweep = connectionList(argv[++i]);
    else if (a === '--no-sweep') o.sweep = [];
    else if (a === '--workers') o.workers = num(16);
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--no-fastapi') o.fastapi = false;
    else if (a === '--no-floor') o.floor = false;
    else throw new Error(`unknown option ${a} (${USAGE})`);
  }
  if (o.rounds === 0 && o.sweep.length === 0) throw new Error('nothing to measure: --rounds 0 and --no-sweep');
  return o;
}

/** A copy of the flagship example whose pipeline has run (the shared first repro of this build):
 *  the bundle and the reference window. */
async function makeBundle(base: string): Promise<string> {
  const repo = join(base, 'repo');
  await mkdir(repo);
  await execa('git', ['init', '-q'], { cwd: repo });
  await copyFlagshipAfterRepro(PROJECT, repo);
  return repo;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  await new Promise((res) => server.close(res));
  return port;
}

async function waitHealthy(url: string, child: ResultPromise): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the service exited`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function load(url: string, body: string, connections: number, duration: number): Promise<autocannon.Result> {
  return autocannon({ url: `${url}/predict`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration });
}

async function countLines(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir)) if (f.endsWith('.jsonl')) n += (await readFile(join(dir, f), 'utf8')).split('\n').filter(Boolean).length;
  return n;
}

async function linesAfterWarmup(logDir: string | null, warm: autocannon.Result): Promise<number | null> {
  if (logDir === null) return null;
  const total = await countLines(logDir);
  if (warm.non2xx + warm.errors > 0) throw new Error(`the warm-up had ${warm.non2xx + warm.errors} failed requests`);
  // Warm-up requests in flight when it stopped are answered and logged, like those of the run.
  return total - warm.requests.sent;
}

/** Warm up, measure, stop the service cleanly, count its log lines against the 2xx answers. */
async function measure(name: string, detail: string, url: string, child: ResultPromise, logDir: string | null, body: string, o: Options): Promise<LoadResult> {
  await waitHealthy(url, child);
  log(`${name}: warm-up ${o.warmup} s`);
  const warm = await load(url, body, o.connections, o.warmup);
  log(`${name}: ${o.connections} connections for ${o.duration} s`);
  const r = await load(url, body, o.connections, o.duration);
  child.kill('SIGTERM');
  await child;
  return {
    service: name, detail,
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50, p99Ms: r.latency.p99,
    answered2xx: r['2xx'],
    sent: r.requests.sent,
    failed: r.non2xx + r.errors,
    // The warm-up's requests are in the log too: all of them, when none was lost (checked here).
    logLines: await linesAfterWarmup(logDir, warm),
  };
}

async function findFastapiPython(): Promise<{ python: string; detail: string } | { missing: string }> {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = await execa(python, ['-c', [
      'import fastapi, uvicorn, importlib.util as u',
      'print(f"FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__}, "',
      '  + ("uvloop" if u.find_spec("uvloop") else "asyncio") + " + " + ("httptools" if u.find_spec("httptools") else "h11"))',
    ].join('\n')], { reject: false });
    if (r.exitCode === 0) return { python, detail: String(r.stdout).trim() };
  }
  return { missing: 'apt-get install python3-fastapi python3-uvicorn' };
}

interface Setup { base: string; repo: string; bundle: string; body: string; fastapi: Awaited<ReturnType<typeof findFastapiPython>> }

/** The lowest a Node HTTP service can cost here: answer a constant, read nothing, log nothing. */
const FLOOR_SERVER = `
const http = require('node:http');
const body = '{"model_version":"floor","score":0.5,"occupied":1}';
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); });
});
server.listen(0, '127.0.0.1', () => console.log('on http://127.0.0.1:' + server.address().port));
`;

/** Start a Node server that prints "on http://127.0.0.1:PORT" once listening. */
async function startNode(args: string[]): Promise<{ child: ResultPromise; url: string }> {
  const child = execa(process.execPath, args, { reject: false });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) res(m[1]!);
    });
    void child.then((r) => rej(new Error(`${args[0]} exited: ${String(r.stderr)}`)));
  });
  return { child, url };
}

/** The dvc-ts service on a free port, logging to `logs`; more than one worker only when asked. */
function startServe(s: Setup, logs: string, o: Options): Promise<{ child: ResultPromise; url: string }> {
  return startNode([SERVE, '--port', '0', '--bundle', s.bundle, '--logs', logs, '--reference', join(s.repo, 'data/reference.csv'), ...(o.workers > 1 ? ['--workers', String(o.workers)] : [])]);
}

const serveDetail = (o: Options) => `Node ${process.version}, Fastify 5${o.workers > 1 ? `, ${o.workers} workers` : ''}`;

async function benchOurs(s: Setup, round: number, o: Options): Promise<LoadResult> {
  const logs = join(s.base, `node-logs-${round}`);
  const { child, url } = await startServe(s, logs, o);
  return measure('dvc-ts serve', serveDetail(o), url, child, logs, s.body, o);
}

async function benchFloor(s: Setup, o: Options): Promise<LoadResult> {
  const { child, url } = await startNode(['-e', FLOOR_SERVER]);
  return measure('floor: node:http answering a constant', 'no parsing, scoring or logging', url, child, null, s.body, o);
}

async function benchFastapi(s: Setup, round: number, o: Options): Promise<Row> {
  if ('missing' in s.fastapi) return { service: 'FastAPI + uvicorn', missing: s.fastapi.missing };
  const port = await freePort();
  const logs = join(s.base, `fastapi-logs-${round}`);
  await mkdir(logs);
  const py = execa(s.fastapi.python, ['-m', 'uvicorn', 'fastapi_app:app', '--app-dir', FASTAPI_DIR, '--host', '127.0.0.1', '--port', String(port), '--no-access-log', '--log-level', 'warning'],
    { reject: false, env: { BUNDLE_DIR: s.bundle, LOG_FILE: join(logs, 'requests.jsonl') } });
  return measure('FastAPI + uvicorn', s.fastapi.detail, `http://127.0.0.1:${port}`, py, logs, s.body, o);
}

/** One service, the connection counts in turn after one warm-up; every answered request of the
 *  sweep must be in its log. */
async function sweep(s: Setup, o: Options): Promise<string> {
  const logs = join(s.base, 'sweep-logs');
  const { child, url } = await startServe(s, logs, o);
  await waitHealthy(url, child);
  log(`sweep: warm-up ${o.warmup} s`);
  const warm = await load(url, s.body, Math.max(...o.sweep), o.warmup);
  const rows: SweepRow[] = [];
  for (const connections of o.sweep) {
    const loadBefore = loadavg();
    log(`sweep: ${connections} connection(s) for ${o.duration} s (load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')})`);
    const r = await load(url, s.body, connections, o.duration);
    rows.push({ connections, loadBefore, requestsPerSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, p999Ms: r.latency.p99_9, answered2xx: r['2xx'], failed: r.non2xx + r.errors });
  }
  child.kill('SIGTERM');
  await child;
  const logged = (await linesAfterWarmup(logs, warm)) ?? 0;
  const lost = Math.max(0, rows.reduce((n, r) => n + r.answered2xx, 0) - logged);
  return [
    `Concurrency sweep: the dvc-ts service alone (${serveDetail(o)}), single-row POST /predict with request logging on, ${o.sweep.join(', ')} connection(s) in turn`,
    `(each sends its next request once the last is answered), ${o.duration} s each after a ${o.warmup} s warm-up at ${Math.max(...o.sweep)} connections; loopback, autocannon on the same machine.`, '',
    renderSweepTable(rows, cpus().length), '', renderSweepVerdict(rows, P99_GOAL_MS, lost), '',
  ].join('\n');
}

async function compare(setup: Setup, o: Options): Promise<string> {
  const rounds: Round[] = [];
  // Rounds alternate the services, so a change in the machine's load touches both.
  for (let round = 1; round <= o.rounds; round++) {
    log(`round ${round} of ${o.rounds}`);
    const ours = await benchOurs(setup, round, o);
    const peer = await benchFastapi(setup, round, o);
    rounds.push({ round, ours, peer, ...(o.floor ? { floor: await benchFloor(setup, o) } : {}) });
  }
  return [
    `Single-row POST /predict with request logging on, ${o.connections} connections, ${o.duration} s per service after a ${o.warmup} s warm-up, loopback,`,
    `${o.rounds} round(s) alternating the services; ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load average before: ${loadavg().map((x) => x.toFixed(1)).join(' ')}; autocannon runs on the same machine.`, '',
    renderLoadTable(rounds), '', renderGoals(rounds), '',
  ].join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const base = await mkdtemp(join(tmpdir(), 'dvc-ts-bench-serve-'));
  process.once('SIGINT', () => void rm(base, { recursive: true, force: true }).finally(() => process.exit(130)));
  try {
    log('running the pipeline for a bundle');
    const repo = await makeBundle(base);
    const setup: Setup = {
      base, repo, bundle: join(repo, BUNDLE_DIR),
      body: JSON.stringify({ temperature: 21.2, humidity: 27.1, light: 420, co2: 780, humidity_ratio: 0.0042, hour: 10, weekday: 2 }),
      fastapi: o.fastapi ? await findFastapiPython() : { missing: 'skipped (--no-fastapi)' },
    };
    const report = [
      ...(o.rounds > 0 ? [await compare(setup, o)] : []),
      ...(o.sweep.length > 0 ? [await sweep(setup, o)] : []),
    ].join('\n');
    process.stdout.write(report);
    if (o.out) await writeFile(o.out, report);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:serve: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
