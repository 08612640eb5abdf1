import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findPlaceholders, parseExpression, shellQuote } from '../../engine/pipeline/interpolate.js';
import { pythonFloatRepr } from '../../engine/pipeline/python-str.js';
import { oneError, resolveText, stage } from './helpers.js';

const PARAMS = `
msg: hello world
name: simple-value_1.txt
evil: "x; rm -rf / #"
quote: "it's"
dollar: "$(whoami)"
empty: ""
flags: --a 1 --b 2
n: 3
lr: 1.0
small: 1e-5
on: true
nothing: null
langs: [en, fr]
nested: {list: [10, 20], map: {k: v}}
opts: {lr: 0.1, fast: true, slow: false, layers: [1, 2], name: a b, sub: {k: v}}
`;

function cmdOf(cmd: string, params = PARAMS): string {
  const p = resolveText(`stages:\n  s:\n    cmd: ${cmd}\n`, { 'params.yaml': params });
  return stage(p, 's').cmd[0]!;
}

describe('shell quoting in cmd', () => {
  test('simple values stay unquoted, others are single-quoted', () => {
    assert.equal(cmdOf('echo ${name} ${n} ${lr}'), 'echo simple-value_1.txt 3 1.0');
    assert.equal(cmdOf('echo ${msg}'), "echo 'hello world'");
    assert.equal(cmdOf('echo ${evil}'), "echo 'x; rm -rf / #'");
    assert.equal(cmdOf('echo ${dollar}'), "echo '$(whoami)'");
  });

  test('single quotes inside a value are closed, escaped and reopened', () => {
    assert.equal(cmdOf('echo ${quote}'), `echo 'it'\\''s'`);
  });

  test('an empty value becomes an empty argument', () => {
    assert.equal(cmdOf('run ${empty} x'), "run '' x");
  });

  test('a whole-string ${} in cmd is quoted too', () => {
    assert.equal(cmdOf('"${evil}"'), "'x; rm -rf / #'");
  });

  test('${raw:...} inserts the value as written', () => {
    assert.equal(cmdOf('train ${raw:flags}'), 'train --a 1 --b 2');
    assert.equal(cmdOf('echo ${raw:dollar}'), 'echo $(whoami)');
  });

  test('each command of a cmd list is interpolated', () => {
    const p = resolveText('stages:\n  s:\n    cmd:\n      - echo ${msg}\n      - echo ${n}\n', { 'params.yaml': PARAMS });
    assert.deepEqual(stage(p, 's').cmd, ["echo 'hello world'", 'echo 3']);
  });

  test('shellQuote', () => {
    assert.equal(shellQuote('a/b.c:d=e@f%g+h,i-j_k'), 'a/b.c:d=e@f%g+h,i-j_k');
    assert.equal(shellQuote('a b'), "'a b'");
    assert.equal(shellQuote("'"), `''\\'''`);
    assert.equal(shellQuote('`x`'), "'`x`'");
    assert.equal(shellQuote(''), "''");
  });
});

describe('values as text', () => {
  test('booleans, null and floats are written as DVC writes them', () => {
    assert.equal(cmdOf('x ${on} ${nothing} ${small} ${lr}'), 'x true None 1e-05 1.0');
  });

  test('a mapping in cmd unpacks into options, values quoted', () => {
    assert.equal(cmdOf('train ${opts}'), "train --lr 0.1 --fast --layers 1 2 --name 'a b' --sub.k v");
  });

  test('a list cannot be put into a command', () => {
    oneError(() => cmdOf('echo ${langs}'), /Cannot interpolate data of type 'list'/);
  });

  test('a mapping cannot be put into a path', () => {
    const text = 'stages:\n  s:\n    cmd: x\n    deps:\n      - data/${nested}\n';
    oneError(() => resolveText(text, { 'params.yaml': PARAMS }), /Cannot interpolate data of type 'dict'/, [5, 9]);
  });

  test('paths are not shell-quoted', () => {
    const p = resolveText('stages:\n  s:\n    cmd: x\n    deps:\n      - data/${msg}.csv\n', { 'params.yaml': PARAMS });
    assert.equal(stage(p, 's').deps[0]!.path, 'data/hello world.csv');
  });

  test('pythonFloatRepr matches Python repr()', () => {
    const cases: Array<[number, string]> = [
      [1, '1.0'], [0.1, '0.1'], [1e-5, '1e-05'], [0.0001, '0.0001'], [1e16, '1e+16'], [123456789.5, '123456789.5'],
      [-2.5e-7, '-2.5e-07'], [1e22, '1e+22'], [1234567890123456.0, '1234567890123456.0'], [0, '0.0'], [Infinity, 'inf'],
    ];
    for (const [x, expected] of cases) assert.equal(pythonFloatRepr(x), expected, `repr(${x})`);
  });
});

describe('escapes, types and lookups', () => {
  test('\\${ is a literal ${', () => {
    assert.equal(cmdOf('echo \\${HOME} ${name}'), 'echo ${HOME} simple-value_1.txt');
  });

  test('a whole ${} keeps the value type', () => {
    const text = [
      'artifacts:',
      '  model:',
      '    path: m.pkl',
      '    meta: ${nested}',
      'stages:',
      '  s:',
      '    cmd: x',
      '    meta: ${n}',
      '    desc: ${n}',
    ].join('\n');
    const p = resolveText(text, { 'params.yaml': PARAMS });
    assert.deepEqual(p.artifacts['model'], { path: 'm.pkl', meta: { list: [10, 20], map: { k: 'v' } } });
    assert.equal(stage(p, 's').meta, 3);
    assert.equal(stage(p, 's').desc, '3');
  });

  test('dotted, indexed and spaced expressions', () => {
    assert.equal(cmdOf('echo ${nested.list[1]} ${nested.map.k} ${ n } ${langs.0}'), 'echo 20 v 3 en');
    assert.deepEqual(parseExpression('a.b[0].c'), ['a', 'b', '0', 'c']);
  });

  test('a malformed expression is an error', () => {
    oneError(() => cmdOf('echo ${a..b}'), /invalid expression/);
    assert.throws(() => findPlaceholders('${x[0}'), /missing '\]'/);
  });

  test('a missing name is an error naming it, at the string', () => {
    const text = 'stages:\n  s:\n    cmd: echo ${nope.x}\n';
    const e = oneError(() => resolveText(text, { 'params.yaml': PARAMS }), /Could not find 'nope\.x'/, [3, 10]);
    assert.match(e.format(), /^pipeline\.yaml:3:10: failed to interpolate 'stages\.s\.cmd'/);
  });

  test('a shell default like ${X:-dev} is a missing name, as in DVC', () => {
    oneError(() => cmdOf('deploy --env ${ENVIRONMENT:-dev}', 'a: 1'), /Could not find 'ENVIRONMENT:-dev'/);
  });

  test('values from params files used through ${} are tracked as params', () => {
    const text = 'stages:\n  s:\n    cmd: train --lr ${lr} --first ${langs[0]}\n    outs:\n      - out/${name}\n';
    const s = stage(resolveText(text, { 'params.yaml': PARAMS }), 's');
    assert.deepEqual(s.params, { 'params.yaml': { lr: 1, 'langs.0': 'en', name: 'simple-value_1.txt' } });
  });

  test('inline vars are usable but not tracked', () => {
    const text = 'vars:\n  - dir: build\nstages:\n  s:\n    cmd: make ${dir}\n';
    const s = stage(resolveText(text), 's');
    assert.deepEqual(s.cmd, ['make build']);
    assert.deepEqual(s.params, {});
  });
});
