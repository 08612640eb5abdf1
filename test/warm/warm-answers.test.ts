// The warm path seen from outside: a real `repro --watch`, the real CLI, real files. A warm
// answer must print what the cold command prints; any change must send the next command cold.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, rm, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { answeredWarm, ask, builtRepo, COLD, PIPELINE, startWatcher, TRACE, waitWarm, withoutDuration } from './helpers.js';


describe('warm answers (repro --watch running)', () => {
  test('repro and status answered by the watcher print what the cold commands print, with the same exit code', async () => {
    const repo = await builtRepo();
    const coldRepro = await repo.run(['repro'], { env: COLD });
    const coldStatus = await repo.run(['status'], { env: COLD });
    const watcher = startWatcher(repo);
    try {
      await waitWarm(repo);
      const warmRepro = await repo.run(['repro'], { env: TRACE });
      const warmStatus = await repo.run(['status'], { env: TRACE });
      assert.ok(answeredWarm(warmRepro), warmRepro.stderr);
      assert.ok(answeredWarm(warmStatus), warmStatus.stderr);
      assert.equal(withoutDuration(warmRepro.stdout), withoutDuration(coldRepro.stdout));
      assert.match(warmRepro.stdout, /^0 ran, 0 restored, 3 up to date, 0 failed in \d+(?:\.\d+)?m?s$/m);
      assert.equal(warmRepro.code, coldRepro.code);
      assert.equal(warmStatus.stdout, coldStatus.stdout);
      assert.equal(warmStatus.code, coldStatus.code);
      // From a subdirectory too: the same project, the same answer.
      const fromSub = await repo.run(['status'], { env: TRACE, cwd: repo.path('data/sub') });
      assert.ok(answeredWarm(fromSub), fromSub.stderr);
      assert.equal(fromSub.stdout, coldStatus.stdout);
    } finally {
      await watcher.stop();
      await repo.remove();
    }
  });

  test('status of a closed gate is answered as the cold status prints it; repro, which would record the skip, is not', async () => {
    const repo = await builtRepo({
      'pipeline.yaml': [
        'stages:',
        '  check:',
        '    cmd: cp verdict.src verdict.json',
        '    deps: [verdict.src]',
        '    outs: [verdict.json]',
        '  retrain:',
        '    cmd: echo trained > model.txt',
        '    deps: [verdict.json]',
        '    outs: [model.txt]',
        '    when:',
        '      file: verdict.json',
        '      if: drift == true',
        '',
      ].join('\n'),
      'verdict.src': '{"drift": false}\n',
    });
    const coldStatus = await repo.run(['status'], { env: COLD });
    const watcher = startWatcher(repo);
    try {
      await waitWarm(repo);
      const warmStatus = await repo.run(['status'], { env: TRACE });
      assert.ok(answeredWarm(warmStatus), warmStatus.stderr);
      assert.equal(warmStatus.stdout, coldStatus.stdout);
      assert.equal(warmStatus.code, coldStatus.code);
      const repro = await repo.run(['repro'], { env: TRACE });
      assert.ok(!answeredWarm(repro), repro.stderr);
      assert.match(repro.stdout, /Stage 'retrain' skipped: gate closed/);
    } finally {
      await watcher.stop();
      await repo.remove();
    }
  });

  test('after a change to an out, the lock, a dep no watcher run rebuilds: the next repro runs cold and does the work', async () => {
    const repo = await builtRepo();
    await cp(repo.path('pack'), repo.path('pack-copy'), { recursive: true });
    const watcher = startWatcher(repo);
    try {
      // An edited out is not replaced by repro (its bytes are not in the cache): the cold run
      // refuses, naming it, and `repro --force STAGE` then discards the edit.
      const refused = /was changed by hand/;
      const changes: [string, () => Promise<void>, RegExp, string?][] = [
        ['a file in a subdirectory of an out directory', () => writeFile(repo.path('pack/sub/f.txt'), 'changed\n'), refused, 'pack'],
        ['a file added to an out directory', () => writeFile(repo.path('pack/sub/extra.txt'), 'extra\n'), refused, 'pack'],
        ['an out directory replaced by an equal one, then a file in it changed', async () => {
          // inotify follows inodes: the watch of the old directory sees nothing of the new one.
          await rm(repo.path('pack'), { recursive: true });
          await cp(repo.path('pack-copy'), repo.path('pack'), { recursive: true });
          await waitWarm(repo, 'a warm answer with the new directory');
          await writeFile(repo.path('pack/sub/f.txt'), 'changed again\n');
        }, refused, 'pack'],
        ['an out deleted', () => rm(repo.path('final.txt')), /Restored outs of 'down' from the cache/],
        ['the lock edited', async () => writeFile(repo.path('pipeline.lock'), (await repo.read('pipeline.lock')).replace(/cmd: tr .*/, 'cmd: other')), /Running stage 'down'|restored from the run-cache/],
        ['a produced dep modified', () => writeFile(repo.path('mid.txt'), 'changed\n'), refused, 'up'],
      ];
      for (const [what, change, did, refusedStage] of changes) {
        await waitWarm(repo, `a warm answer before: ${what}`);
        await change();
        const r = await repo.run(['repro'], { env: TRACE });
        assert.ok(!answeredWarm(r), `${what}: answered warm:\n${r.all}`);
        assert.match(r.stdout, did, `${what}:\n${r.all}`);
        assert.doesNotMatch(r.stdout, /Data and pipelines are up to date/, what);
        assert.equal(r.code, refusedStage ? 1 : 0, r.all);
        if (refusedStage) {
          const forced = await repo.run(['repro', '--force', refusedStage]);
          assert.equal(forced.code, 0, forced.all);
          assert.equal((await repo.run(['repro'])).code, 0);
        }
      }
      assert.equal(await repo.read('final.txt'), 'ALPHA\nBETA\n');
      assert.equal(await repo.read('pack/sub/f.txt'), 'ALPHA\nBETA\n');
      assert.ok(!(await repo.exists('pack/sub/extra.txt')));
      await waitWarm(repo, 'a warm answer after the repairs');
    } finally {
      await watcher.stop();
      await repo.remove();
    }
  });

  test('after a change to a dep, a param, the pipeline: status is not answered warm and reports the change, as the cold status does', async () => {
    // The stage sleeps, so the watcher's own rerun cannot end before the two statuses ran.
    const files = { ...PIPELINE, 'pipeline.yaml': PIPELINE['pipeline.yaml'].replace('cmd: cat', 'cmd: sleep 4 && cat') };
    const repo = await builtRepo(files);
    const watcher = startWatcher(repo);
    try {
      const changes: [string, () => Promise<void>, RegExp][] = [
        ['a file in a dep directory', () => writeFile(repo.path('data/sub/b.txt'), 'BETA?\n'), /^up: stale\n {4}dep modified: data/m],
        ['a new file in a dep directory', () => writeFile(repo.path('data/sub/new.txt'), 'new\n'), /^up: stale\n {4}dep modified: data/m],
        ['a param', () => writeFile(repo.path('params.yaml'), 'lr: 2\n'), /^up: stale\n {4}param modified: params\.yaml:lr 1 -> 2/m],
        ['the pipeline', async () => writeFile(repo.path('pipeline.yaml'), (await repo.read('pipeline.yaml')).replace('&& cat', '&&  cat')), /^up: stale.*\n {4}cmd changed/m],
      ];
      for (const [what, change, reported] of changes) {
        await waitWarm(repo, `a warm answer before: ${what}`);
        await change();
        const warm = await repo.run(['status'], { env: TRACE });
        assert.ok(!answeredWarm(warm), `${what}: answered warm:\n${warm.all}`);
        // What the cold status says, started while the watcher's rerun sleeps.
        assert.match(warm.stdout, reported, what);
        assert.doesNotMatch(warm.stdout, /Data and pipelines are up to date/, what);
        // Put it back (the watcher's rerun or this) before the next change.
        await writeFile(repo.path('data/sub/b.txt'), 'beta\n');
        await rm(repo.path('data/sub/new.txt'), { force: true });
        await writeFile(repo.path('params.yaml'), 'lr: 1\n');
        await writeFile(repo.path('pipeline.yaml'), files['pipeline.yaml']);
        await repo.run(['repro', '--wait'], { env: COLD });
      }
    } finally {
      await watcher.stop();
      await repo.remove();
    }
  });

  test('race: a write finished before the question is always seen (socket level, 40 rounds; CLI level, 5 rounds)', async () => {
    const repo = await builtRepo();
    const watcher = startWatcher(repo);
    try {
      // mid.txt is an out (no watcher run follows its change) and a dep of `down`.
      for (let round = 0; round < 40; round++) {
        await waitWarm(repo, `warm before round ${round}`);
        writeFileSync(repo.path('mid.txt'), `changed ${round}\n`);
        const answer = await ask(repo.root, 'status');
        assert.notEqual(answer.upToDate, true, `round ${round}: a write made before the question was not seen`);
        writeFileSync(repo.path('mid.txt'), 'alpha\nbeta\n');
      }
      for (let round = 0; round < 5; round++) {
        await waitWarm(repo, `warm before CLI round ${round}`);
        await writeFile(repo.path('mid.txt'), `changed ${round}\n`);
        const r = await repo.run(['status'], { env: TRACE });
        assert.ok(!answeredWarm(r), r.all);
        assert.match(r.stdout, /out modified: mid\.txt/);
        await writeFile(repo.path('mid.txt'), 'alpha\nbeta\n');
      }
    } finally {
      await watcher.stop();
      await repo.remove();
    }
  });
});
