// `repro --schedule CRON`: run at each tick of a cron pattern (croner), one run at a time — a
// tick that comes while a run is still going is skipped and said so — until `signal` aborts,
// which stops the schedule after the run in progress (whose own signal handling stops its
// stages on Ctrl-C).

import { Cron } from 'croner';
import { UserError } from '../errors.js';

export interface ScheduledRunOutcome {
  /** One line for the log: what the run did. */
  summary: string;
  interrupted: boolean;
}

export interface ScheduleReport {
  runs: number;
  skippedTicks: number;
  interrupted: boolean;
}

/** The pattern as croner reads it (5 fields, or 6 with seconds first, or @hourly…); a clear
 *  error naming the option when it is not one. */
export function parseSchedule(pattern: string): Cron {
  try {
    return new Cron(pattern, { paused: true });
  } catch (e) {
    throw new UserError(`--schedule '${pattern}' is not a cron pattern: ${(e as Error).message}`);
  }
}

export async function runOnSchedule(
  pattern: string,
  run: () => Promise<ScheduledRunOutcome>,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<ScheduleReport> {
  const probe = parseSchedule(pattern);
  const first = probe.nextRun();
  probe.stop();
  if (!first) throw new UserError(`--schedule '${pattern}' never fires`);
  const report: ScheduleReport = { runs: 0, skippedTicks: 0, interrupted: false };
  let running: Promise<void> | undefined;

  const tick = (job: Cron) => {
    const at = new Date().toISOString();
    if (running) {
      report.skippedTicks++;
      log(`Tick ${at}: skipped, the previous run is still going`);
      return;
    }
    report.runs++;
    const n = report.runs;
    log(`Tick ${at}: run ${n} starts`);
    running = run()
      .then((outcome) => {
        if (outcome.interrupted) report.interrupted = true;
        log(`Run ${n}: ${outcome.summary}${nextText(job, signal)}`);
      }, (e: unknown) => {
        log(`Run ${n} failed: ${e instanceof Error ? e.message : String(e)}${nextText(job, signal)}`);
      })
      .finally(() => {
        running = undefined;
      });
  };

  const job = new Cron(pattern, {}, tick);
  log(`Scheduled '${pattern}': first run at ${first.toISOString()} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  job.stop();
  if (running) log('Stopping after the run in progress…');
  await running;
  log(`Schedule stopped after ${report.runs} run(s)`);
  return report;
}

function nextText(job: Cron, signal: AbortSignal): string {
  if (signal.aborted) return '';
  const next = job.nextRun();
  return next ? `; next run at ${next.toISOString()}` : '; no further run';
}
