// Command-line flags of `npm run bench` (pure: argv in, options out).

import { UserError } from '../engine/errors.js';
import { WORKLOAD_IDS, type WorkloadId } from './workloads.js';

export interface BenchOptions {
  /** Multiplies every workload's size (1 = the sizes the issue names). */
  scale: number;
  /** Timed runs per row, after one warm-up run. */
  runs: number;
  only: WorkloadId[];
  /** Markdown report file (also printed to stdout). */
  out?: string;
  /** Run make, Snakemake, DVC and the physical rows (b3sum, sha256sum, cat, find). */
  peers: boolean;
  /** Also run W1 at ten times the scale and report how the cost grows. */
  linearity: boolean;
  /** Install missing Debian packages (b3sum, snakemake, time, vmtouch) when running as root. */
  install: boolean;
  /** Leave the temporary directory in place (for inspection). */
  keep: boolean;
  /** Seconds after which one run is killed and its row marked failed. */
  timeoutSec: number;
  /** Where the temporary directory is made (default: the OS temp dir). */
  dir?: string;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]
  --scale S        workload size factor (default 1; CI uses 0.01 or less)
  --runs N         timed runs per row after one warm-up (default 5)
  --only W1,W4     run only these workloads (W1 wide, W2 chain, W3 big, W4 many files, W5 large params)
  --out FILE       also write the markdown report (with CPU, cores, Node version) to FILE
  --no-peers       dvc-ts only: skip make, Snakemake, DVC and the b3sum/sha256sum/cat/find rows
  --linearity      also run W1 at 10× the scale and report the growth ratio (slow)
  --no-install     never apt-get install missing tools (by default: only when root)
  --timeout SEC    kill a run that takes longer and mark its row failed (default 900)
  --keep           keep the temporary directory
  --dir DIR        make the temporary directory under DIR
`;

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = { scale: 1, runs: 5, only: [...WORKLOAD_IDS], peers: true, linearity: false, install: true, keep: false, timeoutSec: 900, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0 && arg.startsWith('--')) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UserError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--scale': {
        const v = value();
        const s = Number(v);
        if (!Number.isFinite(s) || s <= 0) throw new UserError(`--scale: expected a number > 0, got '${v}'`);
        opts.scale = s;
        break;
      }
      case '--runs': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UserError(`--runs: expected a whole number ≥ 1, got '${v}'`);
        opts.runs = n;
        break;
      }
      case '--timeout': {
        const v = value();
        const t = Number(v);
        if (!Number.isFinite(t) || t <= 0) throw new UserError(`--timeout: expected seconds > 0, got '${v}'`);
        opts.timeoutSec = t;
        break;
      }
      case '--only':
        opts.only = parseOnly(value());
        break;
      case '--out':
        opts.out = value();
        break;
      case '--dir':
        opts.dir = value();
        break;
      case '--no-peers':
        opts.peers = false;
        break;
      case '--linearity':
        opts.linearity = true;
        break;
      case '--no-install':
        opts.install = false;
        break;
      case '--keep':
        opts.keep = true;
        break;
      case '-h':
      case '--help':
        opts.help = true;
        break;
      default:
        throw new UserError(`unknown option '${arg}'`, { details: USAGE.trimEnd().split('\n') });
    }
  }
  return opts;
}

function parseOnly(text: string): WorkloadId[] {
  const ids = text.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
  const bad = ids.filter((s) => !(WORKLOAD_IDS as readonly string[]).includes(s));
  if (bad.length > 0 || ids.length === 0) {
    throw new UserError(`--only: unknown workload ${bad.join(', ') || "''"}; expected some of ${WORKLOAD_IDS.join(', ')}`);
  }
  // Keep the canonical order whatever order was given.
  return WORKLOAD_IDS.filter((id) => ids.includes(id));
}
