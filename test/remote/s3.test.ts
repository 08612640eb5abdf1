import { after } from 'node:test';
import { s3Remote, startSwift, swiftMissing, type SwiftServer } from './servers.js';
import { remoteSuite } from './suite.js';

// Against a real S3-compatible server (OpenStack Swift + s3api) started here on 127.0.0.1.
const missing = await swiftMissing();
if (missing) process.stdout.write(`# skipping the S3 suite: ${missing}\n`);
let server: SwiftServer | undefined;
after(async () => {
  await server?.stop();
});
remoteSuite(
  's3 (Swift s3api)',
  async () => {
    server ??= await startSwift();
    return s3Remote(server);
  },
  missing ?? false,
);
