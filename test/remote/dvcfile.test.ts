import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDvcFile, serializeDvcFile } from '../../engine/tracked/dvcfile.js';
import { checkRemoteUrl, parseOptionValue } from '../../engine/remote/config.js';
import { remoteFor } from '../../engine/remote/open.js';
import { REMOTE_OPTIONS } from '../../engine/remote/schemes.js';
import { UserError } from '../../engine/errors.js';

const B3 = 'a'.repeat(64);

describe('.dvc files', () => {
  test('what dvc-ts writes reads back, in DVC layout with the hash named as DVC names md5', async () => {
    const text = serializeDvcFile('data/raw.dvc', 'data/raw', { hash: B3 + '.dir', size: 120, nfiles: 3 });
    assert.equal(text, `outs:\n- blake3: ${B3}.dir\n  size: 120\n  nfiles: 3\n  hash: blake3\n  path: raw\n`);
    const [out] = await parseDvcFile(text, 'data/raw.dvc');
    assert.deepEqual({ ...out, pos: undefined }, { dvcFile: 'data/raw.dvc', path: 'data/raw', hash: B3 + '.dir', size: 120, nfiles: 3, pos: undefined });
  });

  test("DVC's own md5 files are read unchanged (DVC 3 and DVC 2 forms)", async () => {
    const dvc3 = 'outs:\n- md5: 0cc175b9c0f1b6a831c399e269772661\n  size: 1\n  hash: md5\n  path: a.txt\n';
    const [a] = await parseDvcFile(dvc3, 'a.txt.dvc');
    assert.equal(a!.md5, '0cc175b9c0f1b6a831c399e269772661');
    assert.equal(a!.hash, undefined);
    const dvc2 = 'md5: 123\nouts:\n- md5: 0cc175b9c0f1b6a831c399e269772661.dir\n  size: 1\n  nfiles: 1\n  path: d\n';
    const [d] = await parseDvcFile(dvc2, 'd.dvc');
    assert.equal(d!.md5, '0cc175b9c0f1b6a831c399e269772661.dir');
  });

  test('bad files are refused with file:line:col', async () => {
    await assert.rejects(parseDvcFile('outs:\n- path: ../outside\n  blake3: ' + B3 + '\n', 'x.dvc'), (e: UserError) => e.pos?.line === 2 && /outside the repository/.test(e.message));
    await assert.rejects(parseDvcFile('outs:\n- path: a\n  hash: sha1\n  sha1: 12\n', 'x.dvc'), (e: UserError) => e.pos?.line === 3 && /unsupported hash/.test(e.message));
    await assert.rejects(parseDvcFile('outs: []\n', 'x.dvc'), /non-empty list/);
  });
});

describe('remote config values', () => {
  test('URLs: S3 buckets and folders; other schemes refused', () => {
    checkRemoteUrl('s3://my-bucket/team/cache');
    checkRemoteUrl('/mnt/share/dvc-ts');
    checkRemoteUrl('../remote');
    assert.throws(() => checkRemoteUrl('gs://bucket'), /unsupported remote URL/);
    assert.throws(() => checkRemoteUrl('s3://'), /unsupported remote URL/);
  });

  test('a URL of no known kind, written into the config by hand, is refused when opened (not taken for a folder)', async () => {
    await assert.rejects(remoteFor('/nonexistent-root', 'x', { url: 'gs://bucket/cache' }), /unsupported remote URL "gs:\/\/bucket\/cache"/);
    const folder = await remoteFor('/nonexistent-root', 'y', { url: '../shared', jobs: 3 });
    assert.equal(folder.defaultJobs, 3);
    // The options every kind reads are known to the config reader.
    assert.deepEqual(['url', 'jobs', 'pack_size', 'endpointurl', 'session_token'].filter((o) => !(o in REMOTE_OPTIONS)), []);
  });

  test('option values are typed', () => {
    assert.equal(parseOptionValue('jobs', '16'), 16);
    assert.equal(parseOptionValue('force_path_style', 'false'), false);
    assert.throws(() => parseOptionValue('jobs', '0'), /whole number/);
    assert.throws(() => parseOptionValue('colour', 'x'), /unknown remote option/);
  });
});
