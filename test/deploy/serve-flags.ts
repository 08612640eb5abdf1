// The options `serve` accepts, read from its own --help, for the tests that hold the image's and
// the chart's command lines against it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../helpers/repo.js';

let cached: Set<string> | undefined;

export function serveFlags(): Set<string> {
  cached ??= new Set(execFileSync(process.execPath, [join(PROJECT_ROOT, 'dist/serve/main.js'), '--help'], { encoding: 'utf8' }).match(/--[a-z][a-z0-9-]*/g) ?? []);
  return cached;
}
