#!/usr/bin/env node
// `npm run bench:remote`: push and pull 10,000 small files and one 1 GiB file to a real
// S3-compatible server (OpenStack Swift + s3api, started here on 127.0.0.1 from Debian's
// packages) and to a folder remote; report objects/s, MB/s and requests for a first push, a
// no-op push and a pull, plus the per-request costs the README's scale estimates are built on.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { writeFileAtomic } from '../engine/util/atomic.js';
import { remoteFor } from '../engine/remote/open.js';
import { listAll } from '../engine/remote/types.js';
import { objectKey } from '../engine/remote/plan.js';
import { PACKS_PREFIX, parsePackKey } from '../engine/remote/pack.js';
import { blake3Hex } from '../engine/hash/digest.js';
import { createLimiter } from '../engine/hash/limit.js';
import { startSwift, swiftMissing, s3Remote, S3_CREDENTIALS, type SwiftServer } from '../test/remote/servers.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../engine/bin/main.js');
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Args {
  files: number;
  fileBytes: number;
  bigMiB: number;
  remotes: ('s3' | 'folder')[];
  out?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { files: 10_000, fileBytes: 4096, bigMiB: 1024, remotes: ['s3', 'folder'] };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--files': args.files = Number(v); i++; break;
      case '--file-bytes': args.fileBytes = Number(v); i++; break;
      case '--big-mib': args.bigMiB = Number(v); i++; break;
      case '--remote': args.remotes = v!.split(',') as Args['remotes']; i++; break;
      case '--out': args.out = v; i++; break;
      default: throw new Error(`unknown argument ${argv[i]} (--files N --file-bytes B --big-mib M --remote s3,folder --out FILE)`);
    }
  }
  return args;
}

/** What one CLI run reported in its summary line, and how long the whole process took. */
interface Step {
  label: string;
  objects: number;
  mb: number;
  requests: number;
  requestDetail: string;
  /** Seconds of the transfer as the command measured it (after start-up). */
  inner: number;
  /** Seconds of the whole process, start-up and the AWS SDK's loading included. */
  wall: number;
  /** CPU seconds (user + system) dvc-ts itself used, from GNU time: the client's share. */
  cpu?: number;
}

const GNU_TIME = '/usr/bin/time';
const haveTime = await import('node:fs/promises').then((fs) => fs.access(GNU_TIME).then(() => true, () => false));

async function cli(cwd: string, args: string[], env: Record<string, string>, label: string): Promise<Step> {
  const t = performance.now();
  const argv = haveTime ? [GNU_TIME, '-f', 'cpu %U %S', process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  const r = await execa(argv[0]!, argv.slice(1), { cwd, env: { ...env, CI: 'true' }, reject: false });
  const wall = (performance.now() - t) / 1000;
  const cpuLine = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(String(r.stderr));
  if (r.exitCode !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  const m = /(\d+) objects? (?:pushed|fetched) \(([\d.]+) MB\).*?(\d+) requests \(([^)]*)\), ([\d.]+) s/.exec(String(r.stdout));
  if (!m) throw new Error(`no summary line in: ${r.stdout}`);
  const step: Step = { label, objects: Number(m[1]), mb: Number(m[2]), requests: Number(m[3]), requestDetail: m[4]!, inner: Number(m[5]), wall };
  if (cpuLine) step.cpu = Number(cpuLine[1]) + Number(cpuLine[2]);
  return step;
}

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const chunk = 16 * 1024 * 1024;
  for (let done = 0; done < bytes; done += chunk) {
    const buf = randomBytes(Math.min(chunk, bytes - done));
    if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
}

async function git(cwd: string, ...args: string[]): Promise<void> {
  await execa('git', args, { cwd });
}

/**
 * Per-request latency, the unit of the README's scale estimates: HEADs of absent objects (an
 * existence check of a new object), one at a time and 32 in flight; ranged GETs of one 4 KiB
 * member of a pack; listing pages.
 */
async function requestCosts(root: string, settings: { url: string; endpointurl?: string }): Promise<string[]> {
  Object.assign(process.env, S3_CREDENTIALS);
  const remote = await remoteFor(root, 'bench', settings);
  const absent = Array.from({ length: 400 }, (_, i) => objectKey(blake3Hex(`absent ${i}`)));
  const lines: string[] = [];
  let t = performance.now();
  for (const k of absent.slice(0, 200)) await remote.exists(k);
  const seqHead = (performance.now() - t) / 200;
  const limit = createLimiter(32);
  t = performance.now();
  await Promise.all(absent.map((k) => limit(() => remote.exists(k))));
  const parHead = (performance.now() - t) / absent.length;
  const packs = (await listAll(remote, PACKS_PREFIX)).filter((k) => parsePackKey(k)?.kind === 'pack');
  let ranged = '';
  if (packs.length) {
    t = performance.now();
    for (let i = 0; i < 100; i++) await remote.readRange(packs[i % packs.length]!, i * 4096, (i + 1) * 4096);
    ranged = `| GET of one 4 KiB object in a pack (ranged), one at a time | ${((performance.now() - t) / 100).toFixed(2)} ms per request |`;
  }
  const before = remote.requests.list;
  t = performance.now();
  const all = await listAll(remote, '');
  const pages = remote.requests.list - before;
  const perPage = (performance.now() - t) / pages;
  await remote.close();
  lines.push(`| HEAD of an absent object, one at a time | ${seqHead.toFixed(2)} ms per request |`);
  lines.push(`| HEAD of an absent object, 32 in flight | ${parHead.toFixed(2)} ms per object (${(1000 / parHead).toFixed(0)} checks/s) |`);
  if (ranged) lines.push(ranged);
  lines.push(`| LIST of the whole remote, pages of ${remote.listPageSize} keys (${all.length} keys, ${pages} pages) | ${perPage.toFixed(1)} ms per page |`);
  return lines;
}

async function benchRemote(kind: 's3' | 'folder', args: Args, base: string, server?: SwiftServer): Promise<string[]> {
  const dir = join(base, kind);
  const a = join(dir, 'a');
  await mkdir(join(a, 'data'), { recursive: true });
  await git(a, 'init', '-q', '-b', 'main');
  log(`bench:remote [${kind}] writing ${args.files} files of ${args.fileBytes} B and one ${args.bigMiB} MiB file`);
  const limit = createLimiter(16);
  await Promise.all(Array.from({ length: args.files }, (_, i) => limit(() => writeFile(join(a, 'data', `f${i}.bin`), randomBytes(args.fileBytes)))));
  await writeRandomFile(join(a, 'big.bin'), args.bigMiB * 1024 * 1024);
  let url: string;
  const env: Record<string, string> = { ...S3_CREDENTIALS, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  let options: Record<string, string> = {};
  if (kind === 's3') {
    const r = await s3Remote(server!);
    url = r.url;
    options = r.options;
  } else {
    url = join(dir, 'remote');
  }
  await execa(process.execPath, [CLI, 'add', 'data', 'big.bin'], { cwd: a, env });
  await execa(process.execPath, [CLI, 'remote', 'add', '-d', 'bench', url], { cwd: a, env });
  for (const [k, v] of Object.entries(options)) await execa(process.execPath, [CLI, 'remote', 'modify', 'bench', k, v], { cwd: a, env });
  await git(a, 'add', '-A');
  await git(a, '-c', 'user.name=bench', '-c', 'user.email=bench@invalid', 'commit', '-qm', 'bench');
  const steps: Step[] = [];
  const run = async (cwd: string, cliArgs: string[], label: string) => {
    log(`bench:remote [${kind}] ${label}`);
    const s = await cli(cwd, cliArgs, env, label);
    steps.push(s);
    return s;
  };
  await run(a, ['push', 'data'], `push ${args.files} small files (first)`);
  await run(a, ['push', 'data'], `push ${args.files} small files (no-op)`);
  await run(a, ['push', 'big.bin'], `push ${args.bigMiB} MiB file (first)`);
  await run(a, ['push'], 'push everything (no-op)');
  const b = join(dir, 'b');
  await execa('git', ['clone', '-q', a, b]);
  await run(b, ['pull', 'data'], `pull ${args.files} small files (fetch + checkout)`);
  await run(b, ['pull', 'big.bin'], `pull ${args.bigMiB} MiB file (fetch + checkout)`);
  await run(b, ['pull'], 'pull everything (no-op)');
  const lines = [
    `### ${kind === 's3' ? 'S3 (Swift s3api on 127.0.0.1)' : 'Folder remote (same disk)'}`,
    '',
    '| step | objects | MB | requests | seconds (transfer) | seconds (whole command) | dvc-ts CPU s | objects/s | MB/s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of steps) {
    const rate = s.objects && s.inner ? (s.objects / s.inner).toFixed(0) : '–';
    const mbs = s.mb > 1 && s.inner ? (s.mb / s.inner).toFixed(0) : '–';
    lines.push(`| ${s.label} | ${s.objects} | ${s.mb.toFixed(1)} | ${s.requests} (${s.requestDetail}) | ${s.inner.toFixed(2)} | ${s.wall.toFixed(2)} | ${s.cpu?.toFixed(2) ?? '–'} | ${rate} | ${mbs} |`);
  }
  lines.push('', '| request | cost |', '|---|---|');
  lines.push(...(await requestCosts(a, kind === 's3' ? { url, endpointurl: options.endpointurl } : { url })));
  lines.push('');
  await rm(dir, { recursive: true, force: true });
  return lines;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const base = await mkdtemp(join(tmpdir(), 'dvc-ts-bench-remote-'));
  let server: SwiftServer | undefined;
  const report: string[] = [
    '# Remote benchmark',
    '',
    `${args.files} files of ${args.fileBytes} B and one ${args.bigMiB} MiB file; ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the start (the machine is shared).`,
    '',
  ];
  try {
    for (const kind of args.remotes) {
      if (kind === 's3') {
        const missing = await swiftMissing();
        if (missing) {
          report.push(`S3: skipped: ${missing}`, '');
          continue;
        }
        server = await startSwift();
      }
      report.push(...(await benchRemote(kind, args, base, server)));
    }
  } finally {
    await server?.stop();
    await rm(base, { recursive: true, force: true });
  }
  const text = report.join('\n') + '\n';
  process.stdout.write(text);
  if (args.out) await writeFileAtomic(args.out, text);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:remote: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
