// Parsing libraries loaded on first use. Loading `yaml` costs about 25 ms of start-up (some 70
// files) and smol-toml a few more; a command whose pipeline, lock and config come from their
// parse caches needs neither. Both are loaded through their CommonJS builds, so a parse stays
// synchronous, and Node gives require and import the same instance.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let yamlLib: typeof import('yaml') | undefined;
export function yaml(): typeof import('yaml') {
  yamlLib ??= require('yaml') as typeof import('yaml');
  return yamlLib;
}

let tomlLib: typeof import('smol-toml') | undefined;
export function toml(): typeof import('smol-toml') {
  tomlLib ??= require('smol-toml') as typeof import('smol-toml');
  return tomlLib;
}
