import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../engine/errors.js';
import { parseDataText } from '../../engine/report/data-file.js';

describe('parseDataText', () => {
  test('JSON, YAML and TOML by extension', () => {
    assert.deepEqual(parseDataText('m.json', '{"a": {"b": 1}}'), { a: { b: 1 } });
    assert.deepEqual(parseDataText('m.yaml', 'a:\n  b: 2\n'), { a: { b: 2 } });
    assert.deepEqual(parseDataText('m.yml', '[1, 2]'), [1, 2]);
    // smol-toml builds null-prototype objects: compare the data, not the prototypes.
    assert.deepEqual(JSON.parse(JSON.stringify(parseDataText('m.toml', '[a]\nb = 3\n'))), { a: { b: 3 } });
  });

  test('invalid JSON names the file (as shown) and the line', () => {
    assert.throws(
      () => parseDataText('metrics.json', '{\n  "acc": 0.9,\n}', 'HEAD~1:metrics.json'),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, /^invalid JSON in HEAD~1:metrics\.json/);
        assert.equal(e.pos?.file, 'HEAD~1:metrics.json');
        assert.equal(e.pos?.line, 3);
        return true;
      },
    );
  });

  test('invalid YAML and TOML name the file', () => {
    assert.throws(() => parseDataText('s.yaml', 'a: [1, 2\n'), (e: unknown) => e instanceof UserError && e.pos?.file === 's.yaml' && /invalid YAML in s\.yaml/.test(e.message));
    assert.throws(() => parseDataText('s.toml', 'a = = 1\n'), (e: unknown) => e instanceof UserError && /invalid TOML in s\.toml/.test(e.message));
  });
});
