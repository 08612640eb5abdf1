// `dvc-ts queue …`: the experiment queue; one sub-command per file in engine/cli/queue/.
import type { Command } from 'commander';
import { registerQueueKill } from './queue/kill.js';
import { registerQueueLogs } from './queue/logs.js';
import { registerQueueRemove } from './queue/remove.js';
import { registerQueueStart } from './queue/start.js';
import { registerQueueStatus } from './queue/status.js';

export function registerQueue(program: Command): void {
  const queue = program.command('queue').description('The experiment queue: status, logs, kill, remove, start');
  for (const register of [registerQueueStatus, registerQueueLogs, registerQueueKill, registerQueueRemove, registerQueueStart]) register(queue);
}
