// The markdown report (pure): machine, tools, one table per workload with its ratios and
// derived figures, the targets, and the caveats.

import { checkTargets, comparisons, peakDvcTsRssKb, throughputMBps } from './analysis.js';
import type { BenchReport, MeasuredRow, WorkloadResult } from './results.js';
import { summarize } from './stats.js';

/** `0.84`, `12.3`, `456`, `12.3 s`: enough digits to compare, no more. */
export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

/** KiB (as GNU time reports) to decimal MB. */
export function formatMB(kb: number): string {
  return ((kb * 1024) / 1e6).toFixed(1);
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

function rowCells(r: MeasuredRow): string[] {
  const s = summarize(r.samplesMs);
  const rss = r.rssKb !== undefined ? formatMB(r.rssKb) : '';
  const mbps = throughputMBps(r);
  const note = r.error ? `failed: ${r.error}` : mbps !== undefined ? `${mbps >= 100 ? mbps.toFixed(0) : mbps.toPrecision(2)} MB/s` : '';
  if (!s) return [r.figure, r.tool, `\`${r.label}\``, '–', '–', '–', '0', rss, note || 'no sample'];
  return [r.figure, r.tool, `\`${r.label}\``, formatMs(s.median), formatMs(s.min), formatMs(s.max), String(s.n), rss, note];
}

function workloadSection(w: WorkloadResult): string[] {
  const lines = [`## ${w.title}: ${w.shape}`, ''];
  lines.push(...table(['figure', 'tool', 'command', 'median ms', 'min ms', 'max ms', 'runs', 'peak RSS MB', 'note'], w.rows.map(rowCells)), '');
  const comps = comparisons(w);
  if (comps.length > 0) {
    lines.push(`### ${w.id}: ratios and differences, pair by pair (same round)`, '');
    lines.push(
      ...table(
        ['comparison', 'median', 'min', 'max'],
        comps.map((c) => [c.title, c.value.median.toFixed(2), c.value.min.toFixed(2), c.value.max.toFixed(2)]),
      ),
      '',
    );
  }
  const rss = peakDvcTsRssKb(w);
  if (rss !== undefined) lines.push(`Peak RSS of dvc-ts on ${w.id}: ${formatMB(rss)} MB.`, '');
  for (const n of w.notes) lines.push(`- ${n}`);
  if (w.notes.length) lines.push('');
  return lines;
}

export function renderReport(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    '# dvc-ts benchmark',
    '',
    `- date: ${report.date}`,
    `- command: \`${report.command}\``,
    `- scale: ${report.scale}; timed runs per row: ${report.runs} after 1 warm-up (rows of a group run round-robin, so each ratio pairs runs of the same round)`,
    `- CPU: ${m.cpuModel}; cores: ${m.cores}; memory: ${m.memoryGiB.toFixed(1)} GiB`,
    `- Node: ${m.nodeVersion}; OS: ${m.os}`,
    ...(m.nodeStartupEnv?.length
      ? [`- set in the environment, slowing every node start-up (dvc-ts and \`node -e 0\` alike, not make or b3sum): ${m.nodeStartupEnv.join(', ')}`]
      : []),
    `- load average at start ${m.loadAvgStart.map((x) => x.toFixed(2)).join(' ')}, at end ${m.loadAvgEnd.map((x) => x.toFixed(2)).join(' ')}`,
    '',
    '## Tools',
    '',
    ...table(['tool', 'version'], report.tools.map((t) => [t.name, t.version ?? t.missing ?? ''])),
    '',
  ];
  for (const w of report.workloads) lines.push(...workloadSection(w));
  if (report.linearity) {
    const lin = report.linearity;
    lines.push(`## Linearity: W1 at scale ${lin.baseScale} (${lin.baseShape}) and ${lin.tenfoldScale} (${lin.tenfoldShape})`, '');
    lines.push(
      ...table(
        ['figure', 'command', `×1 median ms`, `×10 median ms`, 'ratio (10 = linear)', 'peak RSS MB ×1', 'peak RSS MB ×10'],
        lin.rows.map((r) => [
          r.figure,
          `\`${r.label}\``,
          r.baseMs !== undefined ? formatMs(r.baseMs) : '–',
          r.tenfoldMs !== undefined ? formatMs(r.tenfoldMs) : '–',
          r.baseMs !== undefined && r.tenfoldMs !== undefined ? (r.tenfoldMs / r.baseMs).toFixed(2) : '–',
          r.baseRssKb !== undefined ? formatMB(r.baseRssKb) : '',
          r.tenfoldRssKb !== undefined ? formatMB(r.tenfoldRssKb) : '',
        ]),
      ),
      '',
    );
  }
  lines.push('## Targets', '');
  if (report.scale !== 1) lines.push(`The targets are set for scale 1; this run used scale ${report.scale}, so they are indicative only.`, '');
  lines.push(...table(['target', 'goal', 'measured: median (min–max)', 'status'], checkTargets(report).map((t) => [t.target, t.goal, t.measured, t.status])), '');
  lines.push('## Notes', '');
  for (const n of report.notes) lines.push(`- ${n}`);
  return lines.join('\n') + '\n';
}
