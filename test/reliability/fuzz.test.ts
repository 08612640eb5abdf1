// Hostile input, property-based: pipeline.yaml, params files, pipeline.lock and gate conditions,
// random and mutated from valid documents. Every document must end in a result or a UserError,
// quickly and without blowing up memory; any other exception is a bug.
//
// DVC_TS_FUZZ_RUNS=<n> sets the total number of generated documents (default 10,400).
// DVC_TS_FUZZ_TRACE=<file> keeps the case being tried in <file> (to catch a hang);
// DVC_TS_FUZZ_PROFILE=1 prints time spent per kind of document.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { UserError } from '../../engine/errors.js';
import { parseCondition } from '../../engine/gate/parse.js';
import { parseLock } from '../../engine/lock/lockfile.js';
import { resolvePipeline } from '../../engine/pipeline/resolve.js';

const TOTAL = Number(process.env.DVC_TS_FUZZ_RUNS ?? 10_400);
/** Share of the total per target. */
const SHARE = { pipeline: 0.4, params: 0.2, lock: 0.25, gate: 0.15 };
const runs = (target: keyof typeof SHARE) => Math.max(50, Math.round(TOTAL * SHARE[target]));
const CASE_LIMIT_MS = 2000;
/** Heap growth tolerated across a whole property (documents are small; leaks or bombs are not). */
const HEAP_LIMIT_BYTES = 512 * 1024 * 1024;

let documents = 0;
const timings: Record<string, [number, number]> = {};

/** Run one case: success or a UserError, within the time limit; anything else fails the property. */
function survives(what: string, input: string, fn: () => unknown): void {
  documents++;
  // For hunting a hang: the case being tried is always on disk.
  if (process.env.DVC_TS_FUZZ_TRACE) writeFileSync(process.env.DVC_TS_FUZZ_TRACE, `${what}\n${input}`);
  const started = performance.now();
  try {
    fn();
  } catch (e) {
    if (!(e instanceof UserError)) {
      throw new Error(`${what}: not a UserError: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    assert.ok(typeof e.format() === 'string' && e.format().length > 0, 'an empty message');
    if (e.pos) assert.ok(e.pos.line >= 1 && e.pos.col >= 1, `bad position ${JSON.stringify(e.pos)}`);
  }
  const ms = performance.now() - started;
  if (process.env.DVC_TS_FUZZ_PROFILE) {
    const kind = input.startsWith('x0') || input.includes('&x0') ? 'bomb' : input.length > 5000 ? 'long' : 'other';
    const t = (timings[`${what} ${kind}`] ??= [0, 0]);
    t[0]++;
    t[1] += ms;
  }
  assert.ok(ms < CASE_LIMIT_MS, `${what} took ${ms.toFixed(0)} ms`);
}

function withinMemory(run: () => void): void {
  const before = process.memoryUsage().heapUsed;
  run();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < HEAP_LIMIT_BYTES, `heap grew by ${(grown / 2 ** 20).toFixed(0)} MiB`);
}

// ---- building blocks ------------------------------------------------------------------------

const oddStrings = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(
    '', ' ', '\0', 'a\nb', 'a\r\nb', '\t', '\u202e', '\u200b', '\ufeff', '\ud800', '\udfff', '😀', 'é', 'Ⅻ', '..', '../x', '/etc/passwd',
    'C:\\x', '~', '${', '}', '${}', '${ }', '${a}', '${a.b}', '${x[0]}', '${raw:a}', '${raw:}', '\\${a}', '$${a}', '${${a}}', '${a.}', '${[0]}',
    '${a[}', '${train.lr}', '${item}', '${key}', '*alias', '&anchor', '<<', '!!binary', '!!python/object', '"', "'", '`id`', '$(id)', '; rm -rf x',
    'true', 'null', '~', '0x1F', '1e999', '-0', '.nan', 'NaN', '0o17', '@', 'a@b', '#', '- ', ': ', '? ',
  ) },
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ maxLength: 20, unit: 'binary' }) },
  // Very long strings: rare, since each one is costly to generate, print and parse.
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 60_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 300 }).map((n) => '${a.b}'.repeat(n)) },
);

const scalars = fc.oneof(oddStrings, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

/** A random JSON-like value, sometimes deeply nested. */
const { value: anyValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalars,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(oddStrings, tie('value'), { maxKeys: 4 }),
  ),
}));

const deepNesting = fc.integer({ min: 50, max: 400 }).map((depth) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
});

type Json = Record<string, unknown>;

/** Valid documents to start from. */
const VALID_PIPELINES: Json[] = [
  {
    stages: {
      prepare: { cmd: 'python prep.py ${data.split}', deps: ['data/raw.csv', 'prep.py'], outs: ['data/prepared'], params: ['data.split'] },
      train: {
        cmd: ['python train.py --lr ${train.lr}', 'echo done'],
        deps: ['data/prepared'],
        outs: [{ 'model.pkl': { cache: true, persist: false } }],
        metrics: [{ 'metrics.json': { cache: false } }],
        plots: ['plots/loss.csv'],
        when: { file: 'metrics/drift.json', if: 'drift or share >= ${train.min}' },
      },
    },
  },
  {
    vars: [{ langs: ['en', 'fr'] }, { size: 3 }],
    stages: {
      build: { foreach: '${langs}', do: { cmd: 'make ${item} ${size}', outs: ['out/${item}.txt'] } },
      grid: { matrix: { a: [1, 2], b: ['x', 'y'] }, cmd: 'run ${item.a} ${item.b}', outs: ['g/${item.a}-${item.b}'] },
      sub: { cmd: 'echo ${raw:extra} > r.txt', wdir: 'sub', outs: ['r.txt'], frozen: false, always_changed: true },
    },
    params: ['params.yaml'],
    metrics: ['metrics.json'],
    plots: [{ 'plots/roc.json': { x: 'fpr', y: 'tpr' } }],
    artifacts: { model: { path: 'model.pkl', type: 'model' } },
  },
];

const VALID_PARAMS: Json = { data: { split: 0.2 }, train: { lr: 0.01, min: 0.1, layers: [1, 2] }, extra: '--fast', langs: ['de'] };

/** Walks to a random node and changes it: the mutations the issue lists. */
function mutate(doc: unknown, steps: Array<{ kind: number; pick: number; with: unknown }>): unknown {
  const copy = structuredClone(doc) as unknown;
  for (const step of steps) applyAt(copy, step.pick, (node, key, parent) => changeNode(step.kind, node, key, parent, step.with));
  return copy;
}

/** Visit the `pick`-th container (mod their count) with a key inside it. */
function applyAt(root: unknown, pick: number, change: (node: unknown, key: string | number, parent: Json | unknown[]) => void): void {
  const containers: Array<Json | unknown[]> = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 30 || v === null || typeof v !== 'object') return;
    containers.push(v as Json | unknown[]);
    for (const child of Object.values(v as Json)) walk(child, depth + 1);
  };
  walk(root, 0);
  if (containers.length === 0) return;
  const parent = containers[pick % containers.length]!;
  const keys = Object.keys(parent);
  if (keys.length === 0) return;
  const key = keys[Math.floor(pick / containers.length) % keys.length]!;
  change((parent as Json)[key], Array.isArray(parent) ? Number(key) : key, parent);
}

/** Text of any generated value (fast-check's dictionaries have no prototype, so no String()). */
function text(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined');
}

function changeNode(kind: number, node: unknown, key: string | number, parent: Json | unknown[], replacement: unknown): void {
  const p = parent as Json;
  switch (kind % 7) {
    case 0: // drop the key
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete p[key];
      return;
    case 1: // retype the value
      p[key] = replacement;
      return;
    case 2: // insert `${...}` into a string, or turn the value into one
      p[key] = typeof node === 'string' ? `${node.slice(0, 3)}\${${text(replacement).slice(0, 12)}}${node.slice(3)}` : `\${${text(replacement).slice(0, 12)}}`;
      return;
    case 3: // rename the key (odd names: newlines, NUL, unicode, '@')
      if (!Array.isArray(parent)) {
        delete p[key];
        p[text(replacement).slice(0, 50)] = node;
      }
      return;
    case 4: // wrap the value (a list where a map was, …)
      p[key] = [node];
      return;
    case 5: // duplicate a key under a near name, or grow a list
      if (Array.isArray(parent)) parent.push(node);
      else p[`${String(key)}_`] = node;
      return;
    case 6: // nest deeply
      p[key] = { [String(key)]: node, deep: replacement };
      return;
  }
}

const mutationSteps = fc.array(fc.record({ kind: fc.nat(), pick: fc.nat(), with: fc.oneof({ weight: 6, arbitrary: anyValue }, { weight: 1, arbitrary: deepNesting }) }), { minLength: 1, maxLength: 4 });

/** Text-level damage: what a structural mutation cannot produce. */
const textDamage = fc.oneof(
  fc.record({ at: fc.nat(), cut: fc.nat({ max: 20 }), insert: fc.oneof(oddStrings, fc.constantFrom(':', '-', '  ', '\n', '[', '{', '&a', '*a', '!!str', '%YAML 1.1\n---\n', '---\n', '...\n')) }),
  fc.constant(null),
);

function damageText(text: string, d: { at: number; cut: number; insert: string } | null): string {
  if (!d) return text;
  const at = d.at % (text.length + 1);
  return text.slice(0, at) + d.insert + text.slice(at + d.cut);
}

/** YAML alias bombs ("billion laughs") of a few shapes, placed where a value is expected. */
// Mostly real bombs (far over the expansion budget, which must fail fast), sometimes small ones
// that are merely repetitive and must simply work.
const bombShape = fc.oneof(
  { weight: 4, arbitrary: fc.record({ width: fc.integer({ min: 4, max: 12 }), depth: fc.integer({ min: 11, max: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ width: fc.integer({ min: 2, max: 4 }), depth: fc.integer({ min: 2, max: 4 }) }) },
);
const aliasBomb = fc.record({ shape: bombShape, place: fc.constantFrom('vars', 'stages', 'params', 'cmd') }).map(({ shape: { width, depth }, place }) => {
  const lines = ['x0: &x0 [lol, lol]'];
  for (let i = 1; i <= depth; i++) lines.push(`x${i}: &x${i} [${Array.from({ length: width }, () => `*x${i - 1}`).join(', ')}]`);
  const anchors = lines.map((l) => `  ${l}`).join('\n');
  switch (place) {
    case 'vars':
      return `vars:\n- bomb:\n${anchors.replace(/^ {2}/gm, '    ')}\nstages:\n  s:\n    cmd: echo \${bomb.x${depth}}\n`;
    case 'params':
      return `bombs:\n${anchors}\n`;
    case 'cmd':
      return `defs:\n${anchors}\nstages:\n  s:\n    cmd: *x${depth}\n`;
    default:
      return `stages:\n  s:\n    cmd: echo\n    meta:\n${anchors.replace(/^ {2}/gm, '      ')}\n    deps: *x${depth}\n`;
  }
});

function resolveWith(text: string, params: string | undefined, paramsName = 'params.yaml'): void {
  resolvePipeline({
    file: 'pipeline.yaml',
    text,
    root: '/repo',
    readFile: (p) => (p === paramsName ? params : p === 'params.yaml' ? stringify(VALID_PARAMS) : undefined),
  });
}

// ---- properties -----------------------------------------------------------------------------

describe('fuzz: hostile documents end in a result or a UserError', { concurrency: false }, () => {
  test(`pipeline.yaml: ${runs('pipeline')} mutated, damaged and random documents`, () => {
    const doc = fc.oneof(
      { weight: 12, arbitrary: fc.tuple(fc.constantFrom(...VALID_PIPELINES), mutationSteps, textDamage).map(([base, steps, damage]) => damageText(stringify(mutate(base, steps), { aliasDuplicateObjects: false }), damage)) },
      { weight: 1, arbitrary: aliasBomb },
      { weight: 2, arbitrary: anyValue.map((v) => stringify(v)) },
      { weight: 2, arbitrary: fc.string({ maxLength: 300, unit: 'binary' }) },
    );
    withinMemory(() =>
      fc.assert(
        fc.property(doc, (text) => survives('pipeline', text, () => resolveWith(text, stringify(VALID_PARAMS)))),
        { numRuns: runs('pipeline') },
      ),
    );
  });

  test(`params files (YAML, JSON, TOML): ${runs('params')} documents`, () => {
    const pipeline = stringify(VALID_PIPELINES[0]);
    const withJson = 'stages:\n  s:\n    cmd: run ${a.b} ${train.lr}\n    params: [{params.json: [a.b]}]\n';
    const withToml = 'stages:\n  s:\n    cmd: run ${train.lr}\n    params: [{p.toml: [a]}]\n';
    const params = fc.oneof(
      { weight: 10, arbitrary: fc.tuple(mutationSteps, textDamage).map(([steps, damage]) => ({ name: 'params.yaml', text: damageText(stringify(mutate(VALID_PARAMS, steps)), damage) })) },
      { weight: 1, arbitrary: aliasBomb.map((text) => ({ name: 'params.yaml', text })) },
      { weight: 2, arbitrary: fc.tuple(anyValue, textDamage).map(([v, d]) => ({ name: 'params.json', text: damageText(JSON.stringify(v) ?? 'null', d) })) },
      { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 200 }), fc.constantFrom('a = 1', '[a]\nb = "x"', 'a = [1, 2', 'a.b.c = 1\na = 2', 'x = """', '"\u0000" = 1')).map(([s, base]) => ({ name: 'p.toml', text: base + '\n' + s })) },
    );
    withinMemory(() =>
      fc.assert(
        fc.property(params, ({ name, text }) =>
          survives(`params ${name}`, text, () => resolveWith(name === 'params.json' ? withJson : name === 'p.toml' ? withToml : pipeline, text, name)),
        ),
        { numRuns: runs('params') },
      ),
    );
  });

  test(`pipeline.lock: ${runs('lock')} documents`, () => {
    const hash = 'a'.repeat(64);
    const valid = {
      schema: '1.0',
      stages: {
        train: {
          cmd: 'python train.py',
          deps: [{ path: 'data', hash: `${hash}.dir`, size: 10, nfiles: 2 }],
          params: { 'params.yaml': { 'train.lr': 0.01 } },
          outs: [{ path: 'model.pkl', hash, size: 5 }],
          gate: { open: false, expr: 'drift', values: { drift: false } },
          skipped: true,
        },
      },
    };
    const lock = fc.oneof(
      { weight: 5, arbitrary: fc.tuple(mutationSteps, textDamage).map(([steps, damage]) => damageText(stringify(mutate(valid, steps)), damage)) },
      { weight: 1, arbitrary: aliasBomb.map((bomb) => `schema: '1.0'\nstages:\n  s:\n    cmd: x\n    outs:\n${bomb.replace(/^/gm, '      ')}`) },
      { weight: 1, arbitrary: anyValue.map((v) => stringify({ schema: '1.0', stages: v })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 300, unit: 'binary' }) },
    );
    withinMemory(() => fc.assert(fc.property(lock, (text) => survives('lock', text, () => parseLock(text))), { numRuns: runs('lock') }));
  });

  test(`gate conditions: ${runs('gate')} mutated conditions`, () => {
    const valid = ['a and b', 'drift.x >= 0.5 or not (y == "s")', 'x[0] != null && !flag', "v.k == 'a' || n < -2.5e3", 'not not not a'];
    const cond = fc.tuple(fc.constantFrom(...valid), fc.array(fc.record({ at: fc.nat(), cut: fc.nat({ max: 5 }), insert: oddStrings }), { maxLength: 5 })).map(([base, edits]) =>
      edits.reduce((t, e) => damageText(t, e), base),
    );
    const pos = { file: 'pipeline.yaml', line: 1, col: 1 };
    withinMemory(() => fc.assert(fc.property(cond, (text) => survives('gate', text, () => parseCondition(text, pos))), { numRuns: runs('gate') }));
  });

  test('documents tried in total', () => {
    if (process.env.DVC_TS_FUZZ_PROFILE) for (const [k, [n, ms]] of Object.entries(timings)) console.log(`  ${k}: ${n} cases, ${ms.toFixed(0)} ms`);
    console.log(`fuzz: ${documents} documents tried, every one ended in a result or a UserError`);
    assert.ok(documents >= Math.min(TOTAL, 10_000), `only ${documents} documents`);
  });
});
