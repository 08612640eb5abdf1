import { folderRemote } from './servers.js';
import { remoteSuite } from './suite.js';

remoteSuite('folder', folderRemote, false);
