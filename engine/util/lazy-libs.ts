// Parsing libraries loaded on first use. Loading `yaml` from node_modules costs about 25 ms of
// start-up (some 70 files) and smol-toml a few more; a command whose pipeline, lock and config come
// from their parse caches needs neither. Both are loaded through their CommonJS builds, so a parse
// stays synchronous, and Node gives require and import the same instance.
//
// The `require(...)` calls below are written with the free `require` on purpose: the CLI bundle
// (scripts/postbuild.mjs defines `require` in every chunk) sees them and bundles each package as a
// module evaluated on first call, one file instead of seventy. Unbundled (tsc's dist, the library
// entry point), `require` is not defined in an ES module and the package is required from disk.
import { createRequire } from 'node:module';

const bundled = typeof require === 'function';
const requireFromDisk = bundled ? undefined : createRequire(import.meta.url);

let yamlLib: typeof import('yaml') | undefined;
export function yaml(): typeof import('yaml') {
  yamlLib ??= (bundled ? require('yaml') : requireFromDisk!('yaml')) as typeof import('yaml');
  return yamlLib;
}

let tomlLib: typeof import('smol-toml') | undefined;
export function toml(): typeof import('smol-toml') {
  tomlLib ??= (bundled ? require('smol-toml') : requireFromDisk!('smol-toml')) as typeof import('smol-toml');
  return tomlLib;
}
