// Hostile values in the right places: paths that try to leave the repository, and params that try
// to become shell code when interpolated into `cmd`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { execa } from 'execa';
import { UserError } from '../../engine/errors.js';
import { findPlaceholders, shellContexts, shellQuoteIn } from '../../engine/pipeline/interpolate.js';
import { resolvePipeline } from '../../engine/pipeline/resolve.js';
import { outsideRepoErrors } from '../../engine/pipeline/runnable.js';
import { TempRepo } from '../helpers/repo.js';
import { present } from './invariants.js';

function resolveText(text: string, files: Record<string, string> = {}) {
  return resolvePipeline({ file: 'pipeline.yaml', text, root: '/repo', readFile: (p) => files[p] });
}

/** The first error loading gives, else the first one a command that runs stages gives. */
function firstLineOfError(text: string, files: Record<string, string> = {}): string {
  let pipeline;
  try {
    pipeline = resolveText(text, files);
  } catch (e) {
    assert.ok(e instanceof UserError, `not a UserError: ${String(e)}`);
    return e.format().split('\n')[0]!;
  }
  const [first] = outsideRepoErrors(pipeline);
  return first ? first.format().split('\n')[0]! : assert.fail('accepted');
}

const S = (body: string) => `stages:\n  s:\n    cmd: x\n${body}`;

describe('paths that leave the repository are refused', () => {
  const cases: Array<[string, string, string]> = [
    ['absolute out', S('    outs: [/etc/passwd]\n'), "pipeline.yaml:4:12: output '/etc/passwd' of stage 's' is outside the repository"],
    ['drive-letter out', S('    outs: ["C:/x"]\n'), "pipeline.yaml:4:12: output 'C:/x' of stage 's' is outside the repository"],
    ['backslash out', S('    outs: ["..\\\\x"]\n'), "pipeline.yaml:4:12: output '../x' of stage 's' is outside the repository"],
    ['wdir ..', S('    wdir: ..\n'), "pipeline.yaml:4:11: wdir '..' of stage 's' is outside the repository"],
    ['newline in an out', S('    outs: ["a\\nb"]\n'), "pipeline.yaml:4:12: output 'a\\nb' of stage 's' contains a newline or NUL character"],
    ['NUL in an out', S('    outs: ["a\\0b"]\n'), "pipeline.yaml:4:12: output 'a\\u0000b' of stage 's' contains a newline or NUL character"],
    ['newline in a stage name', 'stages:\n  "a\\nb":\n    cmd: x\n', 'pipeline.yaml:2:3: stage names cannot contain newlines or NUL characters'],
    ['gate file ..', S('    when: {file: ../m.json, if: a}\n'), "pipeline.yaml:4:18: gate file '../m.json' of stage 's' is outside the repository"],
    ['vars file .. (read there, as DVC: missing here)', 'vars: [../v.yaml]\nstages:\n  s:\n    cmd: x\n', "pipeline.yaml:1:8: failed to parse 'vars': '../v.yaml' does not exist"],
    ['.. arriving through ${}', 'vars: [{p: ../../x}]\nstages:\n  s:\n    cmd: x\n    outs: ["${p}"]\n', "pipeline.yaml:5:12: output '../../x' of stage 's' is outside the repository"],
    ['.. arriving through foreach', 'stages:\n  s:\n    foreach: [a, ../b]\n    do:\n      cmd: x\n      outs: ["${item}"]\n', "pipeline.yaml:6:14: output '../b' of stage 's@../b' is outside the repository"],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => assert.equal(firstLineOfError(text), expected));
  }

  test('deps and params files may leave it, as in DVC: read there, kept as written (normalised)', () => {
    const p = resolveText(S('    deps: [../secret, a/../../up, /mnt/data/x.csv]\n    params: [{../p.yaml: [a]}]\n'));
    assert.deepEqual(p.stages[0]!.deps.map((d) => d.path), ['../secret', '../up', '/mnt/data/x.csv']);
    assert.deepEqual(p.stages[0]!.paramsMissing, ['../p.yaml']);
    assert.deepEqual(outsideRepoErrors(p), []);
  });

  test('a symlink leading out of the repository is refused through the CLI', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'dvc-ts-outside-'));
    const repo = await TempRepo.create({ 'pipeline.yaml': 'stages:\n  s:\n    cmd: echo x > data/out.txt\n    outs: [data/out.txt]\n' });
    try {
      await symlink(outside, repo.path('data'));
      const r = await repo.run(['repro']);
      assert.equal(r.code, 2, r.all);
      assert.equal(
        r.stderr.split('\n')[0],
        `error: pipeline.yaml:4:12: output 'data/out.txt' of stage 's' goes through symlink 'data', which points outside the repository (${outside})`,
      );
      assert.equal(await present(join(outside, 'out.txt')), false, 'nothing was written outside');
    } finally {
      await repo.remove();
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('params interpolated into cmd are data, never code', () => {
  const HOSTILE = {
    semi: 'x; touch CANARY_semi',
    subst: '$(touch CANARY_subst)',
    tick: '`touch CANARY_tick`',
    quote: "it's'; touch CANARY_quote; '",
    dquote: '"; touch CANARY_dquote; "',
    newline: 'a\ntouch CANARY_newline',
    pipe: 'a | touch CANARY_pipe',
    amp: 'a && touch CANARY_amp',
    backslash: 'a\\"; touch CANARY_backslash; \\"',
  };
  const names = Object.keys(HOSTILE);
  const params = Object.entries(HOSTILE).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n') + '\nrawcmd: "echo raw-ran > raw.txt"\n';
  const line = (fmt: (n: string) => string) => names.map((n) => fmt(n)).join(' ');
  // The same values outside quotes, inside "…", inside '…', and inside "$(…)" within "…".
  const pipeline = `stages:
  bare:
    cmd: printf '%s|' ${line((n) => `\${${n}}`)} > bare.txt
    outs: [bare.txt]
  double:
    cmd: printf '%s|' ${line((n) => `"\${${n}}"`)} > double.txt
    outs: [double.txt]
  single:
    cmd: printf '%s|' ${line((n) => `'\${${n}}'`)} > single.txt
    outs: [single.txt]
  nested:
    cmd: printf '%s|' ${line((n) => `"$(printf '%s' "\${${n}}")"`)} > nested.txt
    outs: [nested.txt]
  raw:
    cmd: \${raw:rawcmd}
    outs: [raw.txt]
`;

  test('through the CLI: no canary appears, every command got the exact values, ${raw:} inserts shell text', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': pipeline, 'params.yaml': params });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      const canaries = (await repo.git('status', '--porcelain', '--untracked-files=all')).split('\n').filter((l) => l.includes('CANARY'));
      assert.deepEqual(canaries, []);
      const expected = Object.values(HOSTILE).map((v) => `${v}|`).join('');
      for (const stage of ['bare', 'double', 'single']) assert.equal(await repo.read(`${stage}.txt`), expected, stage);
      // $(…) drops trailing newlines of what it captures; no value here ends in one.
      assert.equal(await repo.read('nested.txt'), expected);
      assert.equal(await repo.read('raw.txt'), 'raw-ran\n', 'the raw form ran as shell text');
    } finally {
      await repo.remove();
    }
  });

  test('a value that cannot be quoted inside backquotes is refused, not run', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': 'stages:\n  s:\n    cmd: echo `echo ${v}` > out.txt\n    outs: [out.txt]\n',
      'params.yaml': 'v: "`touch CANARY`"\n',
    });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 2, r.all);
      assert.equal(
        r.stderr.split('\n')[0],
        "error: pipeline.yaml:3:10: failed to interpolate 'stages.s.cmd': the value of '${v}' cannot be quoted safely inside backquotes; use $(...) instead",
      );
      assert.equal(await repo.exists('CANARY'), false);
    } finally {
      await repo.remove();
    }
  });

  test('the quoting context of each placeholder is read like sh reads it', () => {
    const cases: Array<[string, string[]]> = [
      ['echo ${a} "${b}" \'${c}\'', ['bare', 'double', 'single']],
      ['echo "it\'s ${a}" \'say "${b}"\'', ['double', 'single']],
      ['echo "$(cat "${a}") ${b}" ${c}', ['double', 'double', 'bare']],
      ['echo "$(f ${a} (x) ${b})"', ['bare', 'bare']],
      ['echo `g ${a}` "`h ${b}`"', ['backtick', 'backtick']],
      // \${b} is a literal `${b}`, not a placeholder.
      ['echo \\"${a}\\" \\${b}', ['bare']],
      ['echo "a\\"b ${a}"', ['double']],
    ];
    for (const [template, expected] of cases) assert.deepEqual(shellContexts(template, findPlaceholders(template)), expected, template);
    assert.equal(shellQuoteIn('double', 'a$b`c"d\\e'), 'a\\$b\\`c\\"d\\\\e');
    assert.equal(shellQuoteIn('single', "it's"), "it'\\''s");
    assert.equal(shellQuoteIn('backtick', 'a`b'), undefined);
    assert.equal(shellQuoteIn('bare', 'a b'), "'a b'");
  });

  test('property: any value reaches sh intact in every quoting context', async () => {
    // Characters the shell treats specially, plus ordinary ones; no NUL (argv cannot carry it).
    const alphabet = fc.constantFrom(...Array.from('a Z0 ;|&$`\'"\\\n\t(){}[]*?!#~<>=%^-_/.,:é😀'), '$(', '${', "'\\''", '\\"');
    const values = fc.sample(fc.array(alphabet, { maxLength: 12 }).map((cs) => cs.join('')), { numRuns: 150, seed: 7 });
    const contexts: Array<(ref: string) => string> = [(r) => r, (r) => `"${r}"`, (r) => `'${r}'`, (r) => `"<$(printf '%s' "${r}")>"`, (r) => `"a ${r} b"`];
    const wanted: Array<(v: string) => string> = [(v) => v, (v) => v, (v) => v, (v) => `<${v.replace(/\n+$/, '')}>`, (v) => `a ${v} b`];
    const params = values.map((v, i) => `v${i}: ${JSON.stringify(v)}`).join('\n') + '\n';
    const cmds: string[] = [];
    const expected: string[] = [];
    values.forEach((v, i) => {
      contexts.forEach((ctx, c) => {
        const text = `stages:\n  s:\n    cmd: ${JSON.stringify(`printf '%s\\0' ${ctx(`\${v${i}}`)}`)}\n`;
        cmds.push(resolveText(text, { 'params.yaml': params }).stages[0]!.cmd[0]!);
        expected.push(wanted[c]!(v));
      });
    });
    // One shell runs them all: each command prints its argument and a NUL.
    const r = await execa('sh', ['-c', cmds.join('\n')], { reject: false, stripFinalNewline: false });
    assert.equal(r.exitCode, 0, String(r.stderr));
    const got = String(r.stdout).split('\0').slice(0, -1);
    assert.equal(got.length, expected.length, String(r.stderr));
    got.forEach((g, i) => assert.equal(g, expected[i], `command: ${cmds[i]}`));
  });
});
