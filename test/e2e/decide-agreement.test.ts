// One decision, three commands: over random pipelines (gates open and closed, stages blocked by a
// closed gate upstream, outs deleted and restorable from the cache, params reverted to values the
// run-cache has seen, early cutoff when a rerun rebuilds identical outs), `status --json`,
// `repro --dry` and the real `repro`, run through the CLI in a temporary git repository, agree on
// what each stage does. Where that depends on what an upstream stage will write, status and
// --dry both say "may run: depends on what X writes" naming the same stages, and the real run
// (which knows) may do anything a stage can do.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import fc from 'fast-check';
import { TempRepo } from '../helpers/repo.js';

interface StageGen {
  /** Earlier stages whose out this one reads. */
  deps: number[];
  raw: boolean;
  /** Its out does not depend on its own params: a rerun for a param rebuilds identical bytes. */
  cutoff: boolean;
  /** Its out is a `cache: false` metric instead of a cached out. */
  uncachedOut: boolean;
  /** An earlier stage whose verdict file gates this one. */
  gateOn: number | undefined;
}

interface Values {
  p: number[];
  g: boolean[];
  raw: number;
}

/** A few changes at a time: undefined keeps the value, so most stages are untouched. */
interface Step {
  p: (number | undefined)[];
  g: (boolean | undefined)[];
  raw: number | undefined;
  deleteOut: boolean[];
}

interface Case {
  stages: StageGen[];
  initial: Values;
  steps: [Step, Step];
}

type Outcome = 'up-to-date' | 'restore' | 'run-cache' | 'run' | 'pending' | 'gated' | 'blocked' | 'fail' | 'not-run' | 'frozen';

/** `arb` one time in `1 + none`, else undefined. */
const sometimes = <T>(arb: fc.Arbitrary<T>, none: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: none }, { arbitrary: arb, weight: 1 });

const caseArb: fc.Arbitrary<Case> = fc.integer({ min: 2, max: 4 }).chain((n) => {
  const stage = (i: number): fc.Arbitrary<StageGen> =>
    fc.record({
      deps: i === 0 ? fc.constant([]) : sometimes(fc.integer({ min: 0, max: i - 1 }), 1).map((d) => (d === undefined ? [] : [d])),
      raw: fc.boolean(),
      cutoff: fc.boolean(),
      uncachedOut: fc.boolean(),
      gateOn: i === 0 ? fc.constant(undefined) : sometimes(fc.integer({ min: 0, max: i - 1 }), 2),
    });
  const values = fc.record({
    p: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    g: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    raw: fc.integer({ min: 0, max: 1 }),
  });
  const step = fc.record({
    p: fc.array(sometimes(fc.integer({ min: 0, max: 2 }), 3), { minLength: n, maxLength: n }),
    g: fc.array(sometimes(fc.boolean(), 4), { minLength: n, maxLength: n }),
    raw: sometimes(fc.integer({ min: 0, max: 1 }), 3),
    deleteOut: fc.array(fc.integer({ min: 0, max: 3 }).map((x) => x === 0), { minLength: n, maxLength: n }),
  });
  return fc.record({ stages: fc.tuple(...Array.from({ length: n }, (_, i) => stage(i))), initial: values, steps: fc.tuple(step, step) });
});

function pipelineOf(stages: StageGen[]): string {
  const lines = ['stages:'];
  stages.forEach((s, i) => {
    const inputs = [...s.deps.map((d) => `o${d}.txt`), ...(s.raw ? ['data/raw.txt'] : [])];
    const own = s.cutoff ? `test \${p.s${i}} -ge 0 && echo p=const` : `echo p=\${p.s${i}}`;
    const cat = inputs.length ? `cat ${inputs.join(' ')}; ` : '';
    lines.push(`  s${i}:`);
    lines.push('    cmd: >-');
    lines.push(`      mkdir -p .runs && echo run >> .runs/s${i} && { ${cat}${own}; } > o${i}.txt && printf '{"go": %s}\\n' \${g.s${i}} > v${i}.json`);
    if (inputs.length) lines.push(`    deps: [${inputs.join(', ')}]`);
    if (!s.uncachedOut) lines.push(`    outs: [o${i}.txt]`);
    lines.push('    metrics:');
    if (s.uncachedOut) lines.push(`      - o${i}.txt:`, '          cache: false');
    lines.push(`      - v${i}.json:`, '          cache: false');
    if (s.gateOn !== undefined) lines.push('    when:', `      file: v${s.gateOn}.json`, '      if: go == true');
  });
  return lines.join('\n') + '\n';
}

function paramsOf(v: Values): string {
  const p = v.p.map((x, i) => `  s${i}: ${x}`).join('\n');
  const g = v.g.map((x, i) => `  s${i}: ${x}`).join('\n');
  return `p:\n${p}\ng:\n${g}\n`;
}

async function write(repo: TempRepo, v: Values): Promise<void> {
  await repo.write({ 'params.yaml': paramsOf(v), 'data/raw.txt': `raw ${v.raw}\n` });
}

/** Apply a step's changes to the values (returned) and the workspace. */
async function apply(repo: TempRepo, v: Values, step: Step): Promise<Values> {
  const next: Values = {
    p: v.p.map((x, i) => step.p[i] ?? x),
    g: v.g.map((x, i) => step.g[i] ?? x),
    raw: step.raw ?? v.raw,
  };
  await write(repo, next);
  for (const [i, del] of step.deleteOut.entries()) if (del) await rm(repo.path(`o${i}.txt`), { force: true });
  return next;
}

const LINE_PATTERNS: Array<[RegExp, Outcome]> = [
  [/^Would run stage '([^']+)'/, 'run'],
  [/^Would restore '([^']+)' from the cache/, 'restore'],
  [/^Would restore '([^']+)' from the run-cache/, 'run-cache'],
  [/^Stage '([^']+)' may run: depends on what/, 'pending'],
  [/^Stage '([^']+)' done in/, 'run'],
  [/^Restored outs of '([^']+)' from the cache/, 'restore'],
  [/^Stage '([^']+)' restored from the run-cache/, 'run-cache'],
  [/^Stage '([^']+)' didn't change/, 'up-to-date'],
  [/^Stage '([^']+)' skipped: gate closed/, 'gated'],
  [/^Stage '([^']+)' skipped: upstream/, 'blocked'],
  [/^Stage '([^']+)' (?:would fail|failed)/, 'fail'],
  [/^Stage '([^']+)' not run/, 'not-run'],
  [/^Stage '([^']+)' is frozen/, 'frozen'],
];

/** What a repro (dry or real) said about each stage, from its report lines. */
function outcomesOf(stdout: string): Map<string, { outcome: Outcome; upstream?: string[] }> {
  const found = new Map<string, { outcome: Outcome; upstream?: string[] }>();
  for (const line of stdout.split('\n')) {
    for (const [re, outcome] of LINE_PATTERNS) {
      const m = re.exec(line);
      if (!m) continue;
      const upstream = /depends on what (.+?) writes?\b/.exec(line)?.[1]?.split(', ');
      found.set(m[1]!, upstream ? { outcome, upstream } : { outcome });
      break;
    }
  }
  return found;
}

async function runCounts(repo: TempRepo, n: number): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => repo.count(`.runs/s${i}`)));
}

/** How often each outcome was seen (status's view), to show the cases cover what they claim to. */
const seen = new Map<Outcome, number>();

async function checkAgreement(c: Case): Promise<void> {
  const n = c.stages.length;
  const repo = await TempRepo.create({ 'pipeline.yaml': pipelineOf(c.stages) });
  try {
    await write(repo, c.initial);
    const first = await repo.run(['repro', '-q']);
    assert.equal(first.code, 0, first.all);
    const values = await apply(repo, c.initial, c.steps[0]);
    const second = await repo.run(['repro', '-q']);
    assert.equal(second.code, 0, second.all);
    await apply(repo, values, c.steps[1]);

    const statusRun = await repo.run(['status', '--json']);
    assert.equal(statusRun.code, 0, statusRun.all);
    const status = JSON.parse(statusRun.stdout) as { stages: { name: string; outcome: Outcome; staleUpstream: string[] }[] };
    const dryRun = await repo.run(['repro', '--dry', '-q']);
    assert.equal(dryRun.code, 0, dryRun.all);
    const dry = outcomesOf(dryRun.stdout);
    const before = await runCounts(repo, n);
    const realRun = await repo.run(['repro', '-q']);
    assert.equal(realRun.code, 0, realRun.all);
    const real = outcomesOf(realRun.stdout);
    const after = await runCounts(repo, n);

    const context = `\npipeline:\n${pipelineOf(c.stages)}\nstatus: ${statusRun.stdout}\ndry:\n${dryRun.stdout}\nreal:\n${realRun.stdout}`;
    for (const [i, s] of status.stages.entries()) {
      seen.set(s.outcome, (seen.get(s.outcome) ?? 0) + 1);
      const d = dry.get(s.name);
      const r = real.get(s.name);
      assert.equal(d?.outcome, s.outcome, `status and --dry disagree on ${s.name}${context}`);
      if (s.outcome === 'pending') assert.deepEqual(d?.upstream, s.staleUpstream, `${s.name}: not the same upstream${context}`);
      else assert.equal(r?.outcome, s.outcome, `status/--dry and the real repro disagree on ${s.name}${context}`);
      // What the real run says is what happened: a stage ran exactly when it says so.
      assert.equal(after[i]! - before[i]!, r?.outcome === 'run' ? 1 : 0, `${s.name}: the run counter disagrees with '${r?.outcome}'${context}`);
    }
    const settled = await repo.run(['status', '--json']);
    const left = (JSON.parse(settled.stdout) as { stages: { name: string; outcome: Outcome }[] }).stages.filter((s) => !['up-to-date', 'gated', 'blocked'].includes(s.outcome));
    assert.deepEqual(left, [], `after the real repro nothing is left to do${context}`);
  } finally {
    await repo.remove();
  }
}

/** Always tried first: s1's gate never opened, so s2, which reads s1's out, stays blocked. */
const none = <T>(n: number): (T | undefined)[] => Array.from({ length: n }, () => undefined);
const BLOCKED: Case = {
  stages: [
    { deps: [], raw: true, cutoff: false, uncachedOut: false, gateOn: undefined },
    { deps: [], raw: false, cutoff: false, uncachedOut: false, gateOn: 0 },
    { deps: [1], raw: false, cutoff: false, uncachedOut: true, gateOn: undefined },
  ],
  initial: { p: [0, 0, 0], g: [false, true, true], raw: 0 },
  steps: [
    { p: none(3), g: none(3), raw: 1, deleteOut: [false, false, false] },
    { p: [undefined, undefined, 2], g: none(3), raw: undefined, deleteOut: [false, false, true] },
  ],
};

describe('status, repro --dry and repro take the same decision', () => {
  // A fixed seed keeps the run (and the coverage check below) reproducible; set
  // DVC_TS_PROPERTY_SEED to explore others.
  const seed = Number(process.env.DVC_TS_PROPERTY_SEED ?? 20261201);
  // The timeout only catches a hang: 13 random pipelines take minutes on a loaded machine.
  test(`over random pipelines (seed ${seed})`, { timeout: 30 * 60_000 }, async () => {
    await fc.assert(fc.asyncProperty(caseArb, checkAgreement), { numRuns: 13, seed, endOnFailure: true, examples: [[BLOCKED]] });
    console.log(`outcomes seen: ${JSON.stringify(Object.fromEntries(seen))}`);
    if (process.env.DVC_TS_PROPERTY_SEED === undefined) {
      for (const o of ['up-to-date', 'run', 'pending', 'restore', 'run-cache', 'gated', 'blocked'] as const) {
        assert.ok((seen.get(o) ?? 0) > 0, `the cases never produced '${o}'`);
      }
    }
  });
});
