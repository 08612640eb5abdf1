#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { environmentError, isUserError } from '../errors.js';
import { stopWritingWhenClosed } from '../run/output.js';
import { registerInit } from './init.js';
import { registerRepro } from './repro.js';
import { registerStatus } from './status.js';
import { registerStage } from './stage.js';
import { registerDag } from './dag.js';
import { registerCheckout } from './checkout.js';
import { registerPlots } from './plots.js';
import { registerMetrics } from './metrics.js';
import { registerParams } from './params.js';
import { registerGc } from './gc.js';
import { registerCommit } from './commit.js';
import { registerCache } from './cache.js';
import { registerExp } from './exp.js';
import { VERSION } from '../version.js';
// Tracked data and remotes (issue 11).
import { registerAdd } from './add.js';
import { registerRemote } from './remote.js';
import { registerPush } from './push.js';
import { registerPull } from './pull.js';
import { registerFetch } from './fetch.js';

/** Every command file registers itself; heavy modules are imported inside the actions only. */
export function buildProgram(): Command {
  const program = new Command('dvc-ts')
    .description('Declarative, content-hashed ML pipelines with gated stages (dvc.yaml-compatible)')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const register of [registerInit, registerRepro, registerStatus, registerStage, registerDag, registerCheckout, registerPlots, registerMetrics, registerParams, registerGc, registerCache, registerCommit, registerExp, registerAdd, registerRemote, registerPush, registerPull, registerFetch]) {
    register(program);
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    // A full disk, a read-only mount or a permission is the environment's, not a bug.
    const user = isUserError(e) ? e : environmentError(e);
    if (user) {
      process.stderr.write(`error: ${user.format()}\n`);
      return user.exitCode;
    }
    process.stderr.write(`dvc-ts: internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 3;
  }
}

const stdoutFailure = stopWritingWhenClosed(process.stdout);
stopWritingWhenClosed(process.stderr);
// Output lost to a full disk or the like is a failure; a reader that left (EPIPE) is not. Checked
// on exit, since a write error is reported after the write that failed.
process.once('exit', (code) => {
  const lost = stdoutFailure();
  if (!lost || lost.code === 'EPIPE') return;
  const why = environmentError(lost, { action: 'write to', path: 'the standard output' });
  process.stderr.write(`error: ${why ? why.format() : `cannot write to the standard output: ${lost.message}`}\n`);
  if (code === 0) process.exitCode = 1;
});
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`dvc-ts: ${String(e)}\n`);
    process.exitCode = 3;
  },
);
