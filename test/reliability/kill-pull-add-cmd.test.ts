// SIGKILL mid-run, then the same command again: see kill-commands.ts.
import { describeKillCommands } from './kill-commands.js';

describeKillCommands(['pull', 'add']);
