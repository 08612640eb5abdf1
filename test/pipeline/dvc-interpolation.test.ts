// A file named dvc.yaml runs the command DVC would run: values inserted as they are (DVC's
// to_str: true/false, None, Python floats; a mapping unpacked into options with its strings
// shlex-quoted). pipeline.yaml keeps its safe quoting and `${raw:}`. The expected commands are
// what DVC 3's interpolation (dvc/parsing/interpolate.py) produces for these values.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveText, stage } from './helpers.js';

const PARAMS = [
  'data_dir: $(pwd)/datasets',
  'flags: --verbose --save-json',
  'lr: 1.0e-05',
  'fast: true',
  'nothing: null',
  'train:',
  '  epochs: 5',
  '  name: my model',
  '  quote: "it\'s"',
  '  verbose: true',
  '  quiet: false',
  '  layers: [1, 2.5]',
  '  tags: [a b, c]',
  '  nested: {depth: 3}',
  '',
].join('\n');

function cmdOf(file: string, cmd: string): string {
  const text = `stages:\n  s:\n    cmd: ${JSON.stringify(cmd)}\n`;
  const params = file.includes('/') ? `${file.slice(0, file.lastIndexOf('/'))}/params.yaml` : 'params.yaml';
  return stage(resolveText(text, { [params]: PARAMS }, { file }), 's').cmd[0]!;
}

describe("dvc.yaml: DVC's interpolation in cmd", () => {
  test('scalars go in as they are: shell syntax stays shell syntax', () => {
    assert.equal(cmdOf('dvc.yaml', 'mkdir -p ${data_dir} && train ${flags}'), 'mkdir -p $(pwd)/datasets && train --verbose --save-json');
    assert.equal(cmdOf('dvc.yaml', 'train --lr ${lr} --fast ${fast} --none ${nothing}'), 'train --lr 1e-05 --fast true --none None');
  });

  test('a mapping unpacks as DVC unpacks it', () => {
    assert.equal(
      cmdOf('dvc.yaml', 'python train.py ${train}'),
      "python train.py --epochs 5 --name 'my model' --quote 'it'\"'\"'s' --verbose --layers 1 2.5 --tags 'a b' c --nested.depth 3",
    );
  });

  test('a list cannot be put into a command, as in DVC', () => {
    assert.throws(() => cmdOf('dvc.yaml', 'echo ${train.tags}'), /Cannot interpolate data of type 'list'/);
  });

  test('pipeline.yaml keeps quoting values', () => {
    assert.equal(cmdOf('pipeline.yaml', 'mkdir -p ${data_dir} && train ${flags}'), "mkdir -p '$(pwd)/datasets' && train '--verbose --save-json'");
    assert.equal(cmdOf('pipeline.yaml', 'train ${raw:flags}'), 'train --verbose --save-json');
  });

  test('a dvc.yaml in a sub-folder is DVC format too', () => {
    assert.equal(cmdOf('sub/dvc.yaml', 'echo ${flags}'), 'echo --verbose --save-json');
  });
});
