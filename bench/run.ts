#!/usr/bin/env node
// `npm run bench`: generate the workloads in a temporary directory, time dvc-ts and its peers on
// the same work, print the markdown report and write it to --out. Progress goes to stderr.

import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isUserError } from '../engine/errors.js';
import { writeFileAtomic } from '../engine/util/atomic.js';
import { parseBenchArgs, USAGE, type BenchOptions } from './args.js';
import { killAllChildren } from './exec.js';
import { measureGroup, type MeasureContext } from './measure.js';
import { planWorkload, workloadDir, type Programs } from './plan.js';
import { renderReport } from './report.js';
import { rowByKey, type BenchReport, type LinearityResult, type LinearityRow, type ToolLine, type WorkloadResult } from './results.js';
import { summarize } from './stats.js';
import { ensureTool, findOnPath, GNU_TIME, PEER_TOOLS, type Tool } from './tools.js';
import { buildWorkload, type WorkloadId } from './workloads.js';

/** Environment variables that change node's own start-up (and so every node row), reported when set. */
const NODE_STARTUP_ENV = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../engine/bin/main.js');

const log = (line: string) => process.stderr.write(`${line}\n`);

interface Session {
  base: string;
  keep: boolean;
  stopped: boolean;
}

async function findTools(opts: BenchOptions): Promise<{ programs: Programs; lines: ToolLine[]; timeBin?: string }> {
  const programs: Programs = { node: process.execPath, cli: CLI };
  const lines: ToolLine[] = [{ name: 'node', version: process.version }];
  const found: Tool[] = [];
  // Without peers nothing is installed: the tiny run in `npm test` must stay quick and offline.
  const install = opts.install && opts.peers;
  const time = await ensureTool(GNU_TIME, install, log);
  const timeBin = time.path;
  found.push(time);
  if (opts.peers) {
    for (const wanted of PEER_TOOLS) found.push(await ensureTool(wanted, install, log));
  } else {
    const taskset = await findOnPath('taskset');
    if (taskset) found.push({ name: 'taskset', path: taskset });
  }
  for (const t of found) {
    if (t.missing) log(`bench: ${t.name}: ${t.missing}`);
    lines.push(t.missing ? { name: t.name, missing: t.missing } : { name: t.name, version: t.version ?? t.path ?? '' });
    if (!t.path) continue;
    switch (t.name) {
      case 'make':
      case 'snakemake':
      case 'dvc':
      case 'b3sum':
      case 'sha256sum':
      case 'taskset':
      case 'vmtouch':
        programs[t.name] = t.path;
        break;
    }
  }
  if (!opts.peers) lines.push({ name: 'peers', missing: 'skipped (--no-peers)' });
  return timeBin ? { programs, lines, timeBin } : { programs, lines };
}

async function runWorkload(id: WorkloadId, scale: number, session: Session, programs: Programs, ctx: MeasureContext, peers: boolean, minimal: boolean): Promise<WorkloadResult> {
  const workload = buildWorkload(id, scale);
  const dir = await workloadDir(session.base, id, minimal ? `-x${scale}` : '');
  log(`${workload.title}: ${workload.shape}`);
  const plan = planWorkload(workload, dir, programs, { peers, minimal });
  const t = performance.now();
  await plan.setup();
  log(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const rows = [];
  for (const group of plan.groups) {
    if (session.stopped) break;
    try {
      rows.push(...(await measureGroup(group, ctx)));
    } finally {
      await plan.afterGroup?.();
    }
  }
  // Free the disk before the next workload (W3 at scale 1 holds 2 GiB).
  if (!session.keep) await rm(dir, { recursive: true, force: true });
  return { id, title: workload.title, shape: workload.shape, stageCount: workload.stages.length, notes: plan.notes, rows };
}

const LINEARITY_ROWS: ReadonlyArray<{ group: 'cold' | 'noop'; key: string; figure: string; label: string }> = [
  { group: 'cold', key: 'dvc-ts:repro', figure: 'cold repro', label: 'dvc-ts repro' },
  { group: 'noop', key: 'dvc-ts:status', figure: 'no-op status', label: 'dvc-ts status' },
  { group: 'noop', key: 'dvc-ts:repro', figure: 'no-op repro', label: 'dvc-ts repro' },
];

async function runLinearity(opts: BenchOptions, measured: WorkloadResult | undefined, session: Session, programs: Programs, ctx: MeasureContext): Promise<LinearityResult> {
  const base = measured ?? (await runWorkload('W1', opts.scale, session, programs, ctx, false, true));
  const tenfold = await runWorkload('W1', opts.scale * 10, session, programs, ctx, false, true);
  const median = (w: WorkloadResult, group: 'cold' | 'noop', key: string) => summarize(rowByKey(w, group, key)?.samplesMs ?? [])?.median;
  const rows: LinearityRow[] = LINEARITY_ROWS.map((r) => {
    const out: LinearityRow = { figure: r.figure, label: r.label };
    const b = median(base, r.group, r.key);
    const x = median(tenfold, r.group, r.key);
    const bRss = rowByKey(base, r.group, r.key)?.rssKb;
    const xRss = rowByKey(tenfold, r.group, r.key)?.rssKb;
    if (b !== undefined) out.baseMs = b;
    if (x !== undefined) out.tenfoldMs = x;
    if (bRss !== undefined) out.baseRssKb = bRss;
    if (xRss !== undefined) out.tenfoldRssKb = xRss;
    return out;
  });
  return { baseScale: opts.scale, tenfoldScale: opts.scale * 10, baseShape: base.shape, tenfoldShape: tenfold.shape, rows };
}

function reportNotes(opts: BenchOptions, programs: Programs, timeBin: string | undefined): string[] {
  const notes = [
    'Every figure is the wall time of a whole command, process start-up included (compare with the `node -e 0` row); commands are started from Node with their output discarded.',
    'Cold hashing = the state cache of file hashes (`.dvc-ts/state/hashes.json`) deleted (the parsed-pipeline and lock caches stay); the page cache stays warm (the data was just written), so these rows measure hashing and reading from memory, not the disk.',
    !opts.peers
      ? 'No row with the page cache evicted (--no-peers).'
      : programs.vmtouch
      ? 'The W3 "page cache evicted" rows evict the files\' pages with `vmtouch -e` before each run (per file; the machine-wide `drop_caches` is not used on a shared machine).'
      : 'vmtouch is not available: no row with the page cache evicted.',
    timeBin
      ? 'Peak RSS is GNU time\'s %M on the warm-up run (the largest of the command and its descendants).'
      : 'GNU time is missing: peak RSS is the VmHWM of the command\'s own process, polled from /proc every 5 ms on the warm-up run (descendants not counted).',
    `Machine shared with other builds and tests while measuring: medians are noisy; the pairwise ratios (same round) are steadier than the absolute times. Load average is in the heading.`,
  ];
  if (!programs.dvc && opts.peers) notes.push('DVC: not installed (no `dvc` on PATH; it cannot be installed here), so it has no rows.');
  if (opts.runs < 5) notes.push(`Only ${opts.runs} timed run(s) per row: not enough for a median worth quoting (use --runs 5 or more).`);
  return notes;
}

async function main(argv: string[]): Promise<number> {
  const opts = parseBenchArgs(argv);
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!existsSync(CLI)) {
    log(`bench: the dvc-ts CLI is not built (${CLI}); run npm run build first`);
    return 2;
  }
  const loadAvgStart = loadavg();
  const { programs, lines, timeBin } = await findTools(opts);
  const session: Session = { base: await mkdtemp(join(opts.dir ?? tmpdir(), 'dvc-ts-bench-')), keep: opts.keep, stopped: false };
  const cleanup = () => {
    if (!session.keep) rmSync(session.base, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    session.stopped = true;
    killAllChildren();
    log(`bench: ${signal}: stopped${session.keep ? `; kept ${session.base}` : ', temporary files removed'}`);
    cleanup();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  log(`bench: working in ${session.base}`);
  const ctx: MeasureContext = {
    runs: opts.runs,
    timeoutMs: opts.timeoutSec * 1000,
    scratch: session.base,
    stopped: () => session.stopped,
    progress: log,
    ...(timeBin ? { timeBin } : {}),
  };
  try {
    const workloads: WorkloadResult[] = [];
    for (const id of opts.only) workloads.push(await runWorkload(id, opts.scale, session, programs, ctx, opts.peers, false));
    const report: BenchReport = {
      date: new Date().toISOString(),
      command: ['npm run bench --', ...argv].join(' '),
      scale: opts.scale,
      runs: opts.runs,
      machine: {
        cpuModel: cpus()[0]?.model ?? 'unknown',
        cores: availableParallelism(),
        nodeVersion: process.version,
        nodeStartupEnv: NODE_STARTUP_ENV.filter((name) => process.env[name] !== undefined && process.env[name] !== ''),
        os: `${osType()} ${release()}`,
        memoryGiB: totalmem() / 2 ** 30,
        loadAvgStart,
        loadAvgEnd: [],
      },
      tools: lines,
      workloads,
      notes: reportNotes(opts, programs, timeBin),
    };
    if (opts.linearity) report.linearity = await runLinearity(opts, workloads.find((w) => w.id === 'W1'), session, programs, ctx);
    report.machine.loadAvgEnd = loadavg();
    const text = renderReport(report);
    process.stdout.write(text);
    if (opts.out) {
      await writeFileAtomic(resolve(opts.out), text);
      log(`bench: report written to ${opts.out}`);
    }
    return 0;
  } finally {
    cleanup();
    if (session.keep) log(`bench: kept ${session.base}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (isUserError(e)) {
      log(`bench: ${e.format()}`);
      process.exitCode = 2;
      return;
    }
    killAllChildren();
    log(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 3;
  },
);
