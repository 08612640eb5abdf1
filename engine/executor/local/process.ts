import { execa } from 'execa';

export interface CommandOutcome {
  /** Exit code of the shell, or undefined when a signal ended it. */
  exitCode: number | undefined;
  signal: string | undefined;
  /** Set when the command could not start at all (no shell, bad cwd). */
  spawnError?: string;
}

export interface RunningCommand {
  pid: number | undefined;
  done: Promise<CommandOutcome>;
  /** Signal the command's whole process group: the shell and everything it started. */
  kill(signal: NodeJS.Signals): void;
}

export interface CommandOptions {
  cwd: string;
  env: Record<string, string>;
  /** Receives raw output chunks as they arrive. */
  onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/**
 * Run one command line with `sh -c` in a process group of its own. The group is what makes an
 * interrupt reliable: killing it reaches the children of children (python → torch workers, …),
 * which execa's own `timeout`/`kill` would miss since they signal the shell alone.
 */
export function startCommand(cmd: string, options: CommandOptions): RunningCommand {
  const child = execa('sh', ['-c', cmd], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    detached: true,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    cleanup: false,
    windowsHide: true,
  });
  // When the shell itself has exited, whatever it left running in its group (a `cmd &` it
  // forgot) would hold the output pipes open and outlive the stage: end it with the stage.
  child.once('exit', () => {
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGTERM');
  });
  child.stdout?.on('data', (chunk: Buffer) => options.onOutput('stdout', chunk));
  child.stderr?.on('data', (chunk: Buffer) => options.onOutput('stderr', chunk));
  const done = child.then(
    (result) => {
      const outcome: CommandOutcome = { exitCode: result.exitCode, signal: result.signal ?? undefined };
      if (result.failed && result.exitCode === undefined && !result.signal) outcome.spawnError = result.shortMessage;
      return outcome;
    },
    (error: Error) => ({ exitCode: undefined, signal: undefined, spawnError: error.message }),
  );
  return {
    pid: child.pid,
    done,
    kill(signal) {
      if (child.pid !== undefined) signalGroup(child.pid, signal);
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
