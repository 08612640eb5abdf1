#!/usr/bin/env node
// `npm run bench:cluster`: the slurm executor against the floor and Snakemake, on the one-node
// Slurm cluster of scripts/slurm/start.sh. Two workloads: N independent stages of S seconds each
// (a foreach), and a 3 × 3 experiment grid (`exp run --run-all`). For each: dvc-ts local (-j 2),
// dvc-ts on Slurm, the floor (the same commands as one `sbatch --array … --wait`: no coordinator
// at all) and Snakemake 7 in cluster mode (`--cluster sbatch --jobs N`). Whole-process wall
// time, every round in fresh folders; Slurm's own calls counted through PATH shims.
import { mkdir, mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { summarize, type Summary } from './stats.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../engine/bin/main.js');
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Args {
  stages: number;
  seconds: number;
  runs: number;
  only: string[];
  /** `--mem` of every job of every contender ('' for none: the cluster's default). */
  mem: string;
  out?: string;
}

function parseArgs(argv: string[]): Args {
  // Every job asks for a little memory: without `--mem`, Slurm gives a job the whole node's memory
  // (CR_Core_Memory, no DefMemPerCPU), so only one job of any tool runs at a time on this node.
  const args: Args = { stages: 100, seconds: 1, runs: 3, only: ['fanout', 'grid'], mem: '100M' };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[++i];
    switch (argv[i - 1]) {
      case '--stages': args.stages = Number(v); break;
      case '--seconds': args.seconds = Number(v); break;
      case '--runs': args.runs = Number(v); break;
      case '--only': args.only = v!.split(','); break;
      case '--mem': args.mem = v!; break;
      case '--out': args.out = v; break;
      default: throw new Error(`unknown argument ${argv[i - 1]} (--stages N --seconds S --runs R --only fanout,grid --mem SIZE --out FILE)`);
    }
  }
  return args;
}

/** Slurm commands as seen by the shims: name and arguments of every call. */
interface Calls {
  sbatch: number;
  squeue: number;
  /** Most job ids one squeue call asked about. */
  widestSqueue: number;
}

async function makeShims(dir: string): Promise<string> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  for (const cmd of ['sbatch', 'squeue', 'scancel', 'scontrol']) {
    const real = (await execa('sh', ['-c', `command -v ${cmd}`])).stdout.trim();
    await writeFile(join(bin, cmd), `#!/bin/sh\nprintf '%s\\n' "${cmd} $*" >> "$DVC_TS_BENCH_CALLS"\nexec ${real} "$@"\n`);
    await chmod(join(bin, cmd), 0o755);
  }
  return bin;
}

async function readCalls(file: string): Promise<Calls> {
  const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const squeue = lines.filter((l) => l.startsWith('squeue '));
  const widest = Math.max(0, ...squeue.map((l) => (/-j (\S+)/.exec(l)?.[1] ?? '').split(',').filter(Boolean).length));
  return { sbatch: lines.filter((l) => l.startsWith('sbatch ')).length, squeue: squeue.length, widestSqueue: widest };
}

interface Contender {
  name: string;
  /** Prepare a fresh folder; returns the command to time there. */
  setup(dir: string, args: Args): Promise<{ cmd: string; argv: string[]; cwd: string }>;
  counts?: boolean;
  /** How its jobs' names start, to find them in `squeue -t all`. */
  jobName?: string;
}

const git = (cwd: string, ...a: string[]) => execa('git', a, { cwd });

async function gitRepo(dir: string, files: Record<string, string>): Promise<void> {
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'config', 'user.email', 'bench@dvc-ts.invalid');
  await git(dir, 'config', 'user.name', 'bench');
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-qm', 'bench');
}

const resources = (a: Args, indent: string) => (a.mem ? `${indent}resources: {mem: ${a.mem}}\n` : '');
const fanoutPipeline = (a: Args) =>
  `stages:\n  work:\n    foreach: ${JSON.stringify(Array.from({ length: a.stages }, (_, i) => i + 1))}\n    do:\n      cmd: sleep ${a.seconds} && echo \${item} > out-\${item}.txt\n      outs:\n        - out-\${item}.txt\n${resources(a, '      ')}`;
const gridPipeline = (a: Args) =>
  `stages:\n  fit:\n    cmd: >-\n      sleep ${a.seconds} && echo \${a} \${b} | awk '{printf "{\\"score\\": %d}\\n", $1 * 10 + $2}' > score.json\n    params: [a, b]\n    metrics:\n      - score.json:\n          cache: false\n${resources(a, '    ')}`;
const arrayScript = (a: Args) => `#!/bin/sh\nsleep ${a.seconds} && echo $SLURM_ARRAY_TASK_ID > out-$SLURM_ARRAY_TASK_ID.txt\n`;
const snakefile = (a: Args, n: number) =>
  `rule all:\n    input: expand("out-{i}.txt", i=range(1, ${n + 1}))\n\nrule work:\n    output: "out-{i}.txt"\n    shell: "sleep ${a.seconds} && echo {wildcards.i} > {output}"\n`;
const memFlag = (a: Args) => (a.mem ? [`--mem=${a.mem}`] : []);

/** The floor: the same commands as one array job, no coordinator at all. */
function floors(n: number, a: Args): Contender[] {
  return [
    {
      name: `floor: sbatch --array=1-${n} --wait`,
      counts: true,
      jobName: 'task.sh',
      setup: async (dir) => {
        await writeFile(join(dir, 'task.sh'), arrayScript(a));
        return { cmd: 'sbatch', argv: [`--array=1-${n}`, '--wait', '--quiet', ...memFlag(a), `--output=${dir}/slurm-%A_%a.out`, 'task.sh'], cwd: dir };
      },
    },
    {
      // sbatch --wait sleeps longer and longer between its own polls, so it is no floor for a
      // short workload; the true floor watches the array as closely as anyone could (0.1 s).
      name: `floor: sbatch --array=1-${n}, squeue every 0.1 s`,
      counts: true,
      jobName: 'task.sh',
      setup: async (dir) => {
        await writeFile(join(dir, 'task.sh'), arrayScript(a));
        const script = `id=$(sbatch --parsable --array=1-${n} ${memFlag(a).join(' ')} --output=${dir}/slurm-%A_%a.out task.sh) && while squeue -h -j "$id" -t PD,R,CG,CF | grep -q .; do sleep 0.1; done`;
        return { cmd: 'sh', argv: ['-c', script], cwd: dir };
      },
    },
  ];
}

function contenders(workload: 'fanout' | 'grid', a: Args): Contender[] {
  const n = workload === 'fanout' ? a.stages : 9;
  const dvc = (executor: string, jobs: number): Contender => ({
    name: `dvc-ts ${executor} -j ${jobs}`,
    counts: executor === 'slurm',
    jobName: 'dvc-ts:',
    setup: async (dir) => {
      if (workload === 'fanout') {
        await gitRepo(dir, { 'pipeline.yaml': fanoutPipeline(a) });
        return { cmd: process.execPath, argv: [CLI, 'repro', '-q', '-j', String(jobs), '--executor', executor], cwd: dir };
      }
      await gitRepo(dir, { 'pipeline.yaml': gridPipeline(a), 'params.yaml': 'a: 1\nb: 1\n' });
      await execa(process.execPath, [CLI, 'exp', 'run', '--queue', '-S', 'a=1,2,3', '-S', 'b=1,2,3'], { cwd: dir });
      return { cmd: process.execPath, argv: [CLI, 'exp', 'run', '--run-all', '-j', String(jobs), '--executor', executor], cwd: dir };
    },
  });
  return [
    dvc('local', 2),
    dvc('slurm', workload === 'fanout' ? a.stages : 4),
    ...floors(n, a),
    {
      name: `snakemake 7 --cluster sbatch --jobs ${n}`,
      counts: true,
      jobName: 'snakejob.',
      setup: async (dir) => {
        await writeFile(join(dir, 'Snakefile'), snakefile(a, n));
        const sbatch = ['sbatch', ...memFlag(a), `--output=${dir}/slurm-%j.out`].join(' ');
        return { cmd: 'snakemake', argv: ['--cluster', sbatch, '--jobs', String(n), '--quiet', '--latency-wait', '5'], cwd: dir };
      },
    },
  ];
}

/** A job as the controller lists it (`squeue -t all` keeps ended jobs for MinJobAge seconds). */
interface JobTimes {
  id: number;
  name: string;
  submit: number;
  start: number;
  end: number;
}

async function listJobs(): Promise<JobTimes[]> {
  const r = await execa('squeue', ['-h', '-t', 'all', '--me', '-o', '%A|%j|%V|%S|%e'], { reject: false });
  const at = (t: string | undefined) => (t && /^\d{4}-/.test(t) ? new Date(t).getTime() / 1000 : NaN);
  return String(r.stdout).split('\n').map((l) => l.trim().split('|')).filter((f) => f.length === 5)
    .map(([id, name, submit, start, end]) => ({ id: Number(id), name: name!, submit: at(submit), start: at(start), end: at(end) }));
}

/** Slurm's part of a run (second resolution): first submit → last end, and the mean wait in the queue. */
interface SlurmSpan {
  span: number;
  queued: number;
}

function spanOf(jobs: JobTimes[], after: number, name: string): SlurmSpan | undefined {
  const mine = jobs.filter((j) => j.id > after && j.name.startsWith(name) && Number.isFinite(j.end));
  if (mine.length === 0) return undefined;
  const span = Math.max(...mine.map((j) => j.end)) - Math.min(...mine.map((j) => j.submit));
  return { span, queued: mine.reduce((s, j) => s + (j.start - j.submit), 0) / mine.length };
}

interface Row {
  workload: string;
  contender: string;
  wall: Summary | undefined;
  load: Summary | undefined;
  span: Summary | undefined;
  queued: Summary | undefined;
  calls: Calls | undefined;
}

interface Samples {
  wall: number[];
  load: number[];
  span: number[];
  queued: number[];
  calls?: Calls;
}

async function measureOnce(c: Contender, a: Args, bin: string, into: Samples): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-bench-cluster-'));
  try {
    const { cmd, argv, cwd } = await c.setup(dir, a);
    const callsFile = join(dir, 'calls.log');
    const env = { PATH: `${bin}:${process.env.PATH}`, DVC_TS_BENCH_CALLS: callsFile, CI: 'true' };
    const before = Math.max(0, ...(await listJobs()).map((j) => j.id));
    into.load.push(loadavg()[0]!);
    const t = performance.now();
    const r = await execa(cmd, argv, { cwd, env, reject: false, all: true });
    const seconds = (performance.now() - t) / 1000;
    if (r.exitCode !== 0) throw new Error(`${c.name} failed (exit ${r.exitCode}):\n${String(r.all).slice(-2000)}`);
    into.wall.push(seconds);
    if (c.counts) {
      into.calls = await readCalls(callsFile);
      const span = spanOf(await listJobs(), before, c.jobName ?? '');
      if (span) {
        into.span.push(span.span);
        into.queued.push(span.queued);
      }
    }
    return seconds;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(workload: 'fanout' | 'grid', a: Args, bin: string): Promise<Row[]> {
  const list = contenders(workload, a);
  const samples: Samples[] = list.map(() => ({ wall: [], load: [], span: [], queued: [] }));
  // Rounds interleave the contenders, so a machine that gets busier slows all of them alike.
  for (let round = 0; round < a.runs; round++) {
    for (const [k, c] of list.entries()) {
      const seconds = await measureOnce(c, a, bin, samples[k]!);
      log(`${workload} round ${round + 1}: ${c.name} ${seconds.toFixed(1)} s (load ${samples[k]!.load.at(-1)!.toFixed(1)})`);
    }
  }
  return list.map((c, k) => {
    const s = samples[k]!;
    return { workload, contender: c.name, wall: summarize(s.wall), load: summarize(s.load), span: summarize(s.span), queued: summarize(s.queued), calls: s.calls };
  });
}

const fmt = (s: Summary | undefined) => (s ? `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})` : '–');
const one = (s: Summary | undefined) => (s ? s.median.toFixed(1) : '–');
const isTightFloor = (r: Row) => r.contender.includes('every 0.1 s');

function tableRows(rows: Row[]): string[] {
  const out = [
    '| workload | contender | wall s | × floor | Slurm span s | mean queue wait s | load (1 min) | sbatch calls | squeue calls | most jobs in one squeue call |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const floor = rows.find((f) => f.workload === r.workload && isTightFloor(f))?.wall?.median;
    const ratio = floor && r.wall ? `${(r.wall.median / floor).toFixed(2)}×` : '–';
    out.push(`| ${r.workload} | ${r.contender} | ${fmt(r.wall)} | ${ratio} | ${one(r.span)} | ${one(r.queued)} | ${one(r.load)} | ${r.calls?.sbatch ?? '–'} | ${r.calls?.squeue ?? '–'} | ${r.calls?.widestSqueue || '–'} |`);
  }
  return out;
}

function render(rows: Row[], a: Args): string {
  const out = [
    `# Cluster benchmark`,
    '',
    `${a.stages} independent stages of ${a.seconds} s (fanout) and a 3 × 3 experiment grid of ${a.seconds} s stages (grid), on a one-node Slurm cluster; every job asks \`--mem=${a.mem || '(none)'}\`; ${a.runs} round(s), whole-process wall seconds as median (min–max); × floor: against the same commands as one array job watched every 0.1 s; Slurm span: first submit to last end as the controller reports them (whole seconds); load: the 1-minute load average as each measurement started (median).`,
    '',
    ...tableRows(rows),
    '',
  ];
  for (const w of new Set(rows.map((r) => r.workload))) {
    const get = (p: string) => rows.find((r) => r.workload === w && r.contender.startsWith(p))?.wall?.median;
    const slurm = get('dvc-ts slurm');
    const wait = rows.find((r) => r.workload === w && r.contender.includes('--wait'))?.wall?.median;
    const tight = rows.find((r) => r.workload === w && isTightFloor(r))?.wall?.median;
    const snake = get('snakemake');
    if (slurm && tight) {
      out.push(`- ${w}: dvc-ts on Slurm ${(slurm / tight).toFixed(2)}× the floor (goal ≤ 1.3×)` +
        `${wait ? `, ${(slurm / wait).toFixed(2)}× \`sbatch --array --wait\`` : ''}` +
        `${snake ? `; ${(snake / slurm).toFixed(2)}× faster than Snakemake's cluster mode (goal ≥ 2×)` : ''}.`);
    }
  }
  return out.join('\n') + '\n';
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const ping = await execa('scontrol', ['ping'], { reject: false }).catch(() => undefined);
  if (!ping || !/\bUP\b/.test(String(ping.stdout))) {
    log('bench:cluster needs a Slurm controller: run `sudo bash scripts/slurm/start.sh` first');
    process.exit(2);
  }
  const shimDir = await mkdtemp(join(tmpdir(), 'dvc-ts-bench-shims-'));
  try {
    const bin = await makeShims(shimDir);
    const rows: Row[] = [];
    for (const w of ['fanout', 'grid'] as const) if (a.only.includes(w)) rows.push(...(await measure(w, a, bin)));
    const table = render(rows, a);
    process.stdout.write(table);
    if (a.out) await writeFile(a.out, table);
  } finally {
    await rm(shimDir, { recursive: true, force: true });
  }
}

await main();
