import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGateFiles, parseGateFileText } from '../../engine/gate/read.js';
import { decideGate, parseGate } from '../../engine/gate/index.js';
import type { GateSpec } from '../../engine/types.js';
import { UserError } from '../../engine/errors.js';

const POS = { file: 'pipeline.yaml', line: 12, col: 11 };
let root: string;

async function put(path: string, text: string): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true });
  await writeFile(join(root, path), text);
}

const gate = (expr: string, files: Record<string, string>): GateSpec => ({ expr, files, pos: POS });

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dvc-ts-gate-'));
  await put('metrics/drift.json', JSON.stringify({ dataset_drift: false, new_data_fraction: 0.12 }));
  await put('reports/eval.yaml', 'metrics:\n  f1: 0.91\n  "val loss": 0.2\nclasses: [cat, dog]\n');
  await put('reports/eval.yml', 'ok: true\n');
  await put('state/flags.txt', 'ready: yes\nchecked: true\n');
  await put('broken/bad.json', '{"dataset_drift": fal');
  await put('broken/bad.yaml', 'a: [1, 2\n');
  await put('broken/empty.json', '  \n');
  await put('bom.json', '\uFEFF{"a": true}');
  await mkdir(join(root, 'a-directory.json'), { recursive: true });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('parseGateFileText', () => {
  test('JSON, YAML by extension, YAML as fallback', () => {
    assert.deepEqual(parseGateFileText('{"a": [1, 2]}', 'x.json'), { a: [1, 2] });
    assert.deepEqual(parseGateFileText('a: 1\nb: [x]\n', 'x.yaml'), { a: 1, b: ['x'] });
    assert.deepEqual(parseGateFileText('a: 1\n', 'x.metrics'), { a: 1 });
    // A YAML file whose content is also JSON is read by the YAML rules: same data.
    assert.deepEqual(parseGateFileText('{"a": 1}', 'x.yml'), { a: 1 });
  });

  test('a .json file is JSON: junk, a trailing comma or a duplicate key is located, never read as YAML', () => {
    const problem = (text: string) => {
      try {
        parseGateFileText(text, 'v.json');
      } catch (e) {
        assert.ok(e instanceof UserError);
        return e.message;
      }
      return 'parsed';
    };
    assert.equal(problem('promote: true\n'), "gate file v.json is not valid JSON: line 1, column 1: expected a value, found 'p'");
    assert.equal(problem('{\n  "a": 1,\n}\n'), "gate file v.json is not valid JSON: line 3, column 1: expected a key in double quotes, found '}'");
    assert.equal(
      problem('{\n  "promote": false,\n  "metric": "f1",\n  "promote": true\n}\n'),
      'gate file v.json is not valid JSON: line 4, column 3: duplicate key "promote" (first at line 2, column 3)',
    );
    assert.equal(problem('['.repeat(100_000)), 'gate file v.json is not valid JSON: line 1, column 513: nested more than 512 levels deep');
    // Duplicate keys are refused whatever the file is called, unless it is YAML.
    assert.match(problem.call(null, '{"a": 1}'), /parsed/);
    assert.throws(() => parseGateFileText('{"a": 1, "a": 2}', 'flags'), /duplicate key "a"/);
    assert.deepEqual(parseGateFileText('{"a": "\\u00e9\\n", "b": [true, null, -1.5e3, {}], "c": {"a": 0}}', 'ok.json'), { a: 'é\n', b: [true, null, -1500, {}], c: { a: 0 } });
  });

  test('unparsable and empty texts are UserErrors naming the file', () => {
    assert.throws(() => parseGateFileText('{"a": ', 'm.json'), (e: unknown) => e instanceof UserError && e.message === 'gate file m.json is not valid JSON: line 1, column 7: expected a value, found end of file');
    assert.throws(() => parseGateFileText('{"a": [1 2]', 'm.metrics'), (e: unknown) => e instanceof UserError && /^gate file m\.metrics is not valid JSON or YAML: line 1, column 10: expected ',' or '\]', found '2'$/.test(e.message));
    assert.throws(() => parseGateFileText('a: [1\n', 'm.yaml'), (e: unknown) => e instanceof UserError && /^gate file m\.yaml is not valid YAML: /.test(e.message));
    assert.throws(() => parseGateFileText('\n\n', 'm.json'), (e: unknown) => e instanceof UserError && e.message === 'gate file m.json is empty');
  });
});

describe('readGateFiles', () => {
  test('reads JSON and YAML files by alias', async () => {
    const data = await readGateFiles(root, gate('x', { drift: 'metrics/drift.json', eval: 'reports/eval.yaml', ok: 'reports/eval.yml', flags: 'state/flags.txt', bom: 'bom.json' }));
    assert.deepEqual(data, {
      drift: { dataset_drift: false, new_data_fraction: 0.12 },
      eval: { metrics: { f1: 0.91, 'val loss': 0.2 }, classes: ['cat', 'dog'] },
      ok: { ok: true },
      flags: { ready: 'yes', checked: true },
      bom: { a: true },
    });
  });

  test('a missing file is a UserError naming it, at the gate', async () => {
    await assert.rejects(readGateFiles(root, gate('x', { '': 'metrics/nope.json' }), 'train'), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.message, "gate of stage 'train': cannot read gate file metrics/nope.json: it does not exist (has the stage that produces it run?)");
      assert.deepEqual(e.pos, POS);
      return true;
    });
  });

  test('unparsable, empty, directory and outside files are UserErrors naming them', async () => {
    const failures: [string, RegExp][] = [
      ['broken/bad.json', /^gate file broken\/bad\.json is not valid JSON: line \d+, column \d+: /],
      ['broken/bad.yaml', /^gate file broken\/bad\.yaml is not valid YAML: /],
      ['broken/empty.json', /^gate file broken\/empty\.json is empty$/],
      ['a-directory.json', /^cannot read gate file a-directory\.json: it is a directory$/],
      ['../outside.json', /^gate file \.\.\/outside\.json is outside the repository$/],
    ];
    for (const [file, message] of failures) {
      await assert.rejects(readGateFiles(root, gate('x', { '': file })), (e: unknown) => {
        assert.ok(e instanceof UserError, file);
        assert.match(e.message, message);
        assert.deepEqual(e.pos, POS);
        return true;
      });
    }
  });
});

describe('decideGate', () => {
  test('single file: closed gate with the values read', async () => {
    const decision = await decideGate(root, 'train', gate('dataset_drift or new_data_fraction > 0.2', { '': 'metrics/drift.json' }));
    assert.deepEqual(decision, {
      open: false,
      expr: 'dataset_drift or new_data_fraction > 0.2',
      values: { dataset_drift: false, new_data_fraction: 0.12 },
    });
  });

  test('several files: open gate reading JSON and YAML', async () => {
    const spec = gate('not drift.dataset_drift and eval.metrics["val loss"] < 0.5 and eval.classes[1] == "dog"', {
      drift: 'metrics/drift.json',
      eval: 'reports/eval.yaml',
    });
    assert.deepEqual(await decideGate(root, 'train', spec), {
      open: true,
      expr: spec.expr,
      values: { 'drift.dataset_drift': false, 'eval.metrics["val loss"]': 0.2, 'eval.classes[1]': 'dog' },
    });
  });

  test('an unknown alias fails at load time, before any file is read', () => {
    assert.throws(
      () => parseGate(gate('drift.x and evl.f1 > 0', { drift: 'missing.json', eval: 'missing.yaml' })),
      (e: unknown) => e instanceof UserError && /'evl' is not one of the gate's files .*did you mean 'eval'/.test(e.message) && e.pos?.col === POS.col + 12,
    );
  });

  test('a missing key names the path and the file', async () => {
    await assert.rejects(
      decideGate(root, 'train', gate('drift_score > 0.5', { '': 'metrics/drift.json' })),
      (e: unknown) => e instanceof UserError && e.message === "gate of stage 'train': 'drift_score' not found in metrics/drift.json",
    );
  });

  test('a syntax error surfaces as a UserError at its column', async () => {
    await assert.rejects(
      decideGate(root, 'train', gate('dataset_drift ==', { '': 'metrics/drift.json' })),
      (e: unknown) => e instanceof UserError && e.pos?.col === POS.col + 16 && /expected a value after '=='/.test(e.message),
    );
  });
});
