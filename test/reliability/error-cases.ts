// The error catalogue: bad inputs, the command run on them, and the exact message and exit code
// the user gets. errors.test.ts runs them through the CLI; docs/errors.md is the same table.
import { hostname } from 'node:os';

export interface ErrorCase {
  /** What is wrong, as the table says it. */
  problem: string;
  files: Record<string, string>;
  args: string[];
  /** Prepare what files alone cannot (a symlink, a damaged object), given the repository root. */
  setup?: 'damaged-object' | 'modified-out' | 'symlink-out';
  /** Which stream carries the message: errors before anything runs go to stderr, stage
   *  results are part of the run's report on stdout. */
  stream: 'stderr' | 'stdout';
  /** The line, with the repository path as <repo>, digests as <hash>, pids as <pid>. */
  message: string;
  exitCode: number;
  /** What to do about it, for the table. */
  fix: string;
}

const stage = (body: string) => `stages:\n  train:\n    cmd: echo hi > model.txt\n${body}`;
const OK_STAGE = 'stages:\n  train:\n    cmd: echo hi > model.txt\n    outs: [model.txt]\n';

export const ERROR_CASES: ErrorCase[] = [
  {
    problem: 'misspelt field',
    files: { 'pipeline.yaml': stage('    outz: [model.txt]\n') },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:4:5: unknown field 'outz' in stage 'train'; did you mean 'outs'?",
    exitCode: 2,
    fix: 'correct the field name; nothing ran',
  },
  {
    problem: 'YAML syntax error',
    files: { 'pipeline.yaml': 'stages:\n  train:\n    cmd: echo hi\n    deps: [a.txt, b.txt\n    outs: [model.txt]\n' },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:4:11: invalid YAML: this '[' is never closed with ']'",
    exitCode: 2,
    fix: 'fix the YAML at that position (here: close the list)',
  },
  {
    problem: 'no pipeline file',
    files: { 'README.md': 'nothing here\n', '.dvc-ts/config.yaml': '' },
    args: ['repro'],
    stream: 'stderr',
    message: 'error: no pipeline file: neither pipeline.yaml nor dvc.yaml exists in <repo>',
    exitCode: 2,
    fix: 'run from the project, or create pipeline.yaml',
  },
  {
    problem: 'dependency cycle',
    files: {
      'pipeline.yaml': 'stages:\n  a:\n    cmd: cp b.txt a.txt\n    deps: [b.txt]\n    outs: [a.txt]\n  b:\n    cmd: cp a.txt b.txt\n    deps: [a.txt]\n    outs: [b.txt]\n',
    },
    args: ['repro'],
    stream: 'stderr',
    message: 'error: pipeline.yaml:2:3: dependency cycle between stages: a -> b -> a',
    exitCode: 2,
    fix: 'break the loop (a loop in time is a `previous: true` dep)',
  },
  {
    problem: 'two stages write the same output',
    files: { 'pipeline.yaml': `${OK_STAGE}  copy:\n    cmd: echo hi > model.txt\n    outs: [model.txt]\n` },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:7:12: output 'model.txt' of stage 'copy' is already an output of stage 'train'",
    exitCode: 2,
    fix: 'give each output one producing stage',
  },
  {
    problem: 'unknown stage named on the command line',
    files: { 'pipeline.yaml': OK_STAGE },
    args: ['repro', 'trian'],
    stream: 'stderr',
    message: "error: unknown stage 'trian'; did you mean 'train'?",
    exitCode: 2,
    fix: 'check `dvc-ts stage list`',
  },
  {
    problem: '`${}` names a missing param',
    files: { 'pipeline.yaml': 'stages:\n  train:\n    cmd: python train.py --lr ${train.lr}\n', 'params.yaml': 'train:\n  epochs: 3\n' },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:3:10: failed to interpolate 'stages.train.cmd': Could not find 'train.lr'",
    exitCode: 2,
    fix: 'add the key to params.yaml or `vars`',
  },
  {
    problem: '`${}` names a param with a typo',
    files: { 'pipeline.yaml': 'stages:\n  train:\n    cmd: python train.py --lr ${train.lrate}\n', 'params.yaml': 'train:\n  lr_rate: 0.1\n' },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:3:10: failed to interpolate 'stages.train.cmd': Could not find 'train.lrate'; did you mean 'train.lr_rate'?",
    exitCode: 2,
    fix: 'correct the name',
  },
  {
    problem: '`${}` with no params.yaml',
    files: { 'pipeline.yaml': 'stages:\n  generate:\n    cmd: seq 1 ${rows} > numbers.txt\n' },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:3:10: failed to interpolate 'stages.generate.cmd': Could not find 'rows': the params file params.yaml does not exist",
    exitCode: 2,
    fix: 'create params.yaml beside the pipeline file (or set the value in `vars`)',
  },
  {
    problem: 'malformed `${}` expression',
    files: { 'pipeline.yaml': 'stages:\n  train:\n    cmd: echo ${a..b}\n', 'params.yaml': 'a: 1\n' },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:3:10: failed to interpolate 'stages.train.cmd': invalid expression '${a..b}': expected a name at offset 2",
    exitCode: 2,
    fix: 'write `${name}`, `${group.key}` or `${list[0]}`',
  },
  {
    problem: 'declared param missing from params.yaml',
    files: { 'pipeline.yaml': stage('    params: [train.lr]\n'), 'params.yaml': 'train:\n  epochs: 3\n' },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:4:14: param 'train.lr' of stage 'train' not found in 'params.yaml'",
    exitCode: 2,
    fix: 'add it, or remove it from `params`',
  },
  {
    problem: 'declared param with a typo',
    files: { 'pipeline.yaml': stage('    params: [train.epoch]\n'), 'params.yaml': 'train:\n  epochs: 3\n' },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:4:14: param 'train.epoch' of stage 'train' not found in 'params.yaml'; did you mean 'train.epochs'?",
    exitCode: 2,
    fix: 'correct the name',
  },
  {
    problem: 'output outside the repository',
    files: { 'pipeline.yaml': stage('    outs: [../model.txt]\n') },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:4:12: output '../model.txt' of stage 'train' is outside the repository",
    exitCode: 2,
    fix: 'keep outputs inside the repository (deps may be anywhere, as in DVC)',
  },
  {
    problem: 'output through a symlink that leaves the repository',
    files: { 'pipeline.yaml': 'stages:\n  train:\n    cmd: echo hi > link/model.txt\n    outs: [link/model.txt]\n' },
    setup: 'symlink-out',
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:4:12: output 'link/model.txt' of stage 'train' goes through symlink 'link', which points outside the repository (/)",
    exitCode: 2,
    fix: 'point the symlink inside the repository, or move the output',
  },
  {
    problem: 'gate condition syntax error',
    files: { 'pipeline.yaml': stage('    when:\n      file: drift.json\n      if: drift ==\n') },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:6:19: bad gate condition: expected a value after '==' (end of expression)",
    exitCode: 2,
    fix: 'fix the condition (operators: == != < <= > >= and or not)',
  },
  {
    problem: 'param value that cannot be quoted inside backquotes',
    files: { 'pipeline.yaml': 'stages:\n  train:\n    cmd: echo `echo ${v}`\n', 'params.yaml': 'v: "`id`"\n' },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:3:10: failed to interpolate 'stages.train.cmd': the value of '${v}' cannot be quoted safely inside backquotes; use $(...) instead",
    exitCode: 2,
    fix: 'write `$(...)` instead of backquotes',
  },
  {
    problem: 'damaged pipeline.lock',
    files: { 'pipeline.yaml': OK_STAGE, 'pipeline.lock': "schema: '1.0'\nstages:\n  train:\n    cmd: 3\n    outs: nope\n" },
    args: ['status'],
    stream: 'stderr',
    message: "error: pipeline.lock:4:5: stage 'train': `cmd` must be a string or a list of strings (delete pipeline.lock to rebuild it from scratch)",
    exitCode: 2,
    fix: 'restore it from git, or delete it (every stage reruns)',
  },
  {
    problem: 'lock written by a newer dvc-ts',
    files: { 'pipeline.yaml': OK_STAGE, 'pipeline.lock': "schema: '2.0'\nstages: {}\n" },
    args: ['status'],
    stream: 'stderr',
    message: 'error: pipeline.lock:1:9: lock schema 2.0 is not supported (this dvc-ts reads 1.0) (delete pipeline.lock to rebuild it from scratch)',
    exitCode: 2,
    fix: 'upgrade dvc-ts',
  },
  {
    problem: 'bad link type in the config',
    files: { 'pipeline.yaml': OK_STAGE, '.dvc-ts/config.yaml': 'cache:\n  type: [hardlinks]\n' },
    args: ['repro'],
    stream: 'stderr',
    message: 'error: .dvc-ts/config.yaml:1:1: cache.type must be a list of reflink, hardlink, symlink, copy',
    exitCode: 2,
    fix: 'use reflink, hardlink, symlink or copy',
  },
  {
    problem: 'another run holds the repository',
    files: { 'pipeline.yaml': OK_STAGE, '.dvc-ts/tmp/repo.lock': `${process.pid} ${hostname()}\n` },
    args: ['repro'],
    stream: 'stderr',
    message: 'error: another dvc-ts (pid <pid>) is running in this repository',
    exitCode: 1,
    fix: 'wait for it, or pass `--wait`',
  },
  {
    problem: 'a dependency no stage produces is missing',
    files: { 'pipeline.yaml': stage('    deps: [data.csv]\n    outs: [model.txt]\n') },
    args: ['repro'],
    stream: 'stderr',
    message: "error: pipeline.yaml:4:12: dependency 'data.csv' of stage 'train' does not exist and no stage produces it",
    exitCode: 2,
    fix: 'create the file, fix the path, or add the stage that makes it (found at load: nothing runs)',
  },
  {
    problem: 'the stage command fails',
    files: { 'pipeline.yaml': 'stages:\n  train:\n    cmd: echo boom >&2; exit 3\n' },
    args: ['repro'],
    stream: 'stdout',
    message: "Stage 'train' failed: 'echo boom >&2; exit 3' ended with exit code 3 (log: .dvc-ts/logs/train.log)",
    exitCode: 1,
    fix: 'see the stderr tail below the message, and the whole output in the log it names',
  },
  {
    problem: 'the command did not write a declared output',
    files: { 'pipeline.yaml': 'stages:\n  train:\n    cmd: "true"\n    outs: [model.txt]\n' },
    args: ['repro'],
    stream: 'stdout',
    message: "Stage 'train' failed: pipeline.yaml:2:3: the command did not produce model.txt",
    exitCode: 1,
    fix: 'make the command write it, or drop it from `outs`',
  },
  {
    problem: 'gate reads a path its file lacks',
    files: {
      'pipeline.yaml': `stages:\n  check:\n    cmd: printf '{"share":0.1}' > drift.json\n    metrics: [{drift.json: {cache: false}}]\n${stage('    outs: [model.txt]\n    when:\n      file: drift.json\n      if: dataset_drift\n').slice('stages:\n'.length)}`,
    },
    args: ['repro'],
    stream: 'stdout',
    message: "Stage 'train' failed: pipeline.yaml:10:11: gate of stage 'train': 'dataset_drift' not found in drift.json",
    exitCode: 1,
    fix: 'fix the path, or the stage that writes the file',
  },
  {
    problem: 'damaged cache object on checkout',
    files: { 'pipeline.yaml': OK_STAGE },
    setup: 'damaged-object',
    args: ['checkout'],
    stream: 'stdout',
    message: 'error: cache object <repo>/.dvc-ts/cache/files/b3/<hash> is damaged: its content hashes to <hash>, not <hash>',
    exitCode: 1,
    fix: '`dvc-ts cache verify --remove`, then `dvc-ts repro`',
  },
  {
    problem: 'checkout over an output edited by hand',
    files: { 'pipeline.yaml': OK_STAGE },
    setup: 'modified-out',
    args: ['checkout'],
    stream: 'stdout',
    message: 'error: model.txt was modified and its bytes are not in the cache: not checked out',
    exitCode: 1,
    fix: 'keep a copy of your version if you need it, then `dvc-ts checkout --force`',
  },
  {
    problem: 'gc without a scope',
    files: { 'pipeline.yaml': OK_STAGE },
    args: ['gc'],
    stream: 'stderr',
    message: 'error: gc needs to know which revisions to keep: choose a scope',
    exitCode: 2,
    fix: 'pass `--workspace`, `--all-branches`, `--all-tags` or `--all-commits`',
  },
  {
    problem: 'bad option value',
    files: { 'pipeline.yaml': OK_STAGE },
    args: ['repro', '-j', 'many'],
    stream: 'stderr',
    message: "error: option '-j, --jobs <n>' argument 'many' is invalid. expected a whole number ≥ 1 or \"auto\"",
    exitCode: 2,
    fix: 'a number, or `auto`',
  },
  {
    problem: 'unknown command',
    files: { 'pipeline.yaml': OK_STAGE },
    args: ['reproduce'],
    stream: 'stderr',
    message: "error: unknown command 'reproduce'",
    exitCode: 2,
    fix: '`dvc-ts --help` lists the commands',
  },
];

/** Replace what differs between runs (temp paths, digests, pids) with fixed placeholders. */
export function normalise(line: string, root: string): string {
  return line
    .split(root)
    .join('<repo>')
    .replace(/[0-9a-f]{2}\/[0-9a-f]{62}/g, '<hash>')
    .replace(/[0-9a-f]{64}/g, '<hash>')
    .replace(/pid \d+/g, 'pid <pid>');
}

/** The catalogue as a markdown table (docs/errors.md). */
export function errorsMarkdown(cases: readonly ErrorCase[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const code = (s: string) => (s.includes('`') ? `\`\` ${cell(s)} \`\`` : `\`${cell(s)}\``);
  const rows = cases.map((c) => `| ${cell(c.problem)} | ${code(['dvc-ts', ...c.args].join(' '))} | ${code(c.message)} | ${c.stream} | ${c.exitCode} | ${cell(c.fix)} |`);
  return [
    '# Error messages',
    '',
    'What dvc-ts says for common mistakes, exactly (the first line; some add hints below it), and',
    'its exit code: 2 bad input (nothing ran), 1 a stage or check failed (or a full disk, a read-only',
    'mount or a permission stopped it: the message names the path and the cause), 130 interrupted, 3 a bug.',
    'Errors found before anything runs go to stderr; a failing stage is reported in the run\'s',
    'output on stdout. `<repo>`, `<hash>` and `<pid>` stand for what varies.',
    '',
    'This table is checked by `test/reliability/errors.test.ts`, which runs every case through the',
    'CLI; regenerate it with `DVC_TS_WRITE_ERRORS_DOC=1 node --test dist/test/reliability/errors.test.js`.',
    '',
    '| problem | command | message | stream | exit | what to do |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
