// What runs for one workload: the workspaces to set up and the groups of rows to time, for
// whichever tools are available.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked, type CommandSpec } from './exec.js';
import { changeDepFile, dropDvcTsState, makeWorkspace, removeOuts, resetDvcTs, writeWorkloadData } from './materialize.js';
import type { PlannedRow } from './measure.js';
import { renderCommandsScript, renderMakefile, renderPipelineYaml, renderSnakefile } from './render.js';
import type { GroupId } from './results.js';
import type { Workload } from './workloads.js';
import { WarmWatcher } from './warm.js';

/** Absolute paths of the programs a plan may use; an absent one means its rows are left out. */
export interface Programs {
  node: string;
  /** The built dvc-ts CLI (`dist/engine/bin/main.js`, the bundle). */
  cli: string;
  make?: string;
  snakemake?: string;
  dvc?: string;
  b3sum?: string;
  sha256sum?: string;
  taskset?: string;
  vmtouch?: string;
}

export interface PlanOptions {
  /** Rows of make, Snakemake, DVC and the physical rows. */
  peers: boolean;
  /** Only dvc-ts's cold and no-op rows (the linearity run). */
  minimal?: boolean;
}

export interface WorkloadPlan {
  setup: () => Promise<void>;
  groups: PlannedRow[][];
  /** Untimed, after each group (stops the warm watcher). */
  afterGroup?: () => Promise<void>;
  /** Caveats for the report, under the workload's table. */
  notes: string[];
}

interface Workspaces {
  data: string;
  dvcTs: string;
  commands: string;
  make: string;
  snakemake: string;
  dvc: string;
}

/** More files than this are given to the physical tools through `find | xargs`, not argv. */
const FILES_ON_COMMAND_LINE = 20_000;

export function planWorkload(workload: Workload, baseDir: string, programs: Programs, options: PlanOptions): WorkloadPlan {
  const ws: Workspaces = {
    data: join(baseDir, 'data'),
    dvcTs: join(baseDir, 'dvc-ts'),
    commands: join(baseDir, 'commands'),
    make: join(baseDir, 'make'),
    snakemake: join(baseDir, 'snakemake'),
    dvc: join(baseDir, 'dvc'),
  };
  const peers = options.peers && !options.minimal;
  const canRun = (tool: 'make' | 'snakemake' | 'dvc') => peers && (workload.peers ?? [tool]).includes(tool);
  const make = canRun('make') ? programs.make : undefined;
  // On W4 plain make tries its built-in rules on 100,000 files (minutes a run): -r for every row.
  const makeBuild = workload.id === 'W4' ? ['-r'] : [];
  const snakemake = canRun('snakemake') ? programs.snakemake : undefined;
  const dvc = canRun('dvc') ? programs.dvc : undefined;
  const withCommands = !options.minimal;
  const dvcTs = (...args: string[]): CommandSpec => ({ argv: [programs.node, programs.cli, ...args], cwd: ws.dvcTs });
  const stages = workload.stages.length;

  const setup = async () => {
    await writeWorkloadData(ws.data, workload);
    await makeWorkspace(ws.data, ws.dvcTs, workload);
    await writeFile(join(ws.dvcTs, 'pipeline.yaml'), renderPipelineYaml(workload));
    await runChecked(dvcTs('init'));
    if (withCommands) {
      await makeWorkspace(ws.data, ws.commands, workload);
      await writeFile(join(ws.commands, 'run-commands.sh'), renderCommandsScript(workload));
    }
    if (make) {
      await makeWorkspace(ws.data, ws.make, workload);
      await writeFile(join(ws.make, 'Makefile'), renderMakefile(workload));
    }
    if (snakemake) {
      await makeWorkspace(ws.data, ws.snakemake, workload);
      await writeFile(join(ws.snakemake, 'Snakefile'), renderSnakefile(workload));
    }
    if (dvc) {
      await makeWorkspace(ws.data, ws.dvc, workload);
      await writeFile(join(ws.dvc, 'dvc.yaml'), renderPipelineYaml(workload));
      await runChecked({ argv: [dvc, 'init', '--no-scm', '-q'], cwd: ws.dvc });
    }
  };

  const row = (group: GroupId, key: string, figure: string, tool: string, label: string, cmd: CommandSpec, extra: Partial<PlannedRow> = {}): PlannedRow => ({
    group,
    key,
    figure,
    tool,
    label,
    cmd,
    ...extra,
  });

  // Cold: every tool from nothing (no outs, no state, no cache), and the commands alone.
  const cold: PlannedRow[] = [];
  if (withCommands) cold.push(row('cold', 'commands', 'commands alone', 'sh', 'sh run-commands.sh', { argv: ['sh', 'run-commands.sh'], cwd: ws.commands }, { prepare: () => removeOuts(ws.commands, workload) }));
  cold.push(row('cold', 'dvc-ts:repro', 'cold repro', 'dvc-ts', 'dvc-ts repro', dvcTs('repro'), { prepare: () => resetDvcTs(ws.dvcTs, workload) }));
  if (make) cold.push(row('cold', 'make:build', 'cold build', 'make', ['make', ...makeBuild].join(' '), { argv: [make, ...makeBuild], cwd: ws.make }, { prepare: () => removeOuts(ws.make, workload) }));
  if (snakemake) {
    cold.push(row('cold', 'snakemake:build', 'cold build', 'snakemake', 'snakemake --cores 1', { argv: [snakemake, '--cores', '1'], cwd: ws.snakemake }, {
      prepare: async () => {
        await removeOuts(ws.snakemake, workload);
        await rm(join(ws.snakemake, '.snakemake'), { recursive: true, force: true });
      },
    }));
  }
  if (dvc) {
    cold.push(row('cold', 'dvc:repro', 'cold repro', 'dvc', 'dvc repro', { argv: [dvc, 'repro'], cwd: ws.dvc }, {
      prepare: async () => {
        await removeOuts(ws.dvc, workload);
        await rm(join(ws.dvc, 'dvc.lock'), { force: true });
        for (const d of ['cache', 'tmp']) await rm(join(ws.dvc, '.dvc', d), { recursive: true, force: true });
      },
    }));
  }

  // No-op: nothing changed since the last build. The floors are node's own start-up and
  // `make -r -q`, which stats the same files; plain `make -q` is shown but is no floor: it tries
  // make's built-in implicit rules on every data file (seconds on W1).
  const noop: PlannedRow[] = [];
  if (withCommands) {
    noop.push(row('noop', 'node:start', 'node start-up', 'node', 'node -e 0', { argv: [programs.node, '-e', '0'], cwd: ws.dvcTs }));
    if (workload.id === 'W1') {
      noop.push(row('noop', 'dvc-ts:version', 'start-up', 'dvc-ts', 'dvc-ts --version', dvcTs('--version')));
      noop.push(row('noop', 'dvc-ts:help', 'start-up', 'dvc-ts', 'dvc-ts --help', dvcTs('--help')));
    }
  }
  if (make) {
    // -r drops make's built-in implicit rules: the true floor of an mtime check.
    noop.push(row('noop', 'make:rq', 'no-op check (floor)', 'make', 'make -r -q', { argv: [make, '-r', '-q'], cwd: ws.make }));
    if (makeBuild.length === 0) {
      noop.push(row('noop', 'make:q', 'no-op check (built-in rules tried)', 'make', 'make -q', { argv: [make, '-q'], cwd: ws.make }));
      noop.push(row('noop', 'make:noop', 'no-op build', 'make', 'make', { argv: [make], cwd: ws.make }));
    }
  }
  // The warm path (W1): a `repro --watch` answers; it is stopped before every cold row.
  const warm = workload.id === 'W1' && !options.minimal ? new WarmWatcher(programs.node, programs.cli, ws.dvcTs) : undefined;
  const coldRow = warm ? { prepare: () => warm.stop() } : {};
  noop.push(row('noop', 'dvc-ts:status', 'no-op status (cold: no watcher)', 'dvc-ts', 'dvc-ts status', dvcTs('status'), coldRow));
  noop.push(row('noop', 'dvc-ts:repro', 'no-op repro (cold: no watcher)', 'dvc-ts', 'dvc-ts repro', dvcTs('repro'), coldRow));
  if (warm) {
    const warmRow = { prepare: () => warm.ready() };
    noop.push(row('noop', 'dvc-ts:status:warm', 'no-op status (warm: repro --watch running)', 'dvc-ts', 'dvc-ts status', dvcTs('status'), warmRow));
    noop.push(row('noop', 'dvc-ts:repro:warm', 'no-op repro (warm: repro --watch running)', 'dvc-ts', 'dvc-ts repro', dvcTs('repro'), warmRow));
  }
  if (snakemake) {
    noop.push(row('noop', 'snakemake:n', 'no-op check', 'snakemake', 'snakemake -n', { argv: [snakemake, '-n', '--cores', '1'], cwd: ws.snakemake }));
    noop.push(row('noop', 'snakemake:noop', 'no-op build', 'snakemake', 'snakemake --cores 1', { argv: [snakemake, '--cores', '1'], cwd: ws.snakemake }));
  }
  if (dvc) {
    noop.push(row('noop', 'dvc:status', 'no-op status', 'dvc', 'dvc status', { argv: [dvc, 'status'], cwd: ws.dvc }));
    noop.push(row('noop', 'dvc:repro', 'no-op repro', 'dvc', 'dvc repro', { argv: [dvc, 'repro'], cwd: ws.dvc }));
  }

  const groups: PlannedRow[][] = [cold, noop];
  const afterGroup = async () => warm?.stop();
  if (options.minimal) return { setup, groups, afterGroup, notes: [] };

  // Cold hashing: the state cache deleted, the page cache left warm; the physical rows read the
  // same bytes (the same inodes: the workspace is hard-linked to data/).
  const isBig = workload.id === 'W3';
  for (const t of workload.hashTargets) {
    const group: GroupId = `hash-${t.label}`;
    const figure = `cold hashing (${t.label})`;
    const statusArgs = ['status', ...t.stages];
    const statusLabel = `dvc-ts ${statusArgs.join(' ')}`;
    const dropState = () => dropDvcTsState(ws.dvcTs);
    const rows: PlannedRow[] = [
      row(group, 'dvc-ts:status', figure, 'dvc-ts', `${statusLabel} (no state)`, dvcTs(...statusArgs), { prepare: dropState, bytes: t.bytes }),
      // The same with the state kept: the difference is the hashing alone, without start-up.
      row(group, 'dvc-ts:status-warm', figure, 'dvc-ts', `${statusLabel} (state kept)`, dvcTs(...statusArgs)),
    ];
    if (isBig && programs.taskset) {
      rows.push(row(group, 'dvc-ts:status-1core', figure, 'dvc-ts', `taskset -c 0 ${statusLabel} (no state)`, {
        argv: [programs.taskset, '-c', '0', programs.node, programs.cli, ...statusArgs],
        cwd: ws.dvcTs,
      }, { prepare: dropState, bytes: t.bytes }));
    }
    if (peers) {
      const files = t.files;
      const phys = (key: string, tool: string, label: string, argv: string[], bytes: number | undefined) =>
        rows.push(row(group, key, figure, tool, label, { argv, cwd: ws.data }, bytes !== undefined ? { bytes } : {}));
      // Past the kernel's argument limit the files are listed by find (its cost is in the figure).
      const viaFind = files.length > FILES_ON_COMMAND_LINE;
      const list = files.length === 1 ? files[0]! : `${t.walkDir}/… (${files.length} files)`;
      const over = (argv: string[]): string[] => (viaFind ? ['sh', '-c', `find ${t.walkDir} -type f -print0 | xargs -0 ${argv.join(' ')} > /dev/null`] : [...argv, ...files]);
      const shown = (cmd: string) => (viaFind ? `find ${t.walkDir} -type f -print0 | xargs -0 ${cmd}` : `${cmd} ${list}`);
      if (programs.b3sum) {
        phys('b3sum:1', 'b3sum', shown('b3sum --num-threads 1'), over([programs.b3sum, '--num-threads', '1']), t.bytes);
        phys('b3sum:all', 'b3sum', shown('b3sum'), over([programs.b3sum]), t.bytes);
      }
      if (programs.sha256sum) phys('sha256sum', 'sha256sum', shown('sha256sum'), over([programs.sha256sum]), t.bytes);
      phys('cat', 'cat', `${shown('cat')} > /dev/null`, over(['cat']), t.bytes);
      phys('find-stat', 'find', `find ${t.walkDir} -type f | xargs stat`, ['sh', '-c', `find ${t.walkDir} -type f | xargs stat > /dev/null`], undefined);
    }
    groups.push(rows);
  }

  // The same with the files' pages evicted (vmtouch -e: per file, harmless to other users).
  if (isBig && peers && programs.vmtouch) {
    const vmtouch = programs.vmtouch;
    for (const t of workload.hashTargets) {
      const group: GroupId = `evicted-${t.label}`;
      const figure = `page cache evicted (${t.label})`;
      const evict = () => runChecked({ argv: [vmtouch, '-q', '-e', ...t.files], cwd: ws.data });
      const statusArgs = ['status', ...t.stages];
      const rows: PlannedRow[] = [
        row(group, 'dvc-ts:status', figure, 'dvc-ts', `dvc-ts ${statusArgs.join(' ')} (no state, evicted)`, dvcTs(...statusArgs), {
          prepare: async () => {
            await dropDvcTsState(ws.dvcTs);
            await evict();
          },
          bytes: t.bytes,
        }),
      ];
      if (programs.b3sum) rows.push(row(group, 'b3sum:1', figure, 'b3sum', `b3sum --num-threads 1 (evicted)`, { argv: [programs.b3sum, '--num-threads', '1', ...t.files], cwd: ws.data }, { prepare: evict, bytes: t.bytes }));
      rows.push(row(group, 'cat', figure, 'cat', 'cat > /dev/null (evicted)', { argv: ['cat', ...t.files], cwd: ws.data }, { prepare: evict, bytes: t.bytes }));
      groups.push(rows);
    }
  }

  // One dep changed: new bytes each run (so no cache of an earlier run can answer).
  const changed: PlannedRow[] = [row('changed', 'dvc-ts:repro', 'repro after one dep changed', 'dvc-ts', 'dvc-ts repro', dvcTs('repro'), { prepare: (r) => changeDepFile(ws.dvcTs, workload, r + 1) })];
  if (make) changed.push(row('changed', 'make:build', 'build after one dep changed', 'make', ['make', ...makeBuild].join(' '), { argv: [make, ...makeBuild], cwd: ws.make }, { prepare: (r) => changeDepFile(ws.make, workload, r + 1) }));
  if (snakemake) changed.push(row('changed', 'snakemake:build', 'build after one dep changed', 'snakemake', 'snakemake --cores 1', { argv: [snakemake, '--cores', '1'], cwd: ws.snakemake }, { prepare: (r) => changeDepFile(ws.snakemake, workload, r + 1) }));
  if (dvc) changed.push(row('changed', 'dvc:repro', 'repro after one dep changed', 'dvc', 'dvc repro', { argv: [dvc, 'repro'], cwd: ws.dvc }, { prepare: (r) => changeDepFile(ws.dvc, workload, r + 1) }));
  groups.push(changed);

  const notes: string[] = [];
  if (workload.id === 'W4') {
    notes.push('Snakemake has no rows: a rule with 100,000 inputs takes it minutes to plan. make lists every file as a prerequisite of the one out and runs with -r (its built-in rules, tried on every file, would take minutes).');
  }
  if (workload.id === 'W5') {
    notes.push('Only dvc-ts (and DVC) read params: make and Snakemake have no rows. The figure that matters is peak RSS.');
  }
  if (workload.id === 'W2') {
    notes.push(`After the change dvc-ts reruns ${workload.rerunsAfterChange} stage (its out is unchanged, so early cutoff stops there); make and Snakemake go by mtimes and rerun all ${stages}.`);
  }
  if (isBig) {
    notes.push('make and Snakemake compare mtimes and read no data, so their cold and changed figures are not the same work as a content hash.');
    if (!programs.taskset) notes.push('taskset is missing: no 1-core row.');
  }
  return { setup, groups, afterGroup, notes };
}

/** Make the directory for one workload's files and workspaces. */
export async function workloadDir(root: string, id: string, suffix = ''): Promise<string> {
  const dir = join(root, `${id}${suffix}`);
  await mkdir(dir, { recursive: true });
  return dir;
}
