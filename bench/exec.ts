// Running one command and timing it. Children run in process groups of their own, so that an
// interrupt of the benchmark can stop whatever they started (make's shells, Snakemake's jobs).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';

export interface CommandSpec {
  /** Program and arguments; a shell pipeline is `['sh', '-c', '…']`. */
  argv: string[];
  cwd: string;
}

export interface TimedRun {
  ms: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last bytes of stderr, to say why a run failed. */
  stderrTail: string;
  /** Peak resident set size in KiB, when measured. */
  rssKb?: number;
}

/**
 * How the peak RSS of a run is measured: GNU time's %M (the command and its largest
 * descendant), or, without GNU time, polling the command's own `/proc/<pid>/status` VmHWM
 * (a high-water mark, so the last value read is the peak unless it rose in the final ms).
 */
export type RssProbe = { kind: 'gnu-time'; timeBin: string; file: string } | { kind: 'proc' };

const STDERR_TAIL_CHARS = 1500;
const PROC_POLL_MS = 5;
const live = new Set<number>();

/** Kill every process group still running (on Ctrl-C). */
export function killAllChildren(): void {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

/** VmHWM of a live process in KiB, or undefined once it is gone (pure parse of the file). */
export function parseVmHwm(status: string): number | undefined {
  const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

function readVmHwm(pid: number): number | undefined {
  try {
    return parseVmHwm(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Run a command with stdout discarded and time it from spawn to exit with the monotonic clock.
 * With `rss` the peak RSS is measured too, which perturbs the time (GNU time adds a process,
 * polling adds work), so callers ask for it only on warm-up runs.
 */
export function runTimed(cmd: CommandSpec, rss?: RssProbe, timeoutMs?: number): Promise<TimedRun> {
  const gnu = rss?.kind === 'gnu-time' ? rss : undefined;
  const argv = gnu ? [gnu.timeBin, '-f', '%M', '-o', gnu.file, ...cmd.argv] : cmd.argv;
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), { cwd: cmd.cwd, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    if (child.pid !== undefined) live.add(child.pid);
    let polledKb: number | undefined;
    const poll = () => {
      const kb = readVmHwm(child.pid!);
      if (kb !== undefined) polledKb = Math.max(polledKb ?? 0, kb);
    };
    const polling = rss?.kind === 'proc' && child.pid !== undefined;
    // spawn() returns once the program is exec'd, so a first reading is possible at once.
    if (polling) poll();
    const poller = polling ? setInterval(poll, PROC_POLL_MS) : undefined;
    let timedOut = false;
    const timer = timeoutMs !== undefined && child.pid !== undefined
      ? setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }, timeoutMs)
      : undefined;
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (poller) clearInterval(poller);
      if (timer) clearTimeout(timer);
      if (timedOut) tail = `timed out after ${(timeoutMs ?? 0) / 1000} s (--timeout)`;
      if (child.pid !== undefined) live.delete(child.pid);
      const done: TimedRun = { ms, exitCode: spawnError ? 127 : code, signal, stderrTail: spawnError ? spawnError.message : tail };
      if (polledKb !== undefined) done.rssKb = polledKb;
      if (!gnu) return resolve(done);
      void readRss(gnu.file).then((kb) => {
        if (kb !== undefined) done.rssKb = kb;
        resolve(done);
      });
    };
    // A command that cannot start emits 'error' and may never emit 'close'.
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** GNU time writes `Command exited with non-zero status N` before the figure on failure. */
export function parseTimeOutput(text: string): number | undefined {
  const lines = text.trim().split('\n');
  const last = lines[lines.length - 1]?.trim() ?? '';
  return /^\d+$/.test(last) ? Number(last) : undefined;
}

async function readRss(file: string): Promise<number | undefined> {
  try {
    return parseTimeOutput(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  } finally {
    await rm(file, { force: true });
  }
}

/** Run a setup command (untimed); rejects with its stderr when it fails. */
export async function runChecked(cmd: CommandSpec): Promise<void> {
  const r = await runTimed(cmd);
  if (r.exitCode !== 0) {
    throw new Error(`'${cmd.argv.join(' ')}' in ${cmd.cwd} failed (${r.signal ?? `exit ${r.exitCode}`}): ${r.stderrTail.trim()}`);
  }
}

/** Run a command and collect its stdout (short outputs: versions, `command -v`). */
export function capture(argv: string[], cwd = process.cwd()): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: e.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
