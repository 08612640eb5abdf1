// The Slurm commands dvc-ts runs, each in one place: sbatch (submit), squeue (watch every job at
// once), scancel (stop), scontrol ping (is the controller up). Counted, so a benchmark can show
// that the calls per poll do not grow with the number of jobs.
import { execa } from 'execa';
import { UserError } from '../../errors.js';
import { parseQueue, parseSubmitted, QUEUE_FORMAT, type QueueEntry } from './job.js';

export class SlurmCli {
  /** Calls made, by command: `squeue` stays one per poll whatever the number of jobs. */
  readonly calls = { sbatch: 0, squeue: 0, scancel: 0, scontrol: 0 };

  /** A clear error before anything is submitted when Slurm's commands or its controller are missing. */
  async checkReachable(): Promise<void> {
    this.calls.scontrol++;
    const ping = await execa('scontrol', ['ping'], { reject: false, timeout: 30_000 });
    if (ping.failed && (ping.code === 'ENOENT' || /ENOENT/.test(String(ping.message)))) {
      throw new UserError("Slurm's commands are not installed here (no 'scontrol' on PATH): cannot use the slurm executor", {
        exitCode: 1,
        details: ['install Slurm\'s client commands, or run with --executor local'],
      });
    }
    if (ping.exitCode !== 0 || !/\bUP\b/.test(ping.stdout)) {
      const said = (ping.stdout + '\n' + ping.stderr).trim().split('\n')[0] ?? '';
      throw new UserError(`the Slurm controller is not reachable: ${said || `scontrol ping exited with ${ping.exitCode}`}`, {
        exitCode: 1,
        details: ['check `sinfo`; nothing was submitted'],
      });
    }
  }

  /** Submit; the job id, or sbatch's own words when it refused the job. */
  async submit(args: string[]): Promise<{ id: string } | { refused: string }> {
    this.calls.sbatch++;
    const result = await execa('sbatch', args, { reject: false });
    const id = result.exitCode === 0 ? parseSubmitted(result.stdout) : undefined;
    if (id) return { id };
    const said = result.stderr.split('\n').map((l) => l.replace(/^sbatch: error: /, '').trim()).filter(Boolean);
    return { refused: said.join('; ') || (result.shortMessage ?? 'sbatch failed') };
  }

  /** Every listed job the controller still knows, in one call. */
  async queue(ids: string[]): Promise<Map<string, QueueEntry>> {
    this.calls.squeue++;
    const result = await execa('squeue', ['-h', '-t', 'all', '-j', ids.join(','), '-o', QUEUE_FORMAT], { reject: false });
    // None of the ids known any more: squeue says "Invalid job id specified" and exits 1.
    if (result.exitCode !== 0 && !/Invalid job id/i.test(result.stderr)) {
      throw new UserError(`squeue failed: ${result.stderr.trim() || result.shortMessage}`, { exitCode: 1 });
    }
    return parseQueue(result.stdout);
  }

  /** This user's jobs the controller knows, with their comments (one call). */
  async myJobs(): Promise<Array<{ id: string; name: string; comment: string; state: string }>> {
    this.calls.squeue++;
    const result = await execa('squeue', ['-h', '-t', 'all', '--me', '-o', '%i|%T|%k|%j'], { reject: false });
    if (result.exitCode !== 0) throw new UserError(`squeue failed: ${result.stderr.trim() || result.shortMessage}`, { exitCode: 1 });
    return String(result.stdout)
      .split('\n')
      .map((l) => l.trim().split('|'))
      .filter(([id, state]) => id && state)
      .map(([id, state, comment, ...name]) => ({ id: id!, state: state!, comment: comment ?? '', name: name.join('|') }));
  }

  async cancel(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    this.calls.scancel++;
    await execa('scancel', ids, { reject: false });
  }
}
