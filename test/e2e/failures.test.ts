import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from '../helpers/repo.js';

describe('a failing stage', () => {
  test('exit 1, its name and stderr tail shown, no lock entry, downstream not run', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  a:
    cmd: echo a > a.txt
    outs: [a.txt]
  broken:
    cmd: echo "something went wrong in broken" >&2; exit 3
    deps: [a.txt]
    outs: [b.txt]
  after:
    cmd: echo run >> after.count; cat b.txt > c.txt
    deps: [b.txt]
    outs: [c.txt]
  independent:
    cmd: echo run >> independent.count; echo i > i.txt
    outs: [i.txt]
`,
    });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.all, /broken/);
      assert.match(r.all, /something went wrong in broken/);
      assert.equal(await repo.exists('after.count'), false);
      const lock = await repo.read('pipeline.lock');
      assert.match(lock, /^ {2}a:/m);
      assert.doesNotMatch(lock, /^ {2}broken:/m);
      assert.doesNotMatch(lock, /^ {2}after:/m);
      // Without --keep-going the run stops at the failure: the independent stage declared
      // after it does not start either.
      assert.equal(await repo.count('independent.count'), 0);

      const k = await repo.run(['repro', '--keep-going']);
      assert.equal(k.code, 1, k.all);
      assert.equal(await repo.count('independent.count'), 1);
      assert.equal(await repo.exists('after.count'), false);
      assert.match(await repo.read('pipeline.lock'), /^ {2}independent:/m);
    } finally {
      await repo.remove();
    }
  });

  test('a failure keeps the previous lock entry as it was', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  s:
    cmd: cat in.txt > out.txt; grep -q ok in.txt
    deps: [in.txt]
    outs: [out.txt]
`,
      'in.txt': 'ok\n',
    });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      const before = await repo.read('pipeline.lock');
      await repo.write({ 'in.txt': 'bad\n' });
      const r = await repo.run(['repro']);
      assert.equal(r.code, 1);
      assert.equal(await repo.read('pipeline.lock'), before);
      const status = JSON.parse((await repo.run(['status', '--json'])).stdout) as { upToDate: boolean };
      assert.equal(status.upToDate, false);
    } finally {
      await repo.remove();
    }
  });

  test('a command that does not produce its declared out fails', async () => {
    const repo = await TempRepo.create({
      'pipeline.yaml': `stages:
  s:
    cmd: "true"
    outs: [never.txt]
`,
    });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.all, /did not produce never\.txt/);
      assert.equal(await repo.exists('pipeline.lock'), false);
    } finally {
      await repo.remove();
    }
  });
});

describe('parallel stages', () => {
  test('-j 2 runs two independent one-second stages at the same time', async () => {
    // Each stage writes its start and end time (ms) from the shell's own clock.
    const stage = (n: string) => `  ${n}:
    cmd: node -e "console.log(Date.now())" > ${n}.start && sleep 1 && node -e "console.log(Date.now())" > ${n}.end
    outs: [${n}.start, ${n}.end]
`;
    const repo = await TempRepo.create({ 'pipeline.yaml': `stages:\n${stage('one')}${stage('two')}` });
    try {
      const r = await repo.run(['repro', '-j', '2']);
      assert.equal(r.code, 0, r.all);
      const t = async (f: string) => Number((await repo.read(f)).trim());
      const [s1, e1, s2, e2] = [await t('one.start'), await t('one.end'), await t('two.start'), await t('two.end')];
      assert.ok(s1 < e2 && s2 < e1, `intervals overlap: one ${s1}-${e1}, two ${s2}-${e2}`);
    } finally {
      await repo.remove();
    }
  });

  test('-j 1 (the default) runs them one after the other', async () => {
    const stage = (n: string) => `  ${n}:
    cmd: node -e "console.log(Date.now())" > ${n}.start && sleep 0.3 && node -e "console.log(Date.now())" > ${n}.end
    outs: [${n}.start, ${n}.end]
`;
    const repo = await TempRepo.create({ 'pipeline.yaml': `stages:\n${stage('one')}${stage('two')}` });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      const t = async (f: string) => Number((await repo.read(f)).trim());
      assert.ok((await t('one.end')) <= (await t('two.start')), 'two starts after one ends');
    } finally {
      await repo.remove();
    }
  });
});

describe('invalid pipelines are refused with a located error and nothing runs', () => {
  const cases: [string, string, RegExp][] = [
    [
      'a cycle',
      `stages:
  a:
    cmd: echo run >> ran.count; cp b.txt a.txt
    deps: [b.txt]
    outs: [a.txt]
  b:
    cmd: echo run >> ran.count; cp a.txt b.txt
    deps: [a.txt]
    outs: [b.txt]
`,
      /pipeline\.yaml:\d+:\d+: .*cycle.*\ba\b.*\bb\b/,
    ],
    [
      'an unknown field',
      `stages:
  a:
    cmd: echo run >> ran.count
    outz: [a.txt]
`,
      /pipeline\.yaml:4:5: .*outz.*did you mean 'outs'/,
    ],
    [
      'an out outside the repository',
      `stages:
  a:
    cmd: echo run >> ran.count
    outs: [../escape.txt]
`,
      /pipeline\.yaml:4:\d+: .*outside the repository/,
    ],
  ];
  for (const [what, yaml, message] of cases) {
    test(what, async () => {
      const repo = await TempRepo.create({ 'pipeline.yaml': yaml });
      try {
        const r = await repo.run(['repro']);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
        assert.equal(await repo.exists('ran.count'), false);
        assert.equal(await repo.exists('pipeline.lock'), false);
      } finally {
        await repo.remove();
      }
    });
  }
});
