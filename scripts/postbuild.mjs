#!/usr/bin/env node
// Run by `npm run build` after tsc:
// 1. precompiles the pipeline JSON Schema into a standalone validator (ajv's standalone code),
//    so no command pays for loading and compiling ajv at start-up (the options must stay those
//    of engine/pipeline/schema.ts's runtime fallback);
// 2. bundles the CLI that tsc built (dist/engine/cli/main.js) into dist/engine/bin/: one module
//    per command and a few shared chunks instead of some 70 modules and 150 package files a
//    command, which saves Node's loader about a quarter of a small command's CPU time. The
//    packages are bundled too, except those named in `external` below.
//    bin/ sits one level below dist/engine/ like every engine module, so assets found relative to
//    a module (`new URL('../…', import.meta.url)`) resolve the same from a chunk;
// 3. makes the CLI executable (npm links bins of dependencies, not of the package itself, and
//    `npx dvc-ts` in this repository runs the file directly);
// 4. writes dist/engine/build-id.txt, a hash of the built engine, so caches of parsed files
//    (.dvc-ts/state/) made by another build of dvc-ts are never trusted.
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { writeFileSync, renameSync, readdirSync, statSync, chmodSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { buildSync } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const schema = JSON.parse(readFileSync(`${root}/engine/schema/pipeline.schema.json`, 'utf8'));
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, code: { source: true } });
const validate = ajv.compile(schema);
const code = standaloneCode.default ? standaloneCode.default(ajv, validate) : standaloneCode(ajv, validate);
const out = `${root}/dist/engine/schema/pipeline.validate.cjs`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, code);
renameSync(`${out}.tmp`, out);

// Built beside, then swapped in, so a failed bundle never leaves half a CLI (or stale chunks).
const bin = `${root}/dist/engine/bin`;
rmSync(`${bin}.new`, { recursive: true, force: true });
buildSync({
  entryPoints: [`${root}/dist/engine/cli/main.js`],
  outdir: `${bin}.new`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Packages are bundled too (a command loads a few chunks instead of some 150 package files:
  // execa and commander alone are ~70, yaml another 70). yaml and smol-toml stay lazy inside the
  // bundle: engine/util/lazy-libs.ts requires them with the `require` of the banner below, which
  // esbuild turns into a module evaluated on first call. Left outside: the native BLAKE3 binding,
  // the AWS SDK (large, loaded only for s3:// remotes) and ajv, which the precompiled schema
  // validator requires at run time.
  external: ['@napi-rs/*', '@aws-sdk/*', 'ajv', 'ajv/*'],
  // CommonJS packages in an ES module bundle call require() for Node's built-ins.
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
  sourcemap: true, // follows tsc's maps: --enable-source-maps shows the TypeScript lines
  logLevel: 'warning',
});
rmSync(bin, { recursive: true, force: true });
renameSync(`${bin}.new`, bin);

function filesBelow(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = `${dir}/${name}`;
    return statSync(p).isDirectory() ? filesBelow(p) : /\.(js|cjs|json)$/.test(name) ? [p] : [];
  });
}
const digest = createHash('sha256');
for (const f of filesBelow(`${root}/dist/engine`)) {
  if (f.endsWith('build-id.txt')) continue;
  digest.update(f.slice(root.length)).update(readFileSync(f));
}
digest.update(readFileSync(`${root}/engine/schema/pipeline.schema.json`));
writeFileSync(`${root}/dist/engine/build-id.txt.tmp`, digest.digest('hex').slice(0, 16) + '\n');
renameSync(`${root}/dist/engine/build-id.txt.tmp`, `${root}/dist/engine/build-id.txt`);

chmodSync(`${bin}/main.js`, 0o755);
