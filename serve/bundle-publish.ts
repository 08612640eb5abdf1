// Promotion puts the candidate's bundle where the champion's is, the way `package` publishes
// one: the files are copied into a new folder beside the champion's and checked against the
// candidate's manifest, then swapped in by renames. The champion's BundleHolder sees the new
// folder at its next poll and hot-switches, so no request is dropped; meanwhile (and if
// anything fails) the old champion keeps serving. Only file names the manifest lists are copied,
// and a name with a path in it is refused, so a manifest cannot make this write elsewhere.

import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sha256 as sha256Hex } from '../stages/lib/io.js';
import { BundleError } from './bundle.js';

const MANIFEST = 'manifest.json';
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

async function manifestFiles(dir: string): Promise<Record<string, { sha256: string }>> {
  const file = join(dir, MANIFEST);
  let files: unknown;
  try {
    files = (JSON.parse(await readFile(file, 'utf8')) as { files?: unknown }).files;
  } catch (e) {
    throw new BundleError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (typeof files !== 'object' || files === null) throw new BundleError(`${file} lists no files`);
  for (const name of Object.keys(files)) {
    if (!PLAIN_NAME.test(name) || name === MANIFEST) throw new BundleError(`${file} lists '${name}', which is not a plain file name of the bundle`);
  }
  return files as Record<string, { sha256: string }>;
}

async function copyChecked(from: string, to: string, sha256: string | undefined): Promise<void> {
  await copyFile(from, to);
  if (sha256 === undefined) return;
  const digest = sha256Hex(await readFile(to));
  if (digest !== sha256) throw new BundleError(`${from} does not match its manifest (sha256 ${digest.slice(0, 12)}…)`);
}

/** Replace the bundle folder `to` by a checked copy of the bundle folder `from`. */
export async function publishBundle(from: string, to: string): Promise<void> {
  const files = await manifestFiles(from);
  const tag = `${process.pid}.${randomBytes(4).toString('hex')}`;
  const staging = join(dirname(to), `.${basename(to)}.promote.${tag}.tmp`);
  const previous = join(dirname(to), `.${basename(to)}.replaced.${tag}.tmp`);
  await mkdir(staging, { recursive: false });
  try {
    for (const [name, entry] of Object.entries(files)) await copyChecked(join(from, name), join(staging, name), entry?.sha256);
    // The manifest last: a folder without it is never taken for a bundle.
    await copyFile(join(from, MANIFEST), join(staging, MANIFEST));
    await rename(to, previous);
    await rename(staging, to).catch(async (e: unknown) => {
      await rename(previous, to);
      throw e;
    });
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e instanceof BundleError ? e : new BundleError(`cannot publish ${from} as ${to}: ${(e as Error).message}`);
  }
  await rm(previous, { recursive: true, force: true });
}
