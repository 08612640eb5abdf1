#!/usr/bin/env node
// The CLI's entry. Start-up is paid on every command, so nothing heavy is imported here:
// `--version` is answered before commander loads, a known command loads only its own module
// (each of which imports its heavy modules inside its action), and `--help` or an unknown word
// loads every command module so help and suggestions are complete.
import type { Command } from 'commander';
import { VERSION } from '../version.js';

type Register = (program: Command) => void;

/** Every top-level command and the module that registers it (one command per file). */
const COMMANDS: Record<string, () => Promise<Register>> = {
  init: async () => (await import('./init.js')).registerInit,
  repro: async () => (await import('./repro.js')).registerRepro,
  status: async () => (await import('./status.js')).registerStatus,
  stage: async () => (await import('./stage.js')).registerStage,
  dag: async () => (await import('./dag.js')).registerDag,
  checkout: async () => (await import('./checkout.js')).registerCheckout,
  plots: async () => (await import('./plots.js')).registerPlots,
  metrics: async () => (await import('./metrics.js')).registerMetrics,
  params: async () => (await import('./params.js')).registerParams,
  gc: async () => (await import('./gc.js')).registerGc,
  cache: async () => (await import('./cache.js')).registerCache,
  commit: async () => (await import('./commit.js')).registerCommit,
  exp: async () => (await import('./exp.js')).registerExp,
  queue: async () => (await import('./queue.js')).registerQueue,
  // Tracked data and remotes.
  add: async () => (await import('./add.js')).registerAdd,
  remote: async () => (await import('./remote.js')).registerRemote,
  push: async () => (await import('./push.js')).registerPush,
  pull: async () => (await import('./pull.js')).registerPull,
  fetch: async () => (await import('./fetch.js')).registerFetch,
};

/**
 * The program with the commands `argv` can reach: only the named command when the first word
 * is one (its options and subcommands are its own), else all of them.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const { Command } = await import('commander');
  const program = new Command('dvc-ts')
    .description('Declarative, content-hashed ML pipelines with gated stages (dvc.yaml-compatible)')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride();
  const first = argv[2];
  const names = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
  const registers = await Promise.all(names.map((n) => COMMANDS[n]!()));
  for (const register of registers) register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const [{ CommanderError }, { environmentError, isUserError }] = await Promise.all([import('commander'), import('../errors.js')]);
  try {
    const program = await buildProgram(argv);
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

async function guardOutput(): Promise<void> {
  const { stopWritingWhenClosed } = await import('../run/output.js');
  const stdoutFailure = stopWritingWhenClosed(process.stdout);
  stopWritingWhenClosed(process.stderr);
  // Output lost to a full disk or the like is a failure; a reader that left (EPIPE) is not.
  // Checked on exit, since a write error is reported after the write that failed.
  const { environmentError } = await import('../errors.js');
  process.once('exit', (code) => {
    const lost = stdoutFailure();
    if (!lost || lost.code === 'EPIPE') return;
    const why = environmentError(lost, { action: 'write to', path: 'the standard output' });
    process.stderr.write(`error: ${why ? why.format() : `cannot write to the standard output: ${lost.message}`}\n`);
    if (code === 0) process.exitCode = 1;
  });
}

/**
 * A plain `repro` or `status` first asks a `repro --watch` running in this repository, if any
 * (engine/cli/warm-client.ts: built-in modules only); undefined means: do the work here.
 */
async function warmAnswer(argv: readonly string[]): Promise<number | undefined> {
  if (argv.length !== 3 || (argv[2] !== 'repro' && argv[2] !== 'status')) return undefined;
  const { answerWarm } = await import('./warm-client.js');
  return answerWarm(argv[2]);
}

const argv = process.argv;
if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  warmAnswer(argv)
    .then(async (code) => code ?? guardOutput().then(() => main(argv)))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        process.stderr.write(`dvc-ts: ${String(e)}\n`);
        process.exitCode = 3;
      },
    );
}
